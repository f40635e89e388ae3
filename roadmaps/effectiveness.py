"""The analysis of the effectiveness of the measures (the sixth component of the management cycle) as
an analysis, not a list: per decision, its indicators before and after (the previous period of the
same kind), the share of its recommendations answered and its roadmap events done; per direction and
period, which recommendations got a decision and which decisions moved their indicators the right
way. `direction_analysis` reads it in a fixed number of queries, `direction_text` writes it as the
component's plain text, `component_draft` writes that text into the component.

Changes of percentages are written in percentage points («п.п.»), never in «%»: an indicator whose
unit is a percentage (mcok.numbers.is_percent) changes by points, others keep their unit.

Who may draft is decided by roadmaps.access (can_draft_direction_effectiveness: the direction's
executors and coordinators and the head); the component is written through directions.services.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions import services as direction_services
from directions.models import Component, CycleComponent, Direction
from indicators import selectors as indicator_selectors
from indicators.models import Indicator, Target
from indicators.services import previous_period
from mcok import numbers
from mcok.models import Period, User
from mcok.sorting import natural_key
from mcok.text import period_with
from roadmaps import access
from roadmaps.models import Decision, Occurrence, Recommendation
from roadmaps.recommendations import _value, with_answer_counts


class Verdict:
    """Whether a decision moved its indicators the right way."""

    MOVED = "moved"  # every indicator with values in both periods improved
    PARTLY = "partly"  # some improved, some did not
    NOT_MOVED = "not_moved"  # none improved (worsened or unchanged)
    UNMEASURED = "unmeasured"  # no indicator, or none with values in both periods

    LABELS = {
        MOVED: gettext_lazy("moved its indicators the right way"),
        PARTLY: gettext_lazy("moved some of its indicators the right way"),
        NOT_MOVED: gettext_lazy("did not move its indicators the right way"),
        UNMEASURED: gettext_lazy("cannot be measured"),
    }


@dataclass
class IndicatorChange:
    """One indicator of a decision: the municipality's value in the previous period and in the period."""

    indicator: Indicator
    before: Decimal | None
    after: Decimal | None
    target: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def improved(self) -> bool | None:
        """Moved the right way (as the indicator's «higher is better» says); None when unknown or
        unchanged."""
        change = self.change
        if not change:
            return None
        return (change > 0) == self.indicator.higher_is_better

    @property
    def measured(self) -> bool:
        return self.change is not None

    @property
    def target_reached(self) -> bool | None:
        if self.after is None or self.target is None:
            return None
        better = self.indicator.higher_is_better
        return self.after >= self.target if better else self.after <= self.target

    @property
    def before_text(self) -> str:
        return _value(self.before, self.indicator.unit)

    @property
    def after_text(self) -> str:
        return _value(self.after, self.indicator.unit)

    @property
    def change_text(self) -> str:
        """«+10,0 п.п.» for a percentage, «−3,0 чел.» otherwise, «—» when not comparable."""
        return numbers.change_text(self.change, self.indicator.unit)

    @property
    def assessment(self) -> str:
        if self.improved is True:
            return _("improved")
        if self.improved is False:
            return _("worsened")
        if self.measured:
            return _("unchanged")
        return _("no values to compare")


@dataclass
class DecisionAnalysis:
    """A decision in the period: its indicators, its recommendations' answers, its events."""

    decision: Decision
    indicators: list[IndicatorChange] = field(default_factory=list)
    recommendations: int = 0  # the recommendations it is based on
    addressed: int = 0  # organizations those recommendations are addressed to (one per pair)
    answered: int = 0  # … of which answered
    events: int = 0  # roadmap events that carry it out
    due: int = 0  # their instances due in the period (cancelled ones left out)
    done: int = 0  # … of which done
    overdue: int = 0  # … of which past due and not done

    @property
    def answered_percent(self) -> Decimal | None:
        """Answers ÷ addressed organizations × 100; None when its recommendations address nobody."""
        if not self.addressed:
            return None
        return Decimal(self.answered) * 100 / self.addressed

    @property
    def answered_text(self) -> str:
        if not self.addressed:
            return "—"
        return _("%(answered)d of %(addressed)d (%(percent)s)") % {
            "answered": self.answered,
            "addressed": self.addressed,
            "percent": _value(self.answered_percent, "%"),
        }

    @property
    def done_text(self) -> str:
        if not self.due:
            return "—"
        text = _("%(done)d of %(due)d") % {"done": self.done, "due": self.due}
        if self.overdue:
            text += " " + _("(overdue: %(count)d)") % {"count": self.overdue}
        return text

    @property
    def measured(self) -> list[IndicatorChange]:
        return [item for item in self.indicators if item.measured]

    @property
    def verdict(self) -> str:
        measured = self.measured
        if not measured:
            return Verdict.UNMEASURED
        improved = sum(1 for item in measured if item.improved is True)
        if improved == len(measured):
            return Verdict.MOVED
        return Verdict.PARTLY if improved else Verdict.NOT_MOVED

    @property
    def verdict_label(self) -> str:
        return str(Verdict.LABELS[self.verdict])


