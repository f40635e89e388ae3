"""The audit trail of a municipality: who did what and when, merged from the apps' own histories.

Each source is one table with its own date column. A page of the trail is built by taking, from
every source, only the newest rows up to the end of that page, then merging them in Python: the
number of queries depends on the number of sources, never on the number of rows.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mcok import numbers
from mcok.models import Municipality

# Who reads the trail of a municipality is decided by mcok.access.municipalities_audited_by.

KINDS = [
    ("monitoring", _("Monitoring submissions")),
    ("cycle", _("States of the cycle components")),
    ("scores", _("Evaluation scores")),
    ("public", _("Public tab")),
    ("reports", _("Analytic reports")),
    ("recommendations", _("Targeted recommendations")),
]


@dataclass
class Event:
    at: datetime.datetime
    kind: str
    action: str
    by: object  # a User or None
    subject: str = ""
    organization: str = ""
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return str(dict(KINDS)[self.kind])


@dataclass
class Source:
    kind: str
    date_field: str
    queryset: Callable[[Municipality], QuerySet]
    event: Callable[[object], Event]


def _value(number) -> str:
    return numbers.number_text(number)


# ---- the sources -------------------------------------------------------------------------------


def _submission_events(municipality):
    from monitoring.models import SubmissionEvent

    return SubmissionEvent.objects.filter(submission__campaign__municipality=municipality).select_related(
        "by", "submission__organization", "submission__campaign"
    )


def _submission_event(row) -> Event:
    return Event(
        at=row.at,
        kind="monitoring",
        action=row.get_action_display(),
        by=row.by,
        subject=row.submission.campaign.title,
        organization=row.submission.organization.short_name,
        detail=row.comment,
    )


def _transitions(municipality):
    from directions.models import Transition

    return Transition.objects.filter(component__cycle__direction__municipality=municipality).select_related(
        "by", "component__cycle__direction", "component__cycle__period"
    )


def _transition(row) -> Event:
    from directions.models import CycleComponent

    states = dict(CycleComponent.State.choices)
    component = row.component
    return Event(
        at=row.at,
        kind="cycle",
        action=gettext("%(old)s → %(new)s")
        % {"old": states.get(row.from_state, row.from_state), "new": states.get(row.to_state, row.to_state)},
        by=row.by,
        subject=f"{component.cycle.direction.code} · {component.cycle.period} · "
        f"{component.get_component_display()}",
        detail=row.comment,
    )


def _score_changes(municipality):
    from directions.models import Score

    history = Score.history.model
    previous = history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
        "-history_date", "-history_id"
    )
    return (
        history.objects.filter(evaluation__municipality=municipality)
        .annotate(previous_score=Subquery(previous.values("score")[:1]))
        .select_related("history_user", "position", "evaluation__period")
    )


def _score_change(row) -> Event:
    if row.history_type == "+":
        action = gettext("Score entered")
    elif row.history_type == "-":
        action = gettext("Score deleted")
    else:
        action = gettext("Score changed")
    return Event(
        at=row.history_date,
        kind="scores",
        action=action,
        by=row.history_user,
        subject=f"{row.evaluation.period} · {row.position.code}",
        detail=gettext("%(old)s → %(new)s") % {"old": _value(row.previous_score), "new": _value(row.score)},
    )


def _publications(municipality):
    from reports.models import PublicVersion

    return PublicVersion.objects.filter(page__municipality=municipality).select_related("published_by")


def _publication(row) -> Event:
    return Event(
        at=row.published_at,
        kind="public",
        action=gettext("Page published"),
        by=row.published_by,
        subject=row.title,
        detail=gettext("Version %(number)s") % {"number": row.number},
    )


def _withdrawals(municipality):
    from reports.models import PublicVersion

    return PublicVersion.objects.filter(
        page__municipality=municipality, withdrawn_at__isnull=False
    ).select_related("withdrawn_by")


def _withdrawal(row) -> Event:
    return Event(
        at=row.withdrawn_at,
        kind="public",
        action=gettext("Page withdrawn"),
        by=row.withdrawn_by,
        subject=row.title,
        detail=gettext("Version %(number)s") % {"number": row.number},
    )


def _approvals(municipality):
    from reports.models import Report

    return Report.objects.filter(municipality=municipality, approved_at__isnull=False).select_related(
        "approved_by"
    )


def _approval(row) -> Event:
    return Event(
        at=row.approved_at,
        kind="reports",
        action=gettext("Report approved"),
        by=row.approved_by,
        subject=row.title,
    )


def _report_publications(municipality):
    from reports.models import Report

    return Report.objects.filter(municipality=municipality, published_at__isnull=False).select_related(
        "published_by"
    )


def _report_publication(row) -> Event:
    return Event(
        at=row.published_at,
        kind="reports",
        action=gettext("Report file published"),
        by=row.published_by,
        subject=row.title,
    )


def _recommendation_changes(municipality):
    from roadmaps.models import Recommendation

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
    from roadmaps.models import Recommendation

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


SOURCES = [
    Source("monitoring", "at", _submission_events, _submission_event),
    Source("cycle", "at", _transitions, _transition),
    Source("scores", "history_date", _score_changes, _score_change),
    Source("public", "published_at", _publications, _publication),
    Source("public", "withdrawn_at", _withdrawals, _withdrawal),
    Source("reports", "approved_at", _approvals, _approval),
    Source("reports", "published_at", _report_publications, _report_publication),
    Source("recommendations", "history_date", _recommendation_changes, _recommendation_change),
]


# ---- the merged trail --------------------------------------------------------------------------


def _bound(day: datetime.date, *, end: bool) -> datetime.datetime:
    moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time.min)
    return timezone.make_aware(moment)


class AuditTrail:
    """The events of a municipality, newest first, as a sequence Django's Paginator can page.

    Counting runs one query per source; a slice runs one bounded query per source.
    """

    def __init__(
        self,
        municipality: Municipality,
        *,
        kind: str = "",
        date_from: datetime.date | None = None,
        date_to: datetime.date | None = None,
    ):
        self.querysets = []
        for source in SOURCES:
            if kind and source.kind != kind:
                continue
            queryset = source.queryset(municipality)
            if date_from:
                queryset = queryset.filter(**{f"{source.date_field}__gte": _bound(date_from, end=False)})
            if date_to:
                queryset = queryset.filter(**{f"{source.date_field}__lt": _bound(date_to, end=True)})
            ordering = [
                f"-{source.date_field}",
                "-pk" if "history" not in source.date_field else "-history_id",
            ]
            self.querysets.append((source, queryset.order_by(*ordering)))
        self._count = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(queryset.count() for _source, queryset in self.querysets)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        streams = [[source.event(row) for row in queryset[:stop]] for source, queryset in self.querysets]
        newest_first = merge(*streams, key=lambda event: event.at, reverse=True)
        return list(islice(newest_first, start, stop))


def audit_trail(
    municipality: Municipality,
    *,
    kind: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> AuditTrail:
    """The audit trail of `municipality`, optionally one kind of event and a range of days (inclusive).
    The caller has checked that the user may read it (mcok.access.municipalities_audited_by)."""
    return AuditTrail(municipality, kind=kind, date_from=date_from, date_to=date_to)
