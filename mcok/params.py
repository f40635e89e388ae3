"""Strict reading of values people type into addresses and forms: hostile ones become «absent» or a
Russian form error, never a server error."""

import datetime

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

# Years a date may have where it is stored: the years periods may have (mcok.services.PERIOD_YEARS).
DATE_YEARS = range(1990, 2101)


def as_id(value: str | None) -> int | None:
    """The id a query or a form sends, or None: only ASCII digits («²».isdigit() is true, yet int()
    refuses it) and no more than 18 of them (a database refuses numbers beyond its integers)."""
    if not value or len(value) > 18 or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def query(data: QueryDict, name: str, default: str | None = None) -> str | None:
    """`data.get(name, default)`, but `default` when the value holds a NUL character: PostgreSQL
    refuses it in text, so such a value can name nothing."""
    value = data.get(name, default)
    if isinstance(value, str) and "\x00" in value:
        return default
    return value


def date_in_years(value: datetime.date | None) -> None:
    """A validator for stored dates: years DATE_YEARS only (year 1 or 9999 is a typing slip, and date
    arithmetic on it overflows)."""
    if value is not None and value.year not in DATE_YEARS:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": DATE_YEARS[0], "last": DATE_YEARS[-1]},
        )
