"""Numbers in templates as mcok.numbers writes them everywhere else.

{% load numbers %}
{{ value|number }}            «62,5»      (one decimal, half up)
{{ value|number:unit }}       «62,5 %»
{{ value|amount }}            «12», «4,5» (at most two decimals, as typed)
{{ change|change:unit }}      «+2,5 п.п.»
"""

from django import template

from mcok import numbers

register = template.Library()


def _blank(value) -> bool:
    return value is None or value == ""


@register.filter
def number(value, unit=""):
    return "—" if _blank(value) else numbers.number_text(value, unit or "")


@register.filter
def amount(value, unit=""):
    return "—" if _blank(value) else numbers.amount_text(value, unit=unit or "")


@register.filter
def change(value, unit=""):
    return "—" if _blank(value) else numbers.change_text(value, unit or "")
