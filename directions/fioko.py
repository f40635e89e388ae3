"""The FIOKO-style indices of the management cycle: pure arithmetic on evaluation positions.

The nine steps (docs: /work/shared/FIOKO.md, «The computation»): a component's score and maximum
are the sums over its positions; a direction's are the sums over its components; a block's the sums
over its directions; the total the sums over the blocks. Every percentage is 100 · score / max of
those raw sums, never a mean of percentages, shown with one decimal rounded half up; a maximum of 0
has no percentage. No ORM here: the callers load the positions and store or show the result.
"""

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from typing import Any, TypeGuard

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mcok.numbers import amount_text
from mcok.sorting import natural_key  # noqa: F401  (the order of codes; callers read it here too)

COMPONENTS: tuple[str, ...] = (
    "goals",
    "indicators",
    "methods",
    "monitoring",
    "analysis",
    "recommendations",
    "measures",
    "decisions",
    "effectiveness",
)
MANAGERIAL: tuple[str, ...] = ("measures", "decisions", "effectiveness")

# Accepted numbers are multiples of 10⁻⁶ below 10⁹ (check_positions), at most 15 digits each, so in
# 60 digits every sum the portal will ever make is exact; Inexact is trapped to prove it.
MAX_NUMBER = Decimal(10) ** 9
MAX_DECIMAL_PLACES = 6
_SUMS = Context(prec=60, rounding=ROUND_HALF_UP, traps=[Inexact])
_DIVISION = Context(prec=60, rounding=ROUND_HALF_UP)
TENTH = Decimal("0.1")
ZERO = Decimal(0)

Number = int | Decimal


@dataclass(frozen=True)
class PositionScore:
    """One evaluation position of one direction with the expert's primary score.

    `score` None means the position is not yet scored: it adds 0 to the score but its maximum still
    counts, so an unfinished evaluation shows as a low index, never as a high one computed over the
    scored positions alone.
    """

    block: str
    direction: str
    component: str
    code: str
    max: int | Decimal
    score: int | Decimal | None


@dataclass(frozen=True)
class Figure:
    """A score out of a maximum, both exact sums."""

    score: Decimal
    max: Decimal

    @property
    def percent(self) -> Decimal | None:
        """100 · score / max with one decimal rounded half up; None when the maximum is 0."""
        if self.max == 0:
            return None
        # Exact enough: with the accepted numbers (multiples of 10⁻⁶ below 10⁹) the quotient is a
        # fraction a/b, b < 10¹⁵, so it is a half exactly or lies 10⁻¹⁷ or more from one; 60 digits
        # cannot round it across.
        with localcontext(_DIVISION):
            return (100 * self.score / self.max).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def lost(self) -> Decimal:
        return self.max - self.score

    def as_json(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "score": _json_number(self.score),
            "max": _json_number(self.max),
            "percent": None if percent is None else float(percent),
        }


@dataclass
class Indices:
    """Every figure of one evaluation, in display order: directions by their code read as numbers
    («1.10» after «1.9»), components in COMPONENTS order."""

    components: dict[str, dict[str, Figure]]  # direction → component → figure
    directions: dict[str, Figure]
    blocks: dict[str, Figure]
    total: Figure

    def as_json(self) -> dict[str, Any]:
        """The figures as JSON-ready data: numbers as int when integral, else float; percent as a
        float or None."""
        return {
            "components": {
                direction: {component: figure.as_json() for component, figure in figures.items()}
                for direction, figures in self.components.items()
            },
            "directions": {code: figure.as_json() for code, figure in self.directions.items()},
            "blocks": {code: figure.as_json() for code, figure in self.blocks.items()},
            "total": self.total.as_json(),
        }


@dataclass(frozen=True)
class Shortfall:
    """The points one component of one direction lost, and the positions that lost them, the
    most points lost first."""

    direction: str
    component: str
    figure: Figure
    positions: tuple[PositionScore, ...]

    @property
    def lost(self) -> Decimal:
        return sum((position_lost(p) for p in self.positions), ZERO)


