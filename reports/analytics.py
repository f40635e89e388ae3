"""What an analytic report (аналитическая справка) says, gathered from the live data of its period.

`gather(report)` reads everything the report shows in a fixed number of queries, whatever the number
of indicators, organizations, recommendations or events: the values of all the indicators come in
one query, the organizations' values in another, counts are aggregated by the database. `draw_charts`
then adds the inline SVG charts (indicators.charts, directions.charts: the same code for the page and
the PDF), and `report_context(report)` does both for a template.

A direction report covers the direction's goal and measures, the nine components of its cycle, its
indicators with their dynamics, targets, completeness and risk group (and, for an indicator over
disaggregated figures, its value and risk group per option of each category), the recommendations and
decisions of the period, the roadmap events due in the period and the FIOKO indices of the latest
finished evaluation. A municipal summary covers every direction in force in the period, with the
municipal index, the data collections past their deadline and the overdue roadmap events.

Nothing here checks who reads: the callers found the report through mcok.access, and a report is
read by the municipality's staff, who read all of its data.
"""

import datetime
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from directions import charts as direction_charts
from directions import fioko
from directions.models import Component, CycleComponent, Direction, Evaluation
from indicators import breakdown, charts
from indicators.models import Indicator, IndicatorValue, Target
from mcok.models import Municipality, Period
from monitoring.models import Campaign, Submission
from reports.models import Report
from roadmaps import effectiveness
from roadmaps.effectiveness import IndicatorChange
from roadmaps.models import Decision, Occurrence, Recommendation, Roadmap

DYNAMICS_PERIODS = 5  # the report's period and up to four before it
OVERDUE_LISTED = 50  # the overdue list of a report is cut here; the count is always whole
ORGANIZATIONS_LISTED = 25  # an indicator with more organizations shows their distribution, not every row
EXTREMES_LISTED = 5  # the best and the worst organizations shown beside the distribution
COMPONENT_LABELS = dict(Component.choices)
OccurrenceState = Occurrence.State


# Numbers ------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    """A stored number (int, float from JSON, Decimal) as an exact Decimal; floats through their
    shortest repr, which is how the indices were written."""
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def worse_than(value: Decimal | None, reference: Decimal | None, higher_is_better: bool) -> bool:
    """Whether `value` is on the wrong side of `reference` (a target, a threshold)."""
    if value is None or reference is None:
        return False
    return value < reference if higher_is_better else value > reference


# The records of a report --------------------------------------------------------------------------


@dataclass
class Point:
    """The municipality's value of an indicator in one period of the dynamics."""

    period: Period
    value: Decimal | None
    target: Decimal | None
    unit: str = ""

    @property
    def value_text(self) -> str:
        return charts.number_text(self.value, self.unit)

    @property
    def target_text(self) -> str:
        return charts.number_text(self.target, self.unit)


@dataclass
class OrganizationValue:
    organization_id: int
    name: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    at_risk: bool
    unit: str = ""

    @property
    def value_text(self) -> str:
        return charts.number_text(self.value, self.unit)


@dataclass
class OptionLine:
    """The municipality's value of an indicator for one option of a category, and the organizations
    of that option's risk group."""

    name: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    at_risk: list[OrganizationValue]
    unit: str = ""

    @property
    def value_text(self) -> str:
        return charts.number_text(self.value, self.unit)

    @property
    def numerator_text(self) -> str:
        return charts.number_text(self.numerator)

    @property
    def denominator_text(self) -> str:
        return charts.number_text(self.denominator)


@dataclass
class OptionBreakdown:
    """An indicator over disaggregated figures by the options of one category («Разрез»)."""

    category: str
    lines: list[OptionLine]
    chart: SafeString | None = None

    @property
    def has_values(self) -> bool:
        return any(line.value is not None for line in self.lines)


