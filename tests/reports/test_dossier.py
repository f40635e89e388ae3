"""The direction's dossier: the whole cycle of a period on the direction's page — the nine
components in FIOKO's groups with their documents, and the parts the apps hand in — in a number of
queries that does not grow with the items, saying plainly what is empty."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directions import dossier
from directions.models import Component, Cycle, CycleComponent, Position, Score
from indicators.models import Indicator, IndicatorValue
from monitoring.models import Submission
from roadmaps.models import Decision, Event, Occurrence, Recommendation, Roadmap
from tests.factories import make_direction, make_document, make_organization
from tests.monitoring.factories import make_campaign, make_form
from tests.reports.test_analytics import make_report_world


def _page(client, user, direction, period):
    client.force_login(user)
    return client.get(f"{reverse('directions:direction', args=[direction.pk])}?period={period.code}")


def test_the_nine_components_stand_in_fioko_groups_and_card_rows(world):
    w = make_report_world(world)
    cycle = Cycle.objects.get(direction=w.direction, period=w.period)
    groups = dossier.groups(w.direction, dossier.cycle_of(w.direction, w.period))
    assert [group.title for group in groups] == ["Концептуальный", "Процессуальный", "Управленческий"]
    lines = [line for group in groups for _row, _duty, row_lines in group.rows for line in row_lines]
    assert [line.component for line in lines] == list(Component.values)
    assert [group.size for group in groups] == [3, 3, 3]
    goals = lines[0]
    assert goals.item == cycle.components.get(component=Component.GOALS) and goals.row == 1
    assert all(line.item is None for line in lines[1:])  # not opened: shown as not started


def test_the_dossier_shows_every_part_with_its_figures(world, client):
    w = make_report_world(world)
    goals = CycleComponent.objects.get(cycle__direction=w.direction, component=Component.GOALS)
    goals.documents.add(
        make_document(world.municipality, title="Концепция МСОКО", url="https://example.ru/c")
    )
    response = _page(client, world.coordinator, w.direction, w.period)
    assert response.status_code == 200
    text = response.content.decode()
    for key in ("indicators", "collections", "recommendations", "decisions", "events", "evaluation"):
        assert f'data-testid="dossier-{key}"' in text, key
    assert "Концепция МСОКО" in text and "https://example.ru/c" in text
    assert "Концептуальный" in text and "Управленческий" in text
    # Indicators: 55,0 → 62,5 %, a change of percentages counted in points; the weak school is at risk.
    assert "55,0 %" in text and "62,5 %" in text and "+7,5 п.п." in text
    assert w.weak.short_name in text
    # The recommendation with one answer of two; the decision with its indicator's move.
    assert w.recommendation.title in text and "1 / 2" in text
    assert w.decision.title in text and "П1: 55,0 % → 62,5 %" in text
    # The overdue event is marked.
    assert "Семинар для руководителей ОО" in text and "просрочено" in text


def test_an_empty_dossier_says_what_is_missing(world, client):
    direction = world.other_direction
    period = make_report_world(world).period  # the periods exist; 2.3 has nothing in them
    response = _page(client, world.other_coordinator, direction, period)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="no-cycle"' in text
    assert "У направления пока нет показателей." in text
    assert "В этом периоде нет сборов по формам направления." in text
    assert "Рекомендаций по направлению за этот период не выдавалось." in text
    assert "Решений по направлению за этот период нет." in text
    assert "У направления нет дорожной карты." in text
    assert "В каталоге этого периода нет позиций направления." in text


def test_collections_of_the_direction_show_their_completeness(world, client):
    w = make_report_world(world)
    form = make_form(world.municipality, direction=w.direction, elements=False)
    campaign = make_campaign(
        world.municipality, form=form, period=w.period.code, organizations=[world.school, world.other_school]
    )
    Submission.objects.create(campaign=campaign, organization=world.school, status=Submission.Status.ACCEPTED)
    [section] = [
        s for s in dossier.sections(world.coordinator, w.direction, w.period) if s.key == "collections"
    ]
    [line] = section.items
    assert (line.campaign, line.done, line.expected, line.percent) == (campaign, 1, 2, 50)


def test_positions_show_the_self_assessment_beside_the_expert_score(world):
    w = make_report_world(world)  # its finished evaluation is a self-assessment
    position = Position.objects.create(
        municipality=world.municipality,
        period=w.period,
        direction=w.direction,
        component=Component.GOALS,
        code="Ц.1",
        text="Цели сформулированы",
        max_score=Decimal(2),
    )
    evaluation = w.direction.municipality.evaluations.get(period=w.period)
    Score.objects.create(evaluation=evaluation, position=position, score=Decimal(2))
    [section] = [
        s for s in dossier.sections(world.coordinator, w.direction, w.period) if s.key == "evaluation"
    ]
    [line] = section.items
    assert line.self_score.score == Decimal(2) and line.expert_score is None
    # The goals are approved but carry no document: the portal proposes less than the maximum.
    assert line.proposal is not None and line.proposal.score < position.max_score
    assert "75,0 %" in section.summary


def _grow(world, w, n):
    """`n` more of everything the dossier lists, for the direction and period of `w`."""
    municipality = world.municipality
    roadmap = Roadmap.objects.get(direction=w.direction)
    form = make_form(municipality, direction=w.direction, title=f"Форма {n}", elements=False)
    for i in range(n):
        school = make_organization(municipality)
        indicator = Indicator.objects.create(
            municipality=municipality, direction=w.direction, code=f"Р{n}{i}", name="Ещё", unit="%"
        )
        IndicatorValue.objects.create(
            indicator=indicator, period=w.period, municipality=municipality, organization=school, value=10
        )
        IndicatorValue.objects.create(
            indicator=indicator, period=w.period, municipality=municipality, value=10
        )
        recommendation = Recommendation.objects.create(
            municipality=municipality,
            direction=w.direction,
            period=w.period,
            indicator=indicator,
            title=f"Рекомендация {n}.{i}",
            text="…",
            state=Recommendation.State.ISSUED,
            issued_at=timezone.now(),
        )
        recommendation.organizations.set([school])
        event = Event.objects.create(roadmap=roadmap, number=f"{n}.{i}", content="Ещё мероприятие")
        Occurrence.objects.create(event=event, due_on=datetime.date(w.period.year, 6, 1))
        decision = Decision.objects.create(
            municipality=municipality, direction=w.direction, period=w.period, title=f"Решение {n}.{i}"
        )
        decision.indicators.set([indicator])
        decision.events.set([event])
        make_campaign(
            municipality, form=form, period=w.period.code, organizations=[school], title=f"Сбор {n}.{i}"
        )
        Position.objects.create(
            municipality=municipality,
            period=w.period,
            direction=w.direction,
            component=Component.MEASURES,
            code=f"М.{n}.{i}",
            text="…",
            max_score=1,
        )
        item = CycleComponent.objects.get_or_create(
            cycle=Cycle.objects.get(direction=w.direction, period=w.period),
            component=list(Component.values)[1 + (i % 8)],
        )[0]
        item.documents.add(make_document(municipality))


def test_the_dossier_takes_as_many_queries_for_many_items_as_for_few(world, client):
    w = make_report_world(world)
    _grow(world, w, 1)
    client.force_login(world.coordinator)
    url = f"{reverse('directions:direction', args=[w.direction.pk])}?period={w.period.code}"
    client.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(world, w, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and "Решение 6.5" in response.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_direction_of_another_municipality_has_no_dossier_for_an_outsider(world, client):
    make_direction(world.elsewhere, "1.1")
    w = make_report_world(world)
    response = _page(client, world.outsider, w.direction, w.period)
    assert response.status_code == 404


def test_the_dossier_reads_only_the_risk_group_and_finds_the_same_one(world):
    """The dossier asks the database for the organizations of the risk group alone; that group is the
    one the full figures give, for a threshold either way and none."""
    from reports import analytics

    w = make_report_world(world, indicators=3, schools=6)
    first, second, third = sorted(Indicator.objects.filter(direction=w.direction), key=lambda i: i.code)
    Indicator.objects.filter(pk=second.pk).update(higher_is_better=False, risk_threshold=Decimal(40))
    Indicator.objects.filter(pk=third.pk).update(risk_threshold=None)
    indicators = list(Indicator.objects.filter(direction=w.direction).order_by("code"))
    series = analytics._series(w.period)
    full = analytics.indicator_results(indicators, world.municipality, w.period, series)
    only = analytics.indicator_results(indicators, world.municipality, w.period, series, risk_group_only=True)
    assert [[row.organization_id for row in r.risk_group] for r in only] == [
        [row.organization_id for row in r.risk_group] for r in full
    ]
    assert any(r.risk_group for r in full)  # the comparison is about something
    assert all(row.at_risk for r in only for row in r.organizations)
    assert sum(len(r.organizations) for r in only) < sum(len(r.organizations) for r in full)
