"""Writes on monitoring's forms and collections: a form's next version, the data element a question
feeds, a collection from its draft to its closing, extensions of a deadline.

Every state change is a conditional UPDATE: of two clicks, exactly one wins.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import DataElement
from mcok import doorbell
from mcok.models import Municipality, Organization, User
from monitoring import access
from monitoring.models import Campaign, Extension, Field, Form, Reminder, Rule, Section

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


def refuse_unless_runs(by: User | None, campaign: Campaign) -> None:
    """Opening, closing, extending and reminding belong to those who run the collection."""
    if by is not None and not access.can_open_campaign(by, campaign):
        raise PermissionDenied(access.REFUSED_RUN)


def refuse_unless_reviews(by: User, campaign: Campaign) -> None:
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
            table=item.table,
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
    refuse_unless_runs(by, campaign)
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
    refuse_unless_runs(by, campaign)
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
    refuse_unless_runs(by, campaign)
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


def _reminders_later(campaign_id: int, kind: str) -> None:
    """Ring the reminders of a collection; a broker that is down costs nothing: beat's hourly pass
    sends what is still due."""
    from monitoring import tasks

    doorbell.ring(tasks.reminders_send, campaign_id, kind, what=f"Reminders of collection {campaign_id}")
