"""Targeted recommendations, the organizations' answers, management decisions and the analysis of
their effectiveness (components 4–6 of the management cycle).

Who may do what is decided by roadmaps.access, by the rights of assignment: the executors and
coordinators of the direction (and the head of the department) draft recommendations and decisions;
its coordinators (and the head) issue and close recommendations and adopt decisions. Work bound to no
direction follows the municipal roles. An organization's respondent or head answers a recommendation
addressed to it while it is issued, once per organization (the answer may be edited until the
recommendation is closed).

The effectiveness of a decision is the change of its indicators against the previous monitoring
period: read by `effectiveness`, written in words by `effectiveness_text`, stored in the decision
and the cycle's sixth component by `effectiveness_draft`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions.models import Component, Cycle, CycleComponent, Direction
from indicators import selectors as indicator_selectors
from indicators.models import Indicator, IndicatorValue, Target
from indicators.services import previous_period
from mcok import numbers
from mcok.models import Document, Municipality, Organization, Period, Role, User
from mcok.selectors import AttentionItem
from mcok.sorting import naturally_sorted
from roadmaps import access
from roadmaps.models import Decision, Event, Recommendation, Response

Level = Recommendation.Level
State = Recommendation.State

# The levels of management a recommendation may address without naming organizations.
LEVELS_WITHOUT_ADDRESSEES = (Level.MUNICIPAL, Level.TEACHERS, Level.PARENTS)


# Recommendations --------------------------------------------------------------------------------------


def _check_scope(
    municipality: Municipality,
    *,
    direction: Direction | None = None,
    period: Period | None = None,
    indicator: Indicator | None = None,
    organizations=(),
    recommendations=(),
    events=(),
    indicators=(),
    document: Document | None = None,
) -> None:
    """Every linked record belongs to the municipality: a forged id from another one is refused."""
    if direction is not None and direction.municipality_id != municipality.pk:
        raise ValidationError(_("The direction belongs to another municipality."))
    if indicator is not None and indicator.municipality_id != municipality.pk:
        raise ValidationError(_("The indicator belongs to another municipality."))
    if document is not None and document.municipality_id != municipality.pk:
        raise ValidationError(_("The document belongs to another municipality."))
    if any(o.municipality_id != municipality.pk for o in organizations):
        raise ValidationError(_("An organization belongs to another municipality."))
    if any(r.municipality_id != municipality.pk for r in recommendations):
        raise ValidationError(_("A recommendation belongs to another municipality."))
    foreign_events = Event.objects.filter(pk__in=[e.pk for e in events]).exclude(
        roadmap__municipality=municipality
    )
    if events and foreign_events.exists():
        raise ValidationError(_("An event belongs to another municipality's roadmap."))
    if any(i.municipality_id != municipality.pk for i in indicators):
        raise ValidationError(_("An indicator belongs to another municipality."))


def _clean_text(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise ValidationError(_("Give the recommendation a title."))
    if not text:
        raise ValidationError(_("Write the recommendation."))
    return title, text


@transaction.atomic
def recommendation_create(
    *,
    municipality: Municipality,
    by: User,
    title: str,
    text: str,
    level: str = Level.ORGANIZATIONS,
    organizations=(),
    direction: Direction | None = None,
    period: Period | None = None,
    indicator: Indicator | None = None,
    due_on: datetime.date | None = None,
) -> Recommendation:
    """A draft recommendation of the municipality. Written by those who draft the direction's work
    (access.can_draft_recommendation); linked records must be the municipality's own."""
    if not access.can_draft_recommendation(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_RECOMMENDATION)
    if level not in Level.values:
        raise ValidationError(_("Unknown addressee level."))
    title, text = _clean_text(title, text)
    organizations = _addressees(level, list(organizations), indicator, period, by)
    _check_scope(municipality, direction=direction, indicator=indicator, organizations=organizations)
    recommendation = Recommendation.objects.create(
        municipality=municipality,
        direction=direction,
        period=period,
        indicator=indicator,
        level=level,
        title=title,
        text=text,
        due_on=due_on,
    )
    recommendation.organizations.set(organizations)
    return recommendation


