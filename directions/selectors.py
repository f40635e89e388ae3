"""Reads worth a name: the inspector's overview, what waits for each person, and an evaluation's
scoring sheet and results."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions import access, charts, fioko, services
from directions.models import (
    Block,
    Component,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    LevelBand,
    Position,
    Responsibility,
    Score,
)
from mcok import numbers
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


def block_names(municipality: Municipality, codes=None) -> dict[str, str]:
    """The blocks' names by code as the municipality's document writes them, FIOKO's by default
    (two queries)."""
    blocks = Block.objects.all() if codes is None else Block.objects.filter(code__in=list(codes))
    names = dict(blocks.values_list("code", "name"))
    own = (
        Direction.objects.filter(municipality=municipality, block__code__in=list(names))
        .exclude(block_name="")
        .order_by("valid_from__starts_on")
        .values_list("block__code", "block_name")
    )
    names.update(dict(own))  # the latest document's name last
    return names


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


# The evaluation: its scoring sheet and its results ------------------------------------------------

COMPONENT_LABELS = dict(Component.choices)


@dataclass
class SheetDirection:
    """One direction of the evaluation's catalogue in the sheet's table of contents."""

    pk: int
    code: str
    name: str
    block_code: str
    block_name: str
    total: int
    scored: int
    partial: bool = False


def sheet_directions(evaluation: Evaluation) -> list[SheetDirection]:
    """The directions the evaluation scores, with how many of their positions are scored: one query."""
    rows = (
        Score.objects.filter(evaluation=evaluation)
        .values(
            "position__direction",
            "position__direction__code",
            "position__direction__name",
            "position__direction__block__code",
            "position__direction__block__name",
        )
        .annotate(total=Count("pk"), scored=Count("score"))
        .order_by()
    )
    directions = [
        SheetDirection(
            pk=row["position__direction"],
            code=row["position__direction__code"],
            name=row["position__direction__name"],
            block_code=row["position__direction__block__code"],
            block_name=row["position__direction__block__name"],
            total=row["total"],
            scored=row["scored"],
        )
        for row in rows
    ]
    directions.sort(key=lambda d: (fioko.natural_key(d.block_code), fioko.natural_key(d.code)))
    return directions


def self_assessment_rows(evaluation: Evaluation, scores: list[Score]) -> dict[int, dict]:
    """For an expert evaluation: the self-assessment's score and comment of the same positions, by
    position id. One query; nothing for a self-assessment."""
    if evaluation.kind != Evaluation.Kind.EXPERT or not scores:
        return {}
    rows = Score.objects.filter(
        evaluation__municipality=evaluation.municipality_id,
        evaluation__period=evaluation.period_id,
        evaluation__kind=Evaluation.Kind.SELF,
        position__in=[s.position_id for s in scores],
    ).values("position_id", "score", "comment", "proposed")
    return {row["position_id"]: row for row in rows}


@dataclass
class Line:
    """A row of the results: a score out of a maximum, the percent, the level and the change."""

    code: str
    name: str
    score: str
    max: str
    percent: str
    level: str = ""
    difference: str = "—"
    partial: bool = False
    components: list["Line"] = field(default_factory=list)


@dataclass
class BlockResults:
    line: Line
    directions: list[Line]
    chart: str


@dataclass
class LostPosition:
    code: str
    text: str
    score: str
    max: str
    lost: str


@dataclass
class LostComponent:
    label: str
    lost: str
    positions: list[LostPosition]


@dataclass
class LostDirection:
    code: str
    name: str
    lost: str
    components: list[LostComponent]


def _figure(data: dict | None) -> tuple[str, str, str, Any]:
    """(score, max, percent) texts and the raw percent of a stored figure."""
    if not data:
        return "—", "—", "—", None
    return (
        numbers.amount_text(data.get("score")),
        numbers.amount_text(data.get("max")),
        numbers.number_text(data.get("percent")),
        data.get("percent"),
    )


def _component_order(key: str) -> int:
    return fioko.COMPONENTS.index(key) if key in fioko.COMPONENTS else len(fioko.COMPONENTS)


def previous_evaluation(user: User, evaluation: Evaluation) -> Evaluation | None:
    """The same municipality's evaluation of the same kind for the period a year before."""
    period = evaluation.period
    return (
        access.evaluations_visible_to(user)
        .filter(
            municipality=evaluation.municipality,
            kind=evaluation.kind,
            period__kind=period.kind,
            period__year=period.year - 1,
            period__number=period.number,
        )
        .select_related("period")
        .first()
    )


