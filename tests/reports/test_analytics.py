"""What an analytic report gathers: the right numbers for a direction and for the municipal summary,
in a number of queries that does not grow with the indicators and the organizations."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directions import fioko
from directions.models import Block, Component, Cycle, CycleComponent, Direction, Evaluation
from indicators.models import Indicator, IndicatorValue, Target
from mcok import services as core_services
from mcok.models import Organization, Period
from monitoring.models import Campaign, Form, Submission
from reports import analytics
from reports.models import Report
from roadmaps.models import Decision, Event, Occurrence, Recommendation, Response, Roadmap
from tests.factories import make_organization

TODAY = datetime.date(2025, 1, 15)  # after the report's year: its open events are overdue
LONG_NAME = "Средняя общеобразовательная школа села Верхнеозёрное"
SHORT_NAME = "Средняя общеобразовательная…"  # LONG_NAME as a chart draws it: only a chart has it


@dataclass
class ReportWorld:
    report: Report
    direction: Direction
    period: Period
    previous: Period
    indicators: list[Indicator]
    weak: Organization  # below the risk threshold in every indicator
    strong: list[Organization]
    overdue: Occurrence
    recommendation: Recommendation
    decision: Decision


def make_report_world(world, *, indicators: int = 2, schools: int = 2, conclusions: str = "") -> ReportWorld:
    """Direction 1.1 of the first municipality for 2024: its cycle with approved goals; `indicators`
    ratio indicators (unit %, risk threshold 50, target 70) with the municipal value 55,0 in 2023 and
    62,5 in 2024; `schools` organizations, the first (with a long name) at 40 and the others at 80;
    a recommendation to two of them with one answer; a decision on the first indicator; a roadmap
    with one instance done and one overdue; and a finished evaluation: goals 2 of 2, indicators 1
    of 2, so the direction's index is 75 %."""
    municipality = world.municipality
    core_services.periods_ensure(year=2023)
    core_services.periods_ensure(year=2024)
    previous, period = Period.objects.get(code="2023"), Period.objects.get(code="2024")
    # The world's direction 1.1 (world.coordinator coordinates it, world.executor executes it), as the
    # order names it.
    Block.objects.filter(code="1").update(name="Механизмы управления качеством образовательных результатов")
    direction = world.direction
    direction.refresh_from_db()
    direction.name = "Система оценки качества подготовки обучающихся"
    direction.goal = "Повышение качества подготовки обучающихся"
    direction.measures = "Мониторинг результатов ВПР\nАдресная методическая помощь"
    direction.valid_from = previous
    direction.save()
    cycle = Cycle.objects.create(direction=direction, period=period)
    CycleComponent.objects.create(
        cycle=cycle,
        component=Component.GOALS,
        state=CycleComponent.State.APPROVED,
        content="Цель: доля учителей с диагностикой не ниже 70 %.",
    )
    weak = make_organization(municipality, short_name=LONG_NAME)
    strong = [make_organization(municipality) for _ in range(schools - 1)]
    made = []
    for number in range(1, indicators + 1):
        indicator = Indicator.objects.create(
            municipality=municipality,
            direction=direction,
            code=f"П{number}",
            name=f"Доля педагогов, прошедших диагностику профессиональных дефицитов ({number})",
            unit="%",
            risk_threshold=Decimal(50),
        )
        Target.objects.create(indicator=indicator, period=period, value=Decimal(70))
        IndicatorValue.objects.create(
            indicator=indicator, period=previous, municipality=municipality, value=Decimal("55"), reported=2
        )
        IndicatorValue.objects.create(
            indicator=indicator,
            period=period,
            municipality=municipality,
            numerator=Decimal(25),
            denominator=Decimal(40),
            value=Decimal("62.5"),
            reported=schools,
            expected=schools + 1,
        )
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(
                    indicator=indicator,
                    period=period,
                    municipality=municipality,
                    organization=organization,
                    numerator=Decimal(value),
                    denominator=Decimal(100),
                    value=Decimal(value),
                )
                for organization, value in [(weak, 40), *[(school, 80) for school in strong]]
            ]
        )
        made.append(indicator)
    recommendation = Recommendation.objects.create(
        municipality=municipality,
        direction=direction,
        period=period,
        indicator=made[0],
        title="Организовать диагностику педагогов",
        text="Провести диагностику до 1 октября.",
        state=Recommendation.State.ISSUED,
        issued_at=datetime.datetime(2024, 3, 1, 10, tzinfo=datetime.UTC),
    )
    recommendation.organizations.set([weak, world.school])
    Response.objects.create(recommendation=recommendation, organization=weak, text="Диагностика проведена.")
    Recommendation.objects.create(  # a draft is not issued: left out
        municipality=municipality, direction=direction, period=period, title="Черновик", text="…"
    )
    decision = Decision.objects.create(
        municipality=municipality,
        direction=direction,
        period=period,
        title="Приказ о проведении диагностики",
        adopted_on=datetime.date(2024, 4, 1),
        effectiveness="Доля выросла с 55,0 до 62,5 %.",
    )
    decision.indicators.set([made[0]])
    roadmap = Roadmap.objects.create(
        municipality=municipality, direction=direction, title="Дорожная карта 1.1"
    )
    event = Event.objects.create(roadmap=roadmap, number="1.1", content="Семинар для руководителей ОО")
    Occurrence.objects.create(
        event=event,
        due_on=datetime.date(2024, 3, 1),
        state=Occurrence.State.DONE,
        done_on=datetime.date(2024, 2, 20),
    )
    overdue = Occurrence.objects.create(event=event, due_on=datetime.date(2024, 9, 30))
    Occurrence.objects.create(event=event, due_on=datetime.date(2025, 9, 30))  # another year: left out
    positions = [
        fioko.PositionScore("1", "1.1", "goals", "Ц.1", 2, 2),
        fioko.PositionScore("1", "1.1", "indicators", "П.1", 2, 1),
    ]
    Evaluation.objects.create(
        municipality=municipality,
        period=period,
        state=Evaluation.State.FINISHED,
        finished_at=timezone.now(),
        results=fioko.compute(positions).as_json(),
        created_by=world.coordinator,
    )
    report = Report.objects.create(
        municipality=municipality,
        kind=Report.Kind.DIRECTION,
        direction=direction,
        period=period,
        title="Аналитическая справка по направлению 1.1 за 2024 год",
        conclusions=conclusions or "Доля педагогов растёт.\n\nНужна помощь одной школе.",
        created_by=world.coordinator,
    )
    return ReportWorld(
        report=report,
        direction=direction,
        period=period,
        previous=previous,
        indicators=made,
        weak=weak,
        strong=strong,
        overdue=overdue,
        recommendation=recommendation,
        decision=decision,
    )


