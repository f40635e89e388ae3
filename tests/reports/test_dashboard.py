"""The dashboard of the department: who reads it, what each section shows from real rows, what it
leaves out, and that its queries do not grow with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directions import services as directions_services
from directions.models import (
    Block,
    Component,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    LevelBand,
    Responsibility,
)
from indicators.models import Indicator, IndicatorValue, Target
from mcok import services as core_services
from mcok.models import Municipality, Period, Role
from monitoring.models import Campaign, Extension, Submission
from reports import dashboard
from roadmaps.models import Event, Occurrence, Roadmap
from tests.factories import assign, make_official, make_organization, make_user_with_role
from tests.monitoring.factories import make_campaign, make_form

URL = reverse("reports:dashboard")
LAST_YEAR = timezone.localdate().year - 1  # every date of it is in the past, whatever the day


def in_last_year(month: int, day: int = 1) -> datetime.date:
    return datetime.date(LAST_YEAR, month, day)


@pytest.fixture(autouse=True)
def _only_the_tests_directions(world) -> None:
    """The dashboard lists every direction in force: each test makes its own, so the world's 1.1 and
    2.3 are left out."""
    world.direction.delete()
    world.other_direction.delete()


@pytest.fixture
def period(world) -> Period:
    core_services.periods_ensure(year=LAST_YEAR)
    return Period.objects.get(kind=Period.Kind.YEAR, year=LAST_YEAR)


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# Factories -----------------------------------------------------------------------------------------

_serial = iter(range(1, 100000))


def make_direction(municipality: Municipality, period: Period, *, name: str | None = None, **fields):
    n = next(_serial)
    block, _created = Block.objects.get_or_create(code="1", defaults={"name": "Механизмы результатов"})
    return Direction.objects.create(
        municipality=municipality,
        block=block,
        code=fields.pop("code", f"1.{n}"),
        name=name or f"Направление {n}",
        valid_from=period,
        **fields,
    )


def open_cycle(world, direction: Direction, period: Period) -> None:
    by = make_user_with_role(Role.Kind.COORDINATOR, municipality=direction.municipality)
    assign(by, direction, Duty.COORDINATOR)  # the direction's coordinator opens its cycle
    directions_services.cycle_open(direction=direction, period=period, by=by)


def make_indicator(municipality: Municipality, *, value, target=None, name=None, **fields) -> Indicator:
    n = next(_serial)
    period = fields.pop("period")
    indicator = Indicator.objects.create(
        municipality=municipality,
        code=fields.pop("code", f"П{n}"),
        name=name or f"Показатель {n}",
        unit="%",
        numerator="a",
        denominator="b",
        **fields,
    )
    IndicatorValue.objects.create(
        indicator=indicator, period=period, municipality=municipality, value=Decimal(str(value))
    )
    if target is not None:
        Target.objects.create(indicator=indicator, period=period, value=Decimal(str(target)))
    return indicator


def school_value(indicator: Indicator, period: Period, organization, value) -> None:
    IndicatorValue.objects.create(
        indicator=indicator,
        period=period,
        municipality=organization.municipality,
        organization=organization,
        value=Decimal(str(value)),
    )


def make_late_campaign(municipality, period: Period, organizations, *, title=None, **fields) -> Campaign:
    """A collection of the period that opened and ended in it, asking `organizations`."""
    campaign = make_campaign(
        municipality,
        form=make_form(municipality, elements=False),
        organizations=organizations,
        period=period.code,
        title=title or f"Сбор {next(_serial)}",
        **fields,
    )
    Campaign.objects.filter(pk=campaign.pk).update(opens_on=in_last_year(3), deadline=in_last_year(4))
    campaign.refresh_from_db()
    return campaign


def make_roadmap(municipality, title: str | None = None) -> Roadmap:
    return Roadmap.objects.create(municipality=municipality, title=title or f"Дорожная карта {next(_serial)}")


def make_occurrence(roadmap: Roadmap, *, content=None, due_on=None, **fields) -> Occurrence:
    event = Event.objects.create(
        roadmap=roadmap,
        number=f"{next(_serial)}.",
        content=content or f"Мероприятие {next(_serial)}",
        responsible_text=fields.pop("responsible_text", ""),
    )
    return Occurrence.objects.create(event=event, due_on=due_on or in_last_year(5), **fields)


# Who reads it --------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["administrator", "coordinator", "executor", "operator", "expert"])
def test_the_municipality_staff_read_their_dashboard(client, world, period, actor):
    response = page(client, getattr(world, actor), period=period.code)
    assert response.status_code == 200
    assert response.context["municipality"] == world.municipality
    assert response.context["period"] == period


@pytest.mark.parametrize("actor", ["respondent", "head", "outsider_school"])
def test_a_school_user_is_refused(client, world, period, actor):
    assert page(client, getattr(world, actor)).status_code == 403
    assert page(client, getattr(world, actor), municipality=world.municipality.slug).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response.url


def test_another_municipality_answers_like_an_absent_one(client, world, period):
    assert page(client, world.outsider, municipality=world.municipality.slug).status_code == 404
    assert page(client, world.outsider, municipality="absent-slug").status_code == 404
    response = page(client, world.outsider)
    assert response.status_code == 200
    assert response.context["municipality"] == world.elsewhere


def test_an_instance_administrator_chooses_the_municipality(client, world, period):
    administrator = make_user_with_role(Role.Kind.ADMINISTRATOR)
    response = page(client, administrator, municipality=world.elsewhere.slug, period=period.code)
    assert response.context["municipality"] == world.elsewhere
    text = body(response)
    assert f'value="{world.municipality.slug}"' in text  # the choice of municipality is offered


# The period ----------------------------------------------------------------------------------------


def test_the_period_is_read_by_code_or_by_id(client, world, period):
    assert page(client, world.coordinator, period=period.code).context["period"] == period
    assert page(client, world.coordinator, period=str(period.pk)).context["period"] == period


def test_an_unknown_period_is_explained_not_a_crash(client, world, period):
    for asked in ("1812/13", "x" * 300, "9" * 40, "-1"):
        response = page(client, world.coordinator, period=asked)
        assert response.status_code == 200
        assert response.context["problem"]
        assert response.context["period"] == period  # the default, said so in the message


def test_by_default_the_latest_year_with_data(client, world, period):
    core_services.periods_ensure(year=LAST_YEAR + 1)  # the current year, with no data
    make_indicator(world.municipality, period=period, value=10)
    assert page(client, world.coordinator).context["period"] == period


# 1. The management cycle ---------------------------------------------------------------------------


def test_the_cycle_matrix_shows_states_in_words_and_counts_the_published(client, world, period):
    direction = make_direction(world.municipality, period, name="Система оценки качества подготовки")
    open_cycle(world, direction, period)
    CycleComponent.objects.filter(cycle__direction=direction).update(due_on=None)
    CycleComponent.objects.filter(cycle__direction=direction, component=Component.GOALS).update(
        state=CycleComponent.State.PUBLISHED
    )
    CycleComponent.objects.filter(cycle__direction=direction, component=Component.INDICATORS).update(
        due_on=in_last_year(2)
    )
    unopened = make_direction(world.municipality, period, name="Система без цикла")
    core_services.periods_ensure(year=LAST_YEAR + 1)
    later = Period.objects.get(kind=Period.Kind.YEAR, year=LAST_YEAR + 1)
    make_direction(world.municipality, later, name="Направление следующего года")

    response = page(client, world.coordinator, period=period.code)
    text = body(response)
    cycles = response.context["board"].cycles
    assert [row.direction for row in cycles.rows] == [direction, unopened]
    assert (cycles.published, cycles.components_total, cycles.overdue, cycles.without_cycle) == (1, 9, 1, 1)
    assert cycles.rows[0].published == 1
    assert "Система оценки качества подготовки" in text
    assert "Направление следующего года" not in text
    assert "опубликован<" in text and "не начат<" in text  # the states in words
    assert f"{direction.get_absolute_url()}?period={period.code}" in text


# 2. The FIOKO indices ------------------------------------------------------------------------------


RESULTS = {
    "total": {"score": 17, "max": 30, "percent": 56.7},
    "blocks": {"1": {"score": 17, "max": 20, "percent": 85.0}, "2": {"score": 0, "max": 10, "percent": 0.0}},
    "directions": {
        "1.1": {"score": 17, "max": 20, "percent": 85.0},
        "2.1": {"score": 0, "max": 10, "percent": 0.0},
    },
    "components": {},
}


def make_finished_evaluation(municipality, period, results, *, by, kind=Evaluation.Kind.SELF) -> Evaluation:
    return Evaluation.objects.create(
        municipality=municipality,
        period=period,
        kind=kind,
        state=Evaluation.State.FINISHED,
        results=results,
        created_by=by,
        finished_at=timezone.now(),
    )


def test_the_indices_of_the_finished_evaluation_with_their_levels(client, world, period):
    world.municipality.region = "Республика Башкортостан"
    world.municipality.save()
    for bound, label in ((0, "низкий"), (50, "средний"), (80, "высокий")):
        LevelBand.objects.create(
            region="Республика Башкортостан", period=period, lower_percent=bound, label=label
        )
    make_direction(world.municipality, period, code="1.1", name="Оценка качества подготовки")
    evaluation = make_finished_evaluation(world.municipality, period, RESULTS, by=world.coordinator)

    response = page(client, world.coordinator, period=period.code)
    text = body(response)
    indices = response.context["board"].indices
    assert indices.evaluation == evaluation
    assert indices.total.percent_text == "56,7 %" and indices.total.level == "средний"
    assert [(line.code, line.percent_text, line.level) for line in indices.directions] == [
        ("1.1", "85,0 %", "высокий"),
        ("2.1", "0,0 %", "низкий"),
    ]
    assert "56,7 %" in text and "средний" in text
    assert "<svg" in text and "1.1 Оценка качества подготовки: 85,0 %" in text  # the chart reads its figures
    assert reverse("directions:evaluation_results", args=[evaluation.pk]) in text


def test_an_evaluation_in_progress_is_not_shown(client, world, period):
    evaluation = make_finished_evaluation(world.municipality, period, RESULTS, by=world.coordinator)
    Evaluation.objects.filter(pk=evaluation.pk).update(state=Evaluation.State.OPEN)
    response = page(client, world.coordinator, period=period.code)
    assert response.context["board"].indices is None
    assert "56,7" not in body(response)


# 3. Indicators in the risk zone --------------------------------------------------------------------


def test_indicators_that_miss_their_target_or_threshold_appear_the_worst_first(client, world, period):
    m = world.municipality
    slightly = make_indicator(m, period=period, value=55, target=60, name="Чуть ниже цели")
    far = make_indicator(m, period=period, value=20, target=60, name="Далеко от цели")
    make_indicator(m, period=period, value=80, target=60, name="Выше цели")
    make_indicator(
        m, period=period, value=3, target=5, higher_is_better=False, name="Меньше — лучше, в норме"
    )
    costly = make_indicator(
        m, period=period, value=15, higher_is_better=False, risk_threshold=10, name="Выше порога риска"
    )
    make_indicator(m, period=period, value=50, name="Без цели и порога")
    school_value(far, period, world.school, 10)
    school_value(far, period, world.other_school, 70)
    for school, value in ((world.school, 5), (world.other_school, 30)):
        school_value(costly, period, school, value)
    Indicator.objects.filter(pk=far.pk).update(risk_threshold=50)

    response = page(client, world.coordinator, period=period.code)
    text = body(response)
    rows = response.context["board"].risks
    assert [row.indicator for row in rows] == [far, costly, slightly]
    assert rows[0].misses_target and rows[0].beyond_threshold
    assert (rows[0].organizations_at_risk, rows[0].organizations_reported) == (1, 2)
    assert rows[1].beyond_threshold and not rows[1].misses_target
    assert (rows[1].organizations_at_risk, rows[1].organizations_reported) == (1, 2)
    assert "Далеко от цели" in text and "20,0 %" in text
    assert "Выше цели" not in text and "в норме" not in text and "Без цели и порога" not in text
    assert f"{reverse('indicators:indicator', args=[far.pk])}?period={period.code}" in text


def test_a_value_of_another_period_does_not_count(client, world, period):
    core_services.periods_ensure(year=LAST_YEAR - 1)
    before = Period.objects.get(kind=Period.Kind.YEAR, year=LAST_YEAR - 1)
    make_indicator(world.municipality, period=before, value=10, target=60, name="Прошлогодний провал")
    response = page(client, world.coordinator, period=period.code)
    assert response.context["board"].risks == []
    assert "Прошлогодний провал" not in body(response)


# 4. Late collections -------------------------------------------------------------------------------


def test_a_late_collection_with_a_missing_school_appears(client, world, period):
    m = world.municipality
    late = make_late_campaign(m, period, [world.school, world.other_school], title="Диагностика учителей")
    Submission.objects.create(
        campaign=late, organization=world.other_school, status=Submission.Status.SUBMITTED
    )
    Submission.objects.create(campaign=late, organization=world.school, status=Submission.Status.DRAFT)
    complete = make_late_campaign(m, period, [world.school], title="Все сдали")
    Submission.objects.create(campaign=complete, organization=world.school, status=Submission.Status.ACCEPTED)
    extended = make_late_campaign(m, period, [world.school], title="Продлённый срок")
    Extension.objects.create(
        campaign=extended,
        organization=world.school,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    closed = make_late_campaign(m, period, [world.school], title="Закрытый без ответа")
    Campaign.objects.filter(pk=closed.pk).update(state=Campaign.State.CLOSED)
    draft = make_late_campaign(m, period, [world.school], title="Черновик сбора")
    Campaign.objects.filter(pk=draft.pk).update(state=Campaign.State.DRAFT)

    response = page(client, world.coordinator, period=period.code)
    text = body(response)
    board = response.context["board"]
    assert [(item.campaign.title, item.missing, item.expected) for item in board.late] == [
        ("Диагностика учителей", 1, 2),
        ("Закрытый без ответа", 1, 1),
    ]
    assert board.missing == 2
    assert board.late[0].days_late == (timezone.localdate() - in_last_year(4)).days
    assert "Диагностика учителей" in text
    for absent in ("Все сдали", "Продлённый срок", "Черновик сбора"):
        assert absent not in text
    assert f"{reverse('monitoring:campaign', args=[late.pk])}?status=late" in text


# 5. Overdue events ---------------------------------------------------------------------------------


def test_an_overdue_event_appears_and_a_done_one_does_not(client, world, period):
    roadmap = make_roadmap(world.municipality, "Дорожная карта по функциональной грамотности")
    overdue = make_occurrence(
        roadmap, content="Провести диагностику читательской грамотности", responsible_text="ИМЦ"
    )
    make_occurrence(roadmap, content="Совещание руководителей", state=Occurrence.State.DONE)
    make_occurrence(roadmap, content="Отменённый семинар", state=Occurrence.State.CANCELLED)
    make_occurrence(
        roadmap, content="Будущий отчёт", due_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    named = make_occurrence(roadmap, content="Методический день", due_on=in_last_year(3))
    named.event.responsible_officials.add(make_official(world.municipality, full_name="Петрова В.В."))
    named.event.responsible_organizations.add(world.school)

    response = page(client, world.coordinator, period=period.code)
    text = body(response)
    rows = response.context["board"].overdue.rows
    assert [row.occurrence for row in rows] == [named, overdue]  # the longest overdue first
    assert rows[1].days == (timezone.localdate() - in_last_year(5)).days
    assert rows[0].responsible == f"Петрова В.В., {world.school.short_name}"
    assert "Провести диагностику читательской грамотности" in text and "ИМЦ" in text
    for absent in ("Совещание руководителей", "Отменённый семинар", "Будущий отчёт"):
        assert absent not in text
    assert reverse("roadmaps:occurrence", args=[overdue.pk]) in text
    assert reverse("roadmaps:overdue") in text


def test_only_the_first_fifty_overdue_events_are_listed(client, world, period):
    roadmap = make_roadmap(world.municipality)
    for n in range(dashboard.OVERDUE_SHOWN + 2):
        make_occurrence(roadmap, due_on=in_last_year(1) + datetime.timedelta(days=n))
    overdue = page(client, world.coordinator, period=period.code).context["board"].overdue
    assert overdue.total == dashboard.OVERDUE_SHOWN + 2
    assert len(overdue.rows) == dashboard.OVERDUE_SHOWN
    assert overdue.rows[0].occurrence.due_on == in_last_year(1)


# Another municipality ------------------------------------------------------------------------------


def test_another_municipality_data_never_appears(client, world, period):
    other = world.elsewhere
    direction = make_direction(other, period, name="ЧУЖОЕ-направление")
    open_cycle(world, direction, period)
    make_finished_evaluation(
        other, period, {**RESULTS, "total": {"score": 1, "max": 3, "percent": 33.3}}, by=world.outsider
    )
    make_indicator(other, period=period, value=1, target=90, name="ЧУЖОЙ-показатель")
    make_late_campaign(other, period, [world.elsewhere_school], title="ЧУЖОЙ-сбор")
    make_occurrence(make_roadmap(other, "ЧУЖАЯ-карта"), content="ЧУЖОЕ-мероприятие")

    text = body(page(client, world.coordinator, period=period.code))
    assert "ЧУЖ" not in text and "33,3" not in text
    # …while its own coordinator sees all of it.
    text = body(page(client, world.outsider, period=period.code))
    for marker in ("ЧУЖОЕ-направление", "33,3 %", "ЧУЖОЙ-показатель", "ЧУЖОЙ-сбор", "ЧУЖОЕ-мероприятие"):
        assert marker in text


# Queries -------------------------------------------------------------------------------------------


def add_rows(world, period: Period, roadmap: Roadmap, schools: list) -> None:
    """One more of everything: a direction with its cycle, an indicator at risk with the schools'
    values, a late collection asking the schools, an overdue event with responsible people."""
    m = world.municipality
    direction = make_direction(m, period)
    open_cycle(world, direction, period)
    Responsibility.objects.create(direction=direction, duty=Duty.COORDINATOR, official=make_official(m))
    Responsibility.objects.create(direction=direction, duty=Duty.EXECUTOR, official=make_official(m))
    indicator = make_indicator(m, period=period, value=10, target=50, risk_threshold=40)
    for school in schools:
        school_value(indicator, period, school, 20)
    make_late_campaign(m, period, schools)
    occurrence = make_occurrence(roadmap)
    occurrence.event.responsible_officials.add(make_official(m))
    occurrence.event.responsible_organizations.add(*schools)


def test_queries_do_not_grow_with_the_rows(client, world, period):
    make_finished_evaluation(world.municipality, period, RESULTS, by=world.coordinator)
    LevelBand.objects.create(region="", period=period, lower_percent=0, label="низкий")
    roadmap = make_roadmap(world.municipality)
    schools = [world.school, world.other_school]
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(URL, {"period": period.code}).status_code == 200
        return len(context.captured_queries)

    add_rows(world, period, roadmap, schools)
    small = queries()
    schools += [make_organization(world.municipality) for _ in range(3)]
    for _ in range(4):
        add_rows(world, period, roadmap, schools)
    board = client.get(URL, {"period": period.code}).context["board"]
    assert (len(board.cycles.rows), len(board.risks), len(board.late), board.overdue.total) == (5, 5, 5, 5)
    assert queries() == small
