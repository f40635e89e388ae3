"""Demo recommendations and decisions: for each demo municipality, recommendations to the risk groups of
its indicators in the latest demo year (issued, some answered by the demo schools), and a decision
based on one of them, carried out by a roadmap event and measured on its indicator against the year
before. Idempotent: records are found by their titles and only what is missing is made. The head of
the department acts: the rights by assignment let them draft, issue and adopt on every direction."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from directions import demo as directions_demo
from directions.models import Component, CycleComponent
from indicators import demo as indicators_demo
from indicators import selectors as indicator_selectors
from indicators import services as indicator_services
from indicators.demo import DEMO_YEARS
from indicators.models import Indicator, IndicatorValue
from mcok import numbers
from mcok.models import Municipality, Organization, Period, User
from roadmaps import access
from roadmaps import recommendations as services
from roadmaps.models import Decision, Event, Recommendation, Response, Roadmap

RECOMMENDATIONS_PER_MUNICIPALITY = 3


def _fields(indicator: Indicator, period: Period, by: User) -> dict | None:
    """The risk group's recommendation; without a threshold, one to the two organizations with the
    worst values below the municipal value."""
    if indicator.risk_threshold is not None:
        fields = services.risk_group_prefill(indicator, period, by)
        return fields if fields["organizations"] else None
    total = indicator_selectors.municipal_value(indicator, period)
    if total is None or total.value is None:
        return None
    rows = indicator_selectors.organization_rows(user=by, indicator=indicator, period=period)
    worst = [
        r
        for r in rows
        if r.value is not None
        and (r.value < total.value if indicator.higher_is_better else r.value > total.value)
    ][:2]
    if not worst:
        return None
    organizations = list(Organization.objects.filter(pk__in=[r.organization_id for r in worst]))
    lines = "\n".join(f"— {r.name}: {numbers.number_text(r.value, indicator.unit)}" for r in worst)
    return {
        "title": f"Повысить показатель {indicator.code} ({period.label})"[:500],
        "text": f"Значение показателя {indicator.code} «{indicator.name}» за {period.label} хуже "
        f"муниципального ({numbers.number_text(total.value, indicator.unit)}):\n{lines}\n\n"
        "Проанализируйте причины, спланируйте меры и сообщите о них в ответе.",
        "level": Recommendation.Level.ORGANIZATIONS,
        "organizations": organizations,
        "direction": indicator.direction,
        "period": period,
        "indicator": indicator,
    }


@transaction.atomic
def load() -> None:
    year, previous_year = DEMO_YEARS[-1], DEMO_YEARS[-2]
    # The indicator values are computed by the recompute task after commit; the demo needs them now.
    while indicator_services.recompute_pending() > 0:
        pass
    period = Period.objects.filter(kind=Period.Kind.YEAR, year=year).first()
    if period is None or not Period.objects.filter(kind=Period.Kind.YEAR, year=previous_year).exists():
        return
    for municipality in Municipality.objects.order_by("name"):
        # The seeds set no thresholds and no targets: the demo draws them from the figures, and writes
        # the cycle's «Показатели» and «Методы сбора» from the catalogue.
        indicators_demo.thresholds_and_targets(municipality, year)
        indicators_demo.cycle_texts(municipality, year)
        head = access.acting_head(municipality)
        if head is None:
            continue
        made = _recommendations(municipality, period, head)
        _decision(municipality, period, head, made[0] if made else None)
        cycle_texts(municipality, period)


def _recommendations(municipality: Municipality, period: Period, by: User) -> list[Recommendation]:
    # Indicators with a risk group first, those that roadmap events carry out before the others.
    carried = Event.objects.filter(indicators=OuterRef("pk"))
    indicators = sorted(
        Indicator.objects.filter(municipality=municipality).annotate(carried=Exists(carried)),
        key=lambda i: (i.risk_threshold is None, not i.carried, i.code),
    )
    made: list[Recommendation] = []
    for indicator in indicators:
        if len(made) >= RECOMMENDATIONS_PER_MUNICIPALITY:
            break
        fields = _fields(indicator, period, by)
        if fields is None:
            continue
        recommendation = Recommendation.objects.filter(
            municipality=municipality, title=fields["title"]
        ).first()
        if recommendation is None:
            recommendation = services.recommendation_create(
                municipality=municipality, by=by, due_on=period.ends_on, **fields
            )
            services.recommendation_issue(recommendation=recommendation, by=by)
            # Issued after the spring monitoring of the demo year, not on the day the demo is loaded:
            # the answers and the decision of September follow it.
            issued = _moment(period, 6, 15)
            Recommendation.objects.filter(pk=recommendation.pk).update(issued_at=issued)
            recommendation.issued_at = issued
        made.append(recommendation)
    # The first recommendations are answered by every other organization addressed (through the
    # school's demo login where it has one), the last one by nobody yet: some answers are awaited.
    for recommendation in made[:-1] if len(made) > 1 else made:
        if recommendation.state != Recommendation.State.ISSUED or recommendation.responses.exists():
            continue
        logins = {role.organization_id: role.user for role in access.answering_accounts(recommendation)}
        addressed = sorted(
            recommendation.organizations.all(), key=lambda o: (o.pk not in logins, o.short_name)
        )
        Response.objects.bulk_create(
            Response(
                recommendation=recommendation,
                organization=organization,
                text=ANSWER,
                answered_by=logins.get(organization.pk),
                answered_at=_moment(period, 7, 10),
            )
            for organization in addressed[::2]
        )
    return made


def _moment(period: Period, month: int, day: int) -> datetime.datetime:
    """A working morning of the demo year, in the portal's time zone."""
    return datetime.datetime(period.year, month, day, 10, 0, tzinfo=timezone.get_current_timezone())


