"""The reports' background work: making a report's file, and the sweeper that rings again for the
jobs whose message was lost. Thin wrappers of reports.jobs; both are idempotent."""

from celery import shared_task

from reports.jobs import SOFT_TIME_LIMIT, TIME_LIMIT

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every minute: report files whose doorbell was lost (the broker was down when they were asked for).
    {"name": "report-jobs-requeue", "task": "reports.tasks.report_jobs_requeue", "schedule": 60.0},
]
ON_DEMAND_TASKS = ["reports.tasks.report_job_run"]


@shared_task(acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def report_job_run(job_id: int) -> str:
    """Make the file of a report job. A job already claimed (running, done, failed) is left alone, so
    a redelivered or repeated message does nothing. Returns the job's status."""
    from reports import jobs

    return jobs.job_run(job_id)


@shared_task(acks_late=True)
def report_jobs_requeue() -> dict[str, int]:
    """Every minute (beat): send again the jobs queued for more than a minute, fail the jobs whose
    worker died. Returns the counts."""
    from reports import jobs

    return jobs.jobs_requeue()
