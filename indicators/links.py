"""Actions of the apps above on an indicator's page, which indicators may not import: each app adds a
function in its AppConfig.ready (the pattern of mcok.selectors.ATTENTION_PROVIDERS).

A provider takes (user, indicator, period, risk_group rows) and returns a Link, or None when the
action is not for this user or this page (the provider asks its own access module)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str
    url: str


RISK_GROUP_ACTIONS: list[Callable] = []


def risk_group_actions(user, indicator, period, rows) -> list[Link]:
    """The actions offered beside the indicator's risk group in the period."""
    if period is None or not rows:
        return []
    links = (provider(user, indicator, period, rows) for provider in RISK_GROUP_ACTIONS)
    return [link for link in links if link is not None]
