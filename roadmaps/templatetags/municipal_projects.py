"""The public tab's home page lists the municipality's published municipal projects: one query,
published ones only (roadmaps.access.published_projects)."""

from django import template

from roadmaps import access

register = template.Library()


@register.simple_tag
def published_projects(municipality) -> list:
    if municipality is None or not getattr(municipality, "pk", None):
        return []
    return list(access.published_projects(municipality).order_by("order", "title", "pk").only("pk", "title"))
