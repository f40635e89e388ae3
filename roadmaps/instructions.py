"""Instructions («поручения»): what an order or a meeting's decision charges someone with, by when, and
whether it was done.

An instruction keeps the document's words: its text, its responsible («Ответственным исполнителям
(Вахрушиной Э.Ф., …)») and its deadline («в срок до 01 августа 2021г.») as written. The deadline is read
by roadmaps.deadlines into the day it is due by; «просрочено» is never stored, it is an open instruction
past that day. Each responsible line is linked to the municipality's official or organization whose name
begins it, or given explicitly. Who may write is decided by roadmaps.access (`may_give_instructions`,
`can_manage_instruction`, `can_execute_instruction`); every function here that writes checks it.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directions.models import Direction
from indicators.models import Indicator
from mcok import access as core_access
from mcok import exports, site
from mcok.models import Document, Municipality, Official, Organization, User
from roadmaps import access, deadlines
from roadmaps.models import AgendaItem, Instruction, InstructionResponsible

State = Instruction.State
# recipients of a notice


# Pure reading of the deadline -------------------------------------------------------------------------


def due_date(text: str, *, year: int | None = None) -> tuple[str, datetime.date | None]:
    """The kind of the deadline as written and the day the instruction is due by: the end of the last
    stretch the wording names («до 01.09.2022» → 1 September 2022); None when it names no day
    («постоянно», a recurrence, an unreadable wording). `year` dates a wording without a year."""
    deadline = deadlines.parse(text or "", start_year=year, end_year=year)
    if deadline.kind not in deadlines.ONCE and deadline.kind is not deadlines.Kind.LIST:
        return str(deadline.kind), None  # «постоянно», «ежегодно»: held to no single day
    found = deadline.occurrences()
    return str(deadline.kind), (found[-1].due_on if found else None)


def deadline_words(instruction: Instruction) -> str:
    """The deadline for people: as written, else «no deadline given»."""
    return " ".join(instruction.deadline_text.split()) or _("no deadline given")


def state_label(instruction: Instruction, today: datetime.date | None = None) -> str:
    if instruction.is_overdue(today):
        return _("Overdue")
    return instruction.get_state_display()


def state_code(instruction: Instruction, today: datetime.date | None = None) -> str:
    return "overdue" if instruction.is_overdue(today) else instruction.state


# Writes ---------------------------------------------------------------------------------------------


def _require(user: User, municipality: Municipality) -> None:
    if not access.may_give_instructions(user, municipality):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)


def _match(text: str, officials: list[Official], organizations: list[Organization]) -> dict:
    """The official or organization whose name (or surname) begins the line, the longest name first."""
    line = " ".join(text.split()).lower()
    for official in sorted(officials, key=lambda o: -len(o.full_name)):
        name = " ".join(official.full_name.split()).lower()
        if line.startswith(name):
            return {"official": official}
    for organization in sorted(organizations, key=lambda o: -len(o.short_name)):
        for name in (organization.full_name, organization.short_name):
            if name and line.startswith(" ".join(name.split()).lower()):
                return {"organization": organization}
    return {}


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class InstructionInput:
    """What a form (or the demo) gives. `responsible` are lines as written, each linked to the official
    or organization whose name begins it; `officials` and `organizations` are linked explicitly."""

    text: str
    number: str = ""
    document: Document | None = None
    responsible_text: str = ""
    responsible: list[str] = field(default_factory=list)
    officials: list[Official] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    deadline_text: str = ""
    direction: Direction | None = None
    indicators: list[Indicator] = field(default_factory=list)
    order: int = 0
    year: int | None = None  # the year of a deadline written without one; else the document's


def _check_own(municipality: Municipality, data: InstructionInput) -> None:
    for record in (data.document, data.direction, *data.officials, *data.organizations, *data.indicators):
        if record is not None and record.municipality_id != municipality.pk:
            raise ValidationError(
                _("«%(name)s» belongs to another municipality.") % {"name": str(record)[:200]}
            )


def _year_of(data: InstructionInput) -> int | None:
    if data.year:
        return data.year
    return data.document.date.year if data.document is not None and data.document.date else None


def responsible_set(
    *,
    instruction: Instruction,
    texts: list[str],
    officials: list[Official] = (),
    organizations: list[Organization] = (),
) -> list[InstructionResponsible]:
    """Replace the responsible: the lines as written (each linked by its name) and the officials and
    organizations given explicitly (those a line already names are not repeated)."""
    all_officials = list(Official.objects.filter(municipality=instruction.municipality_id, is_active=True))
    all_organizations = list(Organization.objects.filter(municipality=instruction.municipality_id))
    InstructionResponsible.objects.filter(instruction=instruction).delete()
    rows = [
        InstructionResponsible(
            instruction=instruction,
            text=text[:1000],
            order=n,
            **_match(text, all_officials, all_organizations),
        )
        for n, text in enumerate(texts)
    ]
    named_officials = {row.official_id for row in rows if row.official_id}
    named_organizations = {row.organization_id for row in rows if row.organization_id}
    order = len(rows)
    for official in officials:
        if official.pk not in named_officials:
            rows.append(InstructionResponsible(instruction=instruction, official=official, order=order))
            named_officials.add(official.pk)
            order += 1
    for organization in organizations:
        if organization.pk not in named_organizations:
            rows.append(
                InstructionResponsible(instruction=instruction, organization=organization, order=order)
            )
            named_organizations.add(organization.pk)
            order += 1
    return InstructionResponsible.objects.bulk_create(rows)


def _save(instruction: Instruction, data: InstructionInput, by: User | None) -> Instruction:
    text = (data.text or "").strip()
    if not text:
        raise ValidationError(_("Write the text of the instruction as the document gives it."))
    _check_own(instruction.municipality, data)
    instruction.text = text
    instruction.number = (data.number or "").strip()[:20]
    instruction.document = data.document
    instruction.direction = data.direction
    instruction.responsible_text = (data.responsible_text or "").strip()
    instruction.deadline_text = (data.deadline_text or "").strip()[:500]
    kind, due_on = due_date(instruction.deadline_text, year=_year_of(data))
    if instruction.due_on != due_on:
        instruction.reminded_at = None  # a new day: a new reminder when it passes
    instruction.deadline_kind, instruction.due_on = kind, due_on
    instruction.order = data.order
    instruction.updated_by = by
    instruction.updated_at = timezone.now()
    if instruction.pk is None:
        instruction.created_by = by
    instruction.save()
    instruction.indicators.set(data.indicators)
    responsible_set(
        instruction=instruction,
        texts=data.responsible
        or ([] if data.officials or data.organizations else lines(data.responsible_text)),
        officials=data.officials,
        organizations=data.organizations,
    )
    return instruction


@transaction.atomic
def instruction_save(
    *, municipality: Municipality, data: InstructionInput, by: User, instruction: Instruction | None = None
) -> Instruction:
    """Give an instruction (without `instruction`) or change it. The document, direction, officials
    and organizations must be the municipality's own."""
    _require(by, municipality)
    if instruction is None:
        instruction = Instruction(municipality=municipality)
    elif instruction.municipality_id != municipality.pk:
        raise ValidationError(_("The instruction belongs to another municipality."))
    return _save(instruction, data, by)