@dataclass
class IndicatorResult:
    """An indicator in the report's period: the municipal value against its target, the
    completeness, the dynamics over the periods before and every organization's value."""

    indicator: Indicator
    value: Decimal | None
    reason: str  # why there is no value
    reported: int
    expected: int
    target: Decimal | None
    misses_target: bool  # the municipal value is worse than the period's target
    at_risk: bool  # the municipal value is worse than the risk threshold
    dynamics: list[Point]
    organizations: list[OrganizationValue]  # the worst first, those without a value last
    line_chart: SafeString | None = None
    bar_chart: SafeString | None = None
    breakdowns: list[OptionBreakdown] = field(default_factory=list)  # by each category it is split by
    histogram: SafeString | None = None  # the distribution of the values, when the list is condensed

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def value_text(self) -> str:
        return charts.number_text(self.value, self.indicator.unit)

    @property
    def target_text(self) -> str:
        return charts.number_text(self.target, self.indicator.unit)

    @property
    def threshold_text(self) -> str:
        return charts.number_text(self.indicator.risk_threshold, self.indicator.unit)

    @property
    def risk_group(self) -> list[OrganizationValue]:
        return [row for row in self.organizations if row.at_risk]

    @property
    def attention(self) -> bool:
        return self.misses_target or self.at_risk

    @property
    def condensed(self) -> bool:
        """More organizations than ORGANIZATIONS_LISTED: the report shows their distribution, the
        risk group, the best and the worst instead of every row (the XLSX keeps every row)."""
        return len(self.organizations) > ORGANIZATIONS_LISTED

    @property
    def _valued(self) -> list[OrganizationValue]:
        return [row for row in self.organizations if row.value is not None]

    @property
    def worst(self) -> list[OrganizationValue]:
        """The EXTREMES_LISTED organizations with the worst values, the worst first."""
        return self._valued[:EXTREMES_LISTED]

    @property
    def best(self) -> list[OrganizationValue]:
        """The EXTREMES_LISTED organizations with the best values, the best first."""
        return self._valued[::-1][:EXTREMES_LISTED]

    @property
    def extremes(self) -> list[tuple[str, list[OrganizationValue]]]:
        """The tables of a condensed list: (caption, rows) of the worst and of the best."""
        code = self.indicator.code
        return [
            (
                _("%(code)s: the worst organizations (%(count)s)") % {"code": code, "count": len(self.worst)},
                self.worst,
            ),
            (
                _("%(code)s: the best organizations (%(count)s)") % {"code": code, "count": len(self.best)},
                self.best,
            ),
        ]


@dataclass
class ComponentState:
    """One of the nine components of the direction's cycle in the period."""

    component: str
    label: str
    item: CycleComponent | None  # None when the cycle or the component was never opened

    @property
    def state(self) -> str:
        return self.item.state if self.item else CycleComponent.State.NOT_STARTED

    @property
    def state_label(self) -> str:
        return self.item.get_state_display() if self.item else str(CycleComponent.State.NOT_STARTED.label)

    @property
    def content(self) -> str:
        return self.item.content if self.item else ""


@dataclass
class RecommendationRow:
    recommendation: Recommendation
    addressees: int
    answered: int


@dataclass
class DecisionRow:
    decision: Decision
    effects: list[IndicatorChange]  # the decision's indicators, before and after

    @property
    def improved(self) -> int:
        return sum(1 for effect in self.effects if effect.improved is True)

    @property
    def worsened(self) -> int:
        return sum(1 for effect in self.effects if effect.improved is False)


@dataclass
class RoadmapProgress:
    """The roadmap events of the direction (or the municipality) due in the period."""

    roadmaps: list[Roadmap]
    total: int = 0
    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    planned: int = 0
    cancelled: int = 0
    due_list: list[Occurrence] = field(default_factory=list)  # every instance due in the period
    overdue_list: list[Occurrence] = field(default_factory=list)  # the first OVERDUE_LISTED overdue ones


