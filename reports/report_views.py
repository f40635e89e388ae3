"""Analytic reports: the list, the form, the report's page with its files, approval, publication, and
the files made by Celery with their progress.

Who may do what is decided by reports.access: the municipality's staff read its reports; a report of
a direction is written by the direction's executors and coordinators (and the head of the
department), approved by its coordinators (and the head), and its approved PDF is published by the
operator; a summary follows the municipal roles. Reports are found through reports.access, so a
school or another municipality gets 404, as for a report that does not exist; staff without the
right get 403 with a message saying who may.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from directions.models import Direction
from mcok import params
from mcok.lists import PAGE_SIZE
from mcok.models import Municipality, Period
from mcok.periods import default_period
from reports import access, analytics, jobs, public, services
from reports.models import Report, ReportJob
from reports.report_forms import ReportForm, default_title

FILES_SHOWN = 20


# Refusals: a page answers 403 with the sentence saying who may.


def _refuse_writing() -> PermissionDenied:
    return PermissionDenied(
        _(
            "Only the executors and coordinators of the report's direction and the head of the department "
            "write a report of a direction; a municipal summary is written by the municipality's "
            "coordinators and executors."
        )
    )


def _refuse_approval() -> PermissionDenied:
    return PermissionDenied(
        _(
            "Only the coordinator of the report's direction or the head of the department approves it; "
            "a municipal summary is approved by the municipality's coordinator."
        )
    )


def _refuse_publication() -> PermissionDenied:
    return PermissionDenied(
        _("Only the municipal operator publishes reports on the public tab and withdraws them.")
    )


# The list -------------------------------------------------------------------------------------------------


def _chosen_municipality(request: HttpRequest, municipalities: QuerySet[Municipality]) -> Municipality:
    """?municipality=slug among the user's, else the first of them; 404 for anyone without one."""
    slug = params.query(request.GET, "municipality") or params.query(request.POST, "municipality")
    municipality = municipalities.filter(slug=slug).first() if slug else municipalities.first()
    if municipality is None:
        raise Http404
    return municipality


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The municipality's reports, the newest first, filtered by period and direction."""
    municipalities = access.staff_municipalities(request.user)
    municipality = _chosen_municipality(request, municipalities)
    rows = (
        access.reports_visible_to(request.user)
        .filter(municipality=municipality)
        .select_related("direction", "period", "created_by", "published_job")
        .order_by("-created_at", "-pk")
    )
    periods = list(
        Period.objects.filter(pk__in=Report.objects.filter(municipality=municipality).values("period"))
    )
    periods.sort(key=lambda period: (period.starts_on, period.ends_on), reverse=True)
    directions = list(
        Direction.objects.filter(municipality=municipality).order_by("block__code", "code", "pk")
    )
    period = next((p for p in periods if p.code == params.query(request.GET, "period")), None)
    direction = next((d for d in directions if str(d.pk) == request.GET.get("direction")), None)
    if params.query(request.GET, "period") and period is None:
        messages.warning(request, _("There is no report for the period chosen; every report is shown."))
    if period is not None:
        rows = rows.filter(period=period)
    if direction is not None:
        rows = rows.filter(direction=direction)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "municipality": municipality,
        "municipalities": municipalities,
        "periods": periods,
        "period": period,
        "directions": directions,
        "direction": direction,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "may_create": access.can_create_any_report(request.user, municipality),
    }
    return render(request, "reports/report_list.html", context)


# The form -------------------------------------------------------------------------------------------------


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    municipality = _chosen_municipality(request, access.staff_municipalities(request.user))
    if not access.can_create_any_report(request.user, municipality):
        raise _refuse_writing()
    directions = access.report_directions(request.user, municipality)
    report = Report(municipality=municipality, created_by=request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, instance=report, municipality=municipality, directions=directions)
        if form.is_valid():
            data = form.cleaned_data
            if not access.can_create_report(request.user, municipality, data["direction"], data["period"]):
                raise _refuse_writing()
            report = services.report_create(
                municipality=municipality,
                by=request.user,
                kind=data["kind"],
                direction=data["direction"],
                period=data["period"],
                title=data["title"],
                conclusions=data["conclusions"],
            )
            messages.success(request, _("The report is created. Make its PDF or XLSX when it is ready."))
            return redirect("reports:report", pk=report.pk)
    else:
        kind = (
            request.GET.get("kind")
            if request.GET.get("kind") in Report.Kind.values
            else Report.Kind.DIRECTION
        )
        period = Period.objects.filter(code=params.query(request.GET, "period")).first() or default_period(
            municipality
        )
        candidates = directions.order_by("block__code", "code")
        if period is not None:
            candidates = candidates.valid_in(period)
        direction = None
        if kind == Report.Kind.DIRECTION:
            chosen = params.as_id(request.GET.get("direction"))
            direction = (candidates.filter(pk=chosen).first() if chosen else None) or candidates.first()
        initial = {
            "kind": kind,
            "direction": direction,
            "period": period,
            "title": default_title(kind, direction, period),
        }
        form = ReportForm(instance=report, initial=initial, municipality=municipality, directions=directions)
    return render(request, "reports/report_form.html", {"form": form, "municipality": municipality})


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for(request.user, pk)
    if not access.can_edit_report(request.user, report):
        raise _refuse_writing()
    was_approved = report.state == Report.State.APPROVED
    # The report's own direction stays offered; another one only where the user drafts for it.
    directions = Direction.objects.filter(
        Q(pk__in=access.report_directions(request.user, report.municipality).values("pk"))
        | Q(pk=report.direction_id)
    )
    if request.method == "POST":
        form = ReportForm(
            request.POST, instance=report, municipality=report.municipality, directions=directions
        )
        if form.is_valid():
            data = form.cleaned_data
            if not access.can_create_report(
                request.user, report.municipality, data["direction"], data["period"]
            ):
                raise _refuse_writing()
            report, returned = services.report_update(
                report=report,
                by=request.user,
                kind=data["kind"],
                direction=data["direction"],
                period=data["period"],
                title=data["title"],
                conclusions=data["conclusions"],
            )
            if returned:
                messages.warning(request, _("The report is saved and returned to draft: approve it again."))
            else:
                messages.success(request, _("The report is saved."))
            return redirect("reports:report", pk=report.pk)
    else:
        # A title as suggested follows a new direction or period; a title of one's own stays.
        suggested = default_title(report.kind, report.direction, report.period)
        form = ReportForm(
            instance=report,
            initial={"suggested_title": suggested},
            municipality=report.municipality,
            directions=directions,
        )
    context = {
        "form": form,
        "municipality": report.municipality,
        "report": report,
        "was_approved": was_approved,
    }
    return render(request, "reports/report_form.html", context)


