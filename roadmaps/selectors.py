"""Reads of roadmaps worth a name: the list with its counts, the table as the seeds write it, the
timeline of a year, the instances a person answers for, the overdue list and the home page's items.

Every read starts from roadmaps.access, and each page's reads take a fixed number of queries
whatever the number of rows: events come with their occurrences, responsible people and indicators
prefetched, counts are aggregated by the database.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from directions import access as direction_access
from mcok import access as core_access
from mcok.models import Official, Role, User
from roadmaps import access
from roadmaps.models import Event, Occurrence, Roadmap, Section

State = Occurrence.State
SOON_DAYS = 14  # the home page warns of instances due within two weeks


def _closed() -> list[str]:
    return [str(state) for state in Occurrence.CLOSED]


# The list of roadmaps -----------------------------------------------------------------------------


def _projects_of_roadmaps(user: User) -> QuerySet:
    """The municipal projects `user` reads, as a roadmap names them: the title and the link."""
    return access.projects_visible_to(user).only("pk", "title", "roadmap_id").order_by("title", "pk")


def roadmap_projects(user: User, roadmap: Roadmap) -> list:
    """The municipal projects whose roadmap this is, those `user` reads; one query."""
    return list(_projects_of_roadmaps(user).filter(roadmap=roadmap))


def roadmap_list(user: User, today: datetime.date | None = None) -> QuerySet[Roadmap]:
    """The roadmaps `user` reads, with the number of events and of done and overdue instances, and
    the municipal projects they belong to (`linked_projects`, one query for a page)."""
    today = today or timezone.localdate()
    return (
        access.roadmaps_visible_to(user)
        .select_related("municipality", "direction", "document")
        .prefetch_related(
            Prefetch("municipal_projects", queryset=_projects_of_roadmaps(user), to_attr="linked_projects")
        )
        .annotate(
            events_count=Count("events", distinct=True),
            occurrences_count=Count("events__occurrences", distinct=True),
            done_count=Count(
                "events__occurrences", filter=Q(events__occurrences__state=State.DONE), distinct=True
            ),
            overdue_count=Count(
                "events__occurrences",
                filter=Q(events__occurrences__due_on__lt=today)
                & ~Q(events__occurrences__state__in=_closed()),
                distinct=True,
            ),
        )
        .order_by("municipality__name", "-start_year", "title", "pk")
    )


# The table ----------------------------------------------------------------------------------------


def events_with_occurrences(events: QuerySet[Event]) -> QuerySet[Event]:
    """Events with everything their row shows, in a fixed number of queries."""
    return events.select_related("section", "roadmap").prefetch_related(
        Prefetch("occurrences", queryset=Occurrence.objects.order_by("due_on", "starts_on", "pk")),
        "responsible_officials",
        "responsible_organizations",
        "indicators",
    )


@dataclass
class Row:
    event: Event
    occurrences: list[Occurrence]
    overdue: list[Occurrence]

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)

    @property
    def state(self) -> str:
        """A summary state of the event: overdue if any instance is, else the state of the nearest
        open instance, else done (or cancelled) when all are closed."""
        if self.overdue:
            return "overdue"
        open_ = [o for o in self.occurrences if o.state not in Occurrence.CLOSED]
        if open_:
            return open_[0].state
        if any(o.state == State.DONE for o in self.occurrences):
            return State.DONE
        return State.CANCELLED if self.occurrences else State.PLANNED


@dataclass
class SectionRows:
    section: Section | None
    rows: list[Row] = field(default_factory=list)


def _row(event: Event, today: datetime.date) -> Row:
    occurrences = list(event.occurrences.all())
    return Row(event, occurrences, [o for o in occurrences if o.is_overdue(today)])


def roadmap_table(roadmap: Roadmap, today: datetime.date | None = None) -> list[SectionRows]:
    """The roadmap as written: its sections in order, each with its events and their instances; the
    events in no section come first, as the seeds put their unnumbered rows before the sections."""
    today = today or timezone.localdate()
    sections = list(roadmap.sections.order_by("order", "pk"))
    groups = {s.pk: SectionRows(s) for s in sections}
    loose = SectionRows(None)
    events = events_with_occurrences(roadmap.events.order_by("order", "pk"))
    for event in events:
        groups.get(event.section_id, loose).rows.append(_row(event, today))
    result = [loose] if loose.rows else []
    return result + [groups[s.pk] for s in sections]


# The timeline -------------------------------------------------------------------------------------


@dataclass
class Cell:
    month: int
    occurrence: Occurrence | None = None
    state: str = ""  # "" for an empty month; a state, or "overdue"


@dataclass
class TimelineRow:
    event: Event
    cells: list[Cell]


@dataclass
class Timeline:
    year: int
    years: list[int]
    rows: list[TimelineRow]
    unscheduled: list[Row]
    other_years: int = 0  # dated events with no instance in this year, left out of the grid


def roadmap_years(roadmap: Roadmap, today: datetime.date | None = None) -> list[int]:
    """The years a timeline may show: the roadmap's, else the years its instances fall in, else now."""
    if roadmap.start_year and roadmap.end_year:
        return list(range(roadmap.start_year, roadmap.end_year + 1))
    dates = Occurrence.objects.filter(event__roadmap=roadmap, due_on__isnull=False)
    years = sorted({d.year for d in dates.values_list("due_on", flat=True)})
    if roadmap.start_year and years:
        years = [y for y in years if y >= roadmap.start_year] or [roadmap.start_year]
    return years or [(today or timezone.localdate()).year]