@dataclass
class IndexLine:
    """A figure of the FIOKO evaluation: a score out of a maximum and its percent."""

    code: str
    name: str
    score: Decimal | None
    max: Decimal | None
    percent: Decimal | None

    @property
    def percent_text(self) -> str:
        return direction_charts.percent_text(self.percent)

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else charts.number_text(self.score)

    @property
    def max_text(self) -> str:
        return "—" if self.max is None else charts.number_text(self.max)


@dataclass
class Indices:
    evaluation: Evaluation
    total: IndexLine
    blocks: list[IndexLine]
    directions: list[IndexLine]
    components: list[IndexLine]  # of the report's direction; empty in a summary
    chart: SafeString | None = None


@dataclass
class DirectionSection:
    """Everything a direction's report shows about it."""

    direction: Direction
    components: list[ComponentState]
    indicators: list[IndicatorResult]
    recommendations: list[RecommendationRow]
    decisions: list[DecisionRow]
    roadmap: RoadmapProgress
    index: IndexLine | None

    @property
    def recommendations_addressees(self) -> int:
        return sum(row.addressees for row in self.recommendations)

    @property
    def recommendations_answered(self) -> int:
        return sum(row.answered for row in self.recommendations)

    @property
    def indicators_missing_target(self) -> int:
        return sum(1 for item in self.indicators if item.misses_target)

    @property
    def indicators_at_risk(self) -> int:
        return sum(1 for item in self.indicators if item.at_risk)

    @property
    def organizations_at_risk(self) -> int:
        """The organizations in the risk group of at least one indicator, each counted once."""
        return len({row.organization_id for item in self.indicators for row in item.risk_group})


@dataclass
class SummaryDirection:
    """A direction in the municipal summary."""

    direction: Direction
    states: list[tuple[str, str, int]]  # (state, label, how many of the nine components)
    indicators: list[IndicatorResult]
    index: IndexLine | None
    recommendations: list[RecommendationRow] = field(default_factory=list)

    @property
    def recommendations_answered(self) -> int:
        return sum(row.answered for row in self.recommendations)

    @property
    def indicators_missing_target(self) -> int:
        return sum(1 for item in self.indicators if item.misses_target)

    @property
    def indicators_at_risk(self) -> int:
        return sum(1 for item in self.indicators if item.at_risk)

    @property
    def organizations_at_risk(self) -> int:
        """The organizations in the risk group of at least one indicator, each counted once."""
        return len({row.organization_id for item in self.indicators for row in item.risk_group})


@dataclass
class LateCampaign:
    campaign: Campaign
    expected: int
    done: int

    @property
    def missing(self) -> int:
        return self.expected - self.done


@dataclass
class ReportData:
    """What the report shows; `direction` for a direction's report, `directions` for a summary."""

    report: Report
    municipality: Municipality
    period: Period
    today: datetime.date
    conclusions: list[str]
    direction: DirectionSection | None = None
    directions: list[SummaryDirection] = field(default_factory=list)
    indices: Indices | None = None
    series: list[Period] = field(default_factory=list)  # the periods of the dynamics, the oldest first
    recommendations: list[RecommendationRow] = field(default_factory=list)  # a summary's, of every direction
    late_campaigns: list[LateCampaign] = field(default_factory=list)
    roadmap: RoadmapProgress | None = None  # a summary's: every roadmap of the municipality

    @property
    def is_summary(self) -> bool:
        return self.direction is None

    @property
    def roadmap_progress(self) -> RoadmapProgress | None:
        return self.direction.roadmap if self.direction is not None else self.roadmap

    @property
    def all_recommendations(self) -> list[RecommendationRow]:
        return self.direction.recommendations if self.direction is not None else self.recommendations

    @property
    def indicators(self) -> list[IndicatorResult]:
        """Every indicator of the report, in the order it shows them."""
        if self.direction is not None:
            return self.direction.indicators
        return [item for section in self.directions for item in section.indicators]