# The report's page ----------------------------------------------------------------------------------------


@require_safe
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for(request.user, pk)
    files = list(report.jobs.select_related("requested_by").order_by("-requested_at", "-pk")[:FILES_SHOWN])
    context = {
        **analytics.report_context(report),
        "files": files,
        "working": any(job.status in (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING) for job in files),
        "may_edit": access.can_edit_report(request.user, report),
        "may_approve": access.can_approve(request.user, report),
        "may_publish": access.can_publish(request.user, report),
        "formats": ReportJob.Format.choices,
        "awaiting_pages": public.pages_awaiting_report(report) if report.published_job_id else [],
    }
    return render(request, "reports/report_detail.html", context)


# Actions ----------------------------------------------------------------------------------------------------


@require_POST
@login_required
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for(request.user, pk)
    if not access.can_approve(request.user, report):
        raise _refuse_approval()
    try:
        approved = services.report_approve(report=report, by=request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        if approved.approved_job_id:
            messages.success(request, _("The report is approved with its PDF as it is now."))
        else:
            messages.warning(
                request,
                _(
                    "The report is approved, but it has no PDF: a PDF made later returns it to draft, "
                    "to be approved with the file."
                ),
            )
    return redirect("reports:report", pk=report.pk)


@require_POST
@login_required
def report_generate(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    """Queue the making of the report's PDF or XLSX. For htmx, the new job's progress fragment."""
    report = access.get_report_for(request.user, pk)
    if format not in ReportJob.Format.values:
        raise Http404
    if not access.can_edit_report(request.user, report):
        raise _refuse_writing()
    job, returned = services.report_file_make(report=report, format=format, by=request.user)
    if request.htmx and not returned:
        job.refresh_from_db()
        return render(request, "reports/_job.html", {"job": job})
    if returned:
        # The page must show the new state, so htmx reloads it rather than adding the file alone.
        messages.warning(
            request,
            _(
                "A new file is being made, so the report is returned to draft and taken off the public "
                "tab: the coordinator approves it again with the new file."
            ),
        )
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = report.get_absolute_url()
            return response
        return redirect("reports:report", pk=report.pk)
    messages.success(request, _("The file is being made; it appears in the list of files when ready."))
    return redirect("reports:report", pk=report.pk)


@require_POST
@login_required
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator publishes the PDF the coordinator approved, as approved, on the public tab."""
    report = access.get_report_for(request.user, pk)
    if not access.can_publish(request.user, report):
        raise _refuse_publication()
    try:
        report = services.report_publish(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _publication_message(report))
    return redirect("reports:report", pk=report.pk)


def _publication_message(report: Report) -> str:
    """What publishing the PDF did: the PDF is on the tab, but the pages that show it wait for their
    own publication (a page shows what it was published with)."""
    waiting = public.pages_awaiting_report(report)
    if waiting:
        return _("The PDF is published; the pages that show it await publication: %(pages)s.") % {
            "pages": ", ".join(f"«{page.title}»" for page in waiting)
        }
    if report.direction_id is None:
        return _("The PDF is published; no page of the public tab shows a summary report.")
    return _("The PDF is published; the direction has no page on the public tab yet.")


@require_POST
@login_required
def report_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_report_for(request.user, pk)
    if not access.can_publish(request.user, report):
        raise _refuse_publication()
    try:
        services.report_unpublish(report=report, by=request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report is withdrawn from the public tab."))
    return redirect("reports:report", pk=report.pk)


# Files --------------------------------------------------------------------------------------------------


@login_required
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress fragment, which polls itself while the job waits or runs; without htmx, the
    report's page at the job."""
    job = access.get_job_for(request.user, pk)
    if not request.htmx:
        return redirect(f"{job.report.get_absolute_url()}#job-{job.pk}")
    return render(request, "reports/_job.html", {"job": job})


@login_required
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The kept file, under the report's title; 404 until the job is done."""
    job = access.get_job_for(request.user, pk)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=jobs.job_filename(job),
        content_type=jobs.CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )


urlpatterns = [
    path("", report_list, name="reports"),
    path("new/", report_create, name="report_create"),
    path("<int:pk>/", report_detail, name="report"),
    path("<int:pk>/edit/", report_edit, name="report_edit"),
    path("<int:pk>/approve/", report_approve, name="report_approve"),
    path("<int:pk>/generate/<str:format>/", report_generate, name="report_generate"),
    path("<int:pk>/publish/", report_publish, name="report_publish"),
    path("<int:pk>/unpublish/", report_unpublish, name="report_unpublish"),
    path("jobs/<int:pk>/", report_job, name="report_job"),
    path("jobs/<int:pk>/file/", report_file, name="report_file"),
]
