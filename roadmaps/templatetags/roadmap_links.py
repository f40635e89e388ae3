from django import template

from roadmaps import links

register = template.Library()


@register.simple_tag
def risk_group_recommendation_url(user, indicator, period) -> str:
    """The address of the prefilled recommendation to the indicator's risk group, or "" for a reader
    who does not draft its direction's recommendations."""
    link = links.risk_group_recommendation(user, indicator, period)
    return link.url if link else ""
