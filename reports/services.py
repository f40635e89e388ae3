"""The writes of an analytic report: creating, editing, making a file, approval, publication and withdrawal.

Approval pins the exact file: the coordinator approves the newest finished PDF as it is then, and the
SHA-256 of its bytes is recorded with it. The operator publishes that PDF and no other, and only while
its bytes still match. Any change to an approved report — its kind, direction, period, title or
conclusions, or a new file made of it — returns it to draft (and off the public tab), so what is
published is always what the coordinator approved. Each change of state is a `save()`, so the
report's history (django-simple-history) records who did it and why.

Who may act is decided by reports.access; the callers check it, these functions only keep the
states right. Each locks the report's row, so an approval and an edit never cross.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from directions.models import Direction
from mcok.models import Municipality, Period, User
from reports import jobs
from reports.models import Report, ReportJob

EDITABLE_FIELDS = ("kind", "direction", "period", "title", "conclusions")
_APPROVAL_FIELDS = ["state", "approved_by", "approved_at", "approved_job", "approved_sha256"]
_PUBLICATION_FIELDS = ["published_job", "published_by", "published_at"]


def file_sha256(job: ReportJob) -> str | None:
    """The SHA-256 of the job's stored file, in hex; None when it has no file or the file is gone."""
    if not job.file:
        return None
    digest = hashlib.sha256()
    try:
        with job.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def _newest_pdf(report: Report) -> ReportJob | None:
    return (
        report.jobs.filter(format=ReportJob.Format.PDF, status=ReportJob.Status.DONE)
        .exclude(file="")
        .order_by("-finished_at", "-pk")
        .first()
    )


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


def _return_to_draft(locked: Report, reason: str) -> bool:
    """Put an approved report back to draft, unpin its file and take it off the public tab; the
    caller saves. True when it was approved."""
    if locked.state != Report.State.APPROVED:
        return False
    locked.state = Report.State.DRAFT
    locked.approved_by = None
    locked.approved_at = None
    locked.approved_job = None
    locked.approved_sha256 = ""
    locked.published_job = None
    locked.published_by = None
    locked.published_at = None
    locked._change_reason = reason
    return True


@transaction.atomic
def report_create(
    *,
    municipality: Municipality,
    by: User,
    kind: str,
    direction: Direction | None,
    period: Period,
    title: str,
    conclusions: str = "",
) -> Report:
    """A new draft report of the municipality, made by `by`."""
    report = Report(
        municipality=municipality,
        created_by=by,
        kind=kind,
        direction=direction,
        period=period,
        title=title,
        conclusions=conclusions,
    )
    report.save()
    return report


@transaction.atomic
def report_update(
    *,
    report: Report,
    by: User,
    kind: str,
    direction: Direction | None,
    period: Period,
    title: str,
    conclusions: str,
) -> tuple[Report, bool]:
    """Save the report's kind, direction, period, title and conclusions. An approved report that
    changes in any of them returns to draft. Returns the report and whether it went back to draft;
    saving nothing new leaves an approval as it is."""
    locked = _locked(report)
    new = {
        "kind": kind,
        "direction_id": direction.pk if direction else None,
        "period_id": period.pk,
        "title": title,
        "conclusions": conclusions,
    }
    changed = any(getattr(locked, name) != value for name, value in new.items())
    if not changed:
        return locked, False
    for name, value in new.items():
        setattr(locked, name, value)
    returned = _return_to_draft(locked, _("Returned to draft: the report was changed after approval."))
    locked.save()
    return locked, returned


@transaction.atomic
def report_file_make(*, report: Report, format: str, by: User) -> tuple[ReportJob, bool]:
    """Queue the making of the report's PDF or XLSX (ValueError for another format). A new file of an
    approved report returns it to draft: the coordinator approves the file they read. Returns the job
    and whether the report went back to draft."""
    if format not in ReportJob.Format.values:
        raise ValueError(f"Unknown report format: {format}")
    locked = _locked(report)
    returned = _return_to_draft(locked, _("Returned to draft: a new file of the report was made."))
    if returned:
        locked.save()
    return jobs.job_start(locked, format, by), returned


@transaction.atomic
def report_approve(*, report: Report, by: User) -> Report:
    """Approve the report and pin its newest finished PDF with the SHA-256 of its bytes. A report
    already approved stays as it was (ValidationError). Without a PDF the report is approved all
    the same, but nothing can be published until a PDF is made and approved."""
    locked = _locked(report)
    if locked.state == Report.State.APPROVED:
        raise ValidationError(_("The report is already approved."), code="already")
    pdf = _newest_pdf(locked)
    digest = file_sha256(pdf) if pdf is not None else None
    locked.state = Report.State.APPROVED
    locked.approved_by = by
    locked.approved_at = timezone.now()
    locked.approved_job = pdf if digest else None
    locked.approved_sha256 = digest or ""
    locked._change_reason = _("Approved.")
    locked.save(update_fields=_APPROVAL_FIELDS)
    return locked


@transaction.atomic
def report_publish(*, report: Report, by: User) -> Report:
    """Publish the approved PDF on the public tab: exactly the file the coordinator approved, and
    only while its bytes match the SHA-256 recorded at approval. ValidationError with the reason
    otherwise, and nothing changes."""
    locked = _locked(report)
    if locked.state != Report.State.APPROVED:
        raise ValidationError(
            _("Only an approved report can be published; the coordinator approves it first.")
        )
    pdf = locked.approved_job
    if pdf is None or not locked.approved_sha256:
        if _newest_pdf(locked) is None:
            raise ValidationError(_("The report has no PDF yet: make it first, then publish."))
        raise ValidationError(
            _(
                "The report was approved without a PDF: make the PDF, and the coordinator approves "
                "the report again; then publish it."
            )
        )
    if pdf.status != ReportJob.Status.DONE or file_sha256(pdf) != locked.approved_sha256:
        raise ValidationError(
            _(
                "The PDF is not the one the coordinator approved: it was changed after the approval. "
                "It is not published; make the PDF again and have the report approved again."
            )
        )
    locked.published_job = pdf
    locked.published_by = by
    locked.published_at = timezone.now()
    locked._change_reason = _("Published.")
    locked.save(update_fields=_PUBLICATION_FIELDS)
    return locked


@transaction.atomic
def report_unpublish(*, report: Report, by: User) -> Report:
    """Withdraw the report's PDF from the public tab; ValidationError when it is not published."""
    locked = _locked(report)
    if locked.published_job_id is None:
        raise ValidationError(_("The report is not published."), code="not_published")
    locked.published_job = None
    locked.published_by = None
    locked.published_at = None
    locked._change_reason = _("Withdrawn from the public tab.")
    locked.save(update_fields=_PUBLICATION_FIELDS)
    return locked


@transaction.atomic
def tab_settings_set(*, municipality, by: User, completeness_threshold: int):
    """Set the municipality's completeness threshold (1–100 %) of the public tab; ValidationError
    with a Russian message otherwise. It applies to what pages show from their next publication."""
    from reports.models import TabSettings

    try:
        threshold = int(completeness_threshold)
    except (TypeError, ValueError):
        raise ValidationError(_("The completeness threshold is a whole number of per cent.")) from None
    if not 1 <= threshold <= 100:
        raise ValidationError(_("The completeness threshold is from 1 to 100 %."))
    settings_, _created = TabSettings.objects.select_for_update().get_or_create(municipality=municipality)
    if settings_.completeness_threshold != threshold or settings_.updated_by_id is None:
        settings_.completeness_threshold = threshold
        settings_.updated_by = by
        settings_.save()
    return settings_
