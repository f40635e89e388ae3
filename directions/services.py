"""Writes on directions: opening a cycle, editing and moving its components as the technology card
says, the evaluation catalogue, scores, and the indices computed from them."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions import access, fioko
from directions.models import (
    CARD_ROW,
    Component,
    Cycle,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    Position,
    Responsibility,
    Score,
    Transition,
)
from mcok import doorbell
from mcok.models import Document, Municipality, Official, Organization, Period, User
from mcok.names import NameIndex, person_key

State = CycleComponent.State

MOVES = access.MOVES
MOVE_LABELS = {
    (State.NOT_STARTED, State.DRAFTED): gettext_lazy("Pass the draft to the coordinator"),
    (State.DRAFTED, State.APPROVED): gettext_lazy("Approve"),
    (State.DRAFTED, State.NOT_STARTED): gettext_lazy("Return for rework"),
    (State.APPROVED, State.DRAFTED): gettext_lazy("Reopen the draft"),
    (State.APPROVED, State.PUBLISHED): gettext_lazy("Mark as published on the official site"),
    (State.PUBLISHED, State.APPROVED): gettext_lazy("Withdraw from the site"),
}
MOVE_REFUSALS = {
    access.EXECUTOR: gettext_lazy(
        "By the technology card this step belongs to another role: the direction's responsible executors "
        "pass the draft."
    ),
    access.COORDINATOR: gettext_lazy(
        "By the technology card this step belongs to another role: the direction's coordinator or the head "
        "of the department approves, returns and reopens."
    ),
    access.OPERATOR: gettext_lazy(
        "By the technology card this step belongs to another role: the municipal operator publishes and "
        "withdraws."
    ),
}
BACKWARD = {
    (State.DRAFTED, State.NOT_STARTED),
    (State.APPROVED, State.DRAFTED),
    (State.PUBLISHED, State.APPROVED),
}


# The rules live in directions/access.py; these names stay for the pages and the API.
may_move = access.may_move
moves_for = access.moves_for
may_edit = access.may_edit_component


def assign(
    *,
    direction: Direction,
    duty: str,
    official: Official | None = None,
    organization: Organization | None = None,
    starts_on=None,
    ends_on=None,
    acting: bool = False,
    document: Document | None = None,
) -> Responsibility:
    """The assignment of an official (or an organization) to the direction's duty for the dates,
    checked as every assignment is (responsibility_problems); assigning the same again returns the
    row already there. No rights are checked: the demo loader calls this; the pages and the order's
    import go through responsibility_add and responsibility_import, which do."""
    fields = {
        "direction": direction,
        "duty": duty,
        "official": official,
        "organization": organization,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "acting": acting,
    }
    existing = Responsibility.objects.filter(**fields).first()
    if existing is not None:
        return existing
    _check(**fields, document=document)
    return Responsibility.objects.create(**fields, document=document)


@transaction.atomic
def cycle_open(*, direction: Direction, period: Period, by: User) -> Cycle:
    """The direction's cycle for the period with its nine components, each due at the period's end and
    in the hands of the direction's executors assigned for the period. Opening it again returns the
    same cycle. The direction's coordinators and the head open it."""
    if not access.may_open_cycle(by, direction, period):
        raise PermissionDenied(
            _("Only the direction's coordinators and the head of the department open its cycle.")
        )
    cycle, created = Cycle.objects.get_or_create(direction=direction, period=period)
    if created:
        components = CycleComponent.objects.bulk_create(
            CycleComponent(cycle=cycle, component=component, due_on=period.ends_on) for component in Component
        )
        executors = list(
            direction.responsibilities.overlapping(period)
            .filter(duty=access.EXECUTOR, official__isnull=False)
            .values_list("official_id", flat=True)
            .distinct()
        )
        through = CycleComponent.responsible.through
        through.objects.bulk_create(
            through(cyclecomponent_id=component.pk, official_id=official)
            for component in components
            for official in executors
        )
    return cycle


@transaction.atomic
def component_update(*, component: CycleComponent, by: User, content: str, due_on=None) -> CycleComponent:
    if not may_edit(by, component):
        raise PermissionDenied
    component.content = content
    component.due_on = due_on
    component.changed_by = by
    component.changed_at = timezone.now()
    component._change_reason = _("Content edited")
    component.save()
    return component


REFUSED_ATTACH = gettext_lazy(
    "The component's documents are attached by those who write it until it is approved, and by its "
    "coordinators until it is published."
)


