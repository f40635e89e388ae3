"""Monitoring's background work: beat's hourly pass over the collections and the reminder letters.

Thin wrappers of the services, idempotent: a rerun (a redelivered task, a second beat) sends nothing
twice, because each scheduled reminder is claimed by a unique row before its letter goes."""

import datetime

from celery import shared_task
from celery.schedules import crontab
from django.db import OperationalError

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every hour: collections open and close on their dates; reminders that fall due are sent once.
    {
        "name": "campaigns-advance",
        "task": "monitoring.tasks.campaigns_advance",
        "schedule": crontab(minute=5),
    },
]
ON_DEMAND_TASKS = ["monitoring.tasks.reminders_send"]


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def campaigns_advance(today: str | None = None) -> dict:
    """Open and close collections on their dates and send the reminders due; `today` (ISO date) replays
    a given day. Returns the counts: opened, closed, reminded."""
    from monitoring import services

    day = datetime.date.fromisoformat(today) if today else None
    return services.campaigns_advance(today=day)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reminders_send(campaign_id: int, kind: str) -> int:
    """Send the reminders of one kind of one collection; 0 when the collection is gone or no longer
    open. Returns the number of organizations reminded."""
    from monitoring import services
    from monitoring.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return services.reminders_send(campaign=campaign, kind=kind) if campaign else 0
