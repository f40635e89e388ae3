"""The overdue letter: one e-mail per overdue event instance, sent once.

Each instance is claimed with a conditional UPDATE of `Occurrence.reminded_at` before its letter goes,
so two workers (a redelivered task, a second beat) never send it twice. The letter goes to the
responsible officials (their own address, else their account's) and to the users of the responsible
organizations (respondents and heads). Letters are in Russian whoever rang.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mcok import access as core_access
from mcok import site
from mcok.models import Official
from roadmaps.models import Meeting, Occurrence, ProjectGroup

# recipients of a notice
MEETING_REMIND_FROM_DAY = 20


def recipients_of(occurrence: Occurrence) -> list[str]:
    """The addresses of those responsible for the instance's event."""
    event = occurrence.event
    emails: set[str] = set()
    for official in event.responsible_officials.all():
        if not official.is_active:
            continue
        email = official.email or (official.user.email if official.user and official.user.is_active else "")
        if email:
            emails.add(email)
    organizations = [o.pk for o in event.responsible_organizations.all()]
    if organizations:
        emails |= core_access.organization_addresses(organizations)
    return sorted(emails)


def _letter(occurrence: Occurrence, to: list[str], today: datetime.date):
    event = occurrence.event
    subject = _("Roadmap event overdue: %(event)s") % {
        "event": f"{event.number} {event.content}".strip()[:120]
    }
    body = _(
        "The event «%(event)s» of the roadmap «%(roadmap)s» was due by %(due)s and is not marked done "
        "(%(days)s days overdue).\n"
        "Deadline as written: %(deadline)s.\n"
        "Please record what was done or its current state: %(url)s\n"
    ) % {
        "event": event.content,
        "roadmap": event.roadmap.title,
        "due": occurrence.due_on.strftime("%d.%m.%Y"),
        "days": (today - occurrence.due_on).days,
        "deadline": event.deadline_text or "—",
        "url": site.base_url() + reverse("roadmaps:occurrence", args=[occurrence.pk]),
    }
    return subject, body, settings.DEFAULT_FROM_EMAIL, to


def overdue_remind(today: datetime.date | None = None) -> int:
    """Send the letter of every overdue instance not yet reminded. Returns how many were claimed."""
    today = today or timezone.localdate()
    candidates = (
        Occurrence.objects.overdue(today)
        .filter(reminded_at__isnull=True)
        .select_related("event__roadmap")
        .prefetch_related("event__responsible_officials__user", "event__responsible_organizations")
        .order_by("due_on", "pk")
    )
    claimed = 0
    letters = []
    with translation.override(settings.LANGUAGE_CODE):
        for occurrence in candidates.iterator(chunk_size=200):
            # The conditional UPDATE claims the letter: of two workers exactly one sends it.
            won = Occurrence.objects.filter(pk=occurrence.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not won:
                continue
            claimed += 1
            to = recipients_of(occurrence)
            if to:
                letters.append(_letter(occurrence, to, today))
    if letters:
        send_mass_mail(letters, fail_silently=True)
    return claimed


def _group_recipients(group: ProjectGroup) -> list[str]:
    emails = set()
    for official in (group.leader, *group.curators.all()):
        if official is None or not official.is_active:
            continue
        email = official.email or (official.user.email if official.user and official.user.is_active else "")
        if email:
            emails.add(email)
    return sorted(emails)


def meeting_remind(today: datetime.date | None = None) -> int:
    """The regulation of the project groups (seed 003) has them meet monthly: remind the leader and the
    curators of each group that has no meeting this month yet, once a month, from the 20th on. Returns
    the number of groups reminded."""
    today = today or timezone.localdate()
    if today.day < MEETING_REMIND_FROM_DAY:
        return 0
    month = f"{today:%Y-%m}"
    met = Meeting.objects.filter(date__year=today.year, date__month=today.month).values("group")
    due = (
        ProjectGroup.objects.exclude(pk__in=met)
        .exclude(reminded_month=month)
        .select_related("leader__user")
        .prefetch_related(Prefetch("curators", queryset=Official.objects.select_related("user")))
    )
    letters, reminded = [], 0
    with translation.override(settings.LANGUAGE_CODE):
        for group in due:
            if (
                not ProjectGroup.objects.filter(pk=group.pk)
                .exclude(reminded_month=month)
                .update(reminded_month=month)
            ):
                continue  # another worker has claimed it
            reminded += 1
            to = _group_recipients(group)
            if not to:
                continue
            subject = _("Project group «%(group)s»: no meeting this month yet") % {"group": group.title[:120]}
            body = _(
                "The project group «%(group)s» meets monthly, and no meeting of %(month)s is recorded yet.\n"
                "Plan the meeting and record it with its agenda: %(url)s\n"
            ) % {
                "group": group.title,
                "month": today.strftime("%m.%Y"),
                "url": site.base_url() + reverse("roadmaps:group", args=[group.pk]),
            }
            letters.append((subject, body, settings.DEFAULT_FROM_EMAIL, to))
    if letters:
        send_mass_mail(letters, fail_silently=True)
    return reminded
