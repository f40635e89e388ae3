"""Reads worth a name: the inspector's overview and what waits for each person."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from directions import access
from directions.models import Component, CycleComponent, Direction, Duty, Responsibility
from mcok.models import Municipality, Official, Period, Role, User
from mcok.selectors import ATTENTION_PROVIDERS, AttentionItem

State = CycleComponent.State


@dataclass
class Cell:
    component: str
    item: CycleComponent | None
    overdue: bool = False
    waiting_for: list[str] = field(default_factory=list)


@dataclass
class Row:
    direction: Direction
    cells: list[Cell]


def operators_of(municipality: Municipality) -> list[str]:
    """The operators awaited for a publication: people to name, not a decision on who may act."""
    operator = Role.Kind.OPERATOR  # recipients of a notice
    officials = Official.objects.filter(
        user__roles__kind=operator,  # recipients of a notice
        user__roles__municipality=municipality,  # recipients of a notice
    ).distinct()
    return [official.full_name for official in officials]


def waiting_for(item: CycleComponent, direction: Direction, operators: list[str], period=None) -> list[str]:
    """Who has to act next on the component, by the technology card and the assignments that hold in
    the period."""
    if item.state == State.NOT_STARTED:
        return [r.holder_name for r in direction.holders(Duty.EXECUTOR, period)]
    if item.state == State.DRAFTED:
        return [r.holder_name for r in direction.holders(Duty.COORDINATOR, period)]
    if item.state == State.APPROVED:
        return operators
    return []


def overview(user: User, municipality: Municipality, period: Period) -> list[Row]:
    """Directions in force in the period × the nine components: state, overdue mark, and who is awaited.
    A fixed number of queries, whatever the number of directions."""
    directions = list(
        access.directions_visible_to(user)
        .filter(municipality=municipality)
        .valid_in(period)
        .select_related("block")
        .prefetch_related(
            Prefetch(
                "responsibilities", queryset=Responsibility.objects.select_related("official", "organization")
            )
        )
    )
    items = CycleComponent.objects.filter(cycle__direction__in=directions, cycle__period=period)
    by_key = {(item.cycle.direction_id, item.component): item for item in items.select_related("cycle")}
    operators = operators_of(municipality)
    today = timezone.localdate()
    rows = []
    for direction in directions:
        cells = []
        for component in Component:
            item = by_key.get((direction.pk, component))
            if item is None:
                cells.append(Cell(component, None))
                continue
            overdue = item.state != State.PUBLISHED and item.due_on is not None and item.due_on < today
            cells.append(Cell(component, item, overdue, waiting_for(item, direction, operators, period)))
        rows.append(Row(direction, cells))
    return rows


def awaiting(user: User) -> dict[str, QuerySet[CycleComponent]]:
    """Components that wait for the user by the assignments in force today: drafts to write for the
    directions they execute, approvals for those they coordinate (all of them for the head)."""
    result = {}
    executed = [d for d in access.directions_for(user) if access.is_executor_of(user, d)]
    if executed:
        result["draft"] = CycleComponent.objects.filter(
            state=State.NOT_STARTED, cycle__direction__in=[d.pk for d in executed]
        )
    coordinated = access.directions_for(user, approve=True)
    if coordinated.exists():
        result["approve"] = CycleComponent.objects.filter(
            state=State.DRAFTED, cycle__direction__in=coordinated
        )
    return result


def cycle_attention(user: User, roles: list) -> list[AttentionItem]:
    items = []
    waiting = awaiting(user)
    if "draft" in waiting and (count := waiting["draft"].count()):
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d component of a cycle waits for your draft.",
                    "%(count)d components of cycles wait for your draft.",
                    count,
                )
                % {"count": count},
                reverse("directions:overview"),
                "warning",
            )
        )
    if "approve" in waiting and (count := waiting["approve"].count()):
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d draft waits for your approval.",
                    "%(count)d drafts wait for your approval.",
                    count,
                )
                % {"count": count},
                reverse("directions:overview"),
                "warning",
            )
        )
    operator_municipalities = access.publishing_municipalities(user)
    if operator_municipalities:
        count = CycleComponent.objects.filter(
            state=State.APPROVED, cycle__direction__municipality__in=operator_municipalities
        ).count()
        if count:
            items.append(
                AttentionItem(
                    ngettext(
                        "%(count)d approved component waits for publication.",
                        "%(count)d approved components wait for publication.",
                        count,
                    )
                    % {"count": count},
                    reverse("directions:overview"),
                    "warning",
                )
            )
    return items


ATTENTION_PROVIDERS.append(cycle_attention)
