"""A score saved while the broker is down: the expert's save succeeds, and beat's pass over the open
evaluations computes what the lost doorbell would have."""

import logging
from decimal import Decimal
from unittest import mock

import pytest
from kombu.exceptions import OperationalError as BrokerError

from directions import services, tasks
from directions.models import Evaluation
from tests.directions.test_evaluation_views import (
    make_catalogue,
    make_evaluation,
    make_period,
    score_of,
    sheet_data,
    sheet_url,
)


@pytest.fixture
def year(world):
    period = make_period(2025)
    make_catalogue(world.municipality, period, since=make_period(2024))
    return period


def broker_down():
    return mock.patch.object(tasks.evaluation_compute, "delay", side_effect=BrokerError("Connection refused"))


def test_a_score_saved_while_the_broker_is_down_is_kept_and_computed_by_beat(
    world,
    year,
    django_capture_on_commit_callbacks,
    caplog,
):
    evaluation = make_evaluation(world, year)
    services.evaluation_compute(evaluation=evaluation)
    computed = Evaluation.objects.get(pk=evaluation.pk)
    total_before = computed.results["total"]

    with (
        broker_down(),
        caplog.at_level(logging.WARNING, logger="mcok.doorbell"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.score_set(score=score_of(evaluation, "1.1", "Ц.2"), by=world.expert, value=Decimal(3))

    assert score_of(evaluation, "1.1", "Ц.2").score == Decimal(3)  # the save stands
    assert "not queued" in caplog.text
    assert Evaluation.objects.get(pk=evaluation.pk).results["total"] == total_before  # not yet computed

    assert tasks.evaluations_compute_stale() == 1  # beat's pass
    after = Evaluation.objects.get(pk=evaluation.pk)
    assert after.results["total"] != total_before
    assert after.results == services.evaluation_compute(evaluation=after)  # what a direct compute gives
    assert tasks.evaluations_compute_stale() == 0  # nothing stale is left


def test_beat_leaves_computed_and_finished_evaluations_alone(world, year):
    evaluation = make_evaluation(world, year)
    services.score_set(score=score_of(evaluation, "1.1", "Ц.1"), by=world.expert, value=Decimal(1))
    services.evaluation_compute(evaluation=evaluation)
    assert tasks.evaluations_compute_stale() == 0
    Evaluation.objects.filter(pk=evaluation.pk).update(state=Evaluation.State.FINISHED, computed_at=None)
    assert tasks.evaluations_compute_stale() == 0


def test_saving_a_page_of_the_sheet_rings_one_recompute_however_many_rows_changed(
    client, world, year, django_capture_on_commit_callbacks
):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    client.force_login(world.expert)
    data = sheet_data(client, evaluation, "1.1", {"Ц.1": "1", "Ц.2": "1"})
    with (
        mock.patch.object(tasks.evaluation_compute, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(sheet_url(evaluation, "1.1"), data)
    assert response.status_code == 302
    assert [score_of(evaluation, "1.1", code).score for code in ("Ц.1", "Ц.2")] == [Decimal(1)] * 2
    delay.assert_called_once_with(evaluation.pk)
