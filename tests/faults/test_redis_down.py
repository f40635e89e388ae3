"""Drill: Redis (the broker and the cache) is down while schools report.

The portal runs under gunicorn against the test database with a Redis of the drill's own, which the
drill stops. A school starts, saves and submits its form through the API with its token, and the
coordinator accepts it, which stores the answers as data values and asks for the indicators to be
recomputed: every request succeeds, and the request waits in the database (RecomputeRequest), not
in the lost queue. When Redis is back and a worker runs, the recompute that beat rings every minute
(sent here by hand, by name, as beat sends it) computes the indicator from the school's answers.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from indicators.models import DataValue, IndicatorValue, RecomputeRequest
from mcok import services as core_services
from monitoring import services as monitoring_services
from monitoring.models import Field, Form, Section, Submission
from tests.faults.support import (
    celery_client,
    database_url,
    needs_redis_server,
    on_postgresql,
    portal,
    redis_server,
    wait_until,
    worker_start,
)
from tests.indicators.factories import make_element, make_indicator

pytestmark = [on_postgresql, needs_redis_server, pytest.mark.django_db(transaction=True)]


def collection(world):
    """An open collection asking the school two numbers bound to data elements, and an indicator
    computed from them."""
    pupils = make_element(world.municipality, "PUPILS")
    passed = make_element(world.municipality, "PASSED")
    indicator = make_indicator(world.municipality, "PASS_RATE", "PASSED", "PUPILS", factor=100)
    form = Form.objects.create(municipality=world.municipality, title="Итоги года")
    section = Section.objects.create(form=form, title="Итоги", order=1)
    for order, element in enumerate([pupils, passed], start=1):
        Field.objects.create(
            form=form,
            section=section,
            code=element.code.lower(),
            label=element.code,
            kind=Field.Kind.INTEGER,
            min_value=0,
            order=order,
            data_element=element,
        )
    kind, year, number = core_services.period_parse("2025")
    period = core_services.period_get_or_create(kind=kind, year=year, number=number)
    today = timezone.localdate()
    campaign = monitoring_services.campaign_create(
        form=form,
        period=period,
        title="Итоги 2025 года",
        opens_on=today - datetime.timedelta(days=3),
        deadline=today + datetime.timedelta(days=3),
        organizations=[world.school],
        by=None,
    )
    monitoring_services.campaign_open(campaign=campaign)
    return campaign, indicator


def test_schools_report_while_redis_is_down_and_the_recompute_runs_when_it_is_back(world, tmp_path):
    campaign, indicator = collection(world)
    school = {"Authorization": f"Token {Token.objects.create(user=world.respondent).key}"}
    coordinator = {"Authorization": f"Token {Token.objects.create(user=world.coordinator).key}"}

    with (
        redis_server(tmp_path) as redis,
        portal(directory=tmp_path, database=database_url(), redis=redis.url) as server,
    ):
        redis.stop()
        assert not redis.answers()

        status, _headers, body = server.request(
            "/api/submissions/", method="POST", body={"campaign": campaign.pk}, headers=school
        )
        assert status == 201, body
        submission = Submission.objects.get(campaign=campaign, organization=world.school)
        path = f"/api/submissions/{submission.pk}/"
        answers = {"pupils": 80, "passed": 60}
        status, _headers, body = server.request(
            path + "save/", method="POST", body={"answers": answers, "base_revision": 0}, headers=school
        )
        assert status == 200, body
        assert server.request(path + "submit/", method="POST", headers=school)[0] == 200
        status, _headers, body = server.request(path + "accept/", method="POST", headers=coordinator)
        assert status == 200, body
        assert "Recompute not queued" in server.output()  # the doorbell failed, and said so

        # Nothing lost: the school's answers, stored as data values, and the request for a recompute.
        submission.refresh_from_db()
        assert submission.status == Submission.Status.ACCEPTED
        assert submission.answers == {"pupils": "80", "passed": "60"}
        stored = dict(
            DataValue.objects.filter(organization=world.school).values_list("data_element__code", "value")
        )
        assert stored == {"PUPILS": Decimal(80), "PASSED": Decimal(60)}
        assert RecomputeRequest.objects.filter(municipality=world.municipality).exists()
        assert not IndicatorValue.objects.filter(indicator=indicator).exists()

        redis.start()  # back, empty: whatever was queued before is gone
        client = celery_client(redis.url)
        worker = worker_start(broker_url=redis.url, directory=tmp_path, client=client, name="after-outage")
        try:
            client.send_task("indicators.tasks.indicator_values_recompute_pending", ignore_result=True)
            wait_until(lambda: not RecomputeRequest.objects.exists(), timeout=60, what="the recompute")
        finally:
            worker.stop()
            client.close()

    assert not RecomputeRequest.objects.exists()
    value = IndicatorValue.objects.get(indicator=indicator, organization=world.school, period=campaign.period)
    assert value.value == Decimal("75.0000")  # 60 of 80
    total = IndicatorValue.objects.get(indicator=indicator, organization=None, period=campaign.period)
    assert (total.numerator, total.denominator, total.reported) == (Decimal(60), Decimal(80), 1)
