"""The parts of a direction's dossier that the apps above directions hold: its indicators, its
collections, its recommendations with their answers, its decisions with their indicators, its
roadmap events and its evaluation positions with their scores.

The figures are the analytic report's own (reports.analytics): the dossier and the report of the
same direction and period cannot disagree. Each part takes a fixed number of queries, whatever the
number of its items; `direction_sections` is registered in directions.dossier.SECTION_PROVIDERS by
ReportsConfig.ready.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directions import fioko
from directions.dossier import Section
from directions.models import Component, Direction, Evaluation, Position, Score
from directions.proposals import Proposal, propose
from indicators import charts
from indicators.services import previous_period
from mcok.models import Period, User
from monitoring.models import Campaign, Submission
from reports import analytics
from roadmaps.effectiveness import DirectionEffectiveness, direction_analysis

DONE = (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED)


def _link(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode({key: value for key, value in query.items() if value})}"


# Indicators -----------------------------------------------------------------------------------------


@dataclass
class IndicatorLine:
    """An indicator in the period with its previous value: the dossier's row."""

    result: analytics.IndicatorResult
    previous: Decimal | None

    @property
    def change(self) -> Decimal | None:
        value = self.result.value
        return None if value is None or self.previous is None else value - self.previous

    @property
    def previous_text(self) -> str:
        return charts.number_text(self.previous, self.result.unit)

    @property
    def change_text(self) -> str:
        return charts.change_text(self.change, self.result.unit)

    @property
    def improved(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change > 0) == self.result.indicator.higher_is_better


def _indicators(direction: Direction, period: Period) -> Section:
    series = analytics._series(period)
    indicators = analytics._sorted_by_code(analytics._indicators_of([direction], direction.municipality))
    results = analytics.indicator_results(
        indicators, direction.municipality, period, series, risk_group_only=True
    )
    before = previous_period(period)
    lines = []
    for result in results:
        previous = next((point.value for point in result.dynamics if before and point.period == before), None)
        lines.append(IndicatorLine(result, previous))
    at_risk = sum(1 for line in lines if line.result.risk_group)
    missing = sum(1 for line in lines if line.result.misses_target)
    summary = ""
    if lines:
        summary = _(
            "Indicators: %(count)d; below the target: %(missing)d; with organizations in the risk group: "
            "%(at_risk)d."
        ) % {"count": len(lines), "missing": missing, "at_risk": at_risk}
    return Section(
        key="indicators",
        title=_("Indicators"),
        template="reports/dossier/indicators.html",
        order=10,
        items=lines,
        context={"previous": before},
        link=_link(
            "indicators:catalogue",
            municipality=direction.municipality.slug,
            direction=direction.pk,
            period=period.code,
        ),
        link_label=_("All indicators of the direction"),
        empty=_("The direction has no indicators yet."),
        summary=summary,
    )


# Collections ------------------------------------------------------------------------------------


