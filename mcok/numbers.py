"""How the portal writes a number, in one place: the page, the PDF, the texts it drafts, the audit.

One decimal place rounded half up (62,45 → 62,5, as a Russian reader rounds and as the school's
form shows it), a decimal comma, the minus sign «−», the unit after a space; «—» for no value.
A change of a percentage is counted in percentage points («+2,5 п.п.»), not in percent.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

TENTH = Decimal("0.1")

# The units an indicator's value is a percentage in: a change of it is written in percentage points.
PERCENT_UNITS = frozenset({"%", "процент", "проценты", "процентов", "проц."})


def number_text(value: Decimal | int | float | None, unit: str = "") -> str:
    """«62,5 %», «10,0 на 1000», «−3,0»; «—» for none."""
    if value is None:
        return "—"
    rounded = Decimal(str(value) if isinstance(value, float) else value).quantize(
        TENTH, rounding=ROUND_HALF_UP
    )
    text = f"{rounded}".replace(".", ",").replace("-", "−")
    return f"{text} {unit}" if unit else text


def is_percent(unit: str) -> bool:
    """Whether values in `unit` are percentages, whose differences are percentage points."""
    return (unit or "").strip().lower() in PERCENT_UNITS


def change_unit(unit: str) -> str:
    """The unit of a change of values in `unit`: «п.п.» for percentages, the unit itself otherwise."""
    return _("p.p.") if is_percent(unit) else unit


def change_text(change: Decimal | int | float | None, unit: str = "") -> str:
    """A change between two values, signed: «+2,5 п.п.», «−3,0 чел.», «0,0 п.п.»; «—» for none."""
    if change is None:
        return "—"
    rounded = Decimal(str(change) if isinstance(change, float) else change).quantize(
        TENTH, rounding=ROUND_HALF_UP
    )
    text = number_text(abs(rounded), change_unit(unit))
    return f"+{text}" if rounded > 0 else (f"−{text}" if rounded < 0 else text)


def amount_text(value: Decimal | int | float | None, places: int = 2, unit: str = "") -> str:
    """A count or a score as typed, at most `places` decimals rounded half up and trailing zeros
    dropped: «12», «4,5», «0,25»; «—» for none."""
    if value is None:
        return "—"
    number = Decimal(str(value) if isinstance(value, float) else value)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded.normalize():f}".replace(".", ",").replace("-", "−")
    return f"{text} {unit}" if unit else text


def csv_number(value: Decimal | int | float) -> str:
    """A number in a CSV file for Russian Excel: a decimal comma, the ASCII minus Excel reads, all
    the digits the value has (a file is data, not a page)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",")


def decimal_of(value: Decimal | int | float | str | None) -> Decimal | None:
    """A stored number (an int, a float read from JSON, a Decimal, its text) as an exact Decimal;
    a float through its shortest repr, the way it was written."""
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
