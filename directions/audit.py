"""The audit trail's events of the directions: the states of the cycle components and the evaluation
scores, registered from DirectionsConfig.ready."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directions.models import CycleComponent, Score, Transition
from mcok import numbers
from mcok.audit import Event, Source


def _transitions(municipality):
    return Transition.objects.filter(component__cycle__direction__municipality=municipality).select_related(
        "by", "component__cycle__direction", "component__cycle__period"
    )


def _transition(row) -> Event:
    states = dict(CycleComponent.State.choices)
    component = row.component
    return Event(
        at=row.at,
        kind="cycle",
        action=gettext("%(old)s → %(new)s")
        % {"old": states.get(row.from_state, row.from_state), "new": states.get(row.to_state, row.to_state)},
        by=row.by,
        subject=f"{component.cycle.direction.code} · {component.cycle.period} · "
        f"{component.get_component_display()}",
        detail=row.comment,
    )


def _score_changes(municipality):
    history = Score.history.model
    previous = history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
        "-history_date", "-history_id"
    )
    return (
        history.objects.filter(evaluation__municipality=municipality)
        .annotate(previous_score=Subquery(previous.values("score")[:1]))
        .select_related("history_user", "position", "evaluation__period")
    )


def _score_change(row) -> Event:
    if row.history_type == "+":
        action = gettext("Score entered")
    elif row.history_type == "-":
        action = gettext("Score deleted")
    else:
        action = gettext("Score changed")
    return Event(
        at=row.history_date,
        kind="scores",
        action=action,
        by=row.history_user,
        subject=f"{row.evaluation.period} · {row.position.code}",
        detail=gettext("%(old)s → %(new)s")
        % {"old": numbers.number_text(row.previous_score), "new": numbers.number_text(row.score)},
    )


KINDS = [("cycle", _("States of the cycle components")), ("scores", _("Evaluation scores"))]
SOURCES = [
    Source("cycle", "at", _transitions, _transition),
    Source("scores", "history_date", _score_changes, _score_change),
]
