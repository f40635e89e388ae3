"""The form of an analytic report: its kind, direction, period, title and conclusions."""

import json

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions.models import Direction
from mcok.models import Municipality, Period
from mcok.params import BoundedTexts
from mcok.periods import PeriodField
from reports.models import Report


def default_title(kind: str, direction: Direction | None, period: Period | None) -> str:
    """«Аналитическая справка по направлению 1.1 за 2024 год», or the summary's title."""
    if period is None:
        return ""
    if kind == Report.Kind.DIRECTION:
        if direction is None:
            return ""
        return _("Analytic report on direction %(code)s for %(period)s") % {
            "code": direction.code,
            "period": period.label,
        }
    return _("Municipal summary analytic report for %(period)s") % {"period": period.label}


class DirectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Direction) -> str:
        return f"{obj.code} {obj.name}"


class ReportForm(BoundedTexts, forms.ModelForm):
    """A report of `municipality`, of one of `directions` or a summary. The title may be left as
    suggested (or empty): it is then made from the direction and the period chosen, so changing them
    without JavaScript keeps it right."""

    suggested_title = forms.CharField(
        label=gettext_lazy("Suggested title"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Report
        fields = ["kind", "direction", "period", "title", "conclusions"]
        field_classes = {"direction": DirectionChoice, "period": PeriodField}
        widgets = {"conclusions": forms.Textarea(attrs={"rows": 12})}

    def __init__(
        self, *args, municipality: Municipality, directions: QuerySet[Direction] | None = None, **kwargs
    ):
        """`directions`: those the user may choose (reports.access.report_directions); every direction
        of the municipality when None."""
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        if directions is None:
            directions = Direction.objects.all()
        self.fields["direction"].queryset = (
            directions.filter(municipality=municipality)
            .select_related("block")
            .order_by("block__code", "code", "-valid_from__starts_on")
        )
        self.fields["direction"].required = False
        self.fields["direction"].empty_label = gettext_lazy("— none (a municipal summary) —")
        self.fields["direction"].help_text = gettext_lazy("Required for a report of a direction.")
        self.fields["period"].limit_to(
            municipality, include=[self.instance.period_id, self.initial.get("period")]
        )
        self.fields["title"].required = False
        # What static/reports/report_form.js needs to make the title as default_title does.
        self.fields["title"].widget.attrs |= {
            "data-title-direction": _("Analytic report on direction %(code)s for %(period)s")
            % {"code": "{code}", "period": "{period}"},
            "data-title-summary": _("Municipal summary analytic report for %(period)s")
            % {"period": "{period}"},
        }
        self.fields["direction"].widget.attrs["data-codes"] = json.dumps(
            {str(pk): code for pk, code in self.fields["direction"].queryset.values_list("pk", "code")},
            ensure_ascii=False,
        )
        self.fields["title"].help_text = gettext_lazy(
            "Left as suggested or empty, the title is made from the direction and the period."
        )
        if not self.is_bound:
            self.initial.setdefault("suggested_title", self.initial.get("title", ""))

    def clean(self):
        data = super().clean()
        kind, direction, period = data.get("kind"), data.get("direction"), data.get("period")
        if kind == Report.Kind.SUMMARY:
            data["direction"] = direction = None
        elif kind == Report.Kind.DIRECTION:
            if direction is None:
                self.add_error("direction", _("Choose the direction of the report."))
            elif (
                period is not None and not Direction.objects.valid_in(period).filter(pk=direction.pk).exists()
            ):
                self.add_error(
                    "direction",
                    _("Direction %(code)s is not in force in %(period)s.")
                    % {"code": direction.code, "period": period.label},
                )
        title = (data.get("title") or "").strip()
        if not title or title == (data.get("suggested_title") or "").strip():
            data["title"] = default_title(kind, direction, period) or title
        if not data.get("title") and not self.errors:
            self.add_error("title", _("Give the report a title."))
        return data
