"""Monitoring's letters: beat's pass over the collections' dates, the reminders of a collection
(each scheduled kind reaches an organization once, claimed by a unique row before its letter goes)
and the letters on a form's state.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mcok import site
from mcok.models import Organization, User
from monitoring import access
from monitoring.campaign_services import (
    campaign_close,
    campaign_open,
    deadline_for,
    deadlines_of,
    refuse_unless_runs,
)
from monitoring.models import Campaign, Reminder, Submission

logger = logging.getLogger(__name__)
Status = Submission.Status
State = Campaign.State


def campaigns_advance(*, today: datetime.date | None = None) -> dict[str, int]:
    """Beat's pass: open the drafts whose day has come, close the collections whose closing day has
    passed, send the reminders that fall due today, each organization by its own deadline (an
    opening letter lost with the broker goes now). Safe to run any number of times: each scheduled
    reminder reaches an organization once."""
    today = today or timezone.localdate()
    counts = {"opened": 0, "closed": 0, "reminded": 0}
    for campaign in Campaign.objects.filter(state=State.DRAFT, opens_on__lte=today, deadline__gte=today):
        try:
            campaign_open(campaign=campaign)
            counts["opened"] += 1
        except ValidationError as error:
            logger.info("Collection %s not opened: %s", campaign.pk, error.messages)
    for campaign in Campaign.objects.filter(state=State.OPEN, closes_on__lt=today):
        try:
            campaign_close(campaign=campaign)
            counts["closed"] += 1
        except ValidationError:  # closed meanwhile by the coordinator
            continue
    before = datetime.timedelta(days=settings.MONITORING_REMIND_DAYS_BEFORE)
    for campaign in Campaign.objects.open():
        # Each organization by its own deadline: one with an extension is not yet late.
        organizations = list(campaign.organizations.all())
        deadlines = deadlines_of(campaign, organizations)
        due: dict[str, list[Organization]] = {
            Reminder.Kind.OPENING: [],
            Reminder.Kind.BEFORE_DEADLINE: [],
            Reminder.Kind.AFTER_DEADLINE: [],
        }
        for organization in organizations:
            deadline = deadlines[organization.pk]
            if today <= deadline:
                # The opening letter, in case the doorbell rung at opening was lost (sent at most once).
                due[Reminder.Kind.OPENING].append(organization)
            if today <= deadline <= today + before:  # not deadline - before: year 1 would overflow
                due[Reminder.Kind.BEFORE_DEADLINE].append(organization)
            elif today > deadline:
                due[Reminder.Kind.AFTER_DEADLINE].append(organization)
        for kind, chosen in due.items():
            if chosen:
                counts["reminded"] += reminders_send(campaign=campaign, kind=kind, organizations=chosen)
    return counts


# Reminders --------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """Whom a notice reached: the organizations a letter went to, and those with no e-mail address
    known (recorded, not mailed: the sender is told so)."""

    sent: list[Organization] = field(default_factory=list)
    unreachable: list[Organization] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sent) + len(self.unreachable)


def reach_of(organizations: list[Organization]) -> Delivery:
    """Which of the organizations a letter can reach (an e-mail address is known) and which not."""
    addresses = recipients_of(organizations)
    return Delivery(
        sent=[o for o in organizations if addresses[o.pk]],
        unreachable=[o for o in organizations if not addresses[o.pk]],
    )


def recipients_of(organizations: list[Organization]) -> dict[int, list[str]]:
    """E-mail addresses by organization: its respondents and head with accounts, and the head's own."""
    out: dict[int, set[str]] = {o.pk: set() for o in organizations}
    for organization_id, email in access.filler_emails(organizations):
        out[organization_id].add(email)
    for organization in organizations:
        if organization.head_id and organization.head.email:
            out[organization.pk].add(organization.head.email)
    return {pk: sorted(emails) for pk, emails in out.items()}


def pending_organizations(campaign: Campaign, kind: str) -> QuerySet[Organization]:
    """Whom a reminder of this kind is for: those who have not sent their answers (no form, a draft, a
    returned form). A school whose form is sent, by the portal or by the Google Forms import, is
    never told that the collection opened or that its deadline is near or has passed."""
    done = [Status.SUBMITTED, Status.ACCEPTED]
    return campaign.organizations.exclude(
        pk__in=campaign.submissions.filter(status__in=done).values("organization")
    ).select_related("head")


def reminders_send(
    *,
    campaign: Campaign,
    kind: str,
    by: User | None = None,
    organizations: list[Organization] | None = None,
) -> int:
    """`reminders_deliver`, counted: the number of organizations reminded (with or without a letter)."""
    return reminders_deliver(campaign=campaign, kind=kind, by=by, organizations=organizations).count


