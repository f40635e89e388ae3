"""Who may read and act on directions, cycles and evaluations, built on mcok.access; and the rule
every app asks for work bound to a direction (may_draft, may_approve).

Reading: the municipality's staff roles (administrator, head of the department, coordinator,
executor, operator, expert); schools see none of it. Acting follows the assignments of the order
(Responsibility) and the technology card: the direction's executors draft, its coordinators and the
head approve, the municipality's operator publishes; experts score evaluations.
"""

from datetime import date
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from directions.models import CycleComponent, Direction, Duty, Evaluation, Position, Responsibility
from mcok import access
from mcok.models import Municipality, Official, Period, Role


def directions_visible_to(user) -> QuerySet[Direction]:
    return access.visible(Direction.objects.all(), user)


def components_visible_to(user) -> QuerySet[CycleComponent]:
    return access.visible(CycleComponent.objects.all(), user, municipality="cycle__direction__municipality")


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    return access.visible(Evaluation.objects.all(), user)


def positions_visible_to(user) -> QuerySet[Position]:
    return access.visible(Position.objects.all(), user)


def get_direction_for(user, pk: int) -> Direction:
    return get_object_or_404(directions_visible_to(user).select_related("municipality", "block"), pk=pk)


def get_component_for(user, pk: int) -> CycleComponent:
    queryset = components_visible_to(user).select_related(
        "cycle__direction__municipality", "cycle__direction__block", "cycle__period"
    )
    return get_object_or_404(queryset, pk=pk)


def get_evaluation_for(user, pk: int) -> Evaluation:
    return get_object_or_404(evaluations_visible_to(user).select_related("municipality", "period"), pk=pk)


# Rights by assignment (Приложение 1 of order №1048, the table in DOMAIN.md): everything bound to a
# direction is written by the people the order assigns to it for that period, and by the head of
# the department; reading stays municipality-wide for the staff. Anything the department does that
# is bound to no direction follows the municipal roles instead.
COORDINATOR, EXECUTOR = Duty.COORDINATOR, Duty.EXECUTOR
_MEMO = "_mcok_duty_rows"


class DutyRow(NamedTuple):
    direction_id: int
    municipality_id: int
    duty: str
    starts_on: date | None
    ends_on: date | None


def duty_rows(user) -> tuple[DutyRow, ...]:
    """The assignments in force today of every official linked to `user` and of the organizations
    those officials work for (an ИМЦ named executor: its staff act for it), read once per user object
    and kept on it, as mcok.access keeps the roles. An assignment that ended yesterday gives nothing
    today: a reassignment takes effect at once, and work in flight stays where it is."""
    if not (user.is_authenticated and user.is_active):
        return ()
    rows = getattr(user, _MEMO, None)
    if rows is None:
        mine = Official.objects.filter(user=user, is_active=True)
        rows = tuple(
            DutyRow(*row)
            for row in Responsibility.objects.in_force_on(timezone.localdate())
            .filter(
                Q(official__in=mine)
                | Q(organization__in=mine.exclude(organization=None).values("organization"))
            )
            .values_list("direction_id", "direction__municipality_id", "duty", "starts_on", "ends_on")
            .distinct()
        )
        setattr(user, _MEMO, rows)
    return rows


def forget_duties(user) -> None:
    """Drop the copy kept on the user object (after its assignments or officials change)."""
    vars(user).pop(_MEMO, None)


def _covers(row: DutyRow, period: Period | None) -> bool:
    """An assignment in force today covers the work of every period that did not start after it
    ended: a successor takes over the work in flight of earlier periods at once, while an assignment
    that ends before a period begins gives nothing on that period's work."""
    return period is None or row.ends_on is None or row.ends_on >= period.starts_on


def is_staff_in(user, municipality: Municipality) -> bool:
    """Any staff role of the municipality (the department's people), or the instance's administrator."""
    return access.is_instance_administrator(user) or access.has_role(
        user, Role.MUNICIPAL_KINDS, municipality=municipality
    )