@dataclass
class RecommendationRow:
    recommendation: Recommendation
    decided: bool  # some decision is based on it
    addressed: int
    answered: int


@dataclass
class DirectionEffectiveness:
    """The analysis of the direction's measures in the period.

    - `direction`, `period`; `previous`: the period of the same kind before it (None when absent).
    - `decisions`: DecisionAnalysis of each decision of the direction for the period (its period, or
      with no period, adopted within the period's dates), newest first. Each holds `indicators`
      (IndicatorChange: `before`, `after`, `change`, `change_text` in п.п. for percentages,
      `improved`, `target`, `target_reached`), `recommendations`, `addressed`, `answered`,
      `answered_percent`, `events`, `due`, `done`, `overdue`, and `verdict` (Verdict.MOVED, PARTLY,
      NOT_MOVED, UNMEASURED) with `verdict_label`.
    - `recommendations`: RecommendationRow of each issued or closed recommendation of the direction
      for the period, with `decided` (a decision is based on it), `addressed`, `answered`;
      `decided` and `undecided` split them.
    - `moved`, `partly`, `not_moved`, `unmeasured`: the decisions by verdict.
    - `today`: the day overdue instances were counted on.
    """

    direction: Direction
    period: Period
    previous: Period | None
    decisions: list[DecisionAnalysis]
    recommendations: list[RecommendationRow]
    today: datetime.date

    @property
    def decided(self) -> list[Recommendation]:
        return [row.recommendation for row in self.recommendations if row.decided]

    @property
    def undecided(self) -> list[Recommendation]:
        return [row.recommendation for row in self.recommendations if not row.decided]

    def _by(self, verdict: str) -> list[DecisionAnalysis]:
        return [item for item in self.decisions if item.verdict == verdict]

    @property
    def moved(self) -> list[DecisionAnalysis]:
        return self._by(Verdict.MOVED)

    @property
    def partly(self) -> list[DecisionAnalysis]:
        return self._by(Verdict.PARTLY)

    @property
    def not_moved(self) -> list[DecisionAnalysis]:
        return self._by(Verdict.NOT_MOVED)

    @property
    def unmeasured(self) -> list[DecisionAnalysis]:
        return self._by(Verdict.UNMEASURED)

    @property
    def is_empty(self) -> bool:
        return not self.decisions and not self.recommendations


def _in_period(period: Period) -> Q:
    """Instances due within the period, and undated ones done within it."""
    within = Q(due_on__gte=period.starts_on, due_on__lte=period.ends_on)
    undated = Q(due_on__isnull=True, done_on__gte=period.starts_on, done_on__lte=period.ends_on)
    return within | undated


_UNSET = object()


