"""One way to write a number (mcok/numbers.py): half up, a decimal comma, «−», and changes of
percentages in percentage points."""

from decimal import Decimal

from mcok import numbers


def test_one_decimal_rounded_half_up_with_a_comma():
    assert numbers.number_text(Decimal("66.65"), "%") == "66,7 %"  # not 66,6: half up, as a reader rounds
    assert numbers.number_text(Decimal("0.05")) == "0,1"
    assert numbers.number_text(2 / 3 * 100, "%") == "66,7 %"
    assert numbers.number_text(Decimal("-3"), "на 1000") == "−3,0 на 1000"
    assert numbers.number_text(None, "%") == "—"


def test_a_change_of_percentages_is_counted_in_points():
    assert numbers.change_text(Decimal("7.5"), "%") == "+7,5 п.п."
    assert numbers.change_text(Decimal("-3"), "на 1000") == "−3,0 на 1000"
    assert numbers.change_text(Decimal("-0.04"), "%") == "0,0 п.п."
    assert numbers.change_text(Decimal("0.05"), "процентов") == "+0,1 п.п."
    assert numbers.change_text(None, "%") == "—"
    assert numbers.is_percent(" % ") and not numbers.is_percent("чел.")
