"""The audit trail page: what happened in a municipality, newest first."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from mcok import access, audit, params
from mcok.lists import PAGE_SIZE


class AuditFilterForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    kind = forms.ChoiceField(label=_("Kind of event"), required=False)
    date_from = forms.DateField(
        label=_("Date from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[params.date_in_years],  # the day after 9999-12-31 overflows
    )
    date_to = forms.DateField(
        label=_("Date to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[params.date_in_years],  # the day after 9999-12-31 overflows
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [(m.slug, m.name) for m in municipalities]
        self.fields["kind"].choices = [("", gettext("All events")), *audit.KINDS]
        if len(municipalities) < 2:
            del self.fields["municipality"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(gettext("The start date is later than the end date."))
        return data


@require_GET
@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    municipalities = list(access.municipalities_audited_by(request.user))
    if not municipalities:
        raise PermissionDenied(
            gettext("Only coordinators, administrators and the head of the department read the audit trail.")
        )
    slug = params.query(request.GET, "municipality")
    if slug:
        municipality = next((m for m in municipalities if m.slug == slug), None)
        if municipality is None:
            raise Http404
    else:
        municipality = municipalities[0]
    data = request.GET.copy()
    data.setdefault("municipality", municipality.slug)
    form = AuditFilterForm(data, municipalities=municipalities)
    cleaned = form.cleaned_data if form.is_valid() else {}
    trail = audit.audit_trail(
        municipality,
        kind=cleaned.get("kind", ""),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "municipality": municipality,
        "page": Paginator(trail, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "heading": gettext("Audit trail"),
    }
    return render(request, "mcok/audit.html", context)


urlpatterns = [
    path("audit/", audit_trail, name="audit"),
]
