"""Writes on monitoring: forms and their versions, collections and their dates, submissions from the
first draft to acceptance, reminders.

Every state change is a conditional UPDATE (of two reviewers, or two tabs, exactly one wins) with a
SubmissionEvent written in the same transaction; acceptance writes the answers as data values,
which rings the indicator recompute after commit.
"""

import datetime
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from indicators import services as indicator_services
from indicators.models import DataElement, DataValue
from mcok import site
from mcok.models import Municipality, Organization, User
from monitoring import access, validation
from monitoring.models import Campaign, Extension, Field, Form, Reminder, Rule, Section, Submission
from monitoring.models import SubmissionEvent as Event

logger = logging.getLogger(__name__)
Status = Submission.Status
State = Campaign.State

TARGET_FLAGS = {
    "low_results": Q(low_results=True),
    "unfavourable_conditions": Q(unfavourable_conditions=True),
    "rural": Q(locality="rural"),
    "urban": Q(locality="urban"),
}


# Rights -----------------------------------------------------------------------------------------
# monitoring.access decides; these raise its refusal when it says no. No `by`: the system itself
# (beat, a management command).


def _refuse_unless_runs(by: User | None, campaign: Campaign) -> None:
    """Opening, closing, extending and reminding belong to those who run the collection."""
    if by is not None and not access.can_open_campaign(by, campaign):
        raise PermissionDenied(access.REFUSED_RUN)


def _refuse_unless_reviews(by: User, campaign: Campaign) -> None:
    if not access.can_review(by, campaign):
        raise PermissionDenied(access.REFUSED_REVIEW)


# Forms ------------------------------------------------------------------------------------------


def form_check_editable(form: Form) -> None:
    if form.is_locked:
        raise ValidationError(
            _("The form is used by an open or closed collection and cannot change; make a new version of it.")
        )


@transaction.atomic
def form_new_version(*, form: Form, by: User) -> Form:
    """A copy of the form, its sections, questions and rules, as the next version. Collections keep
    the version they were opened with. Only those who may change the form (PermissionDenied)."""
    if not access.can_edit_form(by, form):
        raise PermissionDenied(access.REFUSED_FORM)
    if hasattr(form, "next_version"):
        raise ValidationError(_("A newer version of this form already exists."))
    copy = Form.objects.create(
        municipality=form.municipality,
        direction=form.direction,
        title=form.title,
        description=form.description,
        version=form.version + 1,
        previous_version=form,
        created_by=by,
    )
    sections = {}
    for section in form.sections.all():
        sections[section.pk] = Section.objects.create(
            form=copy, title=section.title, description=section.description, order=section.order
        )
    Field.objects.bulk_create(
        Field(
            form=copy,
            section=sections.get(item.section_id),
            code=item.code,
            label=item.label,
            help_text=item.help_text,
            kind=item.kind,
            required=item.required,
            min_value=item.min_value,
            max_value=item.max_value,
            choices=item.choices,
            data_element_id=item.data_element_id,
            file_types=item.file_types,
            max_file_mb=item.max_file_mb,
            order=item.order,
        )
        for item in form.fields.all()
    )
    Rule.objects.bulk_create(
        Rule(form=copy, kind=rule.kind, fields=rule.fields, message=rule.message, order=rule.order)
        for rule in form.rules.all()
    )
    return copy


def data_element_for_field(*, item: Field, code: str = "", name: str = "") -> DataElement:
    """The data element a numeric question feeds, created when the municipality has none by that code."""
    if not item.is_numeric:
        raise ValidationError(_("Only numeric questions feed data elements."))
    code = code or item.code
    element, _created = DataElement.objects.get_or_create(
        municipality=item.form.municipality,
        code=code,
        defaults={
            "name": name or item.label[:500],
            "value_type": DataElement.ValueType.INTEGER
            if item.kind == Field.Kind.INTEGER
            else DataElement.ValueType.DECIMAL,
        },
    )
    return element


# Collections ------------------------------------------------------------------------------------


