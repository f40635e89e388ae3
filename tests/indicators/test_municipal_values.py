"""The value of an indicator, read in one place (indicators.selectors.municipal_values): the
municipality's own computed row, never an organization's, for each indicator and period asked."""

from decimal import Decimal

from indicators import selectors, services
from tests.factories import make_municipality
from tests.indicators.factories import make_element, make_indicator, make_period, put


def test_the_value_is_the_municipalitys_row_of_each_period_and_not_a_schools(world):
    before, now = make_period("2024"), make_period("2025")
    element = make_element(world.municipality, "pupils")
    indicator = make_indicator(world.municipality, "1.1", "pupils")
    put(element, world.school, before, 10)
    put(element, world.school, now, 12)
    put(element, world.other_school, now, 20)
    for period in (before, now):
        services.indicator_values_recompute(municipality=world.municipality, period=period)

    values = selectors.municipal_values([indicator.pk], [before, now], [world.municipality])

    assert values == {(indicator.pk, before.pk): Decimal(10), (indicator.pk, now.pk): Decimal(32)}


def test_nothing_is_read_for_another_municipality(world):
    period = make_period("2025")
    element = make_element(world.municipality, "pupils")
    indicator = make_indicator(world.municipality, "1.1", "pupils")
    put(element, world.school, period, 10)
    services.indicator_values_recompute(municipality=world.municipality, period=period)

    assert selectors.municipal_values([indicator.pk], [period], [make_municipality()]) == {}
