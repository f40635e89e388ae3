from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators import formulas


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a / b * 100", Decimal(25)),
        ("(a + b) × 2", Decimal(10)),
        ("a − -b", Decimal(5)),
        ("3,5 * x", Decimal("7.0")),
        ("a ÷ b", Decimal("0.25")),
        ("((a))", Decimal(1)),
        ("a / (b - 4)", None),  # division by zero: no value
        ("a + missing", None),  # a code with no value: no value
    ],
)
def test_evaluate(text, expected):
    values = {"a": Decimal(1), "b": Decimal(4), "x": Decimal(2)}
    assert formulas.evaluate(formulas.parse(text), values) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(a + b", "Скобка не закрыта."),
        ("a + b)", "Закрывающей скобке нет открывающей."),
        ("a +", "Формула обрывается"),
        ("", "Формула пуста."),
        ("a $ b", "Неожиданное «$ b» в позиции 3 формулы."),
        ("a b", "«b» стоит там, где ожидается знак действия."),
        ("__import__('os')", "Неожиданное «'os')»"),
    ],
)
def test_bad_formulas_are_refused_in_russian(text, message):
    with pytest.raises(formulas.FormulaError) as error:
        formulas.parse(text)
    assert message in error.value.messages[0]


def test_unknown_codes_are_named():
    with pytest.raises(formulas.FormulaError) as error:
        formulas.validate("teachers_dpo / teachers_all", {"teachers_dpo", "teachers_total"})
    assert error.value.messages == ["Неизвестные элементы данных: teachers_all."]
    assert formulas.validate("teachers_dpo / teachers_total", {"teachers_dpo", "teachers_total"}) == {
        "teachers_dpo",
        "teachers_total",
    }


def test_ratio_and_growth():
    assert formulas.ratio(Decimal(3), Decimal(12)) == Decimal(25)
    assert formulas.ratio(Decimal(3), Decimal(12), 1000) == Decimal(250)
    assert formulas.ratio(Decimal(3), Decimal(0)) is None
    assert formulas.ratio(None, Decimal(3)) is None
    assert formulas.growth(Decimal(110), Decimal(100)) == Decimal(110)


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_with_a_message(text):
    try:
        node = formulas.parse(text)
    except formulas.FormulaError as error:
        assert error.messages and error.messages[0]
    else:
        formulas.evaluate(node, {})