def test_direction_report_has_the_right_numbers(world):
    w = make_report_world(world)
    data = analytics.gather(w.report, today=TODAY)
    section = data.direction
    assert section.direction == w.direction

    first = section.indicators[0]
    assert [item.indicator.code for item in section.indicators] == ["П1", "П2"]
    assert first.value == Decimal("62.5") and first.value_text == "62,5 %"
    assert first.target == Decimal(70) and first.misses_target is True
    assert first.at_risk is False  # 62,5 is above the threshold 50
    assert (first.reported, first.expected) == (2, 3)
    assert [(point.period, point.value) for point in first.dynamics] == [
        (w.previous, Decimal("55")),
        (w.period, Decimal("62.5")),
    ]
    assert [row.name for row in first.organizations] == [LONG_NAME, w.strong[0].short_name]  # the worst first
    assert [row.name for row in first.risk_group] == [LONG_NAME]
    # the weak school is in the risk group of both indicators: one organization, counted once
    assert [row.name for item in section.indicators for row in item.risk_group] == [LONG_NAME, LONG_NAME]
    assert section.indicators_missing_target == 2 and section.organizations_at_risk == 1

    goals = section.components[0]
    assert len(section.components) == 9
    assert goals.component == Component.GOALS and goals.state == CycleComponent.State.APPROVED
    assert "70 %" in goals.content
    assert (
        section.components[1].state == CycleComponent.State.NOT_STARTED and section.components[1].item is None
    )

    assert [row.recommendation for row in section.recommendations] == [w.recommendation]
    assert (section.recommendations_addressees, section.recommendations_answered) == (2, 1)

    [decision] = section.decisions
    assert decision.decision == w.decision
    [effect] = decision.effects
    assert (effect.before, effect.after, effect.improved) == (Decimal("55"), Decimal("62.5"), True)

    roadmap = section.roadmap
    assert (roadmap.total, roadmap.done, roadmap.overdue, roadmap.in_progress, roadmap.planned) == (
        2,
        1,
        1,
        0,
        0,
    )
    assert roadmap.overdue_list == [w.overdue]

    indices = data.indices
    assert section.index.percent == Decimal("75.0")
    assert [(line.code, line.percent) for line in indices.components] == [
        ("goals", Decimal("100.0")),
        ("indicators", Decimal("50.0")),
    ]
    assert indices.total.percent == Decimal("75.0")
    assert [line.code for line in indices.blocks] == ["1"]

    assert data.conclusions == ["Доля педагогов растёт.", "Нужна помощь одной школе."]


def test_before_the_deadline_an_open_instance_is_planned_not_overdue(world):
    w = make_report_world(world)
    roadmap = analytics.gather(w.report, today=datetime.date(2024, 5, 1)).direction.roadmap
    assert (roadmap.done, roadmap.overdue, roadmap.planned) == (1, 0, 1)
    assert roadmap.overdue_list == []


def test_charts_are_drawn_from_the_same_figures(world):
    w = make_report_world(world)
    data = analytics.draw_charts(analytics.gather(w.report, today=TODAY))
    first = data.direction.indicators[0]
    assert first.line_chart.startswith("<svg") and "55,0" in first.line_chart and "62,5" in first.line_chart
    assert SHORT_NAME in first.bar_chart  # the long name, cut in the picture
    assert "75,0 %" in data.indices.chart