def paragraphs(text: str) -> list[str]:
    """The conclusions cut into paragraphs at blank lines."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


# Indicators ---------------------------------------------------------------------------------------


def _series(period: Period) -> list[Period]:
    """The report's period and the periods of its kind before it, the oldest first."""
    before = Period.objects.filter(kind=period.kind, starts_on__lte=period.starts_on).order_by("-starts_on")
    return list(reversed(before[:DYNAMICS_PERIODS]))


def _worst_first(indicator: Indicator):
    def key(row: OrganizationValue):
        if row.value is None:
            return (1, Decimal(0), row.name)
        return (0, row.value if indicator.higher_is_better else -row.value, row.name)

    return key


def _at_risk(indicators: list[Indicator]) -> Q | None:
    """The organizations' values in the risk group of their indicator (Indicator.is_at_risk), as a
    filter; None when no indicator has a risk threshold."""
    parts = [
        Q(indicator_id=indicator.pk)
        & (
            Q(value__lt=indicator.risk_threshold)
            if indicator.higher_is_better
            else Q(value__gt=indicator.risk_threshold)
        )
        for indicator in indicators
        if indicator.risk_threshold is not None
    ]
    return reduce(operator.or_, parts) if parts else None


def indicator_results(
    indicators: list[Indicator],
    municipality: Municipality,
    period: Period,
    series: list[Period],
    *,
    risk_group_only: bool = False,
) -> list[IndicatorResult]:
    """The indicators' figures for the period: three queries, whatever their number and the number
    of organizations. With `risk_group_only` the organizations are those of the risk group alone
    (the dossier's line, which shows no other): read by the database, not thousands of rows."""
    ids = [indicator.pk for indicator in indicators]
    if not ids:
        return []
    totals: dict[tuple[int, int], IndicatorValue] = {
        (item.indicator_id, item.period_id): item
        for item in IndicatorValue.objects.filter(
            indicator_id__in=ids,
            municipality=municipality,
            period__in=series,
            organization__isnull=True,
        )
    }
    targets = {
        (indicator_id, period_id): value
        for indicator_id, period_id, value in Target.objects.filter(
            indicator_id__in=ids, period__in=series
        ).values_list("indicator_id", "period_id", "value")
    }
    by_indicator: dict[int, list[OrganizationValue]] = {pk: [] for pk in ids}
    lookup = {indicator.pk: indicator for indicator in indicators}
    # Plain rows, not model instances: a direction of a large region has tens of thousands.
    organization_values = IndicatorValue.objects.filter(
        indicator_id__in=ids, municipality=municipality, period=period, organization__isnull=False
    )
    if risk_group_only:
        at_risk = _at_risk(indicators)
        organization_values = organization_values.filter(at_risk) if at_risk else organization_values.none()
    organization_values = organization_values.values_list(
        "indicator_id", "organization_id", "organization__short_name", "numerator", "denominator", "value"
    )
    for indicator_id, organization_id, name, numerator, denominator, value in organization_values:
        indicator = lookup[indicator_id]
        by_indicator[indicator_id].append(
            OrganizationValue(
                organization_id=organization_id,
                name=name,
                numerator=numerator,
                denominator=denominator,
                value=value,
                at_risk=indicator.is_at_risk(value),
                unit=indicator.unit,
            )
        )
    reasons = dict(IndicatorValue.Reason.choices)
    results = []
    for indicator in indicators:
        total = totals.get((indicator.pk, period.pk))
        value = total.value if total else None
        target = targets.get((indicator.pk, period.pk))
        dynamics = [
            Point(
                period=point,
                value=totals[indicator.pk, point.pk].value if (indicator.pk, point.pk) in totals else None,
                target=targets.get((indicator.pk, point.pk)),
                unit=indicator.unit,
            )
            for point in series
        ]
        # A period before the report's that has neither value nor target says nothing.
        dynamics = [p for p in dynamics if p.period == period or p.value is not None or p.target is not None]
        if total is None:
            reason = str(reasons[IndicatorValue.Reason.NO_DATA])
        else:
            reason = str(reasons.get(total.reason, "")) if value is None else ""
        results.append(
            IndicatorResult(
                indicator=indicator,
                value=value,
                reason=reason,
                reported=total.reported if total else 0,
                expected=total.expected if total else 0,
                target=target,
                misses_target=worse_than(value, target, indicator.higher_is_better),
                at_risk=indicator.is_at_risk(value),
                dynamics=dynamics,
                organizations=sorted(by_indicator[indicator.pk], key=_worst_first(indicator)),
            )
        )
    return results