@transaction.atomic
def component_document_attach(
    *,
    component: CycleComponent,
    by: User,
    document: Document | None = None,
    title: str = "",
    kind: str = Document.Kind.ORDER,
    number: str = "",
    date=None,
    upload=None,
    url: str = "",
) -> Document:
    """Attach a document of the municipality to the component, or a new one: a stored file, a link,
    or an order cited by its number. The file is checked as every document is (type, size)."""
    if not access.may_attach_to_component(by, component):
        raise PermissionDenied(REFUSED_ATTACH)
    municipality = component.cycle.direction.municipality
    if document is not None:
        if document.municipality_id != municipality.pk or document.organization_id is not None:
            raise ValidationError(
                _("Only the department's own documents of this municipality can be attached.")
            )
    else:
        title, number, url = title.strip(), number.strip(), url.strip()
        if not title:
            raise ValidationError(_("Name the document."))
        if upload is None and not url and not number:
            raise ValidationError(_("Upload a file, give a link or at least the number of the order."))
        document = Document(
            municipality=municipality, kind=kind, title=title, number=number, date=date, url=url
        )
        if upload is not None:
            document.file = upload
        document.full_clean()
        document.save()
    component.documents.add(document)
    component.changed_by = by
    component.changed_at = timezone.now()
    component._change_reason = _("Document attached: %(title)s") % {"title": document.title[:200]}
    component.save(update_fields=["changed_by", "changed_at"])
    return document


def component_document_detach(*, component: CycleComponent, document: Document, by: User) -> None:
    """Take the document off the component; the document itself stays in the municipality's list."""
    if not access.may_attach_to_component(by, component):
        raise PermissionDenied(REFUSED_ATTACH)
    component.documents.remove(document)


@transaction.atomic
def component_move(
    *, component: CycleComponent, to_state: str, by: User, comment: str = ""
) -> CycleComponent:
    """Move the component's state as the technology card allows: the executors draft, the coordinator
    approves or returns, the operator publishes or withdraws. A move back needs a comment. Of two
    people moving the same component at once, exactly one succeeds."""
    from_state = component.state
    if (from_state, to_state) not in MOVES:
        raise ValidationError(_("This change of state is not possible."))
    if not may_move(by, component, to_state):
        raise PermissionDenied(MOVE_REFUSALS[access.MOVES[from_state, to_state]])
    if (from_state, to_state) in BACKWARD and not comment.strip():
        raise ValidationError(_("Say why the component goes back: the comment is required."))
    now = timezone.now()
    claimed = CycleComponent.objects.filter(pk=component.pk, state=from_state).update(
        state=to_state, changed_by=by, changed_at=now
    )
    if not claimed:
        raise ValidationError(_("Someone has just changed this component. Reload the page."))
    Transition.objects.create(
        component=component, from_state=from_state, to_state=to_state, by=by, comment=comment
    )
    component.refresh_from_db()
    return component


# The evaluation ---------------------------------------------------------------------------------


@transaction.atomic
def evaluation_open(*, municipality: Municipality, period: Period, kind: str, by: User) -> Evaluation:
    """An evaluation with an empty score for every position of the period's catalogue."""
    if not access.can_manage_directions(by, municipality):
        raise PermissionDenied
    evaluation, _created = Evaluation.objects.get_or_create(
        municipality=municipality, period=period, kind=kind, defaults={"created_by": by}
    )
    positions = Position.objects.filter(municipality=municipality, period=period)
    Score.objects.bulk_create(
        [Score(evaluation=evaluation, position=position) for position in positions], ignore_conflicts=True
    )
    transaction.on_commit(lambda: evaluation_compute_later(evaluation.pk))
    return evaluation


def evaluation_compute_later(evaluation_id: int) -> None:
    from directions import tasks

    doorbell.ring(tasks.evaluation_compute, evaluation_id, what=f"Evaluation {evaluation_id} compute")


