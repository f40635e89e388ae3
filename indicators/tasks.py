from celery import shared_task
from django.db import OperationalError

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every minute: recompute requests whose doorbell was lost (the broker was down at commit).
    {
        "name": "indicator-values-recompute-pending",
        "task": "indicators.tasks.indicator_values_recompute_pending",
        "schedule": 60.0,
    },
]
ON_DEMAND_TASKS = ["indicators.tasks.indicator_values_recompute"]


@shared_task(
    acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True
)
def indicator_values_recompute_pending() -> int:
    """Recompute what the recompute requests ask for. Idempotent; also run by beat every minute, so a
    request written while the broker was down is not lost. A doorbell nobody waits on: no result, so
    ringing it never touches the result backend, whose failure while Redis is down is a RuntimeError
    the callers' broker-error handling does not expect."""
    from indicators import services

    return services.recompute_pending()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def indicator_values_recompute(municipality_id: int, period_id: int) -> int:
    """Recompute every indicator value of a municipality for a period from scratch."""
    from indicators import services
    from mcok.models import Municipality, Period

    return services.indicator_values_recompute(
        municipality=Municipality.objects.get(pk=municipality_id), period=Period.objects.get(pk=period_id)
    )