def organizations_targeted(
    municipality: Municipality, *, kinds: list[str], flags: list[str]
) -> QuerySet[Organization]:
    """The active organizations of the municipality of these kinds (all, when none given) having every
    flag. An unknown flag is a ValidationError."""
    unknown = [flag for flag in flags if flag not in TARGET_FLAGS]
    if unknown:
        raise ValidationError(_("Unknown flags: %(flags)s.") % {"flags": ", ".join(map(str, unknown))})
    organizations = Organization.objects.filter(municipality=municipality, is_active=True)
    if kinds:
        organizations = organizations.filter(kind__in=kinds)
    for flag in flags:
        organizations = organizations.filter(TARGET_FLAGS[flag])
    return organizations


@transaction.atomic
def campaign_create(
    *,
    form: Form,
    period,
    title: str,
    opens_on: datetime.date,
    deadline: datetime.date,
    closes_on: datetime.date | None = None,
    requires_sign_off: bool = False,
    description: str = "",
    kinds: list[str] | None = None,
    flags: list[str] | None = None,
    organizations: list[Organization] | None = None,
    by: User | None,
) -> Campaign:
    """A draft collection; its organizations are the list given, or those the kinds and flags select.
    Dates out of order and organizations of another municipality are refused (ValidationError); one
    who may not start a collection of the form for the period (monitoring.access.can_start_campaign)
    gets PermissionDenied. No `by`: the system (the demo, a management command)."""
    if by is not None and not access.can_start_campaign(by, form, period):
        raise PermissionDenied(access.REFUSED_RUN)
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the collection a title."))
    if deadline < opens_on:
        raise ValidationError(_("The deadline cannot be earlier than the opening date."))
    if closes_on is not None and closes_on < deadline:
        raise ValidationError(_("A collection cannot close before its deadline."))
    campaign = Campaign.objects.create(
        municipality=form.municipality,
        form=form,
        period=period,
        title=title,
        description=description,
        opens_on=opens_on,
        deadline=deadline,
        closes_on=closes_on,
        requires_sign_off=requires_sign_off,
        target_kinds=kinds or [],
        target_flags=flags or [],
        created_by=by,
    )
    if organizations is None:
        organizations = organizations_targeted(form.municipality, kinds=kinds or [], flags=flags or [])
    organizations = list(organizations)
    foreign = [o for o in organizations if o.municipality_id != form.municipality_id]
    if foreign:
        raise ValidationError(_("Organizations of another municipality cannot be asked."))
    campaign.organizations.set(organizations)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    by: User,
    form: Form,
    period,
    title: str,
    description: str,
    opens_on: datetime.date,
    deadline: datetime.date,
    closes_on: datetime.date | None,
    requires_sign_off: bool,
    kinds: list[str],
    flags: list[str],
    organizations: list[Organization],
) -> Campaign:
    """Change a draft collection's settings and whom it asks. Only those who may edit forms, and only
    while the collection is a draft: once schools see it, it stays as they saw it. The person must
    be able to run it both as it is and as it becomes (another form or period: PermissionDenied)."""
    if not (access.can_edit_campaign(by, campaign) and access.can_start_campaign(by, form, period)):
        raise PermissionDenied(access.REFUSED_RUN)
    if deadline < opens_on:
        raise ValidationError(_("The deadline cannot be earlier than the opening date."))
    if closes_on is not None and closes_on < deadline:
        raise ValidationError(_("A collection cannot close before its deadline."))
    if form.municipality_id != campaign.municipality_id or any(
        o.municipality_id != campaign.municipality_id for o in organizations
    ):
        raise ValidationError(_("Organizations of another municipality cannot be asked."))
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.state != State.DRAFT:
        raise ValidationError(_("Only a draft collection can be changed: this one has been opened."))
    locked.form = form
    locked.period = period
    locked.title = title
    locked.description = description
    locked.opens_on = opens_on
    locked.deadline = deadline
    locked.closes_on = closes_on
    locked.requires_sign_off = requires_sign_off
    locked.target_kinds = kinds
    locked.target_flags = flags
    locked.save()
    locked.organizations.set(organizations)
    return locked


