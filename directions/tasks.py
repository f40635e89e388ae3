from celery import shared_task
from django.db import OperationalError

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every five minutes: open evaluations scored since their indices were computed (a lost doorbell).
    {
        "name": "evaluations-compute-stale",
        "task": "directions.tasks.evaluations_compute_stale",
        "schedule": 300.0,
    },
]
ON_DEMAND_TASKS = ["directions.tasks.evaluation_compute"]


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluation_compute(evaluation_id: int) -> dict | None:
    """Recompute and store an evaluation's indices. Idempotent: a rerun stores the same figures."""
    from directions import services
    from directions.models import Evaluation

    evaluation = Evaluation.objects.filter(pk=evaluation_id).first()
    if evaluation is None:  # deleted meanwhile: nothing to do
        return None
    return services.evaluation_compute(evaluation=evaluation)


@shared_task(ignore_result=True)
def evaluations_compute_stale() -> int:
    """Beat's pass over the open evaluations whose last score came after their indices."""
    from directions import services

    return services.evaluations_compute_stale()
