from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from directions.models import Block, Direction
from indicators import selectors, services
from indicators.models import DataElement, Indicator, Target
from mcok.models import Period
from tests.factories import World
from tests.indicators.factories import make_element, make_indicator, make_period, put


@dataclass
class Catalogue:
    """Direction 2.3 of the first municipality with the share of teachers trained (ratio, risk below
    50 %) and the number of teachers (single value), figures for 2024 and 2025 computed; and an
    indicator of the second municipality that nobody of the first may see."""

    world: World
    before: Period
    now: Period
    direction: Direction
    total: DataElement
    trained: DataElement
    share: Indicator
    teachers: Indicator
    foreign: Indicator


def named_element(municipality, code: str, name: str) -> DataElement:
    element = make_element(municipality, code)
    element.name = name
    element.save()
    return element


def recompute(catalogue: Catalogue) -> None:
    for period in (catalogue.before, catalogue.now):
        services.indicator_values_recompute(municipality=catalogue.world.municipality, period=period)


def make_catalogue(world: World) -> Catalogue:
    before, now = make_period("2024"), make_period("2025")
    block = Block.objects.get_or_create(code="2", defaults={"name": "Механизмы управления качеством"})[0]
    direction = Direction.objects.create(
        municipality=world.municipality,
        block=block,
        code="2.3",
        name="Система повышения квалификации педагогов",
        valid_from=before,
    )
    total = named_element(world.municipality, "teachers_total", "Общее число педагогов")
    trained = named_element(world.municipality, "teachers_dpo", "Число педагогов, прошедших КПК")
    share = make_indicator(
        world.municipality,
        "2.3.1",
        "teachers_dpo",
        "teachers_total",
        name="Доля педагогов, прошедших КПК",
        direction=direction,
        risk_threshold=Decimal(50),
        method="Google Форма",
        source="Отчёты ОО",
    )
    teachers = make_indicator(
        world.municipality, "П1", "teachers_total", name="Число педагогов", unit="чел.", kind="value"
    )
    Target.objects.create(indicator=share, period=now, value=Decimal(70))
    for period, figures in [
        (before, [(world.school, 40, 20), (world.other_school, 10, 5)]),
        (now, [(world.school, 40, 30), (world.other_school, 10, 1)]),
    ]:
        for organization, number_total, number_trained in figures:
            put(total, organization, period, number_total)
            put(trained, organization, period, number_trained)
    foreign_element = make_element(world.elsewhere, "pupils")
    foreign = make_indicator(world.elsewhere, "E1", "pupils", name="Чужой показатель")
    catalogue = Catalogue(world, before, now, direction, total, trained, share, teachers, foreign)
    recompute(catalogue)
    services.indicator_values_recompute(municipality=world.elsewhere, period=now)
    assert foreign_element.pk
    return catalogue


@pytest.fixture
def catalogue(world) -> Catalogue:
    return make_catalogue(world)


# The formula in words


def test_a_ratio_reads_with_the_names_of_its_elements(catalogue):
    names = selectors.element_names(catalogue.world.municipality)
    assert (
        selectors.formula_in_words(catalogue.share, names)
        == "(Число педагогов, прошедших КПК) / (Общее число педагогов) × 100"
    )


def test_arithmetic_keeps_the_parentheses_it_needs():
    names = {"a": "Победители", "b": "Призёры", "c": "Участники", "n": "Обучающиеся"}
    indicator = Indicator(kind="ratio", numerator="a + b", denominator="n - (c + 2.5)", factor=1000)
    assert (
        selectors.formula_in_words(indicator, names)
        == "(Победители + Призёры) / (Обучающиеся − (Участники + 2,5)) × 1000"
    )
    indicator = Indicator(kind="ratio", numerator="a*(b+c)", denominator="n", factor=1)
    assert (
        selectors.formula_in_words(indicator, names) == "(Победители × (Призёры + Участники)) / (Обучающиеся)"
    )


def test_single_values_growth_rates_and_unknown_codes():
    names = {"a": "Выпускники"}
    assert selectors.formula_in_words(Indicator(kind="value", numerator="a + x"), names) == "Выпускники + x"
    growth = selectors.formula_in_words(Indicator(kind="growth", numerator="a"), names)
    assert growth.startswith("(Выпускники") and growth.endswith("× 100")
    assert selectors.formula_in_words(Indicator(kind="ratio", numerator=""), names) == ""


