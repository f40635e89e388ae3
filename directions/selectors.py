"""Reads worth a name: the inspector's overview and what waits for each person."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from directions import access
from directions.models import Component, CycleComponent, Direction
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
    officials = Official.objects.filter(
        user__roles__kind=Role.Kind.OPERATOR, user__roles__municipality=municipality
    ).distinct()
    return [official.full_name for official in officials]


def waiting_for(item: CycleComponent, direction: Direction, operators: list[str]) -> list[str]:
    """Who has to act next on the component, by the technology card."""
    if item.state == State.NOT_STARTED:
        return [o.full_name for o in direction.executors.all()] + [
            o.short_name for o in direction.executor_organizations.all()
        ]
    if item.state == State.DRAFTED:
        return [o.full_name for o in direction.coordinators.all()]
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
        .prefetch_related("coordinators", "executors", "executor_organizations")
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
            cells.append(Cell(component, item, overdue, waiting_for(item, direction, operators)))
        rows.append(Row(direction, cells))
    return rows


def awaiting(user: User) -> dict[str, QuerySet[CycleComponent]]:
    """Components that wait for the user: drafts to write, approvals, publications."""
    official = getattr(user, "official", None)
    if official is None:
        return {}
    municipal = Role.objects.filter(user=user)
    result = {}
    if municipal.filter(kind=Role.Kind.EXECUTOR).exists():
        mine = Q(cycle__direction__executors=official)
        if official.organization_id:
            mine |= Q(cycle__direction__executor_organizations=official.organization_id)
        result["draft"] = CycleComponent.objects.filter(
            mine,
            state=State.NOT_STARTED,
            cycle__direction__municipality__in=municipal.filter(kind=Role.Kind.EXECUTOR).values(
                "municipality"
            ),
        ).distinct()
    if municipal.filter(kind=Role.Kind.COORDINATOR).exists():
        result["approve"] = CycleComponent.objects.filter(
            state=State.DRAFTED,
            cycle__direction__coordinators=official,
            cycle__direction__municipality__in=municipal.filter(kind=Role.Kind.COORDINATOR).values(
                "municipality"
            ),
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
    operator_municipalities = [r.municipality_id for r in roles if r.kind == Role.Kind.OPERATOR]
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
