"""Roadmaps' background work: the overdue letters, rung daily by beat.

Idempotent: each letter is claimed by a conditional UPDATE before it goes, so a rerun sends nothing
twice."""

import datetime

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def overdue_remind(today: str | None = None) -> int:
    """Remind those responsible of each overdue instance once; `today` (ISO date) replays a day.
    Returns the number of instances reminded."""
    from roadmaps import reminders

    day = datetime.date.fromisoformat(today) if today else None
    return reminders.overdue_remind(today=day)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def meeting_remind(today: str | None = None) -> int:
    """Remind the project groups without a meeting this month; once per group and month."""
    from roadmaps import reminders

    day = datetime.date.fromisoformat(today) if today else None
    return reminders.meeting_remind(today=day)