@transaction.atomic
def campaign_open(*, campaign: Campaign, by: User | None = None) -> Campaign:
    """Open a draft (or reopen a closed) collection; schools see it from now on. The opening reminder
    goes to every organization asked, after commit; reopening sends none. A closed collection whose
    closing day has passed loses that day on reopening (else beat's next pass would close it again):
    the coordinator closes it then."""
    _refuse_unless_runs(by, campaign)
    if not campaign.form.fields.exists():
        raise ValidationError(_("The form has no questions yet."))
    if not campaign.organizations.exists():
        raise ValidationError(_("No organizations are asked to answer."))
    now = timezone.now()
    # The state in the database decides, not the caller's copy: of two clicks, one opens.
    opened = Campaign.objects.filter(pk=campaign.pk, state=State.DRAFT).update(
        state=State.OPEN, opened_at=now, closed_at=None
    )
    if not opened:
        reopened = Campaign.objects.filter(pk=campaign.pk, state=State.CLOSED).update(
            state=State.OPEN, opened_at=now, closed_at=None
        )
        if not reopened:
            raise ValidationError(_("The collection is already open."))
        Campaign.objects.filter(pk=campaign.pk, closes_on__lt=timezone.localdate()).update(closes_on=None)
    campaign.refresh_from_db()
    if opened:
        campaign_id = campaign.pk
        transaction.on_commit(lambda: _reminders_later(campaign_id, Reminder.Kind.OPENING))
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, by: User | None = None) -> Campaign:
    _refuse_unless_runs(by, campaign)
    claimed = Campaign.objects.filter(pk=campaign.pk, state=State.OPEN).update(
        state=State.CLOSED, closed_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("Only an open collection can be closed."))
    campaign.refresh_from_db()
    return campaign


def deadline_for(campaign: Campaign, organization: Organization) -> datetime.date:
    """The organization's own deadline: the newest extension, else the collection's."""
    extension = campaign.extensions.filter(organization=organization).first()
    return extension.deadline if extension else campaign.deadline


def deadlines_of(campaign: Campaign, organizations: list[Organization]) -> dict[int, datetime.date]:
    """`deadline_for` of many organizations in one query."""
    out = {organization.pk: campaign.deadline for organization in organizations}
    newest_first = Extension.objects.filter(
        campaign=campaign, organization__in=[o.pk for o in organizations]
    ).order_by("granted_at", "pk")
    for organization_id, deadline in newest_first.values_list("organization_id", "deadline"):
        out[organization_id] = deadline  # the last one read, the newest, wins
    return out


@transaction.atomic
def extension_grant(
    *, campaign: Campaign, organization: Organization, deadline: datetime.date, reason: str, by: User
) -> Extension:
    """A later deadline for one organization; the collection's closing day moves to it when needed."""
    _refuse_unless_runs(by, campaign)
    reason = (reason or "").strip()
    if not campaign.organizations.filter(pk=organization.pk).exists():
        raise ValidationError(_("This organization is not asked to answer in this collection."))
    if deadline < campaign.deadline:
        raise ValidationError(_("An extension cannot end before the collection's deadline."))
    extension = Extension.objects.create(
        campaign=campaign, organization=organization, deadline=deadline, reason=reason, granted_by=by
    )
    if campaign.closes_on and deadline > campaign.closes_on:
        # The collection stays open for this organization until its own deadline.
        Campaign.objects.filter(pk=campaign.pk, closes_on__lt=deadline).update(closes_on=deadline)
        campaign.closes_on = deadline
    return extension


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


def _reminders_later(campaign_id: int, kind: str) -> None:
    from monitoring import tasks

    try:
        tasks.reminders_send.delay(campaign_id, kind)
    except Exception:  # the broker is down: beat's daily pass sends what is still due
        logger.warning("Reminders of collection %s not queued.", campaign_id)


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
    _refuse_unless_runs(by, campaign)
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


# Submissions ------------------------------------------------------------------------------------


class EditConflict(ValidationError):
    """Someone else saved the same answers meanwhile; `fields` are the questions both changed."""

    def __init__(self, message: str, fields: list[str]):
        super().__init__(message, code="edit_conflict")
        self.fields = fields


def form_questions(form: Form) -> tuple[list[Field], list[Rule]]:
    return list(form.fields.select_related("section", "data_element")), list(form.rules.all())


