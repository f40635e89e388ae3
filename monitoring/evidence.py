"""The evidence monitoring gives the self-assessment's proposals (directions/proposals.py): the data
collections of the direction's forms run in the period, each with its completeness (accepted
answers of the organizations asked). Registered by MonitoringConfig.ready."""

from collections.abc import Sequence
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from directions.models import Direction, RuleKind
from directions.proposals import EvidenceKind, Item, percent_text, register
from mcok.models import Period
from monitoring.models import Campaign
from monitoring.selectors import campaigns_with_progress


def collections(directions: Sequence[Direction], period: Period) -> dict[int, list[Item]]:
    """The collections opened (open or closed, not drafts) for the directions' forms in the period,
    with their completeness: one query."""
    campaigns = campaigns_with_progress(
        Campaign.objects.filter(form__direction__in=[d.pk for d in directions], period=period).exclude(
            state=Campaign.State.DRAFT
        )
    ).order_by("opens_on", "pk")
    found: dict[int, list[Item]] = {}
    for campaign in campaigns:
        expected, accepted = campaign.expected, campaign.accepted
        completeness = Decimal(100) * accepted / expected if expected else Decimal(0)
        found.setdefault(campaign.form.direction_id, []).append(
            Item(
                direction_id=campaign.form.direction_id,
                label=campaign.title,
                url=reverse("monitoring:campaign", args=[campaign.pk]),
                measure=completeness,
                note=_("completeness %(percent)s %%: %(accepted)d of %(expected)d accepted")
                % {"percent": percent_text(completeness), "accepted": accepted, "expected": expected},
            )
        )
    return found


def register_evidence() -> None:
    register(
        RuleKind.COLLECTIONS,
        EvidenceKind(
            gather=collections,
            rule=lambda params, period, component: (
                _(
                    "The data collections of the direction's forms for %(period)s are run and each is at "
                    "least %(percent)s %% complete"
                )
                % {"period": period.label, "percent": percent_text(params.get("percent", 100))}
            ),
            absent=lambda period: _("no data collection was run for %(period)s") % {"period": period.label},
        ),
    )