@transaction.atomic
def recommendation_update(
    *,
    recommendation: Recommendation,
    by: User,
    title: str,
    text: str,
    level: str,
    organizations=(),
    direction: Direction | None = None,
    period: Period | None = None,
    indicator: Indicator | None = None,
    due_on: datetime.date | None = None,
) -> Recommendation:
    """Change a draft. An issued recommendation keeps its text and addressees: only its answer date moves.
    Those who draft its direction's work may; moving it to another direction needs that one's right too."""
    municipality = recommendation.municipality
    if not access.can_edit_recommendation(by, recommendation):
        raise PermissionDenied(access.REFUSED_RECOMMENDATION)
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if locked.state == State.CLOSED:
        raise ValidationError(_("The recommendation is closed and can no longer be changed."))
    if locked.state == State.ISSUED:
        Recommendation.objects.filter(pk=locked.pk).update(due_on=due_on)
        locked.due_on = due_on
        return locked
    if level not in Level.values:
        raise ValidationError(_("Unknown addressee level."))
    title, text = _clean_text(title, text)
    organizations = _addressees(level, list(organizations), indicator, period, by)
    _check_scope(municipality, direction=direction, indicator=indicator, organizations=organizations)
    moved = (direction.pk if direction else None, period.pk if period else None) != (
        locked.direction_id,
        locked.period_id,
    )
    if moved and not access.can_draft_recommendation(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    locked.title, locked.text, locked.level = title, text, level
    locked.direction, locked.period, locked.indicator, locked.due_on = direction, period, indicator, due_on
    locked.save()
    locked.organizations.set(organizations)
    return locked


def _value(number: Decimal | None, unit: str = "") -> str:
    """A figure as a Russian reader writes it: one decimal place, «72,5 %» (mcok.numbers)."""
    return numbers.number_text(number, unit)


def _addressees(
    level: str, organizations: list, indicator: Indicator | None, period: Period | None, by: User
) -> list:
    """The organizations a recommendation goes to. Addressed to a risk group with none chosen, they
    are the indicator's risk group in the period; without an indicator, a period, a threshold or a
    school in the group there is nobody to send it to, which is said."""
    if level != Level.RISK_GROUP or organizations:
        return organizations
    if indicator is None or period is None:
        raise ValidationError(
            _("Addressed to a risk group: choose the indicator and the period whose risk group it is.")
        )
    if indicator.risk_threshold is None:
        raise ValidationError(_("The indicator has no risk threshold, so it has no risk group."))
    found = risk_group_organizations(indicator, period, by)
    if not found:
        raise ValidationError(_("No organization is in the risk group for this period."))
    return found


def risk_group_organizations(indicator: Indicator, period: Period, by: User) -> list[Organization]:
    """The organizations of the indicator's risk group in the period, by name."""
    rows = indicator_selectors.risk_group(
        indicator_selectors.organization_rows(user=by, indicator=indicator, period=period)
    )
    return list(
        Organization.objects.filter(pk__in=[row.organization_id for row in rows]).order_by("short_name")
    )


def risk_group_prefill(indicator: Indicator, period: Period, by: User) -> dict:
    """The fields of a recommendation to the indicator's risk group in the period: its title, a text
    naming the indicator and each organization's value, and the organizations themselves."""
    rows = indicator_selectors.risk_group(
        indicator_selectors.organization_rows(user=by, indicator=indicator, period=period)
    )
    organizations = list(
        Organization.objects.filter(pk__in=[row.organization_id for row in rows]).order_by("short_name")
    )
    values = {row.organization_id: row.value for row in rows}
    lines = [
        _("%(organization)s: %(value)s")
        % {"organization": o.short_name, "value": _value(values[o.pk], indicator.unit)}
        for o in organizations
    ]
    if indicator.higher_is_better:
        intro = _(
            "The value of the indicator %(code)s «%(name)s» in %(period)s is below the risk threshold "
            "(%(threshold)s) in these organizations:"
        )
    else:
        intro = _(
            "The value of the indicator %(code)s «%(name)s» in %(period)s is above the risk threshold "
            "(%(threshold)s) in these organizations:"
        )
    intro %= {
        "code": indicator.code,
        "name": indicator.name,
        "period": period.label,
        "threshold": _value(indicator.risk_threshold, indicator.unit),
    }
    closing = _(
        "Analyse the causes, plan measures to improve the indicator and report on them in your answer."
    )
    text = "\n".join([intro, *(f"— {line}" for line in lines), "", closing])
    title = _("Improve the indicator %(code)s (%(period)s)") % {
        "code": indicator.code,
        "period": period.label,
    }
    return {
        "title": title[:500],
        "text": text,
        "level": Level.RISK_GROUP,
        "organizations": organizations,
        "direction": indicator.direction,
        "period": period,
        "indicator": indicator,
    }


def recommendation_from_risk_group(indicator: Indicator, period: Period, by: User) -> Recommendation:
    """A draft addressed to the organizations of the indicator's risk group in the period, its text
    naming the indicator and each organization's value. Refused when the risk group is empty."""
    if indicator.risk_threshold is None:
        raise ValidationError(_("The indicator has no risk threshold, so it has no risk group."))
    fields = risk_group_prefill(indicator, period, by)
    if not fields["organizations"]:
        raise ValidationError(_("No organization is in the risk group for this period."))
    return recommendation_create(municipality=indicator.municipality, by=by, **fields)


@transaction.atomic
def recommendation_issue(
    *, recommendation: Recommendation, by: User, due_on: datetime.date | None = None
) -> Recommendation:
    """Send a draft to its addressees. Organizations are needed unless it addresses a level of
    management (the department, teachers, parents). Of two clicks, exactly one issues."""
    if not access.can_issue(by, recommendation):
        raise PermissionDenied(access.REFUSED_ISSUE)
    if recommendation.level not in LEVELS_WITHOUT_ADDRESSEES and not recommendation.organizations.exists():
        raise ValidationError(_("Choose the organizations the recommendation is addressed to."))
    changes = {"state": State.ISSUED, "issued_by": by, "issued_at": timezone.now()}
    if due_on is not None:
        changes["due_on"] = due_on
    claimed = Recommendation.objects.filter(pk=recommendation.pk, state=State.DRAFT).update(**changes)
    if not claimed:
        raise ValidationError(_("Only a draft can be issued."))
    recommendation.refresh_from_db()
    return recommendation


@transaction.atomic
def recommendation_close(*, recommendation: Recommendation, by: User) -> Recommendation:
    """Stop collecting answers: the recommendation is done with. Only an issued one can be closed, by
    those who issue it (access.can_issue)."""
    if not access.can_issue(by, recommendation):
        raise PermissionDenied(access.REFUSED_CLOSE)
    claimed = Recommendation.objects.filter(pk=recommendation.pk, state=State.ISSUED).update(
        state=State.CLOSED
    )
    if not claimed:
        raise ValidationError(_("Only an issued recommendation can be closed."))
    recommendation.refresh_from_db()
    return recommendation


def response_save(
    recommendation: Recommendation, organization: Organization, text: str, by: User
) -> Response:
    """The organization's answer: written by its respondent or head while the recommendation is issued,
    one per organization (a second save edits it). Never a duplicate, even under concurrent saves."""
    text = (text or "").strip()
    if not access.can_answer(by, organization):
        raise PermissionDenied(access.REFUSED_ANSWER)
    if not text:
        raise ValidationError(_("Write the answer."))
    try:
        with transaction.atomic():
            # The lock keeps a close from slipping between the check and the save.
            current = Recommendation.objects.select_for_update().filter(pk=recommendation.pk).first()
            if current is None or current.state != State.ISSUED:
                raise ValidationError(_("Answers are accepted only while the recommendation is issued."))
            if not current.organizations.filter(pk=organization.pk).exists():
                raise PermissionDenied(_("The recommendation is not addressed to this organization."))
            response, _created = Response.objects.update_or_create(
                recommendation=current,
                organization=organization,
                defaults={"text": text, "answered_by": by, "answered_at": timezone.now()},
            )
    except IntegrityError:  # a concurrent first answer won: ours becomes its edit
        Response.objects.filter(recommendation=recommendation, organization=organization).update(
            text=text, answered_by=by, answered_at=timezone.now()
        )
        response = Response.objects.get(recommendation=recommendation, organization=organization)
    return response


def with_answer_counts(queryset):
    """Recommendations annotated with addressees (total) and answered (answers): two COUNTs in one query."""
    return queryset.annotate(
        total=Count("organizations", distinct=True), answered=Count("responses", distinct=True)
    )


# Decisions ----------------------------------------------------------------------------------------------


def _decision_links(municipality, recommendations, events, indicators, direction, document):
    recommendations, events, indicators = list(recommendations), list(events), list(indicators)
    _check_scope(
        municipality,
        direction=direction,
        document=document,
        recommendations=recommendations,
        events=events,
        indicators=indicators,
    )
    return recommendations, events, indicators


@transaction.atomic
def decision_create(
    *,
    municipality: Municipality,
    by: User,
    kind: str,
    title: str,
    text: str = "",
    adopted_on: datetime.date | None = None,
    document: Document | None = None,
    direction: Direction | None = None,
    period: Period | None = None,
    recommendations=(),
    events=(),
    indicators=(),
) -> Decision:
    """A management decision of the municipality, linked to its recommendations, events, indicators.
    Recorded by those who draft the direction's work; a date of adoption only by those who adopt it."""
    if not access.can_draft_decision(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_DECISION)
    if adopted_on is not None and not access.may_adopt(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_ADOPT)
    if kind not in Decision.Kind.values:
        raise ValidationError(_("Unknown kind of decision."))
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the decision a title."))
    recommendations, events, indicators = _decision_links(
        municipality, recommendations, events, indicators, direction, document
    )
    decision = Decision.objects.create(
        municipality=municipality,
        direction=direction,
        period=period,
        kind=kind,
        title=title,
        text=(text or "").strip(),
        adopted_on=adopted_on,
        document=document,
        created_by=by,
    )
    decision.recommendations.set(recommendations)
    decision.events.set(events)
    decision.indicators.set(indicators)
    return decision


@transaction.atomic
def decision_update(
    *,
    decision: Decision,
    by: User,
    kind: str,
    title: str,
    text: str = "",
    adopted_on: datetime.date | None = None,
    document: Document | None = None,
    direction: Direction | None = None,
    period: Period | None = None,
    recommendations=(),
    events=(),
    indicators=(),
    effectiveness: str | None = None,
) -> Decision:
    """Change a decision; `effectiveness` (the analysis text) is kept when None. Those who draft its
    direction's work may; giving or changing the date of adoption, and changing an adopted decision
    beyond its analysis, is for those who adopt it: for the others only the analysis is saved."""
    municipality = decision.municipality
    if not access.can_edit_decision(by, decision):
        raise PermissionDenied(access.REFUSED_DECISION)
    if decision.adopted_on is not None and not access.can_adopt(by, decision):
        if effectiveness is not None:
            decision.effectiveness = effectiveness.strip()
            Decision.objects.filter(pk=decision.pk).update(effectiveness=decision.effectiveness)
        return decision
    moved = (direction.pk if direction else None, period.pk if period else None) != (
        decision.direction_id,
        decision.period_id,
    )
    if moved and not access.can_draft_decision(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    if adopted_on != decision.adopted_on and not access.may_adopt(by, municipality, direction, period):
        raise PermissionDenied(access.REFUSED_ADOPT)
    if kind not in Decision.Kind.values:
        raise ValidationError(_("Unknown kind of decision."))
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the decision a title."))
    recommendations, events, indicators = _decision_links(
        municipality, recommendations, events, indicators, direction, document
    )
    decision.kind, decision.title, decision.text = kind, title, (text or "").strip()
    decision.adopted_on, decision.document, decision.direction, decision.period = (
        adopted_on,
        document,
        direction,
        period,
    )
    if effectiveness is not None:
        decision.effectiveness = effectiveness.strip()
    decision.save()
    decision.recommendations.set(recommendations)
    decision.events.set(events)
    decision.indicators.set(indicators)
    return decision


# Effectiveness -------------------------------------------------------------------------------------------


@dataclass
class OrganizationChange:
    organization_id: int
    name: str
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None
    improved: bool | None  # None: no comparison possible or no change
    unit: str = ""

    @property
    def change_text(self) -> str:
        return numbers.change_text(self.change, self.unit)


@dataclass
class IndicatorEffect:
    indicator: Indicator
    before: Decimal | None  # the municipality's value in the previous period
    after: Decimal | None  # … and in the period
    change: Decimal | None
    improved: bool | None  # moved the right way; None when unknown or unchanged
    target: Decimal | None
    target_reached: bool | None
    organizations: list[OrganizationChange] = field(default_factory=list)
    improved_count: int = 0
    worsened_count: int = 0
    unchanged_count: int = 0

    @property
    def change_text(self) -> str:
        """The municipal change with its unit: «+10,0 п.п.» for a percentage."""
        return numbers.change_text(self.change, self.indicator.unit)

    @property
    def worsened(self) -> list[OrganizationChange]:
        return [row for row in self.organizations if row.improved is False and row.change]


@dataclass
class Effectiveness:
    decision: Decision
    period: Period
    previous: Period | None
    indicators: list[IndicatorEffect]


def _direction_of(change: Decimal | None, higher_is_better: bool) -> bool | None:
    if change is None or change == 0:
        return None
    return (change > 0) == higher_is_better


def _reached(value: Decimal | None, target: Decimal | None, higher_is_better: bool) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if higher_is_better else value <= target


def effectiveness(decision: Decision, period: Period) -> Effectiveness:
    """For each indicator of the decision: the municipality's and each organization's value in the
    period and in the one before, the change, whether it went the right way, whether the period's
    target is reached, and how many organizations improved or worsened. Three queries, whatever the
    number of indicators and organizations."""
    previous = previous_period(period)
    indicators = naturally_sorted(decision.indicators.all(), key=lambda indicator: indicator.code)
    periods = [period.pk] + ([previous.pk] if previous else [])
    values = (
        IndicatorValue.objects.filter(
            indicator__in=indicators, period_id__in=periods, municipality_id=decision.municipality_id
        )
        .select_related("organization")
        .order_by("organization__short_name")
    )
    targets = dict(
        Target.objects.filter(indicator__in=indicators, period=period).values_list("indicator_id", "value")
    )
    table: dict[tuple[int, int | None], dict[int, IndicatorValue]] = {}
    names: dict[int, str] = {}
    for item in values:
        table.setdefault((item.indicator_id, item.organization_id), {})[item.period_id] = item
        if item.organization_id:
            names[item.organization_id] = item.organization.short_name

    def pair(indicator_id, organization_id):
        row = table.get((indicator_id, organization_id), {})
        after = row.get(period.pk)
        before = row.get(previous.pk) if previous else None
        return (before.value if before else None), (after.value if after else None)

    effects = []
    for indicator in indicators:
        better = indicator.higher_is_better
        before, after = pair(indicator.pk, None)
        change = after - before if before is not None and after is not None else None
        target = targets.get(indicator.pk)
        effect = IndicatorEffect(
            indicator=indicator,
            before=before,
            after=after,
            change=change,
            improved=_direction_of(change, better),
            target=target,
            target_reached=_reached(after, target, better),
        )
        organization_ids = sorted(
            {o for (i, o) in table if i == indicator.pk and o is not None}, key=lambda pk: names[pk]
        )
        for organization_id in organization_ids:
            o_before, o_after = pair(indicator.pk, organization_id)
            o_change = o_after - o_before if o_before is not None and o_after is not None else None
            improved = _direction_of(o_change, better)
            effect.organizations.append(
                OrganizationChange(
                    organization_id,
                    names[organization_id],
                    o_before,
                    o_after,
                    o_change,
                    improved,
                    indicator.unit,
                )
            )
            if o_change is None:
                continue
            if improved is True:
                effect.improved_count += 1
            elif improved is False:
                effect.worsened_count += 1
            else:
                effect.unchanged_count += 1
        effects.append(effect)
    return Effectiveness(decision=decision, period=period, previous=previous, indicators=effects)


def effectiveness_text(result: Effectiveness) -> str:
    """A paragraph per indicator, in Russian, for the coordinator to edit."""
    paragraphs = []
    if result.previous is None:
        paragraphs.append(
            _("There is no previous period before %(period)s to compare with.")
            % {"period": result.period.label}
        )
    for effect in result.indicators:
        indicator = effect.indicator
        unit = indicator.unit
        head = _("Indicator %(code)s «%(name)s».") % {"code": indicator.code, "name": indicator.name}
        sentences = [head]
        names = {"period": result.period.label, "previous": result.previous.label if result.previous else ""}
        if effect.after is None:
            sentences.append(_("The municipality has no value for %(period)s.") % names)
        elif effect.before is None:
            sentences.append(
                _(
                    "The municipal value in %(period)s is %(after)s; "
                    "there is no value for the previous period."
                )
                % {**names, "after": _value(effect.after, unit)}
            )
        else:
            figures = {
                **names,
                "before": _value(effect.before, unit),
                "after": _value(effect.after, unit),
                "change": numbers.change_text(effect.change, unit),
            }
            if effect.improved is True:
                message = _(
                    "The municipal value improved from %(before)s in %(previous)s to %(after)s in %(period)s "
                    "(%(change)s)."
                )
            elif effect.improved is False:
                message = _(
                    "The municipal value worsened from %(before)s in %(previous)s to %(after)s in %(period)s "
                    "(%(change)s)."
                )
            else:
                message = _(
                    "The municipal value did not change: %(after)s in %(previous)s and in %(period)s."
                )
            sentences.append(message % figures)
        if effect.target is not None:
            target = {"target": _value(effect.target, unit), "period": result.period.label}
            if effect.target_reached:
                sentences.append(_("The target for %(period)s (%(target)s) is reached.") % target)
            else:
                sentences.append(_("The target for %(period)s (%(target)s) is not reached.") % target)
        compared = effect.improved_count + effect.worsened_count + effect.unchanged_count
        if compared:
            sentences.append(
                ngettext(
                    "Of %(count)d organization with values in both periods, %(improved)d improved the value "
                    "and %(worsened)d worsened it.",
                    "Of %(count)d organizations with values in both periods, %(improved)d improved the value "
                    "and %(worsened)d worsened it.",
                    compared,
                )
                % {"count": compared, "improved": effect.improved_count, "worsened": effect.worsened_count}
            )
        worsened = effect.worsened
        if worsened:
            listed = "; ".join(
                f"{row.name} ({_value(row.before, unit)} → {_value(row.after, unit)})" for row in worsened
            )
            sentences.append(_("The value worsened in: %(organizations)s.") % {"organizations": listed})
        paragraphs.append(" ".join(sentences))
    if not result.indicators:
        paragraphs.append(_("The decision is linked to no indicator, so its effect cannot be measured."))
    return "\n\n".join(paragraphs)


@dataclass
class Draft:
    text: str
    component: CycleComponent | None  # the sixth component the text was added to
    locked: bool  # the component exists but is approved or published: left as it is


@transaction.atomic
def effectiveness_draft(decision: Decision, period: Period, by: User) -> Draft:
    """Write the analysis into the decision and add it to the content of the direction's cycle
    component «analysis of the effectiveness» for the period, when that cycle exists. The component's
    state never changes; an approved or published component is not touched (its content was signed
    off), and a text it already holds is not added twice."""
    if not access.can_draft_effectiveness(by, decision, period):
        raise PermissionDenied(access.REFUSED_EFFECTIVENESS)
    text = effectiveness_text(effectiveness(decision, period))
    Decision.objects.filter(pk=decision.pk).update(effectiveness=text)
    decision.effectiveness = text
    component, locked = None, False
    if decision.direction_id:
        component = (
            CycleComponent.objects.select_for_update()
            .filter(
                cycle__in=Cycle.objects.filter(direction_id=decision.direction_id, period=period),
                component=Component.EFFECTIVENESS,
            )
            .first()
        )
    if component is not None:
        editable = (CycleComponent.State.NOT_STARTED, CycleComponent.State.DRAFTED)
        if component.state not in editable:
            return Draft(text=text, component=None, locked=True)
        block = f"{decision.title}\n{text}"
        if block not in component.content:
            content = f"{component.content.rstrip()}\n\n{block}" if component.content.strip() else block
            CycleComponent.objects.filter(pk=component.pk).update(
                content=content, changed_by=by, changed_at=timezone.now()
            )
            component.content = content
    return Draft(text=text, component=component, locked=locked)


# The home page -------------------------------------------------------------------------------------------


def attention(user: User, roles: list[Role]) -> list[AttentionItem]:
    """A school: the issued recommendations waiting for its answer, with their dates. Staff: the issued
    recommendations in their charge (access.recommendations_in_charge_of) past their date with answers
    missing. A fixed number of queries."""
    items: list[AttentionItem] = []
    today = timezone.localdate()
    organization_ids = access.own_organization_ids(user)
    if organization_ids:
        through = Recommendation.organizations.through
        waiting = (
            through.objects.filter(organization_id__in=organization_ids, recommendation__state=State.ISSUED)
            .exclude(
                Exists(
                    Response.objects.filter(
                        recommendation=OuterRef("recommendation"), organization=OuterRef("organization")
                    )
                )
            )
            .select_related("recommendation", "organization")
            .order_by("recommendation__due_on", "recommendation__pk")[:20]
        )
        for link in waiting:
            recommendation = link.recommendation
            values = {"title": recommendation.title, "organization": link.organization.short_name}
            if recommendation.due_on:
                text = _("Answer the recommendation «%(title)s» for %(organization)s by %(date)s.") % {
                    **values,
                    "date": date_format(recommendation.due_on, "d.m.Y"),
                }
            else:
                text = _("Answer the recommendation «%(title)s» for %(organization)s.") % values
            late = recommendation.due_on is not None and recommendation.due_on < today
            items.append(
                AttentionItem(
                    text,
                    reverse("roadmaps:recommendation", args=[recommendation.pk]),
                    "danger" if late else "warning",
                )
            )
    if access.is_staff(user):
        late = (
            with_answer_counts(
                access.recommendations_in_charge_of(user).filter(state=State.ISSUED, due_on__lt=today)
            )
            .filter(answered__lt=F("total"))
            .order_by("due_on")
        )
        for recommendation in late[:20]:
            missing = recommendation.total - recommendation.answered
            items.append(
                AttentionItem(
                    ngettext(
                        "«%(title)s»: %(count)d answer is missing, due %(date)s.",
                        "«%(title)s»: %(count)d answers are missing, due %(date)s.",
                        missing,
                    )
                    % {
                        "title": recommendation.title,
                        "count": missing,
                        "date": date_format(recommendation.due_on, "d.m.Y"),
                    },
                    reverse("roadmaps:recommendation", args=[recommendation.pk]),
                    "danger",
                )
            )
    return items
