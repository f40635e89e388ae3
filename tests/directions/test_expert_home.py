"""The expert's home page names the positions waiting for their score, by evaluation and direction."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from directions import services
from directions.expert_home import expert_attention
from directions.models import Direction, Evaluation
from tests.directions.test_evaluation_views import make_catalogue, make_evaluation, make_period, score_of


@pytest.fixture
def year(world):
    period = make_period(2025)
    make_catalogue(world.municipality, period, since=make_period(2024))
    return period


def test_the_expert_sees_the_positions_waiting_for_a_score(client, world, year):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    client.force_login(world.expert)
    body = client.get(reverse("mcok:home")).content.decode()
    assert "Сейчас ничего не ждёт вашего решения" not in body
    assert "6 позиций ждут вашей оценки" in body
    assert "1.1 — 4, 2.1 — 2" in body
    assert f"{reverse('directions:evaluation', args=[evaluation.pk])}?direction=1.1" in body


def test_scored_positions_and_finished_evaluations_wait_for_nobody(world, year):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    for code in ("Ц.1", "Ц.2", "П.1", "М.1"):
        services.score_set(score=score_of(evaluation, "1.1", code), by=world.expert, value=Decimal(0))
    [item] = expert_attention(world.expert, [])
    assert "2.1 — 2" in item.text and "1.1" not in item.text
    assert item.url.endswith("?direction=2.1")
    Evaluation.objects.filter(pk=evaluation.pk).update(state=Evaluation.State.FINISHED)
    assert expert_attention(world.expert, []) == []


def test_a_partial_cycle_waits_only_for_its_managerial_positions(world, year):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    evaluation.partial_directions.add(Direction.objects.get(municipality=world.municipality, code="1.1"))
    [item] = expert_attention(world.expert, [])
    assert "1.1 — 1, 2.1 — 2" in item.text  # only М.1 of 1.1 (measures)


def test_others_and_other_municipalities_see_nothing_of_it(world, year):
    make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    assert expert_attention(world.coordinator, []) == []
    assert expert_attention(world.respondent, []) == []


def test_directions_sort_naturally_and_the_query_count_stays(world):
    period = make_period(2025)
    catalogue = {f"2.{n}": [("Ц.1", "goals", 1)] for n in (10, 2, 1)}
    make_catalogue(world.municipality, period, catalogue=catalogue)
    make_evaluation(world, period, kind=Evaluation.Kind.EXPERT)
    expert_attention(world.expert, [])  # the expert's roles are read once and kept
    with CaptureQueriesContext(connection) as context:
        [item] = expert_attention(world.expert, [])
    assert "2.1 — 1, 2.2 — 1, 2.10 — 1" in item.text
    small = len(context.captured_queries)
    make_catalogue(
        world.municipality, period, catalogue={f"3.{n}": [("Ц.1", "goals", 1)] for n in range(1, 8)}
    )
    services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.EXPERT, by=world.coordinator
    )
    with translation.override("ru"), CaptureQueriesContext(connection) as context:
        [item] = expert_attention(world.expert, [])
    assert len(context.captured_queries) == small
    assert "и ещё 5 направлений" in item.text
