"""Files in and out of monitoring: the Google Forms import, the XLSX template of a submission, and
the exports of a collection's answers.

The import takes three steps on one page: the file with the municipality, period and title; the
proposal (a question per column, with its code, type and «required» editable, the column naming
the organization) beside the dry run of every row; the import itself, after which the new
collection's page opens. Between the steps the uploaded file waits under MEDIA_ROOT/imports/ in a
file named by a random token that only the session knows; the browser never sends a path, and the
file is removed once imported or abandoned.
"""

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from mcok import exports
from mcok.access import municipalities_visible_to
from mcok.models import Municipality, Period
from mcok.periods import PeriodField, default_period, municipality_periods
from mcok.text import transliterate
from monitoring import access, imports, spreadsheets
from monitoring.models import Campaign, Field
from monitoring.refusals import forbidden

SESSION_KEY = "monitoring:google-import"
IMPORT_DIR = "imports"
STALE_SECONDS = 24 * 60 * 60  # an abandoned upload is removed by the next upload after a day
SAMPLES = 3
SHOWN_ROWS = 1000


# The Google Forms import -----------------------------------------------------------------------


def municipalities_for_import(user) -> QuerySet[Municipality]:
    """The municipalities where `user` may make a form of no direction (what an import makes), hence
    import."""
    allowed = [m.pk for m in municipalities_visible_to(user) if access.can_create_form(user, m)]
    return Municipality.objects.filter(pk__in=allowed)


def import_period_default(municipality: Municipality | None):
    """The period an import proposes: the municipality's latest with a collection (mcok.periods)."""
    if municipality is None:
        return default_period(None)
    return default_period(
        municipality,
        Exists(
            Campaign.objects.filter(period=OuterRef("pk"), municipality=municipality).exclude(
                state=Campaign.State.DRAFT
            )
        ),
    )


def import_periods(municipality: Municipality | None) -> QuerySet[Period]:
    """The periods an import may go to: the municipality's (mcok.periods), and the calendar and
    academic years of this year and the last one, since an export often brings a past year's answers."""
    year = timezone.localdate().year
    recent = Period.objects.filter(
        kind__in=[Period.Kind.YEAR, Period.Kind.ACADEMIC_YEAR], year__in=[year - 1, year]
    ).values_list("pk", flat=True)
    return municipality_periods(municipality, include=list(recent))


def import_period_field(municipality: Municipality | None) -> PeriodField:
    field = PeriodField(to_field_name="code")
    field.queryset = import_periods(municipality)
    return field


def period_select(municipality: Municipality, code: str) -> str:
    """The review step's period choice: the import's periods by year, `code` chosen."""
    field = import_period_field(municipality)
    return field.widget.render(
        "period",
        code,
        attrs={"id": "import-period", "required": True, "aria-describedby": "import-period-help"},
    )


class GoogleImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    title = forms.CharField(
        label=gettext_lazy("Title of the form and the collection"),
        max_length=300,
        help_text=gettext_lazy("For example: Диагностика профессиональных дефицитов учителей, 2025."),
    )
    period = PeriodField(to_field_name="code")
    file = forms.FileField(
        label=gettext_lazy("Responses file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, municipalities: QuerySet[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        only = municipalities[0] if len(municipalities) == 1 else None
        if only is not None:
            self.fields["municipality"].initial = only.slug
        self.fields["period"].queryset = import_periods(only)
        self.fields["period"].initial = getattr(import_period_default(only), "code", None)
        self.fields["file"].help_text = _(
            "The responses downloaded from Google Forms as CSV or XLSX; the first column is «Отметка "
            "времени». At most %(size)s MB."
        ) % {"size": imports.MAX_FILE_BYTES // (1024 * 1024)}

    def clean_period(self) -> str:
        return self.cleaned_data["period"].code

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": imports.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / IMPORT_DIR


def _pending_path(pending: dict[str, Any], *, claimed: bool = False) -> Path:
    # The token is URL-safe base64 and the suffix one of two: the path cannot leave the folder.
    name = f"{pending['token']}{pending['suffix']}" + (".importing" if claimed else "")
    return _import_dir() / name


def _forget(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        for claimed in (False, True):
            _pending_path(pending, claimed=claimed).unlink(missing_ok=True)


def _sweep() -> None:
    """Remove the uploads abandoned for more than a day."""
    folder = _import_dir()
    if not folder.is_dir():
        return
    limit = time.time() - STALE_SECONDS
    for item in folder.iterdir():
        try:
            if item.is_file() and item.stat().st_mtime < limit:
                item.unlink(missing_ok=True)
        except OSError:
            continue


@login_required
def google_import(request: HttpRequest) -> HttpResponse:
    allowed = municipalities_for_import(request.user)
    if not allowed.exists():
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "cancel":
        _forget(request)
        return redirect("monitoring:google_import")
    if action in ("check", "import"):
        return _review(request, allowed, action)
    if request.method == "POST":
        return _upload(request, allowed)
    pending = request.session.get(SESSION_KEY)
    if pending and request.GET.get("restart") is None:
        return _review(request, allowed, "")
    if pending:
        _forget(request)
    form = GoogleImportForm(municipalities=allowed)
    return render(request, "monitoring/transfer/google_import.html", {"form": form, "step": 1})


def _upload(request: HttpRequest, allowed: QuerySet[Municipality]) -> HttpResponse:
    slug = request.POST.get("municipality")
    if slug and not allowed.filter(slug=slug).exists():
        raise Http404  # the same answer for "no such municipality" and "not yours"
    form = GoogleImportForm(request.POST, request.FILES, municipalities=allowed)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(imports.MAX_FILE_BYTES + 1)
        try:
            sheet = imports.read_responses(content, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            _forget(request)
            _sweep()
            municipality = form.cleaned_data["municipality"]
            suffix = ".xlsx" if imports.is_workbook(content) else ".csv"
            pending = {"token": secrets.token_urlsafe(24), "suffix": suffix, "filename": upload.name}
            _import_dir().mkdir(parents=True, exist_ok=True)
            _pending_path(pending).write_bytes(content)
            proposal = imports.propose(sheet, municipality)
            request.session[SESSION_KEY] = pending | {
                "municipality": municipality.pk,
                "period": form.cleaned_data["period"],
                "title": form.cleaned_data["title"],
                "proposal": proposal.as_json(),
            }
            return redirect("monitoring:google_import")
    return render(request, "monitoring/transfer/google_import.html", {"form": form, "step": 1})


def _edits(request: HttpRequest, proposal: imports.Proposal) -> tuple[dict[int, dict[str, Any]], int | None]:
    """The person's changes to every column, as posted (an unticked box is not posted at all)."""
    edits = {}
    for column in proposal.columns:
        prefix = f"c{column.index}-"
        edits[column.index] = {
            "code": request.POST.get(prefix + "code", column.code),
            "kind": request.POST.get(prefix + "kind", column.kind),
            "required": prefix + "required" in request.POST,
            "include": prefix + "include" in request.POST,
        }
        if column.grid:
            edits[column.index]["data_element"] = request.POST.get(
                prefix + "data_element", column.data_element
            )
    try:
        organization_column = int(request.POST.get("organization_column", ""))
    except ValueError:
        organization_column = None
    return edits, organization_column


def _review(request: HttpRequest, allowed: QuerySet[Municipality], action: str) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    if not pending:
        messages.error(request, _("The uploaded file is no longer here: upload it again."))
        return redirect("monitoring:google_import")
    municipality = allowed.filter(pk=pending["municipality"]).first()
    if municipality is None:
        _forget(request)
        raise Http404
    try:
        content = _pending_path(pending).read_bytes()
    except OSError:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("The uploaded file is no longer here: upload it again."))
        return redirect("monitoring:google_import")
    try:
        sheet = imports.read_responses(content, pending["filename"])
    except ValidationError as error:  # it was read once; only a changed limit makes this happen
        _forget(request)
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:google_import")
    proposal = imports.Proposal.from_json(pending["proposal"])
    problems: list[str] = []
    if action:
        proposal, problems = imports.proposal_edit(
            sheet, proposal, *_edits(request, proposal), municipality=municipality
        )
        title = " ".join(request.POST.get("title", pending["title"]).split())
        period = request.POST.get("period", pending["period"]).strip()
        try:
            period = import_period_field(municipality).clean(period).code
        except ValidationError as error:
            problems += error.messages
        pending = pending | {"proposal": proposal.as_json(), "title": title, "period": period}
        request.session[SESSION_KEY] = pending
    if action == "import" and not problems:
        done = _import(request, pending, sheet, proposal, municipality)
        if isinstance(done, HttpResponse):
            return done
        outcome = done
    else:
        outcome = imports.import_responses(
            sheet,
            proposal,
            municipality=municipality,
            period_code=pending["period"],
            title=pending["title"],
            by=request.user,
            dry_run=True,
        )
    return render(
        request,
        "monitoring/transfer/google_import.html",
        _review_context(sheet, proposal, outcome, problems, pending, municipality),
    )


def _import(request, pending, sheet, proposal, municipality) -> HttpResponse | imports.Outcome:
    """Import once: the file is claimed by renaming it, so a second click (or tab) finds nothing."""
    source, claimed = _pending_path(pending), _pending_path(pending, claimed=True)
    try:
        source.rename(claimed)
    except OSError:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("This file is being imported or has been imported already."))
        return redirect("monitoring:google_import")
    try:
        outcome = imports.import_responses(
            sheet,
            proposal,
            municipality=municipality,
            period_code=pending["period"],
            title=pending["title"],
            by=request.user,
            dry_run=False,
        )
    except Exception:
        claimed.rename(source)
        raise
    if not outcome.ok:
        claimed.rename(source)  # nothing is written; the file waits for the corrections
        return outcome
    claimed.unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        ngettext(
            "The form «%(title)s» and its collection are created: the answers of %(count)s organization "
            "are imported as submitted.",
            "The form «%(title)s» and its collection are created: the answers of %(count)s organizations "
            "are imported as submitted.",
            outcome.submissions,
        )
        % {"title": outcome.form.title, "count": outcome.submissions},
    )
    return redirect(reverse("monitoring:campaign", kwargs={"pk": outcome.campaign.pk}))


def _review_context(sheet, proposal, outcome, problems, pending, municipality) -> dict[str, Any]:
    columns = []
    for column in proposal.columns:
        samples = []
        for value in sheet.values(column.index):
            if value and value not in samples:
                samples.append(value if len(value) <= 80 else value[:79] + "…")
            if len(samples) == SAMPLES:
                break
        columns.append({"column": column, "samples": samples})
    # A table comes only from a grid of Google Forms, which may be bound to a disaggregated element.
    kinds = [
        (value, label)
        for value, label in Field.Kind.choices
        if value in imports.IMPORT_KINDS and value != Field.Kind.TABLE
    ]
    elements = (
        [(element.code, element.name) for element in imports.grid_elements(municipality)]
        if any(column.grid for column in proposal.columns)
        else []
    )
    labels = {
        imports.Status.IMPORTED: _("Will be imported"),
        imports.Status.SUPERSEDED: _("Replaced by a later response"),
        imports.Status.UNKNOWN: _("Unknown organization: skipped"),
        imports.Status.PROBLEM: _("Problem"),
    }
    rows = [{"result": row, "label": labels[row.status]} for row in outcome.rows[:SHOWN_ROWS]]
    return {
        "step": 2,
        "pending": pending,
        "municipality": municipality,
        "columns": columns,
        "organization_column": proposal.organization_column,
        "header": list(enumerate(sheet.header))[1:],
        "kinds": kinds,
        "elements": elements,
        "grids": any(column.grid for column in proposal.columns),
        "notes": proposal.notes,
        "outcome": outcome,
        "counts": outcome.counts(),
        "rows": rows,
        "more_rows": max(len(outcome.rows) - SHOWN_ROWS, 0),
        "problems": problems,
        "errors": outcome.errors,
        "period_select": period_select(municipality, pending["period"]),
    }


# The XLSX template of a submission --------------------------------------------------------------


def _file_part(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", transliterate(text).lower()))[:40] or "form"


@login_required
def template_download(request: HttpRequest, pk: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, pk)
    content = spreadsheets.template_bytes(submission)
    name = f"{_file_part(submission.organization.short_name)}-{submission.pk}.xlsx"
    return exports.file_response(content, name, exports.XLSX_TYPE)


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in template"),
        help_text=gettext_lazy(
            "The XLSX workbook downloaded from this page, with the answers written in it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > spreadsheets.MAX_TEMPLATE_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": spreadsheets.MAX_TEMPLATE_BYTES // (1024 * 1024)}
            )
        return upload


@login_required
def template_upload(request: HttpRequest, pk: int) -> HttpResponse:
    submission = access.get_submission_for(request.user, pk)
    if not access.can_fill(request.user, submission.organization):
        return forbidden(
            request,
            str(access.REFUSED_FILL),
            back_url=reverse("monitoring:submission", kwargs={"pk": submission.pk}),
            back_label=_("Back to the form"),
        )
    editable = submission.is_editable and submission.campaign.state == Campaign.State.OPEN
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and editable and form.is_valid():
        content = form.cleaned_data["file"].read(spreadsheets.MAX_TEMPLATE_BYTES + 1)
        try:
            uploaded = spreadsheets.template_upload(submission=submission, content=content, by=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            problems = uploaded.problems()
            if uploaded.conflicts:
                messages.error(
                    request,
                    ngettext(
                        "A colleague changed %(count)s of the same answers after the template was "
                        "downloaded; that answer of the workbook is not saved:",
                        "A colleague changed %(count)s of the same answers after the template was "
                        "downloaded; those answers of the workbook are not saved:",
                        len(uploaded.conflicts),
                    )
                    % {"count": len(uploaded.conflicts)},
                )
                for conflict in uploaded.conflicts:
                    messages.error(request, conflict.message())
            if problems:
                messages.warning(
                    request,
                    ngettext(
                        "The answers of the workbook are saved as a draft; %(count)s problem must be "
                        "corrected before the form can be submitted:",
                        "The answers of the workbook are saved as a draft; %(count)s problems must be "
                        "corrected before the form can be submitted:",
                        len(problems),
                    )
                    % {"count": len(problems)},
                )
                for problem in problems:
                    messages.warning(request, problem)
            else:
                messages.success(request, _("The answers of the workbook are saved as a draft."))
            for note in uploaded.notes:
                messages.info(request, note)
            return redirect(reverse("monitoring:submission", kwargs={"pk": submission.pk}))
    context = {"submission": submission, "campaign": submission.campaign, "form": form, "editable": editable}
    return render(request, "monitoring/transfer/template_upload.html", context)


# Exports ----------------------------------------------------------------------------------------


@require_safe
@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_campaign_for(request.user, pk)
    if not access.is_staff_of(request.user, campaign.municipality):
        raise Http404  # a school sees the collection, never the other schools' answers
    layout = request.GET.get("layout", "wide")
    fmt = request.GET.get("format", "xlsx")
    if layout not in spreadsheets.LAYOUTS or fmt not in spreadsheets.FORMATS:
        return HttpResponseBadRequest(_("Ask for layout wide or long and format xlsx or csv."))
    content = spreadsheets.campaign_export(campaign, layout=layout, fmt=fmt)
    stamp = timezone.localdate().isoformat()
    name = f"{_file_part(campaign.title)}-{layout}-{stamp}.{fmt}"
    content_type = exports.XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    return exports.file_response(content, name, content_type)


urlpatterns = [
    path("import/google/", google_import, name="google_import"),
    path("submissions/<int:pk>/template.xlsx", template_download, name="template_download"),
    path("submissions/<int:pk>/upload/", template_upload, name="template_upload"),
    path("campaigns/<int:pk>/export/", campaign_export, name="campaign_export"),
]