def instruction_load(*, municipality: Municipality, data: InstructionInput) -> Instruction:
    """The demo's and imports' way in: an instruction as a document writes it, without a user (the
    loader runs as the system); the same instruction (document, item and text) is updated, not doubled."""
    instruction = Instruction.objects.filter(
        municipality=municipality, document=data.document, number=data.number, text=data.text.strip()
    ).first() or Instruction(municipality=municipality)
    return _save(instruction, data, None)


def _attach(instruction: Instruction, upload: UploadedFile, by: User) -> Document:
    name = upload.name or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in Document.ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("A file of this type cannot be attached; allowed: %(types)s.")
            % {"types": ", ".join(Document.ALLOWED_EXTENSIONS)}
        )
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )
    organizations = access.own_organization_ids(by)
    organization = (
        instruction.responsible.filter(organization__in=organizations)
        .values_list("organization", flat=True)
        .first()
    )
    document = Document(
        municipality=instruction.municipality,
        organization_id=organization,
        kind=Document.Kind.REPORT,
        title=_("Report on the instruction «%(text)s»") % {"text": str(instruction)[:400]},
        date=timezone.localdate(),
    )
    document.file.save(name, upload, save=False)
    document.save()
    instruction.documents.add(document)
    return document


@transaction.atomic
def instruction_execute(
    *,
    instruction: Instruction,
    by: User,
    state: str,
    report: str = "",
    done_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
    documents: list[Document] = (),
) -> Instruction:
    """Record the execution: in progress, or done with its evidence (a report, a document); only the
    responsible and the givers. Withdrawing is `instruction_withdraw`."""
    if not access.can_execute_instruction(by, instruction):
        raise PermissionDenied(access.REFUSED_EXECUTE)
    if state not in (State.ASSIGNED, State.IN_PROGRESS, State.DONE):
        raise ValidationError(_("Unknown state."))
    if instruction.state == State.WITHDRAWN and not access.can_manage_instruction(by, instruction):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)
    report = (report or "").strip()
    for document in documents:
        if document.municipality_id != instruction.municipality_id:
            raise ValidationError(_("«%(name)s» belongs to another municipality.") % {"name": str(document)})
    if evidence is not None:
        _attach(instruction, evidence, by)
    if documents:
        instruction.documents.add(*documents)
    if state == State.DONE and not (report or instruction.documents.exists()):
        raise ValidationError(_("Say what was done: a report or a document is needed."))
    today = timezone.localdate()
    if done_on and done_on > today:
        raise ValidationError(_("The day of execution cannot be in the future."))
    instruction.state = state
    instruction.report = report
    instruction.done_on = (done_on or today) if state == State.DONE else None
    instruction.updated_by = by
    instruction.updated_at = timezone.now()
    instruction.save()
    return instruction


