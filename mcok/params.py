"""Strict reading of values people type into addresses and forms: hostile ones become «absent» or a
Russian form error, never a server error."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# What a slug in an address may be (Django's <slug:> converter): a NUL byte or «²» in a slug slot of
# the API's routes then finds no route (404) instead of reaching the database.
SLUG_PATTERN = "[-a-zA-Z0-9_]+"

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


# Longest text a person may type into one free-text field of a form (a comment, an answer, a
# recommendation): a long text still fits, a megabyte pasted by mistake or on purpose does not.
TEXT_MAX_LENGTH = 20_000


class BoundedTexts:
    """A form mixin: every text field without a max_length of its own gets TEXT_MAX_LENGTH, with
    Django's Russian «не более … символов» under the field; the form comes back with everything typed
    (issue 18, item 9)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
                field.widget.attrs.update(field.widget_attrs(field.widget))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested deeper than Python's stack (`[[[[…]]]]` a hundred thousand
    times) is a 400 with a Russian message, not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON of the request is nested too deeply.")) from None
