"""Monitoring's background work: beat's hourly pass over the collections and the reminder letters.

Thin wrappers of the services, idempotent: a rerun (a redelivered task, a second beat) sends nothing
twice, because each scheduled reminder is claimed by a unique row before its letter goes."""

import datetime

from celery import shared_task
from django.db import OperationalError


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
