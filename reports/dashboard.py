"""Reads of the dashboard: what needs the department's attention in a municipality for a period.

Five sections, each built from the app that owns its data: the management cycle of every direction
in force (directions.selectors.overview), the FIOKO indices of the latest finished evaluation, the
indicators whose municipal value misses its target or its risk threshold, the data collections past
their deadline with organizations that have not submitted, and the overdue roadmap events.

Every read starts from the apps' access functions, and the whole dashboard is a fixed number of
queries whatever the number of directions, indicators, collections or events.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions import access as directions_access
from directions import charts, fioko
from directions import selectors as directions_selectors
from directions.models import Component, CycleComponent, Direction, Evaluation, LevelBand
from indicators import access as indicators_access
from indicators import selectors as indicators_selectors
from indicators.charts import number_text
from indicators.models import Indicator, IndicatorValue, Target
from mcok import selectors as core_selectors
from mcok.models import Municipality, Period, User
from monitoring import access as monitoring_access
from monitoring import selectors as monitoring_selectors
from monitoring.models import Campaign, Extension, Submission
from roadmaps import instructions as roadmaps_instructions
from roadmaps import selectors as roadmaps_selectors
from roadmaps.models import Occurrence

OVERDUE_SHOWN = 50  # the overdue events listed on the page; the roadmaps' own list has them all


# Which ---------------------------------------------------------------------------------------------
# Whose dashboard `user` reads: reports.access.staff_municipalities.


def periods() -> QuerySet[Period]:
    """Every period, the latest first: the choice of the page."""
    return indicators_selectors.periods()


def period_named(value: str) -> Period | None:
    """The period with this code («2025», «2025/26», «2025-Q1»), else with this id; None for anything
    else (an id beyond the database's integers included)."""
    value = (value or "").strip()
    if not value or len(value) > 18:
        return None
    period = Period.objects.filter(code=value).first()
    if period is None and value.isascii() and value.isdigit():
        period = Period.objects.filter(pk=int(value)).first()
    return period


def default_period(municipality: Municipality, today: datetime.date | None = None) -> Period | None:
    """The latest calendar year up to today's with the municipality's data, as the directions' overview
    chooses it (mcok.selectors.latest_period_with_data)."""
    return core_selectors.latest_period_with_data(municipality, today)


# 1. The management cycle ---------------------------------------------------------------------------


@dataclass
class CycleRow:
    """A direction in force with its nine components (directions.selectors.Cell)."""

    direction: Direction
    cells: list[directions_selectors.Cell]
    url: str
    opened: bool  # the cycle of the period is open
    published: int
    overdue: int


@dataclass
class Cycles:
    rows: list[CycleRow]
    components: list[tuple[str, str]]
    published: int = 0  # components published by the operator, over every direction
    components_total: int = 0  # components of the open cycles
    overdue: int = 0
    without_cycle: int = 0


def cycles(user: User, municipality: Municipality, period: Period) -> Cycles:
    """Every direction in force in the period with its components' states, how many are published
    and how many are overdue; the states as words. A fixed number of queries."""
    result = Cycles(rows=[], components=list(Component.choices))
    query = urlencode({"period": period.code})
    for row in directions_selectors.overview(user, municipality, period):
        items = [cell.item for cell in row.cells if cell.item is not None]
        published = sum(item.state == CycleComponent.State.PUBLISHED for item in items)
        overdue = sum(cell.overdue for cell in row.cells)
        result.rows.append(
            CycleRow(
                direction=row.direction,
                cells=row.cells,
                url=f"{row.direction.get_absolute_url()}?{query}",
                opened=bool(items),
                published=published,
                overdue=overdue,
            )
        )
        result.published += published
        result.components_total += len(items)
        result.overdue += overdue
        result.without_cycle += not items
    return result


# 2. The FIOKO indices ------------------------------------------------------------------------------


@dataclass
class IndexLine:
    """A figure of the stored results: a score out of a maximum, the percent and its level."""

    code: str
    name: str
    score: str
    max: str
    percent: Decimal | None
    level: str = ""

    @property
    def percent_text(self) -> str:
        return charts.percent_text(self.percent)


@dataclass
class Indices:
    evaluation: Evaluation
    url: str
    total: IndexLine
    blocks: list[IndexLine]
    directions: list[IndexLine]
    chart: SafeString
    has_levels: bool


def _decimal(value: Any) -> Decimal | None:
    """A stored number (int, or a float from JSON written with one decimal) as an exact Decimal."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return None


def latest_finished_evaluation(user: User, municipality: Municipality, period: Period) -> Evaluation | None:
    """The municipality's latest finished evaluation of the period among those `user` may read, as
    the public tab and the report pick it (directions.models.EvaluationQuerySet.latest_finished)."""
    return directions_access.evaluations_visible_to(user).latest_finished(municipality, period)


def indices(user: User, municipality: Municipality, period: Period) -> Indices | None:
    """The total, the blocks and each direction's index of the latest finished evaluation, as its
    results were stored, with the level of the region's bands; None without a finished evaluation."""
    evaluation = latest_finished_evaluation(user, municipality, period)
    if evaluation is None:
        return None
    results = evaluation.results if isinstance(evaluation.results, dict) else {}
    bands = [
        (band.lower_percent, band.label)
        for band in LevelBand.objects.filter(region=municipality.region, period=period)
    ]

    def line(code: str, name: str, data: Any) -> IndexLine:
        data = data if isinstance(data, dict) else {}
        percent = _decimal(data.get("percent"))
        return IndexLine(
            code=code,
            name=name,
            score=number_text(_decimal(data.get("score"))),
            max=number_text(_decimal(data.get("max"))),
            percent=percent,
            level=(fioko.level(percent, bands) or "—") if bands else "",
        )

    stored_blocks = results.get("blocks") or {}
    stored_directions = results.get("directions") or {}
    block_names = directions_selectors.block_names(municipality, stored_blocks)
    direction_names = dict(
        Direction.objects.filter(municipality=municipality, code__in=list(stored_directions))
        .valid_in(period)
        .values_list("code", "name")
    )
    blocks = [
        line(code, block_names.get(code, ""), stored_blocks[code])
        for code in sorted(stored_blocks, key=fioko.natural_key)
    ]
    direction_lines = [
        line(code, direction_names.get(code, ""), stored_directions[code])
        for code in sorted(stored_directions, key=fioko.natural_key)
    ]
    chart = charts.bar_chart(
        [(f"{item.code} {item.name}".strip(), item.percent) for item in direction_lines],
        title=_("Indices of the directions, %(period)s") % {"period": period.label},
    )
    return Indices(
        evaluation=evaluation,
        url=reverse("directions:evaluation_results", args=[evaluation.pk]),
        total=line("", "", results.get("total")),
        blocks=blocks,
        directions=direction_lines,
        chart=chart,
        has_levels=bool(bands),
    )


# 3. Indicators in the risk zone --------------------------------------------------------------------


@dataclass
class RiskRow:
    """An indicator whose municipal value misses its target or is beyond its risk threshold."""

    indicator: Indicator
    url: str
    value: Decimal
    target: Decimal | None
    misses_target: bool
    beyond_threshold: bool
    shortfall: Decimal  # how far it falls short, relative to the target or the threshold
    organizations_at_risk: int
    organizations_reported: int

    @property
    def value_text(self) -> str:
        return number_text(self.value, self.indicator.unit)

    @property
    def target_text(self) -> str:
        return number_text(self.target, self.indicator.unit) if self.target is not None else "—"

    @property
    def threshold_text(self) -> str:
        threshold = self.indicator.risk_threshold
        return number_text(threshold, self.indicator.unit) if threshold is not None else "—"


def _worse(value: Decimal, reference: Decimal, higher_is_better: bool) -> bool:
    return value < reference if higher_is_better else value > reference


def _shortfall(value: Decimal, reference: Decimal, higher_is_better: bool) -> Decimal:
    """How far `value` is on the wrong side of `reference`, as a share of it (plain when it is 0)."""
    gap = reference - value if higher_is_better else value - reference
    return gap / abs(reference) if reference else gap


def risk_indicators(user: User, municipality: Municipality, period: Period) -> list[RiskRow]:
    """The municipality's indicators whose municipal value of the period is worse than the target
    (lower when higher is better, higher otherwise) or than the risk threshold, the furthest off
    first; with how many organizations are beyond the threshold. Two queries."""
    indicators = list(
        indicators_access.indicators_visible_to(user)
        .filter(municipality=municipality)
        .annotate(
            total=FilteredRelation(
                "values", condition=Q(values__period=period, values__organization__isnull=True)
            ),
            municipal_value=F("total__value"),
            target_value=Subquery(
                Target.objects.filter(indicator=OuterRef("pk"), period=period).values("value")[:1]
            ),
        )
        .filter(municipal_value__isnull=False)
        .order_by(Length("code"), "code", "pk")
    )
    beyond = Q(indicator__higher_is_better=True, value__lt=F("indicator__risk_threshold")) | Q(
        indicator__higher_is_better=False, value__gt=F("indicator__risk_threshold")
    )
    counts = {
        row["indicator"]: row
        for row in IndicatorValue.objects.filter(
            indicator__in=[indicator.pk for indicator in indicators],
            period=period,
            organization__isnull=False,
            value__isnull=False,
        )
        .values("indicator")
        .annotate(
            reported=Count("pk"),
            at_risk=Count("pk", filter=beyond & Q(indicator__risk_threshold__isnull=False)),
        )
        .order_by()
    }
    query = urlencode({"period": period.code})
    rows = []
    for indicator in indicators:
        value, target = indicator.municipal_value, indicator.target_value
        better = indicator.higher_is_better
        misses_target = target is not None and _worse(value, target, better)
        beyond_threshold = indicator.is_at_risk(value)
        if not (misses_target or beyond_threshold):
            continue
        shortfalls = []
        if misses_target:
            shortfalls.append(_shortfall(value, target, better))
        if beyond_threshold:
            shortfalls.append(_shortfall(value, indicator.risk_threshold, better))
        count = counts.get(indicator.pk, {})
        rows.append(
            RiskRow(
                indicator=indicator,
                url=f"{reverse('indicators:indicator', args=[indicator.pk])}?{query}",
                value=value,
                target=target,
                misses_target=misses_target,
                beyond_threshold=beyond_threshold,
                shortfall=max(shortfalls),
                organizations_at_risk=count.get("at_risk", 0),
                organizations_reported=count.get("reported", 0),
            )
        )
    rows.sort(key=lambda row: -row.shortfall)  # stable: equal shortfalls keep the order of the codes
    return rows


# 4. Late collections -------------------------------------------------------------------------------


@dataclass
class LateCampaign:
    campaign: Campaign
    url: str
    missing: int  # organizations with neither a submitted nor an accepted form
    expected: int
    days_late: int


def _overlapping(period: Period, starts: str, ends: str) -> Q:
    return Q(**{f"{starts}__lte": period.ends_on, f"{ends}__gte": period.starts_on})


def late_campaigns(
    user: User, municipality: Municipality, period: Period, today: datetime.date | None = None
) -> list[LateCampaign]:
    """Open or closed collections of periods overlapping `period`, past their deadline, with
    organizations that have not submitted: in an open one, those whose own deadline (an extension
    included) has passed too; in a closed one, all of them. The longest late first. One query."""
    today = today or timezone.localdate()
    through = Campaign.organizations.through
    done = Submission.objects.filter(
        campaign=OuterRef("campaign_id"),
        organization=OuterRef("organization_id"),
        status__in=monitoring_selectors.DONE,
    )
    newest_extension = Extension.objects.filter(
        campaign=OuterRef("campaign_id"), organization=OuterRef("organization_id")
    ).order_by("-granted_at", "-pk")
    missing = (
        through.objects.filter(campaign=OuterRef("pk"))
        .exclude(Exists(done))
        .annotate(
            own_deadline=Coalesce(Subquery(newest_extension.values("deadline")[:1]), F("campaign__deadline"))
        )
        .filter(Q(campaign__state=Campaign.State.CLOSED) | Q(own_deadline__lt=today))
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    campaigns = (
        monitoring_access.campaigns_visible_to(user)
        .filter(
            _overlapping(period, "period__starts_on", "period__ends_on"),
            municipality=municipality,
            state__in=[Campaign.State.OPEN, Campaign.State.CLOSED],
            deadline__lt=today,
        )
        .defer("description", "target_kinds", "target_flags")
    )
    campaigns = (
        monitoring_selectors.campaigns_with_progress(campaigns)
        .annotate(missing=Coalesce(Subquery(missing, output_field=IntegerField()), 0))
        .filter(missing__gt=0)
        .order_by("deadline", "title", "pk")
    )
    return [
        LateCampaign(
            campaign=campaign,
            url=f"{reverse('monitoring:campaign', args=[campaign.pk])}?"
            f"{urlencode({'status': monitoring_selectors.LATE})}",
            missing=campaign.missing,
            expected=campaign.expected,
            days_late=(today - campaign.deadline).days,
        )
        for campaign in campaigns
    ]


# 5. Overdue events ---------------------------------------------------------------------------------


@dataclass
class OverdueRow:
    occurrence: Occurrence
    days: int

    @property
    def responsible(self) -> str:
        """As the roadmap writes it, else the officials and organizations named."""
        event = self.occurrence.event
        if event.responsible_text:
            return event.responsible_text
        names = [o.full_name for o in event.responsible_officials.all()]
        names += [o.short_name for o in event.responsible_organizations.all()]
        return ", ".join(names)


@dataclass
class Overdue:
    rows: list[OverdueRow]
    total: int
    url: str  # the roadmaps' list of every overdue event


def overdue_events(
    user: User, municipality: Municipality, period: Period, today: datetime.date | None = None
) -> Overdue:
    """Instances of the municipality's roadmap events that run in the period and are overdue today
    (due before today, neither done nor cancelled), the longest overdue first: the first
    OVERDUE_SHOWN of them and how many there are. Four queries at most."""
    today = today or timezone.localdate()
    occurrences = (
        roadmaps_selectors.overdue_occurrences(user, today)
        .filter(event__roadmap__municipality=municipality, due_on__gte=period.starts_on)
        .filter(Q(starts_on__lte=period.ends_on) | Q(starts_on__isnull=True, due_on__lte=period.ends_on))
    )
    total = occurrences.count()
    rows = [
        OverdueRow(occurrence, (today - occurrence.due_on).days)
        for occurrence in (occurrences[:OVERDUE_SHOWN] if total else [])
    ]
    return Overdue(rows=rows, total=total, url=reverse("roadmaps:overdue"))


# The whole page ------------------------------------------------------------------------------------


@dataclass
class Alert:
    """A line of «needs attention»: a sentence and the section of the page that explains it."""

    text: str
    anchor: str
    severity: str = "warning"  # info | warning | danger


@dataclass
class Dashboard:
    municipality: Municipality
    period: Period
    today: datetime.date
    cycles: Cycles
    indices: Indices | None
    risks: list[RiskRow]
    late: list[LateCampaign]
    overdue: Overdue
    instructions: roadmaps_instructions.Counts | None = None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """Organizations that have not submitted, over every late collection."""
        return sum(item.missing for item in self.late)


def _alerts(board: Dashboard) -> list[Alert]:
    alerts = []
    if count := board.cycles.overdue:
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d component of the cycle is past its due date.",
                    "%(count)d components of the cycle are past their due date.",
                    count,
                )
                % {"count": count},
                "cycles",
                "danger",
            )
        )
    if count := board.cycles.without_cycle:
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d direction has no cycle opened for the period.",
                    "%(count)d directions have no cycle opened for the period.",
                    count,
                )
                % {"count": count},
                "cycles",
            )
        )
    if board.indices is None:
        alerts.append(Alert(_("No evaluation of the period is finished."), "indices", "info"))
    if count := len(board.risks):
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d indicator is in the risk zone.",
                    "%(count)d indicators are in the risk zone.",
                    count,
                )
                % {"count": count},
                "risks",
                "danger",
            )
        )
    if count := len(board.late):
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d data collection is late; organizations without a form: %(missing)d.",
                    "%(count)d data collections are late; organizations without a form: %(missing)d.",
                    count,
                )
                % {"count": count, "missing": board.missing},
                "collections",
                "danger",
            )
        )
    if count := board.overdue.total:
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d roadmap event is overdue.",
                    "%(count)d roadmap events are overdue.",
                    count,
                )
                % {"count": count},
                "events",
                "danger",
            )
        )
    if board.instructions and (count := board.instructions.overdue):
        alerts.append(
            Alert(
                ngettext(
                    "%(count)d instruction is overdue.",
                    "%(count)d instructions are overdue.",
                    count,
                )
                % {"count": count},
                "instructions",
                "danger",
            )
        )
    return alerts


def dashboard(
    user: User, municipality: Municipality, period: Period, today: datetime.date | None = None
) -> Dashboard:
    """Every section of the dashboard of `municipality` for `period`, as `user` may read it, and the
    lines of «needs attention». The caller has checked that `user` is staff of the municipality.
    A fixed number of queries, whatever the number of rows."""
    today = today or timezone.localdate()
    board = Dashboard(
        municipality=municipality,
        period=period,
        today=today,
        cycles=cycles(user, municipality, period),
        indices=indices(user, municipality, period),
        risks=risk_indicators(user, municipality, period),
        late=late_campaigns(user, municipality, period, today),
        overdue=overdue_events(user, municipality, period, today),
        instructions=roadmaps_instructions.counts(user, municipality, today),
    )
    board.alerts = _alerts(board)
    return board
