from celery import shared_task
from django.db import OperationalError


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