def submission_for(*, campaign: Campaign, organization: Organization, by: User | None = None) -> Submission:
    """The organization's one submission to the collection, made on first use. The unique constraint
    decides between two first saves; the loser reads the winner's row."""
    if not campaign.organizations.filter(pk=organization.pk).exists():
        raise ValidationError(_("This organization is not asked to answer in this collection."))
    try:
        with transaction.atomic():
            submission, _created = Submission.objects.get_or_create(
                campaign=campaign, organization=organization, defaults={"updated_by": by}
            )
    except IntegrityError:
        submission = Submission.objects.get(campaign=campaign, organization=organization)
    return submission


def _check_open_for(submission: Submission) -> None:
    """Refuse a change of answers unless the collection is open (as the database has it now, and not
    past its closing day, which beat may not have seen yet) and the form is a draft or returned."""
    campaign = submission.campaign
    state, closes_on = Campaign.objects.filter(pk=campaign.pk).values_list("state", "closes_on").get()
    if state != State.OPEN or (closes_on is not None and closes_on < timezone.localdate()):
        raise ValidationError(_("The collection is not open: answers cannot change."))
    if submission.status == Status.SUBMITTED:
        raise ValidationError(_("The form is submitted and waits for review; it cannot change now."))
    if submission.status == Status.ACCEPTED:
        raise ValidationError(_("The form is accepted and can no longer change."))


