from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import services
from indicators.models import Indicator, IndicatorValue, RecomputeRequest
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_indicator, make_period, put


def value(indicator, period, organization=None) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=indicator, period=period, organization=organization)


@pytest.fixture
def dpo(world):
    """Direction 2.3 of 000: the share of teachers trained in three years, per school and in total."""
    period = make_period("2025")
    total = make_element(world.municipality, "teachers_total")
    trained = make_element(world.municipality, "teachers_dpo")
    share = make_indicator(world.municipality, "2.3.1", "teachers_dpo", "teachers_total")
    return world, period, total, trained, share


def test_ratio_per_school_and_sum_over_sum_for_the_municipality(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, share = dpo
    with django_capture_on_commit_callbacks(execute=True):
        put(total, world.school, period, 40)
        put(trained, world.school, period, 30)
        put(total, world.other_school, period, 10)
        put(trained, world.other_school, period, 1)
    assert value(share, period, world.school).value == Decimal(75)
    assert value(share, period, world.other_school).value == Decimal(10)
    municipal = value(share, period)
    # Σ 31 / Σ 50 × 100 = 62 %, not the mean of 75 % and 10 % (42.5 %).
    assert (municipal.numerator, municipal.denominator, municipal.value) == (31, 50, 62)
    assert (municipal.reported, municipal.expected) == (2, 2)
    assert not RecomputeRequest.objects.exists()


def test_zero_and_missing_denominators_give_no_value_with_the_reason(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, share = dpo
    with django_capture_on_commit_callbacks(execute=True):
        put(total, world.school, period, 0)
        put(trained, world.school, period, 0)
        put(trained, world.other_school, period, 5)
    school = value(share, period, world.school)
    assert (school.value, school.reason) == (None, IndicatorValue.Reason.ZERO_DENOMINATOR)
    other = value(share, period, world.other_school)
    assert (other.value, other.reason) == (None, IndicatorValue.Reason.NO_DATA)
    municipal = value(share, period)
    assert (municipal.value, municipal.reported, municipal.expected) == (None, 0, 2)


def test_per_thousand_and_a_formula_with_arithmetic(world, django_capture_on_commit_callbacks):
    period = make_period("2025")
    pupils = make_element(world.municipality, "pupils")
    winners = make_element(world.municipality, "winners")
    prizes = make_element(world.municipality, "prizes")
    per_1000 = make_indicator(
        world.municipality, "П8", "winners + prizes", "pupils", factor=1000, unit="на 1000"
    )
    with django_capture_on_commit_callbacks(execute=True):
        for organization, values in [(world.school, (800, 3, 5)), (world.other_school, (200, 1, 1))]:
            for element, number in zip((pupils, winners, prizes), values, strict=True):
                put(element, organization, period, number)
    assert value(per_1000, period, world.school).value == Decimal(10)  # 8 / 800 × 1000
    assert value(per_1000, period, world.other_school).value == Decimal(10)  # 2 / 200 × 1000
    assert value(per_1000, period).value == Decimal(10)  # 10 / 1000 × 1000


def test_growth_rate_against_the_previous_period(world, django_capture_on_commit_callbacks):
    before, now = make_period("2024"), make_period("2025")
    graduates = make_element(world.municipality, "graduates")
    rate = make_indicator(world.municipality, "Т1", "graduates", kind=Indicator.Kind.GROWTH)
    with django_capture_on_commit_callbacks(execute=True):
        put(graduates, world.school, before, 50)
        put(graduates, world.school, now, 60)
        put(graduates, world.other_school, before, 50)
    assert value(rate, now, world.school).value == Decimal(120)
    other = value(rate, now, world.other_school)
    assert (other.value, other.reason) == (None, IndicatorValue.Reason.NO_DATA)
    assert value(rate, now).value == Decimal(120)  # 60 / 50: only the school with both periods
    # A change in the earlier period reaches this period's growth rate.
    with django_capture_on_commit_callbacks(execute=True):
        put(graduates, world.school, before, 40)
    assert value(rate, now, world.school).value == Decimal(150)


def test_single_values_sum_and_the_departments_own_figure_wins(world, django_capture_on_commit_callbacks):
    period = make_period("2025")
    teachers = make_element(world.municipality, "teachers")
    count = make_indicator(world.municipality, "П1", "teachers", unit="чел.")
    with django_capture_on_commit_callbacks(execute=True):
        put(teachers, world.school, period, 40)
        put(teachers, world.other_school, period, 15)
    assert value(count, period).value == Decimal(55)
    with django_capture_on_commit_callbacks(execute=True):
        put(teachers, None, period, 60)  # entered by the department for the whole municipality
    assert value(count, period).value == Decimal(60)


def test_a_ratio_of_the_departments_own_figures_gets_a_municipal_value(
    world, django_capture_on_commit_callbacks
):
    """Amursk's П9-like ratios: both terms are municipal figures the department enters itself."""
    period = make_period("2025")
    winners = make_element(world.municipality, "olympiad_winners", kinds=())
    participants = make_element(world.municipality, "olympiad_participants", kinds=())
    share = make_indicator(world.municipality, "П9", "olympiad_winners", "olympiad_participants")
    with django_capture_on_commit_callbacks(execute=True):
        put(winners, None, period, 12)
        put(participants, None, period, 80)
    municipal = value(share, period)
    assert (municipal.numerator, municipal.denominator, municipal.value) == (12, 80, Decimal(15))
    assert municipal.reason == ""


def test_an_indicator_awaiting_a_formula_says_so(world):
    period = make_period("2025")
    waiting = make_indicator(world.municipality, "П55", "")
    services.indicator_values_recompute(municipality=world.municipality, period=period)
    assert value(waiting, period).reason == IndicatorValue.Reason.NO_FORMULA


def test_one_changed_value_updates_the_indicator_through_the_task(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, share = dpo
    with django_capture_on_commit_callbacks(execute=True):
        for organization in (world.school, world.other_school):
            put(total, organization, period, 20)
            put(trained, organization, period, 10)
    assert value(share, period).value == Decimal(50)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        put(trained, world.school, period, 20)
    assert len(callbacks) == 1
    assert value(share, period, world.school).value == Decimal(100)
    assert value(share, period).value == Decimal(75)  # 30 / 40
    assert value(share, period, world.other_school).value == Decimal(50)


def test_a_rerun_writes_no_organization_row_and_a_change_rewrites_only_its_own(dpo):
    world, period, total, trained, share = dpo
    for organization in (world.school, world.other_school):
        put(total, organization, period, 20)
        put(trained, organization, period, 10)
    services.indicator_values_recompute(municipality=world.municipality, period=period)
    before = dict(IndicatorValue.objects.filter(organization__isnull=False).values_list("organization", "pk"))

    if connection.vendor == "postgresql":
        # The set-based path (indicators.sql) upserts only rows that differ: no row gets a new version.
        def versions():
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, ctid::text FROM indicators_indicatorvalue ORDER BY id")
                return cursor.fetchall()

        unchanged = versions()
        services.indicator_values_recompute(municipality=world.municipality, period=period)
        assert versions() == unchanged
    else:
        with CaptureQueriesContext(connection) as rerun:
            services.indicator_values_recompute(municipality=world.municipality, period=period)
        writes = [
            q["sql"]
            for q in rerun.captured_queries
            if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and "indicatorvalue" in q["sql"]
        ]
        assert len(writes) == 2  # the municipal rows only: one DELETE and one INSERT

    DataValue = services.DataValue
    DataValue.objects.filter(organization=world.school, data_element=trained).update(value=15)
    services.indicator_values_recompute(municipality=world.municipality, period=period)
    after = dict(IndicatorValue.objects.filter(organization__isnull=False).values_list("organization", "pk"))
    assert after == before  # rows kept, not re-inserted
    assert value(share, period, world.school).value == Decimal(75)
    assert value(share, period).value == Decimal("62.5")  # 25 / 40


def test_recompute_is_idempotent(dpo):
    world, period, total, trained, share = dpo
    put(total, world.school, period, 40)
    put(trained, world.school, period, 30)
    services.indicator_values_recompute(municipality=world.municipality, period=period)
    first = list(
        IndicatorValue.objects.order_by("organization_id").values_list("organization_id", "value", "reason")
    )
    services.indicator_values_recompute(municipality=world.municipality, period=period)
    assert (
        list(
            IndicatorValue.objects.order_by("organization_id").values_list(
                "organization_id", "value", "reason"
            )
        )
        == first
    )


def test_recompute_queries_do_not_grow_with_organizations(world):
    period = make_period("2025")
    total = make_element(world.municipality, "total")
    part = make_element(world.municipality, "part")
    make_indicator(world.municipality, "R1", "part", "total")
    make_indicator(world.municipality, "V1", "part")

    def queries_for(schools: int) -> int:
        while world.municipality.organizations.count() < schools:
            organization = make_organization(world.municipality)
            put(total, organization, period, 10)
            put(part, organization, period, 4)
        with CaptureQueriesContext(connection) as context:
            services.indicator_values_recompute(municipality=world.municipality, period=period)
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(20)


def test_data_values_write_queries_do_not_grow_with_entries(world):
    period = make_period("2025")
    schools = [make_organization(world.municipality) for _ in range(20)]

    def queries_for(count: int) -> int:
        element = make_element(world.municipality, f"total_{count}")
        entries = [services.Entry(element, school, period, Decimal(count)) for school in schools[:count]]
        with CaptureQueriesContext(connection) as context:
            services.data_values_write(entries=entries, source="import", by=None)
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(20)


def test_the_same_figure_from_another_source_records_it_without_a_recompute(world):
    from indicators.models import DataValue, RecomputeRequest

    period = make_period("2025")
    element = make_element(world.municipality, "total_confirmed")
    entry = services.Entry(element, world.school, period, Decimal(12))
    assert services.data_values_write(entries=[entry], source="import", by=None) == 1
    RecomputeRequest.objects.all().delete()
    assert services.data_values_write(entries=[entry], source="submission", by=world.respondent) == 0
    stored = DataValue.objects.get(data_element=element, organization=world.school, period=period)
    assert (stored.value, stored.source, stored.entered_by) == (Decimal(12), "submission", world.respondent)
    assert not RecomputeRequest.objects.exists()