def reminders_deliver(
    *,
    campaign: Campaign,
    kind: str,
    by: User | None = None,
    organizations: list[Organization] | None = None,
) -> Delivery:
    """Send one reminder to each organization still pending (of `organizations`, when given); a scheduled
    kind reaches an organization at most once (claimed by a unique row before the mail goes). Only an
    open collection reminds: a scheduled kind of another sends nothing, a manual one is refused.
    Returns whom a letter went to and who has no e-mail address known (recorded, without a letter)."""
    if kind not in Reminder.Kind.values:
        raise ValueError(f"unknown reminder kind {kind!r}")
    refuse_unless_runs(by, campaign)
    state = Campaign.objects.filter(pk=campaign.pk).values_list("state", flat=True).first()
    if state != State.OPEN:
        if kind == Reminder.Kind.MANUAL:
            raise ValidationError(_("Reminders are sent only while the collection is open."))
        return Delivery()
    pending = pending_organizations(campaign, kind)
    if organizations is not None:
        pending = pending.filter(pk__in=[o.pk for o in organizations])
    organizations = list(pending)
    if kind != Reminder.Kind.MANUAL:
        already = set(
            Reminder.objects.filter(campaign=campaign, kind=kind).values_list("organization", flat=True)
        )
        organizations = [o for o in organizations if o.pk not in already]
    if not organizations:
        return Delivery()
    addresses = recipients_of(organizations)
    claimed = []
    for organization in organizations:
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    campaign=campaign,
                    organization=organization,
                    kind=kind,
                    recipients=", ".join(addresses[organization.pk]),
                    sent_by=by,
                )
        except IntegrityError:  # another worker claimed it
            continue
        claimed.append(organization)
    deadlines = deadlines_of(campaign, claimed)
    # The letters are Russian whoever rang: a task has no request, a click may come in any language.
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            _reminder_mail(campaign, kind, o, addresses[o.pk], deadlines[o.pk])
            for o in claimed
            if addresses[o.pk]
        ]
    if messages:
        send_mass_mail(messages, fail_silently=True)
    return Delivery(
        sent=[o for o in claimed if addresses[o.pk]],
        unreachable=[o for o in claimed if not addresses[o.pk]],
    )


def _reminder_mail(
    campaign: Campaign,
    kind: str,
    organization: Organization,
    to: list[str],
    deadline: datetime.date | None = None,
):
    deadline = deadline or deadline_for(campaign, organization)
    subject = {
        Reminder.Kind.OPENING: _("Data collection «%(title)s» is open"),
        Reminder.Kind.BEFORE_DEADLINE: _("Data collection «%(title)s»: the deadline is near"),
        Reminder.Kind.AFTER_DEADLINE: _("Data collection «%(title)s»: the deadline has passed"),
        Reminder.Kind.MANUAL: _("Reminder: data collection «%(title)s»"),
    }[kind] % {"title": campaign.title}
    body = _(
        "%(organization)s is asked to fill in the form «%(form)s» for %(period)s by %(deadline)s.\n"
        "The form: %(url)s\n"
    ) % {
        "organization": organization.short_name,
        "form": campaign.form.title,
        "period": campaign.period,
        "deadline": deadline.strftime("%d.%m.%Y"),
        "url": site.absolute(reverse("monitoring:my_forms")),
    }
    return subject, body, settings.DEFAULT_FROM_EMAIL, to


# Letters on a form's state ----------------------------------------------------------------------


def status_letter_later(submission_id: int, status: str) -> None:
    """After commit, tell the organization by e-mail that its form is sent, returned or accepted."""
    transaction.on_commit(lambda: status_letter_send(submission_id, status))


def status_letter_send(submission_id: int, status: str) -> bool:
    """The letter on the form's state to its organization's addresses; False when no address is known
    (or the form is gone). A failing mail server costs the letter, never the state change."""
    submission = (
        Submission.objects.select_related("campaign__period", "organization__head")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return False
    to = recipients_of([submission.organization])[submission.organization_id]
    if not to:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _status_letter(submission, status)
    try:
        send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, to)], fail_silently=True)
    except Exception:  # a broken mail setting: the state is changed, the letter is lost
        logger.warning("The letter on submission %s (%s) is not sent.", submission_id, status)
        return False
    return True


def _status_letter(submission: Submission, status: str) -> tuple[str, str]:
    campaign = submission.campaign
    moment = submission.submitted_at if status == Status.SUBMITTED else submission.reviewed_at
    moment = timezone.localtime(moment or timezone.now())
    values = {
        "title": campaign.title,
        "organization": submission.organization.short_name,
        "period": campaign.period.label,
        "day": moment.strftime("%d.%m.%Y"),
        "time": moment.strftime("%H:%M"),
        "comment": submission.review_comment,
        "url": site.absolute(reverse("monitoring:submission", args=[submission.pk])),
    }
    if status == Status.SUBMITTED:
        subject = _("The form «%(title)s» is sent") % values
        body = (
            _(
                "%(organization)s sent the form «%(title)s» for %(period)s on %(day)s at %(time)s.\n"
                "The department will review it; you will get a letter when it is accepted or returned.\n"
                "The form: %(url)s\n"
            )
            % values
        )
    elif status == Status.RETURNED:
        subject = _("The form «%(title)s» is returned for correction") % values
        body = (
            _(
                "The department returned the form «%(title)s» of %(organization)s for %(period)s on "
                "%(day)s at %(time)s with the comment:\n\n%(comment)s\n\n"
                "Correct the answers and send the form again: %(url)s\n"
            )
            % values
        )
    else:
        subject = _("The form «%(title)s» is accepted") % values
        body = (
            _(
                "The department accepted the form «%(title)s» of %(organization)s for %(period)s on "
                "%(day)s at %(time)s. Its figures are in the indicators now.\n"
                "The form: %(url)s\n"
            )
            % values
        )
    return subject, body