@transaction.atomic
def instruction_withdraw(*, instruction: Instruction, by: User, withdrawn: bool = True) -> Instruction:
    """Take the instruction off control («снять с контроля»), or put it back as assigned."""
    if not access.can_manage_instruction(by, instruction):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)
    instruction.state = State.WITHDRAWN if withdrawn else State.ASSIGNED
    if not withdrawn:
        instruction.done_on = None
    instruction.updated_by = by
    instruction.updated_at = timezone.now()
    instruction.save()
    return instruction


@transaction.atomic
def instruction_delete(*, instruction: Instruction, by: User) -> None:
    if not access.can_manage_instruction(by, instruction):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)
    instruction.delete()


def from_agenda_item(item: AgendaItem, *, adopted: bool, by: User | None = None) -> Instruction | None:
    """A decision adopted by a meeting becomes an instruction of the group's municipality (its text the
    decision, its responsible and deadline those of the item); a decision no longer adopted loses the
    instruction it made while still assigned. The caller (roadmaps.groups) has checked the rights."""
    existing = Instruction.objects.filter(agenda_item=item).first()
    decision = (item.decision or "").strip()
    if not adopted or not decision:
        if existing is not None and existing.state == State.ASSIGNED and not existing.report:
            existing.delete()
        return None
    meeting = item.meeting
    group = meeting.group
    instruction = existing or Instruction(municipality_id=group.municipality_id, agenda_item=item)
    instruction.municipality = group.municipality
    data = InstructionInput(
        text=decision,
        number=str(item.order),
        document=instruction.document if instruction.pk else group.document,
        responsible_text=item.responsible_text,
        deadline_text=item.deadline_text,
        direction=group.direction,
        year=meeting.date.year,  # «до 15 октября» in a protocol is the meeting's year
    )
    return _save(instruction, data, by)


# Reads ----------------------------------------------------------------------------------------------


def with_related(queryset: QuerySet[Instruction]) -> QuerySet[Instruction]:
    """Everything a list row shows, in a fixed number of queries."""
    return queryset.select_related("municipality", "document", "direction").prefetch_related(
        Prefetch(
            "responsible",
            queryset=InstructionResponsible.objects.select_related("official", "organization").order_by(
                "order", "pk"
            ),
        )
    )