@transaction.atomic
def score_set(
    *,
    score: Score,
    by: User,
    value: Decimal | None,
    comment: str = "",
    evidence: str = "",
    ring: bool = True,
) -> Score:
    """Record a primary score — an expert's, or in a self-assessment the position's direction's
    coordinator's (access.can_score with the direction); the indices are recomputed after commit
    (`ring=False`: the caller saving many rows rings once for all of them)."""
    evaluation = score.evaluation
    if not access.can_score(by, evaluation, score.position.direction):
        raise PermissionDenied
    if evaluation.state == Evaluation.State.FINISHED:
        raise ValidationError(_("The evaluation is finished: its scores no longer change."))
    if value is not None and not (0 <= value <= score.position.max_score):
        raise ValidationError(
            _("The score of %(code)s must be from 0 to %(max)s.")
            % {"code": score.position.code, "max": score.position.max_score.normalize()}
        )
    score.score = value
    score.comment = comment
    score.evidence = evidence
    score.scored_by = by
    score.scored_at = timezone.now()
    score.save()
    if ring:
        transaction.on_commit(lambda: evaluation_compute_later(evaluation.pk))
    return score


def positions_of(evaluation: Evaluation) -> list[fioko.PositionScore]:
    scores = Score.objects.filter(evaluation=evaluation).select_related("position__direction__block")
    return [
        fioko.PositionScore(
            block=s.position.direction.block.code,
            direction=s.position.direction.code,
            component=s.position.component,
            code=s.position.code,
            max=s.position.max_score,
            score=s.score,
        )
        for s in scores
    ]


@transaction.atomic
def evaluation_compute(*, evaluation: Evaluation) -> dict:
    """Compute the indices by the nine steps and store them with the evaluation. Idempotent."""
    partial = set(evaluation.partial_directions.values_list("code", flat=True))
    try:
        results = fioko.compute(positions_of(evaluation), partial=partial).as_json()
    except ValidationError as error:
        # A maximum lowered below a score given earlier: keep the problem for the results page.
        results = {"errors": error.messages}
    Evaluation.objects.filter(pk=evaluation.pk).update(results=results, computed_at=timezone.now())
    return results


def evaluations_compute_stale() -> int:
    """Compute the open evaluations whose indices are older than a score given since (or were never
    computed): what a lost doorbell left, when the broker was down as a score was saved. Beat runs
    it every few minutes; the evaluations are few (one a municipality and period)."""
    stale = (
        Evaluation.objects.filter(state=Evaluation.State.OPEN)
        .filter(Q(computed_at__isnull=True) | Q(scores__scored_at__gt=F("computed_at")))
        .distinct()
    )
    count = 0
    for evaluation in stale:
        evaluation_compute(evaluation=evaluation)
        count += 1
    return count


@transaction.atomic
def evaluation_finish(*, evaluation: Evaluation, by: User) -> Evaluation:
    """Close the evaluation: its indices are computed once more and kept as they are."""
    if not access.can_manage_directions(by, evaluation.municipality):
        raise PermissionDenied
    claimed = Evaluation.objects.filter(pk=evaluation.pk, state=Evaluation.State.OPEN).update(
        state=Evaluation.State.FINISHED, finished_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("The evaluation is already finished."))
    evaluation.refresh_from_db()
    evaluation_compute(evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation


def evaluation_partial_set(*, evaluation: Evaluation, directions: list[Direction], by: User) -> Evaluation:
    """Mark the directions evaluated as partial cycles (the managerial components only) and
    recompute the indices after commit. Only a coordinator or an administrator of the municipality,
    and only while the evaluation is open."""
    if not access.can_manage_directions(by, evaluation.municipality):
        raise PermissionDenied
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.state != Evaluation.State.OPEN:
            raise ValidationError(_("The evaluation is finished: its scores no longer change."))
        locked.partial_directions.set(directions)
        transaction.on_commit(lambda: evaluation_compute_later(locked.pk))
    return locked


def card_rows() -> dict[int, list[str]]:
    """Card row → the components it groups, in order."""
    rows: dict[int, list[str]] = {}
    for component in Component:
        rows.setdefault(CARD_ROW[component], []).append(component)
    return rows


# Assignments (закрепление): the page and the import of the order's table ----------------------------
# Who may write them: access.may_manage_responsibilities (the administrators and the head). `by` is
# the acting user; None only for the shell (the management command), which needs no rights.
# The imports of this part stay with it (the module's head is shared).


def _require_keeper(by: User | None, municipality: Municipality) -> None:
    if by is not None and not access.may_manage_responsibilities(by, municipality):
        raise PermissionDenied(
            _("Only the administrators and the head of the department keep the assignments.")
        )


def _written(responsibility: Responsibility, by: User | None) -> Responsibility:
    """The history row names `by` (the pages' middleware names the request's user anyway)."""
    if by is not None:
        responsibility._history_user = by
        access.forget_duties(by)
    return responsibility


def responsibility_problems(
    *,
    direction: Direction,
    duty: str,
    official: Official | None,
    organization: Organization | None,
    starts_on=None,
    ends_on=None,
    acting: bool = False,
    document: Document | None = None,
    exclude: Responsibility | None = None,
) -> list[str]:
    """What is wrong with an assignment, as Russian messages; empty when it may be stored. Dates in
    order, an official or an organization (not both), of the direction's municipality as the
    document is, and no assignment of the same holder, duty and kind for any of the same days
    (an exact repeat included)."""
    problems = []
    if duty not in Duty.values:
        problems.append(_("Choose the duty: coordinator or responsible executor."))
    if official is None and organization is None:
        problems.append(_("Choose an official or an organization."))
    elif official is not None and organization is not None:
        problems.append(_("Choose an official or an organization, not both."))
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(_("The assignment ends before it starts."))
    holder = official or organization
    if holder is not None and holder.municipality_id != direction.municipality_id:
        problems.append(_("The official or organization belongs to another municipality."))
    if document is not None and document.municipality_id != direction.municipality_id:
        problems.append(_("The document belongs to another municipality."))
    if problems or holder is None:
        return problems
    same = Responsibility.objects.filter(
        direction=direction, duty=duty, official=official, organization=organization, acting=acting
    )
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.filter(starts_on=starts_on, ends_on=ends_on).exists():
        problems.append(_("This assignment already exists."))
    else:
        overlapping = same
        if ends_on is not None:
            overlapping = overlapping.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=ends_on))
        if starts_on is not None:
            overlapping = overlapping.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        if overlapping.exists():
            problems.append(
                _("%(holder)s already holds this duty for the direction on some of these days.")
                % {"holder": official.full_name if official else organization.short_name}
            )
    return problems