def test_a_formula_that_does_not_parse_is_shown_as_written():
    indicator = Indicator(kind="ratio", numerator="(a + b", denominator="n", factor=100)
    assert selectors.formula_in_words(indicator, {}) == "((a + b) / (n) × 100"


# The catalogue


def test_catalogue_carries_the_municipal_value_and_its_completeness(catalogue):
    world = catalogue.world
    rows = {
        i.code: i
        for i in selectors.catalogue(
            user=world.coordinator, municipality=world.municipality, period=catalogue.now
        )
    }
    assert list(rows) == ["П1", "2.3.1"]  # the shorter code first
    assert rows["2.3.1"].municipal_value == Decimal(62)  # Σ 31 / Σ 50 × 100
    assert (rows["2.3.1"].reported, rows["2.3.1"].expected) == (2, 2)
    assert rows["П1"].municipal_value == Decimal(50)
    earlier = selectors.catalogue(
        user=world.coordinator, municipality=world.municipality, period=catalogue.before
    )
    assert {i.code: i.municipal_value for i in earlier}["2.3.1"] == Decimal(50)


def test_catalogue_is_empty_for_schools_and_other_municipalities(catalogue):
    world = catalogue.world
    for user in (world.respondent, world.outsider):
        assert not selectors.catalogue(
            user=user, municipality=world.municipality, period=catalogue.now
        ).exists()
    assert not selectors.catalogue_municipalities(world.respondent).exists()
    assert list(selectors.catalogue_municipalities(world.outsider)) == [world.elsewhere]


def test_default_period_is_the_latest_year_with_values(catalogue):
    world = catalogue.world
    make_period("2026")  # a year with no values yet
    assert selectors.default_period(world.municipality) == catalogue.now
    assert selectors.default_period(world.municipality, catalogue.share) == catalogue.now


@time_machine.travel("2024-05-01 12:00 +0300", tick=False)
def test_without_values_the_default_period_is_the_current_year(world):
    make_period("2023")
    current = make_period("2024")
    make_period("2025")
    assert selectors.default_period(world.municipality) == current


# The indicator's page


def test_organizations_are_sorted_worst_first_with_the_risk_mark(catalogue):
    world = catalogue.world
    rows = selectors.organization_rows(
        user=world.coordinator, indicator=catalogue.share, period=catalogue.now
    )
    assert [(r.organization_id, r.value, r.at_risk) for r in rows] == [
        (world.other_school.pk, Decimal(10), True),
        (world.school.pk, Decimal(75), False),
    ]
    assert [r.organization_id for r in selectors.risk_group(rows)] == [world.other_school.pk]
    catalogue.share.higher_is_better = False  # now the highest share is the worst
    rows = selectors.organization_rows(
        user=world.coordinator, indicator=catalogue.share, period=catalogue.now
    )
    assert [r.organization_id for r in rows] == [world.school.pk, world.other_school.pk]
    assert [r.at_risk for r in rows] == [True, False]


def test_an_organization_without_a_value_comes_last_with_its_reason(catalogue):
    world = catalogue.world
    put(catalogue.total, world.school, catalogue.now, 0)
    recompute(catalogue)
    rows = selectors.organization_rows(
        user=world.coordinator, indicator=catalogue.share, period=catalogue.now
    )
    assert rows[-1].organization_id == world.school.pk
    assert (rows[-1].value, rows[-1].reason, rows[-1].at_risk) == (None, "Знаменатель равен нулю", False)


def test_dynamics_lists_the_periods_of_the_kind_with_targets(catalogue):
    world = catalogue.world
    series = selectors.dynamics(user=world.coordinator, indicator=catalogue.share, kind=Period.Kind.YEAR)
    assert [(row.period.code, row.value, row.target) for row in series] == [
        ("2024", Decimal(50), None),
        ("2025", Decimal(62), Decimal(70)),
    ]
    assert (series[1].numerator, series[1].denominator, series[1].reported, series[1].expected) == (
        31,
        50,
        2,
        2,
    )
    assert (
        selectors.dynamics(user=world.coordinator, indicator=catalogue.share, kind=Period.Kind.QUARTER) == []
    )


def test_a_school_reads_only_its_own_row(catalogue):
    world = catalogue.world
    rows = selectors.organization_rows(user=world.respondent, indicator=catalogue.share, period=catalogue.now)
    assert [r.organization_id for r in rows] == [world.school.pk]