ANSWER = (
    "Проведён анализ причин на педагогическом совете, утверждён план мероприятий по повышению "
    "показателя, назначены ответственные."
)


def _decision(
    municipality: Municipality, period: Period, by: User, recommendation: Recommendation | None
) -> None:
    title = "О мерах по повышению показателей группы риска (демо)"
    if Decision.objects.filter(municipality=municipality, title=title).exists():
        return
    indicator = recommendation.indicator if recommendation else None
    if indicator is None:  # any indicator with values in the two latest demo years
        indicator = (
            Indicator.objects.filter(
                municipality=municipality,
                pk__in=IndicatorValue.objects.filter(
                    period=period, organization__isnull=True, value__isnull=False
                ).values("indicator"),
            )
            .order_by("code")
            .first()
        )
    # The events that carry out the decision: those that carry its indicator, else the first of the
    # roadmap of its direction.
    events = (
        list(Event.objects.filter(indicators=indicator).order_by("roadmap", "order", "pk")[:3])
        if indicator
        else []
    )
    if not events and indicator is not None and indicator.direction_id:
        events = list(
            Event.objects.filter(roadmap__direction=indicator.direction).order_by("roadmap", "order", "pk")[
                :1
            ]
        )
    decision = services.decision_create(
        municipality=municipality,
        by=by,
        kind=Decision.Kind.MEASURE,
        title=title,
        text="Организовать адресную методическую помощь организациям группы риска, провести семинары "
        "для руководителей и обеспечить контроль исполнения рекомендаций.",
        adopted_on=period.starts_on.replace(month=9, day=1),
        direction=(indicator.direction if indicator else None)
        or (recommendation.direction if recommendation else None),
        period=period,
        recommendations=[recommendation] if recommendation else [],
        events=events,
        indicators=[indicator] if indicator else [],
    )
    if indicator is not None:
        services.effectiveness_draft(decision, period, by)


def cycle_texts(municipality: Municipality, period: Period) -> None:
    """The year's «Меры», «Адресные рекомендации» and «Управленческие решения» components written
    from what the municipality has: the events of the direction's roadmaps, the recommendations and
    the decisions of the year, in the state the directions' demo gives the direction's components."""
    items = CycleComponent.objects.filter(
        cycle__direction__municipality=municipality,
        cycle__period=period,
        component__in=[Component.MEASURES, Component.RECOMMENDATIONS, Component.DECISIONS],
    ).select_related("cycle__direction__municipality", "cycle__period")
    texts: dict[tuple[int, str], list[str]] = {}
    roadmaps = Roadmap.objects.filter(municipality=municipality, direction__isnull=False).prefetch_related(
        "events"
    )
    for roadmap in roadmaps.order_by("pk"):
        lines = [
            f"{e.number} {' '.join(e.content.split())}".strip()
            for e in roadmap.events.order_by("order", "pk")
        ]
        texts.setdefault((roadmap.direction_id, Component.MEASURES), []).extend(
            [f"Мероприятия дорожной карты «{roadmap.title}»:", *lines]
        )
    for recommendation in Recommendation.objects.filter(municipality=municipality, period=period).order_by(
        "pk"
    ):
        texts.setdefault((recommendation.direction_id, Component.RECOMMENDATIONS), []).append(
            f"— {recommendation.title} (адресатов: {recommendation.organizations.count()})"
        )
    for decision in Decision.objects.filter(municipality=municipality, period=period).order_by("pk"):
        adopted = f" от {decision.adopted_on:%d.%m.%Y}" if decision.adopted_on else ""
        texts.setdefault((decision.direction_id, Component.DECISIONS), []).append(
            f"— {decision.title}{adopted}"
        )
    for item in items:
        lines = texts.get((item.cycle.direction_id, item.component))
        if lines:
            state = directions_demo.demo_state(item.cycle.direction, item.component)
            directions_demo.component_write(item, "\n".join(lines), state)