def _typed(value: Decimal) -> str:
    """A score or a maximum in a message as the reader wrote it: «2,5», «−1» (mcok.numbers)."""
    return amount_text(value, places=6)


def in_scope(position: PositionScore, partial: AbstractSet[str] = frozenset()) -> bool:
    """A partial cycle (track) is evaluated on the managerial components only."""
    return position.direction not in partial or position.component in MANAGERIAL


def position_lost(position: PositionScore) -> Decimal:
    """The points a position lost: its maximum less its score, all of it when not yet scored."""
    return Decimal(position.max) - Decimal(position.score or 0)


def compute(positions: Iterable[PositionScore], *, partial: AbstractSet[str] = frozenset()) -> Indices:
    """The nine steps over `positions`; `partial` names the directions that are partial cycles,
    whose non-managerial positions are left out of both score and maximum.

    The positions are checked first (check_positions): ValidationError if any is wrong. A
    component with no position in scope is absent and adds 0 to both sums; a direction whose
    positions are all out of scope stays, at 0 of 0.
    """
    positions = list(positions)
    check_positions(positions)
    with localcontext(_SUMS):
        component_sums: dict[tuple[str, str], list[Decimal]] = {}
        block_of: dict[str, str] = {}
        for position in positions:
            block_of[position.direction] = position.block
            if not in_scope(position, partial):
                continue
            sums = component_sums.setdefault((position.direction, position.component), [ZERO, ZERO])
            sums[0] += Decimal(position.score or 0)
            sums[1] += Decimal(position.max)

        directions = sorted(block_of, key=natural_key)
        components: dict[str, dict[str, Figure]] = {}
        for direction in directions:
            components[direction] = {
                component: Figure(*component_sums[direction, component])
                for component in COMPONENTS
                if (direction, component) in component_sums
            }
        direction_figures = {d: _sum(components[d].values()) for d in directions}
        blocks = sorted(set(block_of.values()), key=natural_key)
        block_figures = {
            b: _sum(direction_figures[d] for d in directions if block_of[d] == b) for b in blocks
        }
        total = _sum(block_figures.values())
    return Indices(components=components, directions=direction_figures, blocks=block_figures, total=total)