def test_an_evaluation_not_finished_gives_no_indices(world):
    w = make_report_world(world)
    Evaluation.objects.update(state=Evaluation.State.OPEN)
    data = analytics.gather(w.report, today=TODAY)
    assert data.indices is None and data.direction.index is None


def test_summary_covers_every_direction_in_force(world):
    w = make_report_world(world)
    second = Direction.objects.create(
        municipality=world.municipality,
        block=w.direction.block,
        code="1.2",
        name="Система выявления талантов",
        valid_from=w.previous,
    )
    Indicator.objects.create(
        municipality=world.municipality, direction=second, code="П9", name="Доля призёров"
    )
    Direction.objects.create(  # ended before 2024: not in the summary
        municipality=world.municipality,
        block=w.direction.block,
        code="1.9",
        name="Упразднённое направление",
        valid_from=w.previous,
        valid_until=w.previous,
    )
    form = Form.objects.create(municipality=world.municipality, title="Диагностика")
    late = Campaign.objects.create(
        municipality=world.municipality,
        form=form,
        period=w.period,
        title="Сбор 2024",
        state=Campaign.State.OPEN,
        opens_on=datetime.date(2024, 2, 1),
        deadline=datetime.date(2024, 3, 1),
    )
    late.organizations.set([world.school, world.other_school])
    Submission.objects.create(campaign=late, organization=world.school, status=Submission.Status.ACCEPTED)
    summary = Report.objects.create(
        municipality=world.municipality,
        kind=Report.Kind.SUMMARY,
        period=w.period,
        title="Сводная справка за 2024 год",
        created_by=world.coordinator,
    )
    data = analytics.gather(summary, today=TODAY)
    assert data.is_summary
    assert [section.direction.code for section in data.directions] == ["1.1", "1.2", "2.3"]
    first, second_section, _world_direction = data.directions
    assert [item.indicator.code for item in first.indicators] == ["П1", "П2"]
    assert first.indicators_missing_target == 2 and first.organizations_at_risk == 1  # one school, twice
    assert {state: count for state, _label, count in first.states} == {
        "not_started": 8,
        "drafted": 0,
        "approved": 1,
        "published": 0,
    }
    assert len(first.recommendations) == 1
    assert first.index.percent == Decimal("75.0") and second_section.index is None
    assert [item.indicator.code for item in second_section.indicators] == ["П9"]
    assert second_section.indicators[0].value is None
    assert data.indices.total.percent == Decimal("75.0")
    assert [(row.campaign, row.expected, row.done, row.missing) for row in data.late_campaigns] == [
        (late, 2, 1, 1)
    ]
    assert (data.roadmap.total, data.roadmap.overdue) == (2, 1)


def _queries(report: Report) -> int:
    with CaptureQueriesContext(connection) as context:
        analytics.draw_charts(analytics.gather(report, today=TODAY))
    return len(context.captured_queries)


@pytest.mark.parametrize("kind", [Report.Kind.DIRECTION, Report.Kind.SUMMARY])
def test_queries_do_not_grow_with_indicators_and_organizations(world, kind):
    small = make_report_world(world, indicators=1, schools=2)
    if kind == Report.Kind.SUMMARY:
        small.report.kind, small.report.direction = Report.Kind.SUMMARY, None
        small.report.save()
    few = _queries(small.report)

    # The same municipality grows: more indicators and organizations with values, more decisions.
    municipality, period = world.municipality, small.period
    schools = [make_organization(municipality) for _ in range(6)]
    for number in range(2, 7):
        indicator = Indicator.objects.create(
            municipality=municipality,
            direction=small.direction,
            code=f"П{number}",
            name=f"Показатель {number}",
        )
        Target.objects.create(indicator=indicator, period=period, value=Decimal(60))
        IndicatorValue.objects.create(
            indicator=indicator, period=period, municipality=municipality, value=Decimal(61)
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                indicator=indicator,
                period=period,
                municipality=municipality,
                organization=school,
                value=Decimal(50),
            )
            for school in schools
        )
        decision = Decision.objects.create(
            municipality=municipality, direction=small.direction, period=period, title=f"Решение {number}"
        )
        decision.indicators.set([indicator])
    many = _queries(small.report)
    assert len(analytics.gather(small.report, today=TODAY).indicators) == 6
    assert many == few


def test_the_indicators_summary_names_the_risk_groups_beside_the_threshold(client, world):
    """«хуже порога риска: 0» beside a risk group of schools reads as a contradiction: the sentence
    says what each number counts (indicators whose municipal value is worse, organizations in the
    risk groups), and the latter agrees with the risk group listed below."""
    w = make_report_world(world)
    client.force_login(world.coordinator)
    page = " ".join(client.get(reverse("reports:report", args=[w.report.pk])).content.decode().split())
    assert (
        "муниципальное значение ниже целевого: 2, хуже порога риска: 0; организаций в группах риска: 1."
        in page
    )
    assert "В группе риска 1 организация" in page
