"""Writes on monitoring: forms and their versions, collections and their dates, submissions from the
first draft to acceptance, reminders.

Every state change is a conditional UPDATE (of two reviewers, or two tabs, exactly one wins) with a
SubmissionEvent written in the same transaction; acceptance writes the answers as data values,
which rings the indicator recompute after commit.
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import services as indicator_services
from indicators.models import DataElement, DataValue
from mcok.access import has_role, is_instance_administrator
from mcok.models import Municipality, Organization, Role, User
from monitoring import validation
from monitoring.models import Campaign, Extension, Field, Form, Reminder, Rule, Section, Submission
from monitoring.models import SubmissionEvent as Event

logger = logging.getLogger(__name__)
Status = Submission.Status
State = Campaign.State

# Who does what: the technology card gives the collection to coordinators and executors, the
# review to coordinators; a school head signs off what the school's respondents prepared.
FORM_EDITORS = (Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR, Role.Kind.EXECUTOR)
REVIEWERS = (Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR)
FILLERS = (Role.Kind.RESPONDENT, Role.Kind.SCHOOL_HEAD)

TARGET_FLAGS = {
    "low_results": Q(low_results=True),
    "unfavourable_conditions": Q(unfavourable_conditions=True),
    "rural": Q(locality="rural"),
    "urban": Q(locality="urban"),
}


# Rights -----------------------------------------------------------------------------------------


def can_edit_forms(user: User, municipality: Municipality) -> bool:
    return is_instance_administrator(user) or has_role(user, FORM_EDITORS, municipality=municipality)


def can_review(user: User, municipality: Municipality) -> bool:
    return is_instance_administrator(user) or has_role(user, REVIEWERS, municipality=municipality)


def can_fill(user: User, organization: Organization) -> bool:
    return has_role(user, FILLERS, organization=organization)


def can_sign_off(user: User, organization: Organization) -> bool:
    return has_role(user, Role.Kind.SCHOOL_HEAD, organization=organization)


# Forms ------------------------------------------------------------------------------------------


def form_check_editable(form: Form) -> None:
    if form.is_locked:
        raise ValidationError(
            _("The form is used by an open or closed collection and cannot change; make a new version of it.")
        )


@transaction.atomic
def form_new_version(*, form: Form, by: User) -> Form:
    """A copy of the form, its sections, questions and rules, as the next version. Collections keep
    the version they were opened with."""
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
    """The organizations of the municipality of these kinds (all, when none given) having every flag."""
    organizations = Organization.objects.filter(municipality=municipality)
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
    """A draft collection; its organizations are the list given, or those the kinds and flags select."""
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
    foreign = [o for o in organizations if o.municipality_id != form.municipality_id]
    if foreign:
        raise ValidationError(_("Organizations of another municipality cannot be asked."))
    campaign.organizations.set(organizations)
    return campaign


@transaction.atomic
def campaign_open(*, campaign: Campaign, by: User | None = None) -> Campaign:
    """Open a draft (or reopen a closed) collection; schools see it from now on. The opening reminder
    goes to every organization asked, after commit."""
    if not campaign.form.fields.exists():
        raise ValidationError(_("The form has no questions yet."))
    if not campaign.organizations.exists():
        raise ValidationError(_("No organizations are asked to answer."))
    was_draft = campaign.state == State.DRAFT
    claimed = Campaign.objects.filter(pk=campaign.pk, state__in=[State.DRAFT, State.CLOSED]).update(
        state=State.OPEN, opened_at=timezone.now(), closed_at=None
    )
    if not claimed:
        raise ValidationError(_("The collection is already open."))
    campaign.refresh_from_db()
    if was_draft:
        transaction.on_commit(lambda: _reminders_later(campaign.pk, Reminder.Kind.OPENING))
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, by: User | None = None) -> Campaign:
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


@transaction.atomic
def extension_grant(
    *, campaign: Campaign, organization: Organization, deadline: datetime.date, reason: str, by: User
) -> Extension:
    if not campaign.organizations.filter(pk=organization.pk).exists():
        raise ValidationError(_("This organization is not asked to answer in this collection."))
    if deadline < campaign.deadline:
        raise ValidationError(_("An extension cannot end before the collection's deadline."))
    extension = Extension.objects.create(
        campaign=campaign, organization=organization, deadline=deadline, reason=reason, granted_by=by
    )
    if campaign.closes_on and deadline > campaign.closes_on:
        Campaign.objects.filter(pk=campaign.pk).update(closes_on=deadline)
    return extension


def campaigns_advance(*, today: datetime.date | None = None) -> dict[str, int]:
    """Beat's daily pass: open the drafts whose day has come, close the collections whose closing day
    has passed, send the reminders that fall due today. Safe to run any number of times."""
    today = today or timezone.localdate()
    counts = {"opened": 0, "closed": 0, "reminded": 0}
    for campaign in Campaign.objects.filter(state=State.DRAFT, opens_on__lte=today, deadline__gte=today):
        try:
            campaign_open(campaign=campaign)
            counts["opened"] += 1
        except ValidationError as error:
            logger.info("Collection %s not opened: %s", campaign.pk, error.messages)
    for campaign in Campaign.objects.filter(state=State.OPEN, closes_on__lt=today):
        campaign_close(campaign=campaign)
        counts["closed"] += 1
    days = settings.MONITORING_REMIND_DAYS_BEFORE
    for campaign in Campaign.objects.open():
        if campaign.deadline - datetime.timedelta(days=days) <= today <= campaign.deadline:
            counts["reminded"] += reminders_send(campaign=campaign, kind=Reminder.Kind.BEFORE_DEADLINE)
        elif today > campaign.deadline:
            counts["reminded"] += reminders_send(campaign=campaign, kind=Reminder.Kind.AFTER_DEADLINE)
    return counts


# Reminders --------------------------------------------------------------------------------------


def _reminders_later(campaign_id: int, kind: str) -> None:
    from monitoring import tasks

    try:
        tasks.reminders_send.delay(campaign_id, kind)
    except Exception:  # the broker is down: beat's daily pass sends what is still due
        logger.warning("Reminders of collection %s not queued.", campaign_id)


def recipients_of(organizations: list[Organization]) -> dict[int, list[str]]:
    """E-mail addresses by organization: its respondents and head with accounts, and the head's own."""
    out: dict[int, set[str]] = {o.pk: set() for o in organizations}
    roles = Role.objects.filter(organization__in=organizations, kind__in=FILLERS, user__is_active=True)
    for organization_id, email in roles.values_list("organization_id", "user__email"):
        if email:
            out[organization_id].add(email)
    for organization in organizations:
        if organization.head_id and organization.head.email:
            out[organization.pk].add(organization.head.email)
    return {pk: sorted(emails) for pk, emails in out.items()}