def analyse(
    decisions: list[Decision], period: Period, *, previous=_UNSET, today: datetime.date | None = None
) -> list[DecisionAnalysis]:
    """DecisionAnalysis of each decision for the period, in the given order. A fixed number of queries
    (eight at most, none without decisions) whatever the number of decisions, indicators,
    recommendations, organizations and events. `previous` is the period compared with (read by
    indicators.services.previous_period when not given)."""
    today = today or timezone.localdate()
    if not decisions:
        return []
    if previous is _UNSET:
        previous = previous_period(period)
    ids = [decision.pk for decision in decisions]
    municipality_ids = {decision.municipality_id for decision in decisions}
    result = {decision.pk: DecisionAnalysis(decision=decision) for decision in decisions}

    links = sorted(
        Decision.indicators.through.objects.filter(decision_id__in=ids).select_related("indicator"),
        key=lambda link: (natural_key(link.indicator.code), link.indicator_id),
    )
    indicator_ids = {link.indicator_id for link in links}
    periods = [period.pk] + ([previous.pk] if previous else [])
    values = indicator_selectors.municipal_values(indicator_ids, periods, municipality_ids)
    targets = dict(
        Target.objects.filter(indicator_id__in=indicator_ids, period=period).values_list(
            "indicator_id", "value"
        )
    )
    for link in links:
        result[link.decision_id].indicators.append(
            IndicatorChange(
                indicator=link.indicator,
                before=values.get((link.indicator_id, previous.pk)) if previous else None,
                after=values.get((link.indicator_id, period.pk)),
                target=targets.get(link.indicator_id),
            )
        )

    # The answers: per recommendation its addressees and answers, summed over each decision's.
    based = Decision.recommendations.through.objects.filter(decision_id__in=ids)
    counts = {
        row["pk"]: row
        for row in with_answer_counts(
            Recommendation.objects.filter(pk__in=based.values("recommendation_id"))
        ).values("pk", "total", "answered")
    }
    for decision_id, recommendation_id in based.values_list("decision_id", "recommendation_id"):
        item, row = result[decision_id], counts.get(recommendation_id)
        item.recommendations += 1
        if row:
            item.addressed += row["total"]
            item.answered += row["answered"]

    # The events: their instances of the period, counted by the database per decision.
    events = Decision.events.through.objects.filter(decision_id__in=ids)
    for decision_id, number in (
        events.values("decision_id").annotate(n=Count("event_id")).values_list("decision_id", "n")
    ):
        result[decision_id].events = number
    rows = (
        Occurrence.objects.filter(_in_period(period), event__decisions__in=ids)
        .exclude(state=Occurrence.State.CANCELLED)
        .values("event__decisions")
        .annotate(
            due=Count("pk"),
            done=Count("pk", filter=Q(state=Occurrence.State.DONE)),
            overdue=Count("pk", filter=Q(due_on__lt=today) & ~Q(state=Occurrence.State.DONE)),
        )
    )
    for row in rows:
        item = result[row["event__decisions"]]
        item.due, item.done, item.overdue = row["due"], row["done"], row["overdue"]
    return [result[pk] for pk in ids]


def decision_analysis(decision: Decision, period: Period) -> DecisionAnalysis:
    """One decision's analysis for the period (see `analyse`)."""
    return analyse([decision], period)[0]


def decisions_of(direction: Direction, period: Period):
    """The direction's decisions of the period: bound to it, or bound to no period and adopted within
    its dates; newest first."""
    return (
        Decision.objects.filter(direction=direction)
        .filter(
            Q(period=period)
            | Q(period__isnull=True, adopted_on__gte=period.starts_on, adopted_on__lte=period.ends_on)
        )
        .select_related("document")
        .order_by("-adopted_on", "-pk")
    )


def direction_analysis(direction: Direction, period: Period) -> DirectionEffectiveness:
    """The effectiveness of the direction's measures in the period (DirectionEffectiveness: see its
    fields). A fixed number of queries whatever the number of decisions, indicators, recommendations,
    organizations and events. Reads only: who may read is the caller's question (the direction's
    readers, directions.access)."""
    today = timezone.localdate()
    decisions = list(decisions_of(direction, period))
    has_decision = Decision.recommendations.through.objects.filter(recommendation_id=OuterRef("pk"))
    recommendations = list(
        with_answer_counts(
            Recommendation.objects.filter(direction=direction, period=period).exclude(
                state=Recommendation.State.DRAFT
            )
        )
        .annotate(decided=Exists(has_decision))
        .order_by("-issued_at", "-pk")
    )
    previous = previous_period(period)
    return DirectionEffectiveness(
        direction=direction,
        period=period,
        previous=previous,
        decisions=analyse(decisions, period, previous=previous, today=today),
        recommendations=[RecommendationRow(r, bool(r.decided), r.total, r.answered) for r in recommendations],
        today=today,
    )


# The component's text ------------------------------------------------------------------------------------


