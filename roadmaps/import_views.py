"""The page that imports roadmaps from a Word document or an XLSX workbook: upload → a preview of the
titles, sections, events (with their deadlines as the portal reads them) and the responsible names
matched or not → confirm → the first roadmap created.

The uploaded file waits between the steps under MEDIA_ROOT/imports/ named by a random token kept in
the session; the confirmation names only that token, and the file is read and checked again before
anything is written, then deleted. Who may import: those who make roadmaps in the municipality
(roadmaps.access: the coordinators of the chosen direction, the municipality's coordinators for a
roadmap bound to none, and the head). Anyone else gets a 404, as for a municipality that does not exist;
a direction not theirs is refused with 403.
"""

import re
import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions.models import Direction
from mcok.models import Municipality
from roadmaps import access, docx_reader, imports
from roadmaps.roadmap_forms import direction_refused

SESSION_KEY = "roadmaps:import"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".docx", ".xlsx")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SHOWN_EVENTS = 500  # per roadmap in the preview


def municipalities_for_import(user) -> QuerySet[Municipality]:
    """The municipalities where `user` may make roadmaps, hence import them."""
    allowed = [municipality.pk for municipality in access.roadmap_municipalities_for(user)]
    return Municipality.objects.filter(pk__in=allowed)


class RoadmapImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    direction = forms.ModelChoiceField(
        label=gettext_lazy("Direction"),
        queryset=Direction.objects.none(),
        required=False,
        help_text=gettext_lazy("Optional: the direction the roadmap serves."),
    )
    file = forms.FileField(
        label=gettext_lazy("Word document or Excel workbook"),
        help_text=gettext_lazy(
            "A .docx with the roadmap table (№, Мероприятие, Ответственные, Сроки, Планируемый "
            "результат), or an .xlsx with the same columns. At most 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.xlsx"}),
    )

    def __init__(self, *args, municipalities: QuerySet[Municipality], user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # the page always names the user; without one no direction is offered
        self.fields["municipality"].queryset = municipalities
        directions = access.directions_for(user, approve=True) if user else Direction.objects.none()
        self.fields["direction"].queryset = (
            directions.filter(municipality__in=municipalities)
            .select_related("municipality")
            .order_by("municipality__name", "code")
        )
        self.fields["direction"].label_from_instance = lambda d: f"{d.municipality.name}: {d.code} {d.name}"
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].slug

    def clean_file(self):
        file = self.cleaned_data["file"]
        if Path(file.name or "").suffix.lower() not in EXTENSIONS:
            raise ValidationError(_("Upload a Word document (.docx) or an Excel workbook (.xlsx)."))
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return file

    def clean(self):
        cleaned = super().clean()
        municipality, direction = cleaned.get("municipality"), cleaned.get("direction")
        if municipality and direction and direction.municipality_id != municipality.pk:
            self.add_error("direction", _("The direction belongs to another municipality."))
        elif (
            municipality
            and direction is None
            and "direction" not in self.errors
            and self.user is not None
            and not access.may_leave_unbound(self.user, municipality, approve=True)
        ):
            self.add_error("direction", _("Choose the direction the roadmap serves."))
        return cleaned


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _stored(token: str, extension: str) -> Path | None:
    if not TOKEN.match(token or "") or extension not in EXTENSIONS:
        return None
    return _folder() / f"roadmap-{token}{extension}"


def _forget(request: HttpRequest) -> None:
    """Drop the waiting upload, its file included."""
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        stored = _stored(pending.get("token", ""), pending.get("extension", ""))
        if stored is not None:
            stored.unlink(missing_ok=True)