def _breakdowns(results: list[IndicatorResult], period: Period) -> None:
    """Attach to each result over disaggregated figures its breakdown by every category it is split
    by (indicators.breakdown): a fixed number of queries, whatever the number of indicators."""
    found = breakdown.breakdowns([item.indicator for item in results], period)
    for item in results:
        indicator = item.indicator
        for shown in found.get(indicator.pk, []):
            lines = []
            for option in shown.options:
                members = [
                    OrganizationValue(
                        organization_id=pk,
                        name=shown.names.get(pk, ""),
                        numerator=option.organizations[pk].numerator,
                        denominator=option.organizations[pk].denominator,
                        value=option.organizations[pk].value,
                        at_risk=True,
                        unit=indicator.unit,
                    )
                    for pk in option.at_risk
                ]
                lines.append(
                    OptionLine(
                        name=option.option.name,
                        numerator=option.municipal.numerator,
                        denominator=option.municipal.denominator,
                        value=option.municipal.value,
                        at_risk=sorted(members, key=_worst_first(indicator)),
                        unit=indicator.unit,
                    )
                )
            item.breakdowns.append(OptionBreakdown(category=shown.category.name, lines=lines))


def _indicators_of(directions: list[Direction], municipality: Municipality) -> list[Indicator]:
    return list(
        Indicator.objects.filter(direction__in=directions, municipality=municipality)
        .select_related("direction", "group")
        .order_by("direction_id", "code")
    )


def _sorted_by_code(indicators: list[Indicator]) -> list[Indicator]:
    """«П8» before «П10»: shorter codes first, as the catalogue orders them."""
    return sorted(indicators, key=lambda indicator: fioko.natural_key(indicator.code))


# The cycle ----------------------------------------------------------------------------------------


def _components(direction: Direction, period: Period) -> list[ComponentState]:
    items = {
        item.component: item
        for item in CycleComponent.objects.filter(cycle__direction=direction, cycle__period=period)
        .prefetch_related("documents")
        .order_by("pk")
    }
    return [
        ComponentState(component=key, label=str(label), item=items.get(key))
        for key, label in Component.choices
    ]