def is_head_in(user, municipality: Municipality) -> bool:
    """The head of the department («начальник управления») acts as the coordinator of every direction
    of the municipality; so does an administrator of the whole instance."""
    return access.is_instance_administrator(user) or access.has_role(
        user, Role.Kind.DEPARTMENT_HEAD, municipality=municipality
    )


def holds(user, direction: Direction, duty: str, period: Period | None = None) -> bool:
    """Whether an assignment in force today makes `user` the direction's `duty` for the work of the
    period (see _covers; any period when None). A staff role in the direction's municipality is
    needed too: an account whose roles there were removed keeps no rights through an old assignment."""
    return any(
        row.direction_id == direction.pk and row.duty == duty and _covers(row, period)
        for row in duty_rows(user)
    ) and access.has_role(user, Role.MUNICIPAL_KINDS, municipality=direction.municipality)


def duties_in(user, direction: Direction, period: Period | None = None) -> list[str]:
    """The duties `user` holds for the direction, for «ваша роль в направлении»."""
    return [duty for duty in Duty.values if holds(user, direction, duty, period)]


def is_coordinator_of(user, direction: Direction, period: Period | None = None) -> bool:
    """A coordinator assigned to the direction for the period, or the head of the department."""
    return holds(user, direction, COORDINATOR, period) or is_head_in(user, direction.municipality)


def is_executor_of(user, direction: Direction, period: Period | None = None) -> bool:
    """An executor assigned to the direction for the period, in person or through the organization
    they work for. The head approves; drafting stays with the executors."""
    return holds(user, direction, EXECUTOR, period)