@dataclass
class CollectionLine:
    campaign: Campaign
    expected: int
    done: int

    @property
    def percent(self) -> int:
        if not self.expected:
            return 0
        return int((Decimal(100 * self.done) / self.expected).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _collections(direction: Direction, period: Period) -> Section:
    """The collections of the direction's forms for periods within the dossier's period. One query."""
    through = Campaign.organizations.through
    campaigns = (
        Campaign.objects.filter(form__direction=direction)
        .filter(period__starts_on__lte=period.ends_on, period__ends_on__gte=period.starts_on)
        .select_related("period", "form")
        .annotate(
            expected=analytics._count(through.objects.filter(campaign=OuterRef("pk")), "campaign"),
            done=analytics._count(
                Submission.objects.filter(campaign=OuterRef("pk"), status__in=DONE), "campaign"
            ),
        )
        .order_by("deadline", "title", "pk")
    )
    lines = [CollectionLine(campaign, campaign.expected, campaign.done) for campaign in campaigns]
    return Section(
        key="collections",
        title=_("Data collections"),
        template="reports/dossier/collections.html",
        order=20,
        items=lines,
        context={"today": timezone.localdate()},
        link=_link("monitoring:campaigns", municipality=direction.municipality.slug, period=period.code),
        link_label=_("All collections of the municipality"),
        empty=_("No collection of the direction's forms in this period."),
    )


# Recommendations and decisions --------------------------------------------------------------------


def _recommendations(direction: Direction, period: Period, analysis: DirectionEffectiveness) -> Section:
    rows = analytics._recommendations([direction], period)
    decided = {item.pk for item in analysis.decided}
    summary = ""
    if rows:
        summary = _("Addressees: %(total)d; answered: %(answered)d.") % {
            "total": sum(row.addressees for row in rows),
            "answered": sum(row.answered for row in rows),
        }
    return Section(
        key="recommendations",
        title=_("Targeted recommendations"),
        template="reports/dossier/recommendations.html",
        order=30,
        items=rows,
        context={"decided": decided},
        link=_link("roadmaps:recommendations", municipality=direction.municipality.slug),
        link_label=_("All recommendations"),
        empty=_("No recommendation of the direction was issued for this period."),
        summary=summary,
    )


def _decisions(direction: Direction, period: Period, analysis: DirectionEffectiveness) -> Section:
    """The decisions with their indicators' moves, their recommendations' answers and their events
    done: the effectiveness analysis of roadmaps.effectiveness, the one the component is drafted from."""
    summary = ""
    if analysis.decisions:
        summary = _(
            "Decisions: %(count)d; moved their indicators the right way: %(moved)d, in part: %(partly)d, "
            "did not: %(not_moved)d, cannot be measured: %(unmeasured)d."
        ) % {
            "count": len(analysis.decisions),
            "moved": len(analysis.moved),
            "partly": len(analysis.partly),
            "not_moved": len(analysis.not_moved),
            "unmeasured": len(analysis.unmeasured),
        }
    return Section(
        key="decisions",
        title=_("Management decisions and their effectiveness"),
        template="reports/dossier/decisions.html",
        order=40,
        items=analysis.decisions,
        context={"previous": analysis.previous, "undecided": analysis.undecided},
        link=reverse("roadmaps:direction_effectiveness", args=[direction.pk]) + f"?period={period.code}",
        link_label=_("The analysis of effectiveness of the direction's measures"),
        empty=_("No decision of the direction for this period."),
        summary=summary,
    )


# Roadmap events -----------------------------------------------------------------------------------


def _events(direction: Direction, period: Period, today: datetime.date) -> Section:
    progress = analytics._direction_roadmap(direction, period, today)
    summary = ""
    if progress.total:
        summary = _(
            "Due in the period: %(total)d; done: %(done)d; in progress: %(in_progress)d; "
            "overdue: %(overdue)d."
        ) % {
            "total": progress.total,
            "done": progress.done,
            "in_progress": progress.in_progress,
            "overdue": progress.overdue,
        }
    if progress.roadmaps:
        empty = _("No event of the direction's roadmaps is due in this period.")
    else:
        empty = _("The direction has no roadmap.")
    return Section(
        key="events",
        title=_("Roadmap events"),
        template="reports/dossier/events.html",
        order=50,
        items=progress.due_list,
        context={
            "roadmaps": progress.roadmaps,
            "overdue": {item.pk for item in progress.due_list if item.is_overdue(today)},
        },
        link=_link("roadmaps:roadmaps", municipality=direction.municipality.slug),
        link_label=_("All roadmaps"),
        empty=empty,
        summary=summary,
    )


# Evaluation -----------------------------------------------------------------------------------------


@dataclass
class PositionLine:
    position: Position
    scores: dict[str, Score] = field(default_factory=dict)  # by the evaluation's kind
    proposal: Proposal | None = None  # what the portal's evidence proposes for a self-assessment

    @property
    def self_score(self) -> Score | None:
        return self.scores.get(Evaluation.Kind.SELF)

    @property
    def expert_score(self) -> Score | None:
        return self.scores.get(Evaluation.Kind.EXPERT)


COMPONENT_ORDER = {key: number for number, key in enumerate(Component.values)}


def _evaluation(direction: Direction, period: Period) -> Section:
    """The direction's positions of the period in the card's order, with the portal's proposal, the
    self-assessment's and the expert's scores, and the direction's index in the latest finished
    evaluation. A fixed number of queries (the proposal's: directions.proposals.propose)."""
    positions = sorted(
        Position.objects.filter(direction=direction, period=period).select_related("direction"),
        key=lambda item: (COMPONENT_ORDER.get(item.component, 99), fioko.natural_key(item.code)),
    )
    evaluations = {
        evaluation.kind: evaluation
        for evaluation in Evaluation.objects.filter(municipality=direction.municipality_id, period=period)
    }
    proposed = propose(positions, period)
    lines = {
        position.pk: PositionLine(position, proposal=proposed.get(position.pk)) for position in positions
    }
    scores = Score.objects.filter(position__in=positions, evaluation__in=evaluations.values()).annotate(
        kind=F("evaluation__kind")
    )
    for score in scores:
        lines[score.position_id].scores[score.kind] = score
    evaluation = analytics.latest_evaluation(direction.municipality, period)
    indices = analytics._indices(evaluation, [direction], direction)
    index = indices.directions[0] if indices and indices.directions else None
    summary = ""
    if index is not None:
        summary = _("Index of the direction in the %(kind)s: %(percent)s (%(score)s of %(max)s).") % {
            "kind": evaluation.get_kind_display().lower(),
            "percent": index.percent_text,
            "score": index.score_text,
            "max": index.max_text,
        }
    return Section(
        key="evaluation",
        title=_("Evaluation positions"),
        template="reports/dossier/evaluation.html",
        order=60,
        items=list(lines.values()),
        context={"evaluations": evaluations},
        link=_link("directions:evaluations", municipality=direction.municipality.slug),
        link_label=_("Evaluations of the municipality"),
        empty=_("The catalogue of this period has no position of the direction."),
        summary=summary,
    )


def direction_sections(user: User, direction: Direction, period: Period) -> list[Section]:
    """The dossier's parts from the apps above directions, for the page."""
    today = timezone.localdate()
    analysis = direction_analysis(direction, period)
    return [
        _indicators(direction, period),
        _collections(direction, period),
        _recommendations(direction, period, analysis),
        _decisions(direction, period, analysis),
        _events(direction, period, today),
        _evaluation(direction, period),
    ]
