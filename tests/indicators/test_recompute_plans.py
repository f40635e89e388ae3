"""The set-based recompute (indicators.sql) keeps its shape whatever PostgreSQL's statistics say, and
what else changes the expected organizations asks for a recompute (indicators.signals).

A table analysed while it held no indicator values (a new municipality, a new period, a restored
copy) makes the planner believe it is empty until autovacuum catches up. The comparison of the rows
computed with the rows stored was a NOT EXISTS, which the planner then ran as a nested loop over
every computed row for every stored row: 10 minutes for 2,000 organizations × 60 indicators instead
of 2 seconds. It is now a FULL JOIN, which PostgreSQL can only run by hash or merge."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from indicators import services, sql
from indicators.models import DataValue, Indicator, IndicatorValue, RecomputeRequest
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_indicator, make_period, put

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans of PostgreSQL")


def _statement(municipality, period, organization=None) -> tuple[str, dict]:
    """The organizations' statement the recompute would run now."""
    captured = []
    real = sql._organizations_statement

    def capture(scope, **options):
        captured.append(real(scope, **options))
        return captured[-1]

    sql._organizations_statement = capture
    try:
        with transaction.atomic():
            services.indicator_values_recompute(
                municipality=municipality, period=period, organization=organization
            )
            transaction.set_rollback(True)
    finally:
        sql._organizations_statement = real
    return captured[0]


def _plan(statement: tuple[str, dict]) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.SETTINGS)
        cursor.execute("EXPLAIN " + statement[0], statement[1])
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql
def test_stored_rows_are_compared_by_a_full_join_even_when_the_statistics_say_none(world):
    municipality = world.municipality
    period = make_period("2025")
    pupils, passed = make_element(municipality, "pupils"), make_element(municipality, "passed")
    for number in range(3):
        make_indicator(municipality, f"R{number}", "passed", "pupils")
    schools = [world.school, world.other_school, *(make_organization(municipality) for _ in range(20))]
    for number, school in enumerate(schools):
        put(pupils, school, period, 100 + number)
        put(passed, school, period, 50 + number)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IndicatorValue._meta.db_table}")  # analysed while empty
    services.indicator_values_recompute(municipality=municipality, period=period)
    assert IndicatorValue.objects.filter(period=period, organization__isnull=False).count() == 3 * len(
        schools
    )

    plan = _plan(_statement(municipality, period))
    assert "Hash Full Join" in plan  # the rows computed against the rows stored
    assert "Anti Join" not in plan


@postgresql
def test_one_organization_redoes_only_the_municipal_rows_its_change_touched(world):
    municipality = world.municipality
    period = make_period("2025")
    a, b, c = (make_element(municipality, code) for code in "abc")
    make_indicator(municipality, "AB", "a", "b")
    make_indicator(municipality, "CB", "c", "b")
    for school in (world.school, world.other_school):
        for element in (a, b, c):
            put(element, school, period, 10)
    services.indicator_values_recompute(municipality=municipality, period=period)

    redone = []
    real = sql._municipal_statement

    def municipal(scope):
        redone.append(sorted(item.indicator.code for item in scope.items))
        return real(scope)

    sql._municipal_statement = municipal
    try:
        DataValue.objects.filter(data_element=a, organization=world.school).update(value=Decimal(5))
        services.indicator_values_recompute(
            municipality=municipality, period=period, organization=world.school
        )
        services.indicator_values_recompute(
            municipality=municipality, period=period, organization=world.school
        )
    finally:
        sql._municipal_statement = real

    assert redone == [["AB"]]  # then nothing changed: no municipal statement at all
    total = IndicatorValue.objects.get(period=period, organization=None, indicator__code="AB")
    assert total.value == Decimal("75.0000")  # (5 + 10) / (10 + 10) × 100
    assert IndicatorValue.objects.get(period=period, organization=None, indicator__code="CB").value == 100


def test_an_organization_that_closes_asks_for_every_period_to_be_recomputed(world):
    municipality = world.municipality
    period = make_period("2025")
    make_indicator(municipality, "P", "pupils")
    put(make_element(municipality, "pupils"), world.school, period, 10)
    RecomputeRequest.objects.all().delete()

    world.other_school.short_name = "Новое имя"
    world.other_school.save()
    assert not RecomputeRequest.objects.exists()  # a new name changes no value

    world.other_school.is_active = False
    world.other_school.save()
    assert list(RecomputeRequest.objects.values_list("period", "organization")) == [(period.pk, None)]


def test_a_data_element_reported_by_other_kinds_asks_for_a_recompute(world):
    municipality = world.municipality
    period = make_period("2025")
    pupils = make_element(municipality, "pupils")
    make_indicator(municipality, "P", "pupils")
    put(pupils, world.school, period, 10)
    RecomputeRequest.objects.all().delete()

    pupils.name = "Обучающиеся"
    services.data_element_save(element=pupils)
    assert not RecomputeRequest.objects.exists()

    pupils.kinds = ["school", "kindergarten"]
    services.data_element_save(element=pupils)
    assert RecomputeRequest.objects.filter(period=period, organization=None).count() == 1
    assert Indicator.objects.filter(code="P").exists()