def _answer_text(raw: Any) -> str:
    """One answer as the text it is stored as, whatever a client sent: numbers as written (never
    «1e+20»), yes/no, ISO dates; line ends of browsers unified; characters a database cannot hold
    (NUL, lone surrogates) dropped."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif isinstance(raw, float | Decimal | datetime.date):
        number = validation.parse_number(raw) if not isinstance(raw, datetime.date) else None
        text = validation.as_text(number if number is not None else raw)
        if isinstance(raw, float | Decimal) and number is None:
            text = ""  # NaN or infinity: no answer
    else:
        text = validation.text_of(raw)
    text = text.replace("\x00", "").replace("\r\n", "\n")
    return text.encode("utf-8", "replace").decode("utf-8").strip()


def _normalise(answers: dict[str, Any], fields: list[Field]) -> dict[str, Any]:
    """Only the form's questions; every answer as text (lists of texts for lists); text trimmed of
    the line ends browsers add; blanks dropped."""
    out = {}
    for item in fields:
        if item.code not in answers:
            continue
        raw = answers[item.code]
        if isinstance(raw, list | tuple | set | frozenset):
            raw = [text for text in map(_answer_text, raw) if text]
        elif isinstance(raw, dict):
            raw = _answer_text(raw)  # kept as typed, refused by the check
        else:
            raw = _answer_text(raw)
        if not validation.is_blank(raw):
            out[item.code] = raw
    return out


def _refuse_unless_fills(submission: Submission, by: User | None) -> None:
    """The organization's respondents and head fill in its forms; the department's form editors may
    too (an import on a school's behalf). No `by`: the system itself."""
    if by is None:
        return
    if not access.can_fill_for(by, submission.campaign, submission.organization):
        raise PermissionDenied(access.REFUSED_FILL)


@dataclass
class Saved:
    submission: Submission
    check: validation.Result
    merged: list[str] = field(default_factory=list)  # questions a colleague changed, kept as theirs


@transaction.atomic
def submission_save(
    *,
    submission: Submission,
    answers: dict[str, Any],
    base_revision: int | None,
    by: User | None,
    action: str = Event.Action.SAVED,
) -> Saved:
    """Store the answers of a draft as typed, whatever their state: a draft loses nothing.

    `answers` holds the questions the person sent; questions not sent keep their stored answers.
    `base_revision` is the revision the person started from: when a colleague saved meanwhile, the
    changes of both are merged question by question; when both changed one question differently,
    EditConflict names it and nothing is written, so the person's page keeps their input.
    """
    if not isinstance(answers, dict):
        raise ValidationError(_("The answers must be given by question code."))
    _refuse_unless_fills(submission, by)
    fields, rules = form_questions(submission.campaign.form)
    # The row lock orders concurrent saves: the second reads the first's revision and merges.
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    mine = _normalise(answers, fields)
    sent = [item.code for item in fields if item.code in answers]  # in the form's order
    merged: list[str] = []
    if base_revision is not None and base_revision != current.revision:
        base = _answers_at(current, base_revision)
        theirs = current.answers
        conflicts = [
            code
            for code in sent
            if mine.get(code) != base.get(code)
            and theirs.get(code) != base.get(code)
            and theirs.get(code) != mine.get(code)
        ]
        if conflicts:
            labels = [item.label for item in fields if item.code in conflicts]
            raise EditConflict(
                _(
                    "Someone of your organization changed the same answers meanwhile: %(fields)s. "
                    "Your input is still on the page: compare it with theirs and save again."
                )
                % {"fields": "; ".join(f"«{label}»" for label in labels)},
                conflicts,
            )
        # Only what this person changed since their base overrides; the rest stays as saved.
        sent = [code for code in sent if mine.get(code) != base.get(code)]
        merged = [
            item.code
            for item in fields
            if theirs.get(item.code) != base.get(item.code) and item.code not in sent
        ]
    new = dict(current.answers)
    for code in sent:
        if code in mine:
            new[code] = mine[code]
        else:
            new.pop(code, None)
    result = validation.check(fields, rules, new, complete=False)
    if new != current.answers:
        current.answers = new
        current.revision += 1
        current.updated_by = by
        current.updated_at = timezone.now()
        current.save(update_fields=["answers", "revision", "updated_by", "updated_at"])
        Event.objects.create(submission=current, action=action, by=by, answers=new, revision=current.revision)
    return Saved(current, result, merged)


def _answers_at(submission: Submission, revision: int) -> dict[str, Any]:
    """The answers as they were at `revision`, from the event of the save that made it (a save that
    cleared every answer left `{}`, which is what the lookup answers then as well)."""
    if revision <= 0 or revision > submission.revision:
        return {}
    event = (
        submission.events.filter(revision=revision, action__in=[Event.Action.SAVED, Event.Action.IMPORTED])
        .order_by("-pk")
        .first()
    )
    return event.answers if event else {}


@transaction.atomic
def submission_submit(*, submission: Submission, by: User, notify: bool = True) -> Submission:
    """Send the answers for review; every question is checked first and nothing changes on a problem.
    A head's submit also signs off; a respondent's waits for the head where sign-off is required.
    The organization gets a letter that its form is sent (not with `notify=False`: the Google Forms
    import, whose answers were sent long ago)."""
    _refuse_unless_fills(submission, by)
    fields, rules = form_questions(submission.campaign.form)
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    result = validation.check(fields, rules, current.answers, complete=True)
    if not result.ok:
        raise ValidationError(result.messages(fields))
    head = access.can_sign_off(by, submission.organization) if by else False
    now = timezone.now()
    claimed = Submission.objects.filter(pk=current.pk, status__in=Submission.EDITABLE).update(
        status=Status.SUBMITTED,
        submitted_at=now,
        signed_off_by=by if head else None,
        signed_off_at=now if head else None,
    )
    if not claimed:
        raise ValidationError(_("The form has already been submitted."))
    Event.objects.create(submission=current, action=Event.Action.SUBMITTED, by=by, revision=current.revision)
    if head and current.campaign.requires_sign_off:
        Event.objects.create(
            submission=current, action=Event.Action.SIGNED_OFF, by=by, revision=current.revision
        )
    current.refresh_from_db()
    if notify:
        status_letter_later(current.pk, Status.SUBMITTED)
    return current


@transaction.atomic
def submission_sign_off(*, submission: Submission, by: User) -> Submission:
    if not access.can_sign_off(by, submission.organization):
        raise PermissionDenied(access.REFUSED_SIGN_OFF)
    claimed = Submission.objects.filter(
        pk=submission.pk, status=Status.SUBMITTED, signed_off_at__isnull=True
    ).update(signed_off_by=by, signed_off_at=timezone.now())
    if not claimed:
        raise ValidationError(_("Only a submitted form that is not yet signed off can be signed off."))
    submission.refresh_from_db()
    Event.objects.create(
        submission=submission, action=Event.Action.SIGNED_OFF, by=by, revision=submission.revision
    )
    return submission


def awaits_sign_off(submission: Submission) -> bool:
    return (
        submission.campaign.requires_sign_off
        and submission.status == Status.SUBMITTED
        and submission.signed_off_at is None
    )


@transaction.atomic
def submission_return(*, submission: Submission, comment: str, by: User) -> Submission:
    """Return a submitted form to the school with a comment, which is required."""
    _refuse_unless_reviews(by, submission.campaign)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say what the school should fix: the comment is required."))
    claimed = Submission.objects.filter(pk=submission.pk, status=Status.SUBMITTED).update(
        status=Status.RETURNED,
        review_comment=comment,
        reviewed_by=by,
        reviewed_at=timezone.now(),
        signed_off_by=None,
        signed_off_at=None,
    )
    if not claimed:
        raise ValidationError(_("Only a submitted form can be returned."))
    submission.refresh_from_db()
    Submission.objects.filter(pk=submission.pk).update(returned_answers=submission.answers)
    Event.objects.create(
        submission=submission,
        action=Event.Action.RETURNED,
        by=by,
        comment=comment,
        revision=submission.revision,
    )
    submission.refresh_from_db()
    status_letter_later(submission.pk, Status.RETURNED)
    return submission


@transaction.atomic
def submission_accept(*, submission: Submission, by: User) -> Submission:
    """Accept a submitted form and store its numeric answers as data values of the collection's
    period; the indicator values are recomputed after commit. Accepted once: a second call raises."""
    campaign = submission.campaign
    _refuse_unless_reviews(by, campaign)
    # One conditional UPDATE decides, on the row as it is now: of two reviewers (or a reviewer and
    # a head's recall) exactly one wins, and a form that lost its sign-off meanwhile is not accepted.
    claim = Submission.objects.filter(pk=submission.pk, status=Status.SUBMITTED)
    if campaign.requires_sign_off:
        claim = claim.filter(signed_off_at__isnull=False)
    claimed = claim.update(
        status=Status.ACCEPTED, reviewed_by=by, reviewed_at=timezone.now(), review_comment=""
    )
    if not claimed:
        submission.refresh_from_db()
        if awaits_sign_off(submission):
            raise ValidationError(_("The form waits for the head's sign-off."))
        raise ValidationError(_("Only a submitted form can be accepted."))
    submission.refresh_from_db()
    data_values_from(submission=submission, by=by)
    Event.objects.create(
        submission=submission, action=Event.Action.ACCEPTED, by=by, revision=submission.revision
    )
    status_letter_later(submission.pk, Status.ACCEPTED)
    return submission


def data_values_from(*, submission: Submission, by: User | None) -> int:
    """Write the numeric answers bound to data elements as the organization's data values. An answer
    that does not check (a number out of range, text) is skipped, never stored."""
    fields, rules = form_questions(submission.campaign.form)
    result = validation.check(fields, rules, submission.answers, complete=False)
    entries = [
        indicator_services.Entry(
            item.data_element,
            submission.organization,
            submission.campaign.period,
            value.quantize(_VALUE_PLACES, rounding=ROUND_HALF_UP),
        )
        for item in fields
        if item.data_element_id
        and item.is_numeric
        and isinstance(value := result.values.get(item.code), Decimal)
    ]
    return indicator_services.data_values_write(entries=entries, source=DataValue.Source.SUBMISSION, by=by)


_VALUE_PLACES = Decimal("0.0001")  # a data value's decimal places


def submissions_accept(*, submissions: list[Submission], by: User) -> tuple[int, list[str]]:
    """Bulk acceptance: each on its own, so one that cannot be accepted does not stop the others; the
    problems come back one sentence per organization. PermissionDenied, before anything is accepted,
    when `by` may not review one of them."""
    campaigns = {submission.campaign_id: submission.campaign for submission in submissions}
    for campaign in campaigns.values():
        _refuse_unless_reviews(by, campaign)
    accepted, problems = 0, []
    for submission in submissions:
        try:
            submission_accept(submission=submission, by=by)
            accepted += 1
        except ValidationError as error:
            problems.append(f"{submission.organization.short_name}: {' '.join(error.messages)}")
    return accepted, problems


def changed_since_return(submission: Submission) -> set[str]:
    """Questions whose answers differ from those the coordinator returned (none before a return)."""
    previous = submission.returned_answers
    if not previous and submission.status != Status.RETURNED and not submission.review_comment:
        return set()
    codes = set(previous) | set(submission.answers)
    return {code for code in codes if previous.get(code) != submission.answers.get(code)}