def direction_text(analysis: DirectionEffectiveness) -> str:
    """The analysis as the plain text of the cycle's component: a short summary, then a line per
    decision and indicator («Решение — показатель: было → стало (±N п.п.)») with the answers and
    events of each decision, then the recommendations left without a decision."""
    direction, period, previous = analysis.direction, analysis.period, analysis.previous
    names = {"code": direction.code, "name": direction.name, "period": period.label}
    lines = [_("Analysis of the effectiveness of the measures: %(code)s %(name)s, %(period)s.") % names]
    if previous:
        lines.append(
            _("Indicators are compared %(with_previous)s (changes of percentages in percentage points).")
            % {"with_previous": period_with(previous)}
        )
    else:
        lines.append(_("There is no previous period before %(period)s to compare with.") % names)
    lines.append("")
    total = len(analysis.decisions)
    if total:
        lines.append(
            _(
                "Decisions of the period: %(total)d; moved their indicators the right way: %(moved)d, "
                "in part: %(partly)d, did not: %(not_moved)d, cannot be measured: %(unmeasured)d."
            )
            % {
                "total": total,
                "moved": len(analysis.moved),
                "partly": len(analysis.partly),
                "not_moved": len(analysis.not_moved),
                "unmeasured": len(analysis.unmeasured),
            }
        )
    else:
        lines.append(_("The direction has no decisions for %(period)s.") % names)
    if analysis.recommendations:
        lines.append(
            _("Recommendations of the period: %(total)d; a decision is based on %(decided)d.")
            % {"total": len(analysis.recommendations), "decided": len(analysis.decided)}
        )
    for item in analysis.decisions:
        decision = item.decision
        lines += ["", f"{decision.title} — {item.verdict_label}."]
        for change in item.indicators:
            indicator = change.indicator
            label = f"{indicator.code} {indicator.name}"
            if change.measured:
                figures = _("%(before)s → %(after)s (%(change)s)") % {
                    "before": change.before_text,
                    "after": change.after_text,
                    "change": change.change_text,
                }
            else:
                figures = _("%(before)s → %(after)s (no values to compare)") % {
                    "before": change.before_text,
                    "after": change.after_text,
                }
            line = f"{decision.title} — {label}: {figures}"
            if change.target_reached is not None:
                target = _value(change.target, indicator.unit)
                line += "; " + (
                    _("target %(target)s reached")
                    if change.target_reached
                    else _("target %(target)s not reached")
                ) % {"target": target}
            lines.append(line)
        if not item.indicators:
            lines.append(_("The decision is linked to no indicator."))
        lines.append(
            _("Answers to its recommendations: %(answers)s; its events done in the period: %(events)s.")
            % {"answers": item.answered_text, "events": item.done_text}
        )
    undecided = analysis.undecided
    if undecided:
        lines += ["", _("Recommendations without a decision:")]
        lines += [f"— {recommendation.title}" for recommendation in undecided]
    return "\n".join(lines).strip()


# The draft -----------------------------------------------------------------------------------------------


def digest(text: str) -> str:
    """A short fingerprint of a component's text: the confirmation names the text it was shown."""
    return hashlib.sha256((text or "").encode()).hexdigest()[:16]


class Outcome:
    WRITTEN = "written"
    UNCHANGED = "unchanged"  # the component already holds this very text
    CONFIRM = "confirm"  # the component holds another text: ask before overwriting it
    LOCKED = "locked"  # approved or published: left as it is


@dataclass
class ComponentDraft:
    outcome: str
    text: str  # the drafted text
    component: CycleComponent
    current: str = ""  # the component's text before, shown when asking for a confirmation


def effectiveness_component(direction: Direction, period: Period) -> CycleComponent | None:
    """The component «analysis of the effectiveness of the measures» of the direction's cycle for the
    period, if the cycle is open."""
    return (
        CycleComponent.objects.filter(
            cycle__direction=direction, cycle__period=period, component=Component.EFFECTIVENESS
        )
        .select_related("cycle__direction__municipality", "cycle__period")
        .first()
    )


@transaction.atomic
def component_draft(
    *, direction: Direction, period: Period, by: User, confirm: bool = False, seen: str = ""
) -> ComponentDraft:
    """Write the direction's analysis (direction_text) into its cycle component «analysis of the
    effectiveness of the measures» for the period, through directions.services.component_update.

    The direction's executors and coordinators and the head may (access.
    can_draft_direction_effectiveness); others get PermissionDenied. No open cycle: ValidationError.
    An approved or published component is never touched (outcome LOCKED). A component that holds
    another text is overwritten only with `confirm`, and when `seen` is given only if the text is
    still the one the confirmation showed (its `digest`); otherwise outcome CONFIRM with the current
    text, and nothing is written. The component's state never changes."""
    if not access.can_draft_direction_effectiveness(by, direction, period):
        raise PermissionDenied(access.REFUSED_DIRECTION_EFFECTIVENESS)
    found = effectiveness_component(direction, period)
    if found is None:
        raise ValidationError(
            _("The direction has no cycle for %(period)s: open the cycle first.") % {"period": period.label}
        )
    component = (
        CycleComponent.objects.select_for_update()
        .select_related("cycle__direction__municipality", "cycle__period")
        .get(pk=found.pk)
    )
    text = direction_text(direction_analysis(direction, period))
    current = component.content or ""
    if component.state not in (CycleComponent.State.NOT_STARTED, CycleComponent.State.DRAFTED):
        return ComponentDraft(Outcome.LOCKED, text, component, current)
    if current.strip() == text.strip():
        return ComponentDraft(Outcome.UNCHANGED, text, component, current)
    if current.strip() and (not confirm or (seen and seen != digest(current))):
        return ComponentDraft(Outcome.CONFIRM, text, component, current)
    direction_services.component_update(component=component, by=by, content=text, due_on=component.due_on)
    return ComponentDraft(Outcome.WRITTEN, text, component, current)
