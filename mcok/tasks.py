from celery import shared_task
from celery.schedules import crontab
from django.db import OperationalError
from django.utils import timezone

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every night at 01:10: the periods of the current and the next year exist before anyone needs them.
    {"name": "periods-ensure", "task": "mcok.tasks.periods_ensure", "schedule": crontab(hour=1, minute=10)},
]
ON_DEMAND_TASKS: list[str] = []


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def periods_ensure(year: int | None = None) -> int:
    """Create the periods of `year` and of the next one (by default the current year). Idempotent."""
    from mcok import services

    year = year or timezone.localdate().year
    return services.periods_ensure(year=year) + services.periods_ensure(year=year + 1)