def pending_organizations(campaign: Campaign, kind: str) -> QuerySet[Organization]:
    """Whom a reminder of this kind is for: the coordinator's click reminds those who have not
    submitted; the scheduled ones go to all without an accepted submission."""
    done = [Status.SUBMITTED, Status.ACCEPTED] if kind == Reminder.Kind.MANUAL else [Status.ACCEPTED]
    return campaign.organizations.exclude(
        pk__in=campaign.submissions.filter(status__in=done).values("organization")
    ).select_related("head")


def reminders_send(*, campaign: Campaign, kind: str, by: User | None = None) -> int:
    """Send one reminder to each organization still pending; a scheduled kind reaches an organization
    at most once (claimed by a unique row before the mail goes). Returns the number of organizations."""
    organizations = list(pending_organizations(campaign, kind))
    if kind != Reminder.Kind.MANUAL:
        already = set(
            Reminder.objects.filter(campaign=campaign, kind=kind).values_list("organization", flat=True)
        )
        organizations = [o for o in organizations if o.pk not in already]
    if not organizations:
        return 0
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
    messages = [_reminder_mail(campaign, kind, o, addresses[o.pk]) for o in claimed if addresses[o.pk]]
    if messages:
        send_mass_mail(messages, fail_silently=True)
    return len(claimed)


def _reminder_mail(campaign: Campaign, kind: str, organization: Organization, to: list[str]):
    deadline = deadline_for(campaign, organization)
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
        "url": settings.SITE_URL.rstrip("/") + reverse("monitoring:my_forms"),
    }
    return subject, body, settings.DEFAULT_FROM_EMAIL, to


# Submissions ------------------------------------------------------------------------------------


class EditConflict(ValidationError):
    """Someone else saved the same answers meanwhile; `fields` are the questions both changed."""

    def __init__(self, message: str, fields: list[str]):
        super().__init__(message)
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
    campaign = submission.campaign
    if campaign.state != State.OPEN:
        raise ValidationError(_("The collection is not open: answers cannot change."))
    if submission.status == Status.SUBMITTED:
        raise ValidationError(_("The form is submitted and waits for review; it cannot change now."))
    if submission.status == Status.ACCEPTED:
        raise ValidationError(_("The form is accepted and can no longer change."))