def filtered(
    user: User,
    *,
    state: str = "",
    document: int | None = None,
    official: int | None = None,
    organization: int | None = None,
    overdue: bool = False,
    mine: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[Instruction]:
    """The instructions `user` reads, by state («overdue» too), document, responsible, overdue only,
    or only those `user` is responsible for."""
    today = today or timezone.localdate()
    queryset = access.instructions_visible_to(user)
    if mine:
        queryset = queryset.filter(pk__in=access.instructions_in_charge_of(user).values("pk"))
    if state == "overdue" or overdue:
        queryset = queryset.overdue(today)
    elif state in State.values:
        queryset = queryset.filter(state=state)
        if state in Instruction.OPEN:
            queryset = queryset.exclude(due_on__lt=today)  # the overdue ones are listed as such
    if document:
        queryset = queryset.filter(document=document)
    if official:
        queryset = queryset.filter(responsible__official=official)
    if organization:
        queryset = queryset.filter(responsible__organization=organization)
    if official or organization:
        queryset = queryset.distinct()
    return with_related(queryset).order_by("municipality__name", "due_on", "order", "pk")


@dataclass
class Counts:
    open: int
    overdue: int
    url: str


def counts(user: User, municipality: Municipality, today: datetime.date | None = None) -> Counts:
    """How many of the municipality's instructions are open and how many of them overdue: one query."""
    today = today or timezone.localdate()
    found = (
        access.instructions_visible_to(user)
        .filter(municipality=municipality)
        .aggregate(
            open=Count("pk", filter=Q(state__in=Instruction.OPEN)),
            overdue=Count("pk", filter=Q(state__in=Instruction.OPEN, due_on__lt=today)),
        )
    )
    return Counts(open=found["open"], overdue=found["overdue"], url=reverse("roadmaps:instructions"))


def attention(user: User, roles) -> list:
    """«Моя работа»: the open instructions `user` is responsible for, the overdue ones first."""
    from mcok.selectors import AttentionItem

    today = timezone.localdate()
    mine = access.instructions_in_charge_of(user).open().order_by(F("due_on").asc(nulls_last=True), "pk")
    items = []
    for instruction in mine[:20]:
        overdue = instruction.is_overdue(today)
        if instruction.due_on is None:
            text = _("Instruction on your execution: %(text)s") % {"text": str(instruction)}
        else:
            text = (
                _("Overdue instruction (due %(due)s): %(text)s")
                if overdue
                else _("Instruction to carry out by %(due)s: %(text)s")
            ) % {"due": instruction.due_on.strftime("%d.%m.%Y"), "text": str(instruction)}
        items.append(
            AttentionItem(
                text=text,
                url=reverse("roadmaps:instruction", args=[instruction.pk]),
                severity="danger" if overdue else "info",
            )
        )
    return items


def history(instruction: Instruction) -> list:
    """The instruction's versions, the newest first, with who made each."""
    return list(instruction.history.select_related("history_user").order_by("-history_date", "-history_id"))


def responsible_names(instruction: Instruction) -> str:
    names = [row.name for row in instruction.responsible.all()]
    return "; ".join(name for name in names if name) or instruction.responsible_text


def control_xlsx(queryset: QuerySet[Instruction], today: datetime.date | None = None) -> bytes:
    """«Контроль исполнения»: one row per instruction, through the formula-safe writer."""
    today = today or timezone.localdate()
    headers = [
        _("Municipality"),
        _("Document"),
        _("Item"),
        _("Instruction"),
        _("Responsible"),
        _("Deadline as written"),
        _("Due"),
        _("State"),
        _("Days overdue"),
        _("Done on"),
        _("Report on the execution"),
    ]
    rows = (
        (
            instruction.municipality.name,
            str(instruction.document) if instruction.document_id else "",
            instruction.number,
            instruction.text,
            responsible_names(instruction),
            instruction.deadline_text,
            instruction.due_on,
            state_label(instruction, today),
            (today - instruction.due_on).days if instruction.is_overdue(today) else None,
            instruction.done_on,
            instruction.report,
        )
        for instruction in queryset
    )
    return exports.xlsx_bytes(_("Control of execution"), headers, rows)


# The overdue letter ----------------------------------------------------------------------------------


def recipients_of(instruction: Instruction) -> list[str]:
    """The responsible officials' addresses (their own, else their account's) and the users of the
    responsible organizations (respondents and heads)."""
    emails: set[str] = set()
    organizations = []
    for row in instruction.responsible.all():
        official = row.official
        if official is not None and official.is_active:
            email = official.email or (
                official.user.email if official.user and official.user.is_active else ""
            )
            if email:
                emails.add(email)
        if row.organization_id:
            organizations.append(row.organization_id)
    if organizations:
        emails |= core_access.organization_addresses(organizations)
    return sorted(emails)


def _letter(instruction: Instruction, to: list[str], today: datetime.date):
    subject = _("Instruction overdue: %(text)s") % {"text": str(instruction)[:120]}
    body = _(
        "The instruction «%(text)s» (%(document)s) was due by %(due)s and is not marked done "
        "(%(days)s days overdue).\n"
        "Deadline as written: %(deadline)s.\n"
        "Please record its execution with a report or a document: %(url)s\n"
    ) % {
        "text": instruction.text,
        "document": str(instruction.document) if instruction.document_id else "—",
        "due": instruction.due_on.strftime("%d.%m.%Y"),
        "days": (today - instruction.due_on).days,
        "deadline": instruction.deadline_text or "—",
        "url": site.base_url() + reverse("roadmaps:instruction", args=[instruction.pk]),
    }
    return subject, body, settings.DEFAULT_FROM_EMAIL, to


def overdue_remind(today: datetime.date | None = None) -> int:
    """Send the letter of every overdue instruction not yet reminded, once: each is claimed by a
    conditional UPDATE before its letter goes. Returns how many were claimed."""
    today = today or timezone.localdate()
    candidates = (
        Instruction.objects.overdue(today)
        .filter(reminded_at__isnull=True)
        .select_related("document")
        .prefetch_related("responsible__official__user")
        .order_by("due_on", "pk")
    )
    claimed, letters = 0, []
    with translation.override(settings.LANGUAGE_CODE):
        for instruction in candidates:
            won = Instruction.objects.filter(pk=instruction.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not won:
                continue
            claimed += 1
            to = recipients_of(instruction)
            if to:
                letters.append(_letter(instruction, to, today))
    if letters:
        send_mass_mail(letters, fail_silently=True)
    return claimed
