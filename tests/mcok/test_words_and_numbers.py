"""One way to write a number and a period, and the formula editor that offers names, not codes."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from indicators.models import DataElement
from mcok import exports, numbers
from mcok.models import Period
from mcok.text import period_in, period_with
from monitoring.entry import LiveIndicator
from tests.indicators.factories import make_indicator


def render(source: str, **context) -> str:
    return Template("{% load numbers periods %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("66.66"), "66,7"),
        (Decimal("62.45"), "62,5"),
        (Decimal("58.5"), "58,5"),
        (Decimal("-3"), "−3,0"),
    ],
)
def test_the_number_filter_rounds_half_up_with_a_decimal_comma(value, text):
    assert render("{{ v|number }}", v=value) == text
    assert render("{{ v|number:'%' }}", v=value) == f"{text} %"


def test_amount_drops_trailing_zeros_and_change_counts_points():
    assert render(
        "{{ a|amount }} {{ b|amount }} {{ c|amount }}", a=Decimal("12.00"), b=Decimal("4.50"), c=0.125
    ) == ("12 4,5 0,13")
    assert render("{{ d|change:'%' }}", d=Decimal("2.45")) == "+2,5 п.п."
    assert render("{{ n|number }}", n=None) == "—"


def test_the_schools_live_indicator_rounds_as_the_coordinators_page(world):
    indicator = make_indicator(world.municipality, "1.1.1", "a", "b", unit="%")
    live = LiveIndicator(indicator=indicator, value=Decimal("66.6667"))
    assert live.text.startswith("66,7")  # number_format would cut it to 66,6


def test_csv_numbers_have_a_decimal_comma_and_no_grouping():
    text = exports.csv_bytes(["Значение (value)"], [[Decimal("58.5")], [-2.5], [1234567], [Decimal("0.125")]])
    assert text.decode("utf-8-sig").splitlines() == ["Значение (value)", "58,5", "-2,5", "1234567", "0,125"]
    assert numbers.csv_number(True) == "1"


@pytest.mark.parametrize(
    ("kind", "number", "after_in", "after_with"),
    [
        ("year", 0, "в 2024 году", "с 2024 годом"),
        ("academic_year", 0, "в 2024/2025 учебном году", "с 2024/2025 учебным годом"),
        ("half_year", 1, "в 1 полугодии 2024 года", "с 1 полугодием 2024 года"),
        ("quarter", 3, "в 3 квартале 2024 года", "с 3 кварталом 2024 года"),
    ],
)
def test_a_period_after_a_preposition_is_declined(kind, number, after_in, after_with):
    period = Period(kind=kind, year=2024, number=number)
    assert period_in(period) == after_in
    assert period_with(period) == after_with
    assert render("{{ p|in_period }}; {{ p|with_period }}", p=period) == f"{after_in}; {after_with}"


def test_the_formula_editor_offers_elements_by_name_and_inserts_their_codes(client, world):
    for code, name in [
        ("t_2_3_10", "Число учителей"),
        ("a_total", "Всего обучающихся"),
        ("t_2_3_2", "Ёмкость"),
    ]:
        DataElement.objects.create(municipality=world.municipality, code=code, name=name, kinds=["school"])
    client.force_login(world.coordinator)
    page = client.get(f"{reverse('indicators:indicator_new')}?municipality={world.municipality.slug}")
    html = page.content.decode()
    assert page.status_code == 200
    codes = re.findall(r'class="element-pick" data-code="([^"]+)"', html)
    assert codes == ["a_total", "t_2_3_2", "t_2_3_10"]  # Всего, Ёмкость (as «Е»), Число
    assert 'id="element-search"' in html and "indicators/indicator_form.js" in html