def _normalise(answers: dict[str, Any], fields: list[Field]) -> dict[str, Any]:
    """Only the form's questions; text trimmed of the line ends browsers add; blanks dropped."""
    out = {}
    for item in fields:
        if item.code not in answers:
            continue
        raw = answers[item.code]
        if isinstance(raw, list | tuple):
            raw = [str(v).strip() for v in raw if str(v).strip()]
        elif raw is not None:
            raw = str(raw).replace("\r\n", "\n").strip()
        if not validation.is_blank(raw):
            out[item.code] = raw
    return out


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
    fields, rules = form_questions(submission.campaign.form)
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    mine = _normalise(answers, fields)
    sent = {item.code for item in fields if item.code in answers}
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
        sent = {code for code in sent if mine.get(code) != base.get(code)}
        merged = [code for code in current.answers if current.answers.get(code) != base.get(code)]
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
    if revision == 0:
        return {}
    event = submission.events.filter(revision=revision).exclude(answers={}).order_by("-pk").first()
    return event.answers if event else {}


@transaction.atomic
def submission_submit(*, submission: Submission, by: User) -> Submission:
    """Send the answers for review; every question is checked first and nothing changes on a problem.
    A head's submit also signs off; a respondent's waits for the head where sign-off is required."""
    fields, rules = form_questions(submission.campaign.form)
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    current.campaign = submission.campaign
    _check_open_for(current)
    result = validation.check(fields, rules, current.answers, complete=True)
    if not result.ok:
        raise ValidationError(result.messages(fields))
    head = can_sign_off(by, current.organization) if by else False
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
    return current


@transaction.atomic
def submission_sign_off(*, submission: Submission, by: User) -> Submission:
    if not can_sign_off(by, submission.organization):
        raise PermissionDenied
    claimed = Submission.objects.filter(
        pk=submission.pk, status=Status.SUBMITTED, signed_off_at__isnull=True
    ).update(signed_off_by=by, signed_off_at=timezone.now())
    if not claimed:
        raise ValidationError(_("Only a submitted form that is not yet signed off can be signed off."))
    Event.objects.create(
        submission=submission, action=Event.Action.SIGNED_OFF, by=by, revision=submission.revision
    )
    submission.refresh_from_db()
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
    if not can_review(by, submission.campaign.municipality):
        raise PermissionDenied
    comment = comment.strip()
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
    return submission


@transaction.atomic
def submission_accept(*, submission: Submission, by: User) -> Submission:
    """Accept a submitted form and store its numeric answers as data values of the collection's
    period; the indicator values are recomputed after commit. Accepted once: a second call raises."""
    campaign = submission.campaign
    if not can_review(by, campaign.municipality):
        raise PermissionDenied
    if awaits_sign_off(submission):
        raise ValidationError(_("The form waits for the head's sign-off."))
    claimed = Submission.objects.filter(pk=submission.pk, status=Status.SUBMITTED).update(
        status=Status.ACCEPTED, reviewed_by=by, reviewed_at=timezone.now(), review_comment=""
    )
    if not claimed:
        raise ValidationError(_("Only a submitted form can be accepted."))
    submission.refresh_from_db()
    data_values_from(submission=submission, by=by)
    Event.objects.create(
        submission=submission, action=Event.Action.ACCEPTED, by=by, revision=submission.revision
    )
    return submission


def data_values_from(*, submission: Submission, by: User | None) -> int:
    """Write the numeric answers bound to data elements as the organization's data values."""
    fields, rules = form_questions(submission.campaign.form)
    result = validation.check(fields, rules, submission.answers, complete=False)
    entries = [
        indicator_services.Entry(
            item.data_element, submission.organization, submission.campaign.period, value
        )
        for item in fields
        if item.data_element_id and (value := result.values.get(item.code)) is not None
    ]
    return indicator_services.data_values_write(entries=entries, source=DataValue.Source.SUBMISSION, by=by)


def submissions_accept(*, submissions: list[Submission], by: User) -> tuple[int, list[str]]:
    """Bulk acceptance: each on its own, so one that cannot be accepted does not stop the others."""
    accepted, problems = 0, []
    for submission in submissions:
        try:
            submission_accept(submission=submission, by=by)
            accepted += 1
        except ValidationError as error:
            problems.append(f"{submission.organization.short_name}: {' '.join(error.messages)}")
    return accepted, problems


def changed_since_return(submission: Submission) -> set[str]:
    """Questions whose answers differ from those the coordinator returned."""
    previous = submission.returned_answers
    if not previous:
        return set()
    codes = set(previous) | set(submission.answers)
    return {code for code in codes if previous.get(code) != submission.answers.get(code)}