def may_draft(
    user, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Draft, propose, build and report on the direction's work: its executors and coordinators and
    the head. Work bound to no direction: the municipality's coordinators and executors, the head."""
    if direction is not None:
        return holds(user, direction, EXECUTOR, period) or is_coordinator_of(user, direction, period)
    return is_head_in(user, municipality) or access.has_role(
        user, (Role.Kind.COORDINATOR, Role.Kind.EXECUTOR), municipality=municipality
    )


def may_approve(
    user, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Approve, issue, adopt, accept and close the direction's work: its coordinators and the head.
    Work bound to no direction: the municipality's coordinators and the head."""
    if direction is not None:
        return is_coordinator_of(user, direction, period)
    return is_head_in(user, municipality) or access.has_role(
        user, Role.Kind.COORDINATOR, municipality=municipality
    )


def directions_for(user, *, approve: bool = False) -> QuerySet[Direction]:
    """The directions whose work `user` may draft (or, with `approve`, approve) today: to offer in a
    form's choices. The head's are all of the municipality's."""
    duties = {COORDINATOR} if approve else {COORDINATOR, EXECUTOR}
    staff = access.municipality_ids(user, Role.MUNICIPAL_KINDS)
    assigned = {
        row.direction_id for row in duty_rows(user) if row.duty in duties and row.municipality_id in staff
    }
    if access.is_instance_administrator(user):
        return Direction.objects.all()
    heads = access.municipality_ids(user, {Role.Kind.DEPARTMENT_HEAD})
    return Direction.objects.filter(Q(pk__in=assigned) | Q(municipality__in=heads))


def may_manage_responsibilities(user, municipality: Municipality) -> bool:
    """Administrators keep the assignments, as they keep users and catalogues; so does the head."""
    return is_head_in(user, municipality) or access.has_role(
        user, Role.Kind.ADMINISTRATOR, municipality=municipality
    )


State = CycleComponent.State
OPERATOR = "operator"
# (from, to) → who makes the move, as the technology card assigns the work.
MOVES = {
    (State.NOT_STARTED, State.DRAFTED): EXECUTOR,  # the executors pass their draft
    (State.DRAFTED, State.APPROVED): COORDINATOR,
    (State.DRAFTED, State.NOT_STARTED): COORDINATOR,  # returned for rework
    (State.APPROVED, State.DRAFTED): COORDINATOR,  # reopened
    (State.APPROVED, State.PUBLISHED): OPERATOR,  # on the official site
    (State.PUBLISHED, State.APPROVED): OPERATOR,  # withdrawn from the site
}


def may_move(user, component: CycleComponent, to_state: str) -> bool:
    """The executors of the direction for the cycle's period draft, its coordinators (and the head)
    approve, return and reopen, the municipality's operator publishes and withdraws."""
    actor = MOVES.get((component.state, to_state))
    direction, period = component.cycle.direction, component.cycle.period
    if actor == EXECUTOR:
        return is_executor_of(user, direction, period)
    if actor == COORDINATOR:
        return is_coordinator_of(user, direction, period)
    if actor == OPERATOR:
        return is_operator_in(user, direction.municipality)
    return False


def moves_for(user, component: CycleComponent) -> list[str]:
    """The states `user` may move the component to now."""
    return [to for (frm, to) in MOVES if frm == component.state and may_move(user, component, to)]


def may_edit_component(user, component: CycleComponent) -> bool:
    """The direction's executors and coordinators (and the head) write the content until it is approved."""
    if component.state not in (State.NOT_STARTED, State.DRAFTED):
        return False
    cycle = component.cycle
    return may_draft(user, cycle.direction.municipality, cycle.direction, cycle.period)


def may_attach_to_component(user, component: CycleComponent) -> bool:
    """Attach or detach the component's documents: whoever writes it until it is approved, and its
    approvers (coordinators, the head) while it waits for publication — the approving order comes
    with the approval. A published component keeps what was published."""
    if component.state == State.APPROVED:
        cycle = component.cycle
        return may_approve(user, cycle.direction.municipality, cycle.direction, cycle.period)
    return may_edit_component(user, component)


def may_open_cycle(user, direction: Direction, period: Period) -> bool:
    return is_coordinator_of(user, direction, period)


def publishing_municipalities(user) -> list[int]:
    """The municipalities whose approved components `user` publishes (the operator's)."""
    return access.municipality_ids(user, Role.Kind.OPERATOR)


def is_operator_in(user, municipality: Municipality) -> bool:
    return access.has_role(user, Role.Kind.OPERATOR, municipality=municipality)


def can_manage_directions(user, municipality: Municipality) -> bool:
    """Coordinators, administrators and the head of the municipality keep its list of directions and
    the evaluation catalogue."""
    return is_head_in(user, municipality) or access.has_role(
        user, [Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR], municipality=municipality
    )


def expert_municipality_ids(user) -> list[int]:
    """The municipalities whose evaluations `user` scores as an expert (the expert's home lists the
    positions waiting there)."""
    return access.municipality_ids(user, Role.Kind.EXPERT)


def can_score(user, evaluation: Evaluation, direction: Direction | None = None) -> bool:
    """Experts score an evaluation of either kind. A self-assessment is scored by the coordinators
    too: with a direction named, only by that direction's coordinators for the evaluation's period
    and the head of the department (a coordinator of another direction may not); without one, by any
    coordinator of the municipality."""
    if access.has_role(user, Role.Kind.EXPERT, municipality=evaluation.municipality):
        return True
    if evaluation.kind != Evaluation.Kind.SELF:
        return False
    if direction is not None:
        return direction.municipality_id == evaluation.municipality_id and is_coordinator_of(
            user, direction, evaluation.period
        )
    return access.has_role(user, Role.Kind.COORDINATOR, municipality=evaluation.municipality)


def may_accept_proposals(user, evaluation: Evaluation, direction: Direction) -> bool:
    """Take the portal's proposals as the scores of a self-assessment's positions of the direction:
    whoever may score them (can_score with the direction)."""
    return evaluation.kind == Evaluation.Kind.SELF and can_score(user, evaluation, direction)


def may_edit_proposal_rules(user, municipality: Municipality) -> bool:
    """The rules of the proposals belong to the catalogue: whoever keeps it keeps them."""
    return can_manage_directions(user, municipality)