def default_year(years: list[int], today: datetime.date | None = None) -> int:
    year = (today or timezone.localdate()).year
    if year in years:
        return year
    return years[0] if year < years[0] else years[-1]


def _month_state(occurrence: Occurrence, today: datetime.date) -> str:
    return "overdue" if occurrence.is_overdue(today) else occurrence.state


def roadmap_timeline(roadmap: Roadmap, year: int, today: datetime.date | None = None) -> Timeline:
    """Rows of events × 12 months of `year`: a month is marked when an instance runs in it (from its
    first to its due day; an instance with only a due date marks its month). Events with no dated
    instance are listed apart; those whose instances all fall in other years are only counted."""
    today = today or timezone.localdate()
    rows, unscheduled, other_years = [], [], 0
    events = events_with_occurrences(roadmap.events.order_by("order", "pk"))
    for event in events:
        row = _row(event, today)
        dated = [o for o in row.occurrences if o.due_on is not None]
        if not dated:
            unscheduled.append(row)
            continue
        cells = [Cell(month) for month in range(1, 13)]
        for occurrence in dated:
            start = occurrence.starts_on or occurrence.due_on.replace(day=1)
            for month in range(1, 13):
                first = datetime.date(year, month, 1)
                last = datetime.date(year, month, calendar.monthrange(year, month)[1])
                if start <= last and occurrence.due_on >= first and cells[month - 1].occurrence is None:
                    cells[month - 1] = Cell(month, occurrence, _month_state(occurrence, today))
        if any(cell.occurrence for cell in cells):
            rows.append(TimelineRow(event, cells))
        else:
            other_years += 1
    return Timeline(year, roadmap_years(roadmap, today), rows, unscheduled, other_years)


# Instances a person answers for -------------------------------------------------------------------


def _with_event(occurrences: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    return occurrences.select_related("event__roadmap__municipality", "event__section").prefetch_related(
        "event__responsible_officials", "event__responsible_organizations"
    )


def my_occurrences(user: User) -> QuerySet[Occurrence]:
    """The instances `user` answers for (access.occurrences_reportable_by): those of the roadmaps whose
    progress they record by assignment or role, and those where they are named responsible. Open ones
    first (the nearest due first, undated last), then the closed ones."""
    return _ordered(_with_event(access.occurrences_reportable_by(user)))


def responsible_occurrences(user: User) -> QuerySet[Occurrence]:
    """The instances `user` is responsible for in person: of the events that name one of their
    officials, or an organization they act for (their school, or the organization their official
    works for, as an ИМЦ's staff act for it), and of the roadmaps of the directions assigned to them
    today (directions.access). Not those they may merely report on by role: the head of the
    department, an administrator or a coordinator with no assignment reads them, answers for none."""
    if not (user.is_authenticated and user.is_active):
        return Occurrence.objects.none()
    officials = Official.objects.filter(user=user, is_active=True)
    organizations = set(core_access.organization_ids(user)) | set(
        officials.exclude(organization=None).values_list("organization", flat=True)
    )
    events = Event.objects.filter(
        Q(responsible_officials__in=officials) | Q(responsible_organizations__in=organizations)
    )
    assigned = direction_access.directions_for(user).filter(
        pk__in={row.direction_id for row in direction_access.duty_rows(user)}
    )
    return access.occurrences_visible_to(user).filter(
        Q(event__in=events.values("pk")) | Q(event__roadmap__direction__in=assigned.values("pk"))
    )


def _ordered(occurrences: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    return occurrences.annotate(
        closed=Case(
            When(state__in=_closed(), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    ).order_by("closed", F("due_on").asc(nulls_last=True), "event__roadmap__title", "event__order", "pk")


def overdue_occurrences(user: User, today: datetime.date | None = None) -> QuerySet[Occurrence]:
    """Overdue instances of the roadmaps `user` reads, the longest overdue first."""
    today = today or timezone.localdate()
    return _with_event(access.occurrences_visible_to(user).overdue(today)).order_by(
        "due_on", "event__roadmap__title", "event__order", "pk"
    )


def occurrence_years(occurrences: QuerySet[Occurrence]) -> list[int]:
    return sorted({d.year for d in occurrences.filter(due_on__isnull=False).values_list("due_on", flat=True)})


# The home page ------------------------------------------------------------------------------------


def attention(user: User, roles: list[Role]) -> list:
    """The instances `user` is responsible for (responsible_occurrences) that are overdue, or due
    within 14 days."""
    from mcok.selectors import AttentionItem

    if not roles and not user.is_superuser:
        return []
    today = timezone.localdate()
    mine = responsible_occurrences(user).exclude(state__in=_closed())
    overdue = mine.filter(due_on__lt=today).count()
    soon = mine.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=SOON_DAYS)).count()
    items = []
    if overdue:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d roadmap event of yours is overdue.",
                    "%(count)d roadmap events of yours are overdue.",
                    overdue,
                )
                % {"count": overdue},
                reverse("roadmaps:my_events") + "?overdue=true",
                "danger",
            )
        )
    if soon:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d roadmap event of yours is due within two weeks.",
                    "%(count)d roadmap events of yours are due within two weeks.",
                    soon,
                )
                % {"count": soon},
                reverse("roadmaps:my_events"),
                "warning",
            )
        )
    return items