def _check(**fields) -> None:
    problems = responsibility_problems(**fields)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def responsibility_add(
    *,
    by: User | None,
    direction: Direction,
    duty: str,
    official: Official | None = None,
    organization: Organization | None = None,
    starts_on=None,
    ends_on=None,
    acting: bool = False,
    document: Document | None = None,
) -> Responsibility:
    """A new assignment of the direction (an acting deputy is one too, with `acting`). The
    administrators and the head add them; ValidationError with every problem of
    responsibility_problems, and nothing written."""
    _require_keeper(by, direction.municipality)
    fields = {
        "direction": direction,
        "duty": duty,
        "official": official,
        "organization": organization,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "acting": acting,
        "document": document,
    }
    _check(**fields)
    responsibility = _written(Responsibility(**fields), by)
    responsibility.save()
    return responsibility


@transaction.atomic
def responsibility_update(
    *,
    responsibility: Responsibility,
    by: User | None,
    direction: Direction,
    duty: str,
    official: Official | None = None,
    organization: Organization | None = None,
    starts_on=None,
    ends_on=None,
    acting: bool = False,
    document: Document | None = None,
) -> Responsibility:
    """Correct an assignment (a mistyped date, the wrong document); the history keeps what it was.
    A reassignment is not a correction: that is responsibility_transfer. The direction stays in the
    same municipality."""
    _require_keeper(by, responsibility.direction.municipality)
    if direction.municipality_id != responsibility.direction.municipality_id:
        raise ValidationError(_("The direction belongs to another municipality."))
    fields = {
        "direction": direction,
        "duty": duty,
        "official": official,
        "organization": organization,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "acting": acting,
        "document": document,
    }
    _check(**fields, exclude=responsibility)
    for name, value in fields.items():
        setattr(responsibility, name, value)
    _written(responsibility, by).save()
    return responsibility


@transaction.atomic
def responsibility_end(*, responsibility: Responsibility, ends_on, by: User | None) -> Responsibility:
    """End the assignment on `ends_on` («снять с даты»), its last day: the row stays, as history."""
    _require_keeper(by, responsibility.direction.municipality)
    if ends_on is None:
        raise ValidationError(_("Give the last day of the assignment."))
    if responsibility.starts_on and ends_on < responsibility.starts_on:
        raise ValidationError(_("The assignment ends before it starts."))
    if responsibility.ends_on is not None and responsibility.ends_on <= ends_on:
        raise ValidationError(
            _("The assignment already ends on %(date)s.")
            % {"date": responsibility.ends_on.strftime("%d.%m.%Y")}
        )
    responsibility.ends_on = ends_on
    _written(responsibility, by).save(update_fields=["ends_on"])
    return responsibility


