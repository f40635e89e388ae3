"""The audit trail of a municipality: who did what and when, merged from the apps' own histories.

The core knows no app: each app registers its sources (a table, its date column, how a row reads as
an event) from its AppConfig.ready through `register`, the way the apps add their menu entries.

Each source is one table with its own date column. A page of the trail is built by taking, from
every source, only the newest rows up to the end of that page, then merging them in Python: the
number of queries depends on the number of sources, never on the number of rows.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mcok import access
from mcok.models import AccountEvent, Municipality

# Who reads the trail of a municipality is decided by mcok.access.municipalities_audited_by.

# The kinds of event, in the order the filter offers them, and the sources of each: the apps register
# theirs from their AppConfig.ready (mcok.audit.register), the core only its own accounts.
KINDS: list[tuple[str, str]] = [("accounts", _("Accounts and sign-ins"))]


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


# ---- the sources -------------------------------------------------------------------------------


def _account_events(municipality):
    # The events of the accounts holding a role in the municipality (an account in two municipalities
    # is in both trails).
    return AccountEvent.objects.filter(user__in=access.accounts_in(municipality)).select_related("user", "by")


def _account_event(row) -> Event:
    detail = ", ".join(part for part in (row.address or "", row.user_agent) if part)
    return Event(
        at=row.at,
        kind="accounts",
        action=row.get_kind_display(),
        by=row.by,
        subject=row.user.get_username(),
        detail=detail,
    )


SOURCES: list[Source] = [Source("accounts", "at", _account_events, _account_event)]


def register(kinds: list[tuple[str, object]], sources: list[Source]) -> None:
    """Add an app's kinds of event (kind, label) and its sources to the trail; called once from the
    app's AppConfig.ready, in the order of INSTALLED_APPS."""
    known = {kind for kind, _label in KINDS}
    KINDS.extend((kind, label) for kind, label in kinds if kind not in known)
    SOURCES.extend(sources)


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
