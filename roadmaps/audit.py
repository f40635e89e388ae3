"""The audit trail's events of the roadmaps: targeted recommendations created and moved from state to
state, registered from RoadmapsConfig.ready."""

from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mcok.audit import Event, Source
from roadmaps.models import Recommendation


def _recommendation_changes(municipality):
    history = Recommendation.history.model
    previous = history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
        "-history_date", "-history_id"
    )
    # Only the rows that created the recommendation or moved its state; text edits are left out.
    return (
        history.objects.filter(municipality=municipality)
        .annotate(previous_state=Subquery(previous.values("state")[:1]))
        .filter(Q(previous_state__isnull=True) | ~Q(previous_state=F("state")))
        .select_related("history_user")
    )


def _recommendation_change(row) -> Event:
    states = dict(Recommendation.State.choices)
    if row.previous_state is None:
        action = gettext("Recommendation created")
        detail = str(states.get(row.state, row.state))
    else:
        action = gettext("Recommendation state changed")
        detail = gettext("%(old)s → %(new)s") % {
            "old": states.get(row.previous_state, row.previous_state),
            "new": states.get(row.state, row.state),
        }
    return Event(
        at=row.history_date,
        kind="recommendations",
        action=action,
        by=row.history_user,
        subject=row.title,
        detail=detail,
    )


KINDS = [("recommendations", _("Targeted recommendations"))]
SOURCES = [Source("recommendations", "history_date", _recommendation_changes, _recommendation_change)]