def _state_counts(directions: list[Direction], period: Period) -> dict[int, list[tuple[str, str, int]]]:
    """For each direction, how many of the nine components are in each state; a component never
    opened counts as not started. One query."""
    counts: dict[int, dict[str, int]] = {direction.pk: {} for direction in directions}
    rows = (
        CycleComponent.objects.filter(cycle__direction__in=directions, cycle__period=period)
        .values("cycle__direction", "state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["cycle__direction"]][row["state"]] = row["count"]
    result = {}
    for pk, by_state in counts.items():
        opened = sum(by_state.values())
        by_state[CycleComponent.State.NOT_STARTED] = by_state.get(CycleComponent.State.NOT_STARTED, 0) + max(
            len(Component.choices) - opened, 0
        )
        result[pk] = [
            (state, str(label), by_state.get(state, 0)) for state, label in CycleComponent.State.choices
        ]
    return result


# Recommendations and decisions ---------------------------------------------------------------------


def _in_period(period: Period, field_name: str, date_field: str) -> Q:
    """Linked to the period, or linked to none and dated within it."""
    return Q(**{field_name: period}) | Q(
        **{
            f"{field_name}__isnull": True,
            f"{date_field}__gte": period.starts_on,
            f"{date_field}__lte": period.ends_on,
        }
    )


def _recommendations(directions: list[Direction], period: Period) -> list[RecommendationRow]:
    """The recommendations of the directions issued for the period, with their addressees and answers.
    One query."""
    rows = (
        Recommendation.objects.filter(direction__in=directions)
        .exclude(state=Recommendation.State.DRAFT)
        .filter(_in_period(period, "period", "issued_at__date"))
        .select_related("indicator", "direction")
        .annotate(total=Count("organizations", distinct=True), answered=Count("responses", distinct=True))
        .order_by("direction__code", "issued_at", "pk")
    )
    return [RecommendationRow(item, item.total, item.answered) for item in rows]


def _decisions(directions: list[Direction], municipality: Municipality, period: Period) -> list[DecisionRow]:
    """The decisions of the directions for the period, with the move of each of their indicators
    against the previous period, as the effectiveness analysis reads them
    (roadmaps.effectiveness.analyse). A fixed number of queries, whatever the number of decisions
    and indicators."""
    decisions = list(
        Decision.objects.filter(direction__in=directions, municipality=municipality)
        .filter(_in_period(period, "period", "adopted_on"))
        .select_related("document")
        .order_by("adopted_on", "pk")
    )
    return [DecisionRow(item.decision, item.indicators) for item in effectiveness.analyse(decisions, period)]


# Roadmaps -----------------------------------------------------------------------------------------


def _roadmap_progress(occurrences, roadmaps: list[Roadmap], period: Period, today: datetime.date):
    """Counts of the instances due in the period by state, the instances themselves and the overdue
    ones. Two queries."""
    due = occurrences.filter(due_on__gte=period.starts_on, due_on__lte=period.ends_on)
    closed = [str(state) for state in Occurrence.CLOSED]
    late = Q(due_on__lt=today) & ~Q(state__in=closed)
    counts = due.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(state=OccurrenceState.DONE)),
        cancelled=Count("pk", filter=Q(state=OccurrenceState.CANCELLED)),
        overdue=Count("pk", filter=late),
        in_progress=Count("pk", filter=Q(state=OccurrenceState.IN_PROGRESS) & ~late),
        planned=Count("pk", filter=Q(state=OccurrenceState.PLANNED) & ~late),
    )
    due_list = list(
        due.select_related("event__roadmap").order_by("due_on", "event__roadmap__title", "event__order", "pk")
    )
    overdue_list = [occurrence for occurrence in due_list if occurrence.is_overdue(today)][:OVERDUE_LISTED]
    return RoadmapProgress(roadmaps=roadmaps, due_list=due_list, overdue_list=overdue_list, **counts)


def _direction_roadmap(direction: Direction, period: Period, today: datetime.date) -> RoadmapProgress:
    roadmaps = list(Roadmap.objects.filter(direction=direction).order_by("title", "pk"))
    occurrences = Occurrence.objects.filter(event__roadmap__direction=direction)
    return _roadmap_progress(occurrences, roadmaps, period, today)


def _municipal_roadmap(municipality: Municipality, period: Period, today: datetime.date) -> RoadmapProgress:
    occurrences = Occurrence.objects.filter(event__roadmap__municipality=municipality)
    return _roadmap_progress(occurrences, [], period, today)


# FIOKO indices -------------------------------------------------------------------------------------


def latest_evaluation(municipality: Municipality, period: Period | None = None) -> Evaluation | None:
    """The municipality's latest finished evaluation (of the period, when given) that has its
    indices: the one the public tab, the dashboard and the report all show
    (directions.models.EvaluationQuerySet.latest_finished decides which)."""
    return Evaluation.objects.latest_finished(municipality, period)


