"""A period after a preposition in templates: {% load periods %} … {{ period|in_period }} gives
«в 2024 году», {{ period|with_period }} gives «с 2024 годом» (see mcok.text)."""

from django import template

from mcok.text import period_in, period_with

register = template.Library()


@register.filter
def in_period(period) -> str:
    return period_in(period) if period else ""


@register.filter
def with_period(period) -> str:
    return period_with(period) if period else ""
