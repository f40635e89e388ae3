from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def campaigns_advance() -> dict:
    """Open and close collections on their dates and send the reminders due. Idempotent: a reminder
    row is claimed before its letter goes, so a rerun sends nothing twice."""
    from monitoring import services

    return services.campaigns_advance()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reminders_send(campaign_id: int, kind: str) -> int:
    from monitoring import services
    from monitoring.models import Campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return services.reminders_send(campaign=campaign, kind=kind) if campaign else 0