def explanation(evaluation: Evaluation, names: dict[str, str]) -> tuple[list[LostDirection], bool]:
    """Why the index is not 100 %: the positions that lost points, by direction (in code order),
    then component and position (the most lost first). (groups, whether it could be built)."""
    positions = services.positions_of(evaluation)
    partial = set(evaluation.partial_directions.values_list("code", flat=True))
    try:
        indices = fioko.compute(positions, partial=partial)
    except ValidationError:
        return [], False
    texts = {
        (direction, code): text
        for direction, code, text in Position.objects.filter(scores__evaluation=evaluation).values_list(
            "direction__code", "code", "text"
        )
    }
    by_direction: dict[str, list[fioko.Shortfall]] = {}
    for shortfall in fioko.explain(indices, positions):
        by_direction.setdefault(shortfall.direction, []).append(shortfall)
    groups = []
    for code in sorted(by_direction, key=fioko.natural_key):
        shortfalls = by_direction[code]
        groups.append(
            LostDirection(
                code=code,
                name=names.get(code, ""),
                lost=numbers.amount_text(sum((s.lost for s in shortfalls), Decimal(0))),
                components=[
                    LostComponent(
                        label=COMPONENT_LABELS.get(s.component, s.component),
                        lost=numbers.amount_text(s.lost),
                        positions=[
                            LostPosition(
                                code=p.code,
                                text=texts.get((p.direction, p.code), ""),
                                score=_("not scored") if p.score is None else numbers.amount_text(p.score),
                                max=numbers.amount_text(p.max),
                                lost=numbers.amount_text(fioko.position_lost(p)),
                            )
                            for p in s.positions
                        ],
                    )
                    for s in shortfalls
                ],
            )
        )
    return groups, True


def evaluation_results(user: User, evaluation: Evaluation) -> dict[str, Any]:
    """The stored results of an evaluation as the page shows them: the total, the blocks with their
    directions and charts, the change since the year before, the levels, and why the index is not
    100 %. Never recomputed: only the explanation rebuilds the indices, to find the lost points."""
    results = evaluation.results or {}

    directions = {
        d.code: d
        for d in Direction.objects.filter(
            municipality=evaluation.municipality, positions__period=evaluation.period
        )
        .select_related("block")
        .order_by()
        .distinct()
    }
    partial = set(evaluation.partial_directions.values_list("code", flat=True))
    previous = previous_evaluation(user, evaluation)
    before = (previous.results if previous else None) or {}
    bands = [
        (band.lower_percent, band.label)
        for band in LevelBand.objects.filter(region=evaluation.municipality.region, period=evaluation.period)
    ]

    def level(percent: Any) -> str:
        if not bands:
            return ""
        return fioko.level(numbers.decimal_of(percent), bands) or "—"

    def line(code: str, name: str, data: dict | None, previous_data: dict | None) -> Line:
        score, maximum, percent, raw = _figure(data)
        return Line(
            code=code,
            name=name,
            score=score,
            max=maximum,
            percent=percent,
            level=level(raw),
            difference=_difference(raw, (previous_data or {}).get("percent")) if previous else "—",
        )

    # Sorted here, not trusted to the stored order: PostgreSQL's jsonb keeps keys in its own order.
    stored_blocks = results.get("blocks") or {}
    stored_directions = results.get("directions") or {}
    stored_components = results.get("components") or {}
    names_of_blocks = block_names(evaluation.municipality, stored_blocks)
    direction_lines: dict[str, list[Line]] = {}
    for code in sorted(stored_directions, key=fioko.natural_key):
        direction = directions.get(code)
        item = line(
            code,
            direction.name if direction else "",
            stored_directions[code],
            before.get("directions", {}).get(code),
        )
        item.partial = code in partial
        figures = stored_components.get(code) or {}
        for key in sorted(figures, key=_component_order):
            score, maximum, percent, _raw = _figure(figures[key])
            item.components.append(
                Line(code=key, name=COMPONENT_LABELS.get(key, key), score=score, max=maximum, percent=percent)
            )
        block = direction.block.code if direction else ""
        direction_lines.setdefault(block, []).append(item)

    blocks = []
    for code in sorted(stored_blocks, key=fioko.natural_key):
        data = stored_blocks[code]
        name = names_of_blocks.get(code, "")
        lines = direction_lines.get(code, [])
        chart = charts.bar_chart(
            [
                (
                    f"{item.code} {item.name}".strip(),
                    numbers.decimal_of((stored_directions[item.code] or {}).get("percent")),
                )
                for item in lines
            ],
            title=_("Indices of the directions of block %(block)s") % {"block": f"{code}. {name}"},
        )
        blocks.append(BlockResults(line(code, name, data, before.get("blocks", {}).get(code)), lines, chart))
    orphans = [
        item for block, items in direction_lines.items() if block not in stored_blocks for item in items
    ]

    lost, explained = explanation(evaluation, {code: d.name for code, d in directions.items()})
    return {
        "total": line("", "", results.get("total"), before.get("total")),
        "total_percent": charts.percent_text(numbers.decimal_of((results.get("total") or {}).get("percent"))),
        "blocks": blocks,
        "orphans": orphans,
        "previous": previous,
        "has_levels": bool(bands),
        "explanation": lost,
        "explained": explained,
    }


def _difference(current: Any, previous: Any) -> str:
    """Points of percent since the previous period: «+1,5», «−2,0», «0,0»; «—» when either is missing."""
    now, before = numbers.decimal_of(current), numbers.decimal_of(previous)
    return numbers.change_text(None if now is None or before is None else now - before)