def _line(code: str, name: str, data: dict | None) -> IndexLine:
    data = data or {}
    return IndexLine(
        code=code,
        name=name,
        score=_decimal(data.get("score")),
        max=_decimal(data.get("max")),
        percent=_decimal(data.get("percent")),
    )


def _indices(
    evaluation: Evaluation | None, directions: list[Direction], direction: Direction | None
) -> Indices | None:
    """The stored indices of the evaluation (as directions.fioko.Indices.as_json wrote them): the
    total, the blocks, the directions of the report and, for a direction's report, its components."""
    if evaluation is None:
        return None
    results = evaluation.results or {}
    if "total" not in results:  # the evaluation could not be computed: it holds its errors
        return None
    names = {item.code: item.name for item in directions}
    block_names = {item.block.code: item.block_title for item in directions}
    stored_blocks = results.get("blocks") or {}
    stored_directions = results.get("directions") or {}
    codes = [item.code for item in directions] if direction is None else [direction.code]
    lines = [
        _line(code, names.get(code, ""), stored_directions.get(code))
        for code in codes
        if code in stored_directions
    ]
    blocks = [
        _line(code, block_names.get(code, ""), stored_blocks[code])
        for code in sorted(stored_blocks, key=fioko.natural_key)
        if direction is None or code == direction.block.code
    ]
    components = []
    if direction is not None:
        figures = (results.get("components") or {}).get(direction.code) or {}
        components = [
            _line(key, str(COMPONENT_LABELS.get(key, key)), figures[key])
            for key in fioko.COMPONENTS
            if key in figures
        ]
    return Indices(
        evaluation=evaluation,
        total=_line("", "", results.get("total")),
        blocks=blocks,
        directions=lines,
        components=components,
    )


# Monitoring -----------------------------------------------------------------------------------------


def _count(queryset, by: str) -> Coalesce:
    rows = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _late_campaigns(municipality: Municipality, period: Period, today: datetime.date) -> list[LateCampaign]:
    """The collections of the period past their deadline with forms still missing. One query."""
    through = Campaign.organizations.through
    done = (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED)
    campaigns = (
        Campaign.objects.filter(municipality=municipality, period=period, deadline__lt=today)
        .exclude(state=Campaign.State.DRAFT)
        .annotate(
            expected=_count(through.objects.filter(campaign=OuterRef("pk")), "campaign"),
            done=_count(Submission.objects.filter(campaign=OuterRef("pk"), status__in=done), "campaign"),
        )
        .filter(done__lt=F("expected"))
        .order_by("deadline", "title", "pk")
    )
    return [LateCampaign(campaign, campaign.expected, campaign.done) for campaign in campaigns]


# The report -------------------------------------------------------------------------------------------


