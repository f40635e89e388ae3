"""The direction's dossier: its whole management cycle for a period on one page.

The cycle's own part lives here: the nine components in FIOKO's three groups and the technology
card's six rows, each with its state, who moved it last and when, its text and its documents.
Everything else a cycle gathers — indicators, collections, recommendations, decisions, roadmap
events, evaluation positions — belongs to the apps above this one, so they hand their parts in:
each app appends a provider to `SECTION_PROVIDERS` in its AppConfig.ready, and the page shows the
sections in their `order`. A provider reads its part in a fixed number of queries, whatever the
number of items, and says plainly when the part is empty.

Nothing here checks who reads: the caller found the direction through directions.access, and a
direction's dossier is read by the municipality's staff, who read all of its data.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from directions.models import CARD_ROW, CardDuty, Component, Cycle, CycleComponent, Direction
from mcok.models import Document, Period, User

# FIOKO's three groups of the nine components (FIOKO.md), in the order the evaluation lists them.
GROUPS = (
    (_("Conceptual"), (Component.GOALS, Component.INDICATORS, Component.METHODS)),
    (_("Procedural"), (Component.MONITORING, Component.ANALYSIS, Component.RECOMMENDATIONS)),
    (_("Managerial"), (Component.MEASURES, Component.DECISIONS, Component.EFFECTIVENESS)),
)


@dataclass
class Section:
    """A part of the dossier handed in by an app: what the template shows and where the whole is."""

    key: str
    title: str
    template: str
    order: int
    items: list = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""  # the page that holds the whole of the part
    link_label: str = ""
    empty: str = ""  # said when there are no items
    summary: str = ""  # one line of figures under the title


@dataclass
class ComponentLine:
    """One of the nine components in the period: the item when the cycle has it."""

    component: str
    label: str
    row: int
    item: CycleComponent | None

    @property
    def documents(self) -> list[Document]:
        return list(self.item.documents.all()) if self.item else []


@dataclass
class Group:
    """One of FIOKO's three groups, its components in the card's rows."""

    title: str
    rows: list[tuple[int, CardDuty | None, list[ComponentLine]]]

    @property
    def size(self) -> int:
        return sum(len(lines) for _row, _duty, lines in self.rows)


# (user, direction, period) → the sections of one app, in a fixed number of queries.
SECTION_PROVIDERS: list[Callable[[User, Direction, Period], list[Section]]] = []


def cycle_of(direction: Direction, period: Period) -> Cycle | None:
    """The direction's cycle for the period with its components, their documents and who moved
    them last. Three queries."""
    components = CycleComponent.objects.select_related("changed_by").prefetch_related(
        Prefetch("documents", queryset=Document.objects.order_by("-date", "title"))
    )
    return (
        Cycle.objects.filter(direction=direction, period=period)
        .prefetch_related(Prefetch("components", queryset=components.order_by("pk")))
        .first()
    )


def groups(direction: Direction, cycle: Cycle | None) -> list[Group]:
    """The nine components in FIOKO's groups and the card's rows: a component the cycle lacks (or a
    cycle not opened) shows as not started. One query for the card's rows."""
    items = {item.component: item for item in cycle.components.all()} if cycle else {}
    duties = {duty.row: duty for duty in CardDuty.objects.filter(municipality=direction.municipality_id)}
    labels = dict(Component.choices)
    result = []
    for title, members in GROUPS:
        rows: dict[int, list[ComponentLine]] = {}
        for component in members:
            row = CARD_ROW[component]
            rows.setdefault(row, []).append(
                ComponentLine(component, str(labels[component]), row, items.get(component))
            )
        ordered = [(row, duties.get(row), lines) for row, lines in sorted(rows.items())]
        result.append(Group(str(title), ordered))
    return result


def sections(user: User, direction: Direction, period: Period) -> list[Section]:
    """The parts the apps hand in, in their order."""
    found = [section for provider in SECTION_PROVIDERS for section in provider(user, direction, period)]
    return sorted(found, key=lambda section: section.order)