@login_required
def roadmap_import(request: HttpRequest) -> HttpResponse:
    allowed = municipalities_for_import(request.user)
    if not allowed.exists():
        raise Http404
    if request.method == "POST" and "cancel" in request.POST:
        _forget(request)
        messages.info(request, _("The import is cancelled; the file is deleted."))
        return redirect("roadmaps:import")
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, allowed)
    slug = request.POST.get("municipality")
    if request.method == "POST" and slug and not allowed.filter(slug=slug).exists():
        raise Http404  # the same answer for "no such municipality" and "not yours"
    posted = request.method == "POST"  # an empty POST is bound too: it gets the form's errors
    form = RoadmapImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        municipalities=allowed,
        user=request.user,
    )
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        direction = form.cleaned_data["direction"]
        upload = form.cleaned_data["file"]
        content = b"".join(upload.chunks())
        extension = Path(upload.name).suffix.lower()
        try:
            result = imports.read_file(content, upload.name)
        except docx_reader.RoadmapFileError as error:
            _forget(request)  # a new upload replaces the one waiting, even a refused one
            form.add_error("file", str(error))
            return render(request, "roadmaps/import/upload.html", context)
        summary = imports.roadmaps_import(
            result=result, municipality=municipality, direction=direction, by=request.user, dry_run=True
        )
        # One file waits at a time: a new upload replaces the one before.
        _forget(request)
        token = secrets.token_urlsafe(24)
        stored = _stored(token, extension)
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(content)
        request.session[SESSION_KEY] = {
            "token": token,
            "extension": extension,
            "filename": upload.name,
            "municipality": municipality.pk,
            "direction": direction.pk if direction else None,
        }
        context |= _preview(summary, token, upload.name, municipality, direction)
    elif request.method == "POST":
        municipality = form.cleaned_data.get("municipality")
        if municipality is not None and direction_refused(form, municipality):
            raise PermissionDenied(access.REFUSED_DIRECTION)
    return render(request, "roadmaps/import/upload.html", context)


def _confirm(request: HttpRequest, allowed: QuerySet[Municipality]) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    stored = _stored(pending.get("token", ""), pending.get("extension", ""))
    if not pending or token != pending.get("token") or stored is None or not stored.is_file():
        _forget(request)
        messages.error(request, _("The preview is out of date: upload the file again."))
        return redirect("roadmaps:import")
    municipality = allowed.filter(pk=pending["municipality"]).first()
    if municipality is None:
        _forget(request)
        raise Http404
    direction = None
    if pending.get("direction"):
        direction = (
            Direction.objects.select_related("municipality")
            .filter(pk=pending["direction"], municipality=municipality)
            .first()
        )
    if not access.may_edit_roadmaps(request.user, municipality, direction):
        _forget(request)
        raise PermissionDenied(access.REFUSED_DIRECTION)
    try:
        result = imports.read_file(stored.read_bytes(), pending["filename"])
    except docx_reader.RoadmapFileError as error:
        _forget(request)
        messages.error(request, str(error))
        return redirect("roadmaps:import")
    summary = imports.roadmaps_import(
        result=result, municipality=municipality, direction=direction, by=request.user, dry_run=False
    )
    _forget(request)
    created = summary["created"]
    messages.success(
        request,
        _("Imported from «%(file)s»: roadmaps %(roadmaps)s, events %(events)s.")
        % {
            "file": pending["filename"],
            "roadmaps": len(created),
            "events": sum(roadmap["events"] for roadmap in summary["roadmaps"]),
        },
    )
    try:
        return redirect(reverse("roadmaps:roadmap", args=[created[0]]))
    except NoReverseMatch:  # the roadmap page is not installed: stay on the import page
        return redirect("roadmaps:import")


def _preview(
    summary: dict, token: str, filename: str, municipality: Municipality, direction: Direction | None
) -> dict[str, Any]:
    roadmaps = []
    for roadmap in summary["roadmaps"]:
        items = roadmap["items"]
        roadmaps.append(
            roadmap
            | {
                "shown": items[:SHOWN_EVENTS],
                "more": max(len(items) - SHOWN_EVENTS, 0),
                "unmatched_count": sum(len(item["unmatched"]) for item in items),
            }
        )
    return {
        "preview": True,
        "token": token,
        "filename": filename,
        "municipality": municipality,
        "direction": direction,
        "roadmaps": roadmaps,
        "warnings": summary["warnings"],
    }


urlpatterns = [
    path("import/", roadmap_import, name="import"),
]
