"""Links to roadmaps' pages that the pages of lower apps offer (through their registries) and the
reports' pages show: each asks roadmaps.access whether the reader may follow it."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from indicators.links import Link
from roadmaps import access


def risk_group_recommendation(user, indicator, period, rows=None) -> Link | None:
    """«Recommend to the risk group»: the new recommendation prefilled with the indicator's risk group
    in the period (its schools, their values, the indicator), for those who draft its direction's
    recommendations; None for the others."""
    if period is None or not access.can_draft_recommendation(
        user, indicator.municipality, indicator.direction, period
    ):
        return None
    query = urlencode({"indicator": indicator.pk, "period": period.code})
    return Link(_("Recommend to the risk group"), f"{reverse('roadmaps:recommendation_new')}?{query}")
