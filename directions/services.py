"""Writes on directions: opening a cycle, editing and moving its components as the technology card
says, the evaluation catalogue, scores, and the indices computed from them."""

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
    Evaluation,
    Position,
    Score,
    Transition,
)
from mcok import doorbell
from mcok.models import Municipality, Period, User

State = CycleComponent.State

# (from, to) → who may make the move, as the technology card assigns the work.
EXECUTOR, COORDINATOR, OPERATOR = "executor", "coordinator", "operator"
MOVES = {
    (State.NOT_STARTED, State.DRAFTED): EXECUTOR,  # the executors submit their draft
    (State.DRAFTED, State.APPROVED): COORDINATOR,
    (State.DRAFTED, State.NOT_STARTED): COORDINATOR,  # returned for rework
    (State.APPROVED, State.DRAFTED): COORDINATOR,  # reopened
    (State.APPROVED, State.PUBLISHED): OPERATOR,  # on the official site
    (State.PUBLISHED, State.APPROVED): OPERATOR,  # withdrawn from the site
}
MOVE_LABELS = {
    (State.NOT_STARTED, State.DRAFTED): gettext_lazy("Pass the draft to the coordinator"),
    (State.DRAFTED, State.APPROVED): gettext_lazy("Approve"),
    (State.DRAFTED, State.NOT_STARTED): gettext_lazy("Return for rework"),
    (State.APPROVED, State.DRAFTED): gettext_lazy("Reopen the draft"),
    (State.APPROVED, State.PUBLISHED): gettext_lazy("Mark as published on the official site"),
    (State.PUBLISHED, State.APPROVED): gettext_lazy("Withdraw from the site"),
}
BACKWARD = {
    (State.DRAFTED, State.NOT_STARTED),
    (State.APPROVED, State.DRAFTED),
    (State.PUBLISHED, State.APPROVED),
}


def may_move(user: User, component: CycleComponent, to_state: str) -> bool:
    actor = MOVES.get((component.state, to_state))
    direction = component.cycle.direction
    if actor == EXECUTOR:
        return access.is_executor_of(user, direction)
    if actor == COORDINATOR:
        return access.is_coordinator_of(user, direction)
    if actor == OPERATOR:
        return access.is_operator_in(user, direction.municipality)
    return False


def moves_for(user: User, component: CycleComponent) -> list[str]:
    """The states `user` may move the component to now."""
    return [to for (frm, to) in MOVES if frm == component.state and may_move(user, component, to)]


def may_edit(user: User, component: CycleComponent) -> bool:
    """Executors and coordinators of the direction write the content until it is approved."""
    if component.state not in (State.NOT_STARTED, State.DRAFTED):
        return False
    direction = component.cycle.direction
    return access.is_executor_of(user, direction) or access.is_coordinator_of(user, direction)


@transaction.atomic
def cycle_open(*, direction: Direction, period: Period, by: User) -> Cycle:
    """The direction's cycle for the period with its nine components, each due at the period's end and
    in the hands of the direction's executors. Opening it again returns the same cycle."""
    if not access.can_manage_directions(by, direction.municipality):
        raise PermissionDenied
    cycle, created = Cycle.objects.get_or_create(direction=direction, period=period)
    if created:
        components = CycleComponent.objects.bulk_create(
            CycleComponent(cycle=cycle, component=component, due_on=period.ends_on) for component in Component
        )
        executors = list(direction.executors.values_list("pk", flat=True))
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
        raise PermissionDenied
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
    *, score: Score, by: User, value: Decimal | None, comment: str = "", evidence: str = ""
) -> Score:
    """Record an expert's primary score; the indices are recomputed after commit."""
    evaluation = score.evaluation
    if not access.can_score(by, evaluation):
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


def card_rows() -> dict[int, list[str]]:
    """Card row → the components it groups, in order."""
    rows: dict[int, list[str]] = {}
    for component in Component:
        rows.setdefault(CARD_ROW[component], []).append(component)
    return rows
