"""Making a report's PDF or XLSX in the background: the `ReportJob` row is the source of truth, the
Celery queue only a doorbell.

`job_start` writes a queued job and rings after the commit; when the broker is down the job simply
stays queued, and `jobs_requeue` (beat, every minute) rings again for every job queued longer than a
minute. `job_run` claims a job with a conditional UPDATE queued → running, so two workers (a
redelivered message, a second ring) never both make it; it moves the progress through its stages,
keeps the file, and ends done or failed, never left running: a job whose worker died mid-way is
failed by the sweeper once it has run longer than the task's hard time limit.
"""

import datetime
import logging
import re

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mcok import doorbell
from mcok.models import User
from reports.models import Report, ReportJob

logger = logging.getLogger(__name__)

Status = ReportJob.Status
Format = ReportJob.Format

SOFT_TIME_LIMIT = 5 * 60  # seconds: the task stops itself and fails the job
TIME_LIMIT = 6 * 60  # seconds: the worker kills the task
REQUEUE_AFTER = datetime.timedelta(minutes=1)
STALE_AFTER = datetime.timedelta(seconds=TIME_LIMIT + 60)
REQUEUE_BATCH = 100

CONTENT_TYPES = {
    Format.PDF: "application/pdf",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The stages a job goes through, with the progress it has reached when each begins.
STAGE_QUEUED = gettext_lazy("Waiting in the queue")
STAGE_GATHERING = (20, gettext_lazy("Gathering the data"))
STAGE_CHARTS = (50, gettext_lazy("Drawing the charts"))
STAGE_RENDERING = (80, gettext_lazy("Making the file"))
STAGE_SAVING = (100, gettext_lazy("Saving the file"))
STAGE_DONE = gettext_lazy("Ready")


# Starting --------------------------------------------------------------------------------------------


def job_start(report: Report, format: str, user: User) -> ReportJob:
    """A queued job making the report's file in `format` (pdf or xlsx), rung after the commit. The
    caller checked that `user` may make the report's files; ValueError for an unknown format."""
    if format not in Format.values:
        raise ValueError(f"Unknown report format: {format}")
    job = ReportJob.objects.create(report=report, format=format, requested_by=user, stage=str(STAGE_QUEUED))
    job_id = job.pk
    transaction.on_commit(lambda: job_ring(job_id))
    return job


def job_ring(job_id: int) -> bool:
    """Send the job's task; False when it could not be sent. The job stays queued either way, so a
    later ring (jobs_requeue) still makes it."""
    from reports import tasks

    return doorbell.ring(tasks.report_job_run, job_id, what=f"Report job {job_id}")


# Progress -------------------------------------------------------------------------------------------


def job_progress(job_id: int, progress: int, stage: str) -> bool:
    """Record how far a running job got; False when the job is no longer running."""
    return bool(
        ReportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
            progress=max(0, min(progress, 100)), stage=str(stage)[:200]
        )
    )


def _fail(job_id: int, error: str) -> None:
    ReportJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, error=error, stage="", finished_at=timezone.now()
    )


# Running --------------------------------------------------------------------------------------------


def _make(job: ReportJob) -> bytes:
    """The file's bytes, moving the job's progress through the stages."""
    from reports import analytics, pdf, xlsx

    report = job.report
    job_progress(job.pk, *STAGE_GATHERING)
    data = analytics.gather(report)
    if job.format == Format.PDF:
        job_progress(job.pk, *STAGE_CHARTS)
        analytics.draw_charts(data)
        job_progress(job.pk, *STAGE_RENDERING)
        return pdf.report_pdf(report, data)
    job_progress(job.pk, *STAGE_RENDERING)
    return xlsx.report_xlsx(report, data)


def _save(job: ReportJob, content: bytes) -> bool:
    """Keep the file and mark the job done; False (and the file removed) when the job stopped
    running meanwhile (the sweeper failed it)."""
    job_progress(job.pk, *STAGE_SAVING)
    name = f"report-{job.report_id}-{job.pk}.{job.format}"
    job.file.save(name, ContentFile(content), save=False)
    done = ReportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.DONE,
        file=job.file.name,
        size=len(content),
        progress=100,
        stage=str(STAGE_DONE),
        error="",
        finished_at=timezone.now(),
    )
    if not done:
        job.file.storage.delete(job.file.name)
    return bool(done)


def job_run(job_id: int) -> str:
    """Make the job's file, once: claim the job (queued → running) or do nothing; on any error mark
    it failed with a Russian message and log the cause. Returns the job's status afterwards."""
    claimed = ReportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now(), progress=0, stage="", error=""
    )
    if not claimed:
        return ReportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    with translation.override(settings.LANGUAGE_CODE):
        try:
            job = ReportJob.objects.select_related(
                "report__municipality", "report__period", "report__direction"
            ).get(pk=job_id)
            _save(job, _make(job))
        except SoftTimeLimitExceeded:
            logger.warning("Report job %s stopped: time limit.", job_id)
            _fail(job_id, _("Making the file took too long and was stopped. Try again later."))
        except Exception:  # whatever broke, the job must not stay running
            logger.exception("Report job %s failed.", job_id)
            _fail(
                job_id,
                _(
                    "The file could not be made because of an internal error. Try again; if it fails "
                    "again, tell the administrator."
                ),
            )
    return ReportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"


# The sweeper ------------------------------------------------------------------------------------------


def jobs_requeue(now: datetime.datetime | None = None) -> dict[str, int]:
    """Ring again for the jobs queued longer than a minute (their message was lost or never sent), and
    fail the jobs running longer than the task may run (their worker died). Returns the counts."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        stale = ReportJob.objects.filter(status=Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
            status=Status.FAILED,
            stage="",
            error=_("Making the file was interrupted. Try again."),
            finished_at=now,
        )
    waiting = list(
        ReportJob.objects.filter(status=Status.QUEUED, requested_at__lt=now - REQUEUE_AFTER)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    rung = sum(1 for job_id in waiting if job_ring(job_id))
    return {"requeued": rung, "failed": stale}


# The file -----------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def job_filename(job: ReportJob) -> str:
    """The name the file downloads under: the report's title, e.g. «Аналитическая справка по
    направлению 1.1 за 2024 год.pdf», without characters a file system refuses."""
    title = _UNSAFE.sub(" ", job.report.title)
    title = " ".join(title.split()).strip(" .")[:150] or f"report-{job.report_id}"
    return f"{title}.{job.format}"
