"""A period the municipality uses because it holds data values (indicators.apps._period_use): the
periods with values of the municipality or its organizations are offered, another municipality's
are not, and finding them costs the same one query however many periods hold values."""

from datetime import date

from mcok.periods import municipality_periods
from tests.indicators.factories import make_element, make_period, put

TODAY = date(2025, 11, 20)


def _codes(municipality) -> set[str]:
    return {period.code for period in municipality_periods(municipality, today=TODAY)}


def test_the_periods_with_data_values_are_offered_and_no_others(world):
    element = make_element(world.municipality, "pupils")
    elsewhere = make_element(world.elsewhere, "pupils")
    for code in ("2016", "2019/20", "2021-Q2"):
        put(element, world.school, make_period(code), 10)
    put(elsewhere, world.elsewhere_school, make_period("2014"), 10)
    make_period("2018")  # no value in it

    own = _codes(world.municipality)
    assert {"2016", "2019/20", "2021-Q2"} <= own
    assert "2014" not in own and "2018" not in own
    assert "2014" in _codes(world.elsewhere)


def test_finding_them_costs_one_query_whatever_the_periods(world, count_queries):
    element = make_element(world.municipality, "pupils")

    def listing() -> int:
        return count_queries(lambda: list(municipality_periods(world.municipality, today=TODAY)))

    put(element, world.school, make_period("2016"), 1)
    few = listing()
    for year in range(2010, 2016):
        put(element, world.school, make_period(str(year)), 1)
        put(element, world.other_school, make_period(f"{year}-Q3"), 1)
    assert listing() == few == 1
    assert {str(year) for year in range(2010, 2017)} <= _codes(world.municipality)
