from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def periods_ensure(year: int | None = None) -> int:
    """Create the periods of `year` and of the next one (by default the current year). Idempotent."""
    from mcok import services

    year = year or timezone.localdate().year
    return services.periods_ensure(year=year) + services.periods_ensure(year=year + 1)
