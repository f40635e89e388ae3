"""Drill: the Celery worker is killed in the middle of a full recompute, and another one starts.

A formula change asks for every period of the municipality to be recomputed (the view's request
rows, one per period, and a ring), and a real worker starts on them. While it holds a period's
advisory lock with some periods already done, the whole worker group gets SIGKILL. Its message is
lost to the queue for the visibility timeout, but the unfinished periods' requests are still rows
in the database; a new worker, rung as beat rings every minute (here by hand, by name), finishes
them, and every indicator value equals a clean in-process recompute of the same data.
"""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction

from indicators import services, tasks
from indicators.models import DataElement, DataValue, Indicator, IndicatorValue, RecomputeRequest
from mcok.models import Organization
from tests.faults.support import (
    celery_client,
    needs_redis_server,
    on_postgresql,
    redis_server,
    wait_until,
    worker_start,
)
from tests.indicators.factories import make_period

pytestmark = [on_postgresql, needs_redis_server, pytest.mark.django_db(transaction=True)]

SCHOOLS = 150
ELEMENTS = 6
INDICATORS = 12
YEARS = ["2021", "2022", "2023", "2024"]
FIELDS = ("indicator_id", "period_id", "organization_id", "numerator", "denominator", "value", "reason")


def big_municipality(world):
    """SCHOOLS schools × ELEMENTS numbers × YEARS, INDICATORS ratios over them: a few seconds of work."""
    municipality = world.municipality
    schools = Organization.objects.bulk_create(
        Organization(
            municipality=municipality, kind="school", short_name=f"Школа {n}", full_name=f"Школа {n}"
        )
        for n in range(SCHOOLS)
    )
    elements = DataElement.objects.bulk_create(
        DataElement(municipality=municipality, code=f"E{n}", name=f"E{n}", kinds=["school"])
        for n in range(ELEMENTS)
    )
    periods = [make_period(code) for code in YEARS]
    DataValue.objects.bulk_create(
        (
            DataValue(
                data_element=element,
                municipality=municipality,
                organization=school,
                period=period,
                value=Decimal((s * 7 + e * 13 + p * 3) % 97 + 1),
                source=DataValue.Source.MANUAL,
            )
            for s, school in enumerate(schools)
            for e, element in enumerate(elements)
            for p, period in enumerate(periods)
        ),
        batch_size=5000,
    )
    Indicator.objects.bulk_create(
        Indicator(
            municipality=municipality,
            code=f"I{n}",
            name=f"I{n}",
            kind=Indicator.Kind.RATIO,
            unit="%",
            numerator=f"E{n % ELEMENTS}",
            denominator=f"E{(n + 1) % ELEMENTS} + E{(n + 2) % ELEMENTS}",
        )
        for n in range(INDICATORS)
    )
    return municipality, periods


def snapshot(municipality) -> dict:
    rows = IndicatorValue.objects.filter(municipality=municipality)
    return {
        (row[0], row[1], row[2]): row
        for row in rows.values_list(*FIELDS, "reported", "expected").order_by("pk")
    }


def advisory_holders() -> list[int]:
    """The backends holding a recompute's advisory lock in this database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return [pid for (pid,) in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_killed_workers_full_recompute_converges_after_a_new_worker_runs(world, tmp_path):
    municipality, periods = big_municipality(world)
    for period in periods:  # the values of the old formulas
        services.indicator_values_recompute(municipality=municipality, period=period)
    before = snapshot(municipality)

    with redis_server(tmp_path) as redis:
        client = celery_client(redis.url)
        first = worker_start(broker_url=redis.url, directory=tmp_path, client=client, name="first")
        try:
            # The coordinator changes the formulas: the view asks for every period and rings.
            ring = mock.patch.object(
                tasks.indicator_values_recompute_pending,
                "delay",
                lambda: client.send_task("indicators.tasks.indicator_values_recompute_pending"),
            )
            with ring, transaction.atomic():
                Indicator.objects.filter(municipality=municipality).update(denominator="E0 + E1 + E2")
                services.recompute_all_later(municipality)
            assert RecomputeRequest.objects.count() == len(periods)

            def mid_run():
                holders = advisory_holders()
                left = RecomputeRequest.objects.count()
                return holders if holders and 1 <= left < len(periods) else None

            holders = wait_until(
                mid_run, timeout=60, what="the worker in the middle of the recompute", interval=0.01
            )
            first.kill()
        finally:
            first.kill()
        # The killed worker's backend rolls its open period back when PostgreSQL notices it is gone.
        wait_until(lambda: not any(map(backend_alive, holders)), timeout=30, what="the killed backend's end")
        left = RecomputeRequest.objects.count()
        assert 1 <= left < len(periods)  # some periods done, the rest waiting in the database
        halfway = snapshot(municipality)
        assert halfway != before

        second = worker_start(broker_url=redis.url, directory=tmp_path, client=client, name="second")
        try:
            client.send_task("indicators.tasks.indicator_values_recompute_pending")  # beat's minute
            wait_until(lambda: not RecomputeRequest.objects.exists(), timeout=60, what="the second worker")
        finally:
            second.stop()
            client.close()
    converged = snapshot(municipality)

    # A clean run of the same data, in this process, from nothing.
    IndicatorValue.objects.filter(municipality=municipality).delete()
    for period in periods:
        services.indicator_values_recompute(municipality=municipality, period=period)
    clean = snapshot(municipality)

    assert len(clean) == len(periods) * INDICATORS * (
        SCHOOLS + 3
    )  # the world's own two schools and the total
    assert halfway != clean  # the kill left work undone
    assert converged == clean