@transaction.atomic
def responsibility_transfer(
    *,
    responsibility: Responsibility,
    by: User | None,
    ends_on,
    official: Official | None = None,
    organization: Organization | None = None,
    acting: bool = False,
    document: Document | None = None,
) -> Responsibility:
    """A reassignment in mid-period («передать»): the assignment ends on `ends_on` and the new
    holder takes the same duty of the same direction from the next day until the day the old one
    was to end (open-ended when it was). Both or neither: a problem with the new one leaves the old
    as it was. Returns the new assignment."""
    _require_keeper(by, responsibility.direction.municipality)
    if (official is not None and official.pk == responsibility.official_id) or (
        organization is not None and organization.pk == responsibility.organization_id
    ):
        raise ValidationError(_("Choose someone else: the assignment is already theirs."))
    until = responsibility.ends_on
    responsibility_end(responsibility=responsibility, ends_on=ends_on, by=by)
    return responsibility_add(
        by=by,
        direction=responsibility.direction,
        duty=responsibility.duty,
        official=official,
        organization=organization,
        starts_on=ends_on + timedelta(days=1),
        ends_on=until,
        acting=acting,
        document=document,
    )


@transaction.atomic
def responsibility_delete(*, responsibility: Responsibility, by: User | None) -> None:
    """Delete an assignment entered by mistake; one that ended is ended (responsibility_end), not
    deleted. The history keeps the deleted row and who deleted it."""
    _require_keeper(by, responsibility.direction.municipality)
    _written(responsibility, by).delete()


def official_add(
    *,
    municipality: Municipality,
    full_name: str,
    position: str = "",
    organization: Organization | None = None,
    by: User | None,
) -> Official:
    """An official missing from the catalogue, added from the import's preview. The administrators
    and the head add them; the same name and position twice is refused."""
    _require_keeper(by, municipality)
    full_name, position = " ".join(full_name.split()), " ".join(position.split())
    if not full_name:
        raise ValidationError(_("Give the official's name."))
    if organization is not None and organization.municipality_id != municipality.pk:
        raise ValidationError(_("The official or organization belongs to another municipality."))
    if Official.objects.filter(municipality=municipality, full_name=full_name, position=position).exists():
        raise ValidationError(_("%(name)s is already in the catalogue of officials.") % {"name": full_name})
    official = Official(
        municipality=municipality, full_name=full_name, position=position, organization=organization
    )
    if by is not None:
        official._history_user = by
    official.save()
    return official


class ImportStatus:
    NEW = "new"  # will be added
    PRESENT = "present"  # the holder already holds the duty from the start date on
    UNKNOWN = "unknown"  # the name matches no official or organization, or several
    NO_DIRECTION = "no_direction"  # no direction of that code in force on the start date


@dataclass
class ImportItem:
    """One name of one duty of one direction of the table, and what the import does with it."""

    place: str
    code: str
    duty: str
    name: str
    acting: bool
    status: str
    direction: Direction | None = None
    official: Official | None = None
    organization: Organization | None = None
    note: str = ""
    person: bool = False  # the name reads as a person's: an official may be created for it

    @property
    def holder(self) -> str:
        if self.official is not None:
            return str(self.official)
        return self.organization.short_name if self.organization is not None else ""

    def get_duty_display(self) -> str:
        return Duty(self.duty).label


@dataclass
class ImportPlan:
    """What importing the table would do: every item, and the reader's and matcher's problems."""

    items: list[ImportItem]
    problems: list[str]
    created: int = 0

    def of(self, status: str) -> list[ImportItem]:
        return [item for item in self.items if item.status == status]

    @property
    def new(self) -> list[ImportItem]:
        return self.of(ImportStatus.NEW)

    @property
    def present(self) -> list[ImportItem]:
        return self.of(ImportStatus.PRESENT)

    @property
    def unknown(self) -> list[ImportItem]:
        return self.of(ImportStatus.UNKNOWN) + self.of(ImportStatus.NO_DIRECTION)

    @property
    def unknown_names(self) -> list[str]:
        """The names matched to nobody, once each, in the order of the table."""
        return list(dict.fromkeys(item.name for item in self.of(ImportStatus.UNKNOWN)))


def _directions_on(municipality: Municipality, codes: list[str], day) -> dict[str, Direction]:
    """Code → the municipality's direction of that code in force on `day` (the latest, if several)."""
    found: dict[str, Direction] = {}
    candidates = (
        Direction.objects.filter(municipality=municipality, code__in=codes)
        .select_related("valid_from", "valid_until")
        .order_by("valid_from__starts_on")
    )
    for direction in candidates:
        if direction.valid_from.starts_on <= day and (
            direction.valid_until is None or direction.valid_until.ends_on >= day
        ):
            found[direction.code] = direction
    return found


