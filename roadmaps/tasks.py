"""Roadmaps' background work, rung daily by beat: the overdue letters (of events and of instructions)
and the project groups' monthly meeting reminder.

Idempotent: each letter is claimed by a conditional UPDATE before it goes, so a rerun sends nothing
twice."""

import datetime

from celery import shared_task
from celery.schedules import crontab
from django.db import OperationalError

# The periodic tasks of this app, as beat runs them: config.settings.CELERY_BEAT_SCHEDULE holds exactly
# the PERIODIC_TASKS of every app (tests/roadmaps/test_periodic_tasks.py); every other task is rung by code.
PERIODIC_TASKS = [
    # Every morning at 07:30: one letter per roadmap event instance that has become overdue.
    {
        "name": "roadmap-overdue-remind",
        "task": "roadmaps.tasks.overdue_remind",
        "schedule": crontab(hour=7, minute=30),
    },
    # Every morning at 08:00: from the 20th, the groups without a meeting this month (once a month each).
    {
        "name": "project-group-meeting-remind",
        "task": "roadmaps.tasks.meeting_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every morning at 07:45: one letter per instruction that has become overdue.
    {
        "name": "instruction-overdue-remind",
        "task": "roadmaps.tasks.instruction_overdue_remind",
        "schedule": crontab(hour=7, minute=45),
    },
]
ON_DEMAND_TASKS: list[str] = []


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


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def instruction_overdue_remind(today: str | None = None) -> int:
    """Remind those responsible of each overdue instruction once; `today` (ISO date) replays a day."""
    from roadmaps import instructions

    day = datetime.date.fromisoformat(today) if today else None
    return instructions.overdue_remind(today=day)