def _sum(figures: Iterable[Figure]) -> Figure:
    score, maximum = ZERO, ZERO
    for figure in figures:
        score += figure.score
        maximum += figure.max
    return Figure(score=score, max=maximum)


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _is_number(value: object) -> TypeGuard[int | Decimal]:
    """An int or a finite Decimal the arithmetic accepts: below MAX_NUMBER in size, at most
    MAX_DECIMAL_PLACES after the point. Never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return False
    if isinstance(value, Decimal):
        if not value.is_finite():
            return False
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            return False
    return abs(value) < MAX_NUMBER


def position_problems(positions: Sequence[PositionScore], *, names: Sequence[str] | None = None) -> list[str]:
    """What is wrong with the positions, one sentence per problem, in the order of the positions.

    Each sentence starts with the position's name: `names[i]` when given (an import names its row),
    else «Position <code>».
    """
    problems: list[str] = []
    seen_codes: set[tuple[str, str]] = set()
    block_of: dict[str, tuple[str, str]] = {}  # direction → (its block, the code that set it)
    for index, position in enumerate(positions):
        name = names[index] if names is not None else _("Position %(code)s") % {"code": position.code}
        found: list[tuple[str, dict[str, object]]] = []
        if not all(str(text).strip() for text in (position.block, position.direction, position.code)):
            found.append((_("%(position)s: the block, the direction and the code are required."), {}))
        if position.component not in COMPONENTS:
            found.append(
                (
                    _("%(position)s: unknown component «%(component)s»; use one of %(components)s."),
                    {"component": position.component, "components": ", ".join(COMPONENTS)},
                )
            )
        maximum, score = position.max, position.score
        if not _is_number(maximum):
            found.append(
                (
                    _(
                        "%(position)s: the maximum «%(value)s» is not a number with at most 9 digits "
                        "before the point and 6 after it."
                    ),
                    {"value": maximum},
                )
            )
        elif maximum < 0:
            found.append((_("%(position)s: the maximum %(value)s is negative."), {"value": _typed(maximum)}))
        if score is not None and not _is_number(score):
            found.append(
                (
                    _(
                        "%(position)s: the score «%(value)s» is not a number with at most 9 digits "
                        "before the point and 6 after it."
                    ),
                    {"value": score},
                )
            )
        elif score is not None and score < 0:
            found.append((_("%(position)s: the score %(value)s is negative."), {"value": _typed(score)}))
        elif score is not None and _is_number(maximum) and maximum >= 0 and score > maximum:
            found.append(
                (
                    _("%(position)s: the score %(score)s is above the maximum %(max)s."),
                    {"score": _typed(score), "max": _typed(maximum)},
                )
            )
        key = (position.direction, position.code)
        if key in seen_codes:
            found.append(
                (
                    _("%(position)s: code %(code)s appears twice in direction %(direction)s."),
                    {"code": position.code, "direction": position.direction},
                )
            )
        seen_codes.add(key)
        first_block, first_code = block_of.setdefault(position.direction, (position.block, position.code))
        if position.block != first_block:
            found.append(
                (
                    _(
                        "%(position)s: direction %(direction)s is put under block %(block)s, but "
                        "position %(first_code)s puts it under block %(first_block)s."
                    ),
                    {
                        "direction": position.direction,
                        "block": position.block,
                        "first_code": first_code,
                        "first_block": first_block,
                    },
                )
            )
        problems += [message % {"position": name, **values} for message, values in found]
    return problems


def check_positions(positions: Iterable[PositionScore], *, names: Sequence[str] | None = None) -> None:
    """ValidationError listing every problem of the positions (position_problems); None if none.

    Refused: an unknown component, a score above its maximum, a negative or non-numeric maximum or
    score, a code repeated within a direction, a direction listed under two blocks, an empty block,
    direction or code.
    """
    problems = position_problems(list(positions), names=names)
    if problems:
        raise ValidationError(problems)


def explain(indices: Indices, positions: Iterable[PositionScore]) -> list[Shortfall]:
    """The positions that lost points (scored below their maximum, or not yet scored), grouped by
    direction and component, the group that lost most first; within a group, the position that
    lost most first. Positions out of scope of `indices` (a partial cycle's other components) are
    left out, as compute left them out.

    Ties keep display order: direction by code, component in COMPONENTS order, position by code.
    """
    groups: dict[tuple[str, str], list[PositionScore]] = {}
    for position in positions:
        if position.component not in indices.components.get(position.direction, {}):
            continue
        if position.score is None or position_lost(position) > 0:
            groups.setdefault((position.direction, position.component), []).append(position)
    shortfalls = [
        Shortfall(
            direction=direction,
            component=component,
            figure=indices.components[direction][component],
            positions=tuple(sorted(group, key=lambda p: (-position_lost(p), natural_key(p.code)))),
        )
        for (direction, component), group in groups.items()
    ]
    shortfalls.sort(
        key=lambda s: (-s.lost, natural_key(s.direction), COMPONENTS.index(s.component)),
    )
    return shortfalls


def level(percent: Decimal | None, bands: Sequence[tuple[Number, str]]) -> str | None:
    """The label of the band `percent` falls in: the one with the highest lower bound not above it.

    Bands are set per region and period (no source fixes them, so there is no default): None when
    there are none, when there is no percentage, or when the percentage is below every bound.
    """
    if percent is None:
        return None
    reached = [(Decimal(bound), label) for bound, label in bands if percent >= Decimal(bound)]
    if not reached:
        return None
    return max(reached, key=lambda band: band[0])[1]