def responsibilities_import_plan(*, result, municipality: Municipality, starts_on) -> ImportPlan:
    """Match the rows of a read table (responsibility_reader.ReadResult) to the municipality's
    directions in force on `starts_on`, and each name to its official (surname and initials, any
    spelling) or organization (short or full name: «ИМЦ»). A name of an assignment already holding
    from `starts_on` on is PRESENT, so importing the same table again adds nothing. Five queries,
    whatever the size of the table; writes nothing."""
    from directions.responsibility_reader import is_acting

    index = NameIndex(
        Official.objects.filter(municipality=municipality, is_active=True),
        Organization.objects.filter(municipality=municipality),
    )
    directions = _directions_on(municipality, result.codes, starts_on)
    held = {
        tuple(row)
        for row in Responsibility.objects.filter(direction__in=list(directions.values()))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        .values_list("direction_id", "duty", "official_id", "organization_id", "acting")
    }
    problems = list(result.problems)
    items: list[ImportItem] = []
    seen: set[tuple] = set()
    missing: set[str] = set()
    for row in result.rows:
        direction = directions.get(row.code)
        if direction is None and row.code not in missing:
            missing.add(row.code)
            problems.append(
                _("%(place)s: the municipality has no direction %(code)s in force on %(date)s.")
                % {"place": row.place, "code": row.code, "date": starts_on.strftime("%d.%m.%Y")}
            )
        for name in row.names:
            item = ImportItem(
                place=row.place,
                code=row.code,
                duty=row.duty,
                name=name,
                acting=is_acting(name),
                status=ImportStatus.NEW,
                direction=direction,
            )
            item.person = person_key(name) is not None
            if item.person:
                found = index.officials_matching(name)
                if len(found) == 1:
                    item.official = found[0]
                elif found:
                    item.note = _("Several officials match: %(names)s.") % {
                        "names": "; ".join(str(official) for official in found)
                    }
            else:
                item.organization = index.organization(name)
            if direction is None:
                item.status = ImportStatus.NO_DIRECTION
            elif item.official is None and item.organization is None:
                item.status = ImportStatus.UNKNOWN
            else:
                holder = (
                    direction.pk,
                    row.duty,
                    item.official and item.official.pk,
                    item.organization and item.organization.pk,
                    item.acting,
                )
                if holder in seen:
                    continue  # named twice for the same duty: one assignment
                seen.add(holder)
                if holder in held:
                    item.status = ImportStatus.PRESENT
            items.append(item)
    return ImportPlan(items=items, problems=problems)


def responsibilities_import(
    *,
    result,
    municipality: Municipality,
    starts_on,
    document: Document | None = None,
    by: User | None,
    skip_unknown: bool = False,
) -> ImportPlan:
    """Add the assignments of a read table from `starts_on` on, open-ended, citing `document` (the
    order): all or nothing. The plan is made again inside the transaction, so what was added since
    the preview is not added twice. Names or directions not found stop the import unless
    `skip_unknown` says to leave them out; they are never dropped unsaid (the returned plan lists
    them). The administrators and the head import; the shell passes by=None."""
    _require_keeper(by, municipality)
    if starts_on is None:
        raise ValidationError(_("Give the date the assignments start."))
    if document is not None and document.municipality_id != municipality.pk:
        raise ValidationError(_("The document belongs to another municipality."))
    with transaction.atomic():
        plan = responsibilities_import_plan(result=result, municipality=municipality, starts_on=starts_on)
        if plan.unknown and not skip_unknown:
            names = plan.unknown_names + [
                _("direction %(code)s") % {"code": code}
                for code in dict.fromkeys(item.code for item in plan.of(ImportStatus.NO_DIRECTION))
            ]
            raise ValidationError(
                _(
                    "Not found: %(names)s. Add the missing officials, or choose to skip what is not "
                    "found; nothing is imported."
                )
                % {"names": ", ".join(names)}
            )
        for item in plan.new:
            assign(
                direction=item.direction,
                duty=item.duty,
                official=item.official,
                organization=item.organization,
                starts_on=starts_on,
                acting=item.acting,
                document=document,
            )
            plan.created += 1
    if by is not None:
        access.forget_duties(by)
    return plan