def gather(report: Report, today: datetime.date | None = None) -> ReportData:
    """Everything the report shows, without the charts. A fixed number of queries for a report of
    either kind, whatever the number of directions, indicators and organizations."""
    today = today or timezone.localdate()
    municipality, period = report.municipality, report.period
    data = ReportData(
        report=report,
        municipality=municipality,
        period=period,
        today=today,
        conclusions=paragraphs(report.conclusions),
    )
    series = _series(period)
    data.series = series
    evaluation = latest_evaluation(municipality, period)
    if report.kind == Report.Kind.DIRECTION and report.direction_id:
        direction = Direction.objects.select_related("block").get(pk=report.direction_id)
        indices = _indices(evaluation, [direction], direction)
        data.indices = indices
        results = indicator_results(
            _sorted_by_code(_indicators_of([direction], municipality)), municipality, period, series
        )
        _breakdowns(results, period)
        data.direction = DirectionSection(
            direction=direction,
            components=_components(direction, period),
            indicators=results,
            recommendations=_recommendations([direction], period),
            decisions=_decisions([direction], municipality, period),
            roadmap=_direction_roadmap(direction, period, today),
            index=indices.directions[0] if indices and indices.directions else None,
        )
        return data

    directions = list(
        Direction.objects.filter(municipality=municipality)
        .valid_in(period)
        .select_related("block")
        .order_by("block__code", "code")
    )
    directions.sort(key=lambda item: (fioko.natural_key(item.block.code), fioko.natural_key(item.code)))
    indicators = _indicators_of(directions, municipality)
    results = indicator_results(_sorted_by_code(indicators), municipality, period, series)
    by_direction: dict[int, list[IndicatorResult]] = {item.pk: [] for item in directions}
    for result in results:
        by_direction[result.indicator.direction_id].append(result)
    states = _state_counts(directions, period)
    indices = _indices(evaluation, directions, None)
    index_of = {line.code: line for line in indices.directions} if indices else {}
    data.indices = indices
    data.directions = [
        SummaryDirection(
            direction=direction,
            states=states[direction.pk],
            indicators=by_direction[direction.pk],
            index=index_of.get(direction.code),
        )
        for direction in directions
    ]
    data.recommendations = _recommendations(directions, period)
    answers: dict[int, list[RecommendationRow]] = {item.pk: [] for item in directions}
    for row in data.recommendations:
        answers[row.recommendation.direction_id].append(row)
    for section in data.directions:
        section.recommendations = answers[section.direction.pk]
    data.late_campaigns = _late_campaigns(municipality, period, today)
    data.roadmap = _municipal_roadmap(municipality, period, today)
    return data


def draw_charts(data: ReportData) -> ReportData:
    """Add the charts: for a direction's report, each indicator's dynamics as a line and its
    organizations as bars, and the FIOKO indices of the direction's components; for a summary, the
    indices of the directions. Pure: no query."""
    period = data.period
    if data.direction is not None:
        for item in data.direction.indicators:
            indicator = item.indicator
            if any(point.value is not None for point in item.dynamics):
                item.line_chart = charts.line_chart(
                    [(point.period.label, point.value) for point in item.dynamics],
                    title=_("%(code)s by period") % {"code": indicator.code},
                    unit=indicator.unit,
                )
            if item.condensed:
                values = [row.value for row in item.organizations if row.value is not None]
                if values:
                    item.histogram = charts.histogram(
                        values,
                        title=_("%(code)s: organizations by value range, %(period)s")
                        % {"code": indicator.code, "period": period.label},
                        unit=indicator.unit,
                    )
            elif any(row.value is not None for row in item.organizations):
                item.bar_chart = charts.bar_chart(
                    [(row.name, row.value) for row in item.organizations],
                    title=_("%(code)s by organization, %(period)s")
                    % {"code": indicator.code, "period": period.label},
                    unit=indicator.unit,
                )
            for shown in item.breakdowns:
                if shown.has_values:
                    shown.chart = charts.bar_chart(
                        [(line.name, line.value) for line in shown.lines],
                        title=_("%(code)s by option: %(category)s, %(period)s")
                        % {"code": indicator.code, "category": shown.category, "period": period.label},
                        unit=indicator.unit,
                    )
    indices = data.indices
    if indices is not None:
        if data.direction is not None:
            rows = [(line.name, line.percent) for line in indices.components]
            rows += [
                (_("Direction %(code)s") % {"code": line.code}, line.percent) for line in indices.directions
            ]
            title = _("FIOKO indices of direction %(code)s, %(period)s") % {
                "code": data.direction.direction.code,
                "period": period.label,
            }
        else:
            rows = [(f"{line.code} {line.name}".strip(), line.percent) for line in indices.directions]
            rows.append((_("Municipal index"), indices.total.percent))
            title = _("FIOKO indices of the directions, %(period)s") % {"period": period.label}
        if rows:
            indices.chart = direction_charts.bar_chart(rows, title=title)
    return data


def report_context(report: Report, today: datetime.date | None = None) -> dict[str, Any]:
    """The template context of `reports/_report_body.html`: the report's data with its charts."""
    return {"report": report, "data": draw_charts(gather(report, today))}
