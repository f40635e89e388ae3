"""The roadmap pages: the list of roadmaps, a roadmap as its table (and as XLSX), its timeline by month,
the instances a person answers for, the overdue list, an instance with its report, and the forms of a
roadmap and of its events.

Records are found through roadmaps.access: the municipality's staff and its organizations' users read
roadmaps, anyone else gets 404 as for an absent one. Roadmaps and events are changed by those
access.can_edit_roadmap allows (the coordinators of the roadmap's direction and the head); progress on
an instance is recorded by those access.can_report allows, always through services.occurrence_update.
Staff refused a write get 403 with the reason.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mcok import exports, params
from mcok.access import organizations_visible_to
from mcok.lists import PAGE_SIZE
from mcok.models import Municipality
from roadmaps import access, deadlines, selectors, services
from roadmaps.models import Event, Occurrence, Roadmap
from roadmaps.roadmap_forms import (
    EventForm,
    MyEventsFilter,
    OccurrenceForm,
    OverdueFilter,
    RoadmapForm,
    direction_refused,
)


def _date(value: datetime.date | None) -> str:
    return date_format(value, "d.m.Y") if value else ""


def _dates(occurrence: Occurrence) -> str:
    """An instance's stretch of time in words: «01.09.2022 – 30.09.2022», «by 01.09.2021», «undated»."""
    if occurrence.due_on is None:
        return _("undated")
    if occurrence.starts_on is None or occurrence.starts_on == occurrence.due_on:
        return _("by %(date)s") % {"date": _date(occurrence.due_on)}
    return f"{_date(occurrence.starts_on)} – {_date(occurrence.due_on)}"


def _state(occurrence: Occurrence, today: datetime.date) -> str:
    text = occurrence.get_state_display()
    return f"{text} ({_('overdue')})" if occurrence.is_overdue(today) else str(text)


def _responsible(event: Event) -> str:
    """The responsible as written, else the tracked people and organizations."""
    if event.responsible_text.strip():
        return event.responsible_text.strip()
    names = [o.full_name for o in event.responsible_officials.all()]
    names += [o.short_name for o in event.responsible_organizations.all()]
    return ", ".join(names)


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def _stamp() -> str:
    return timezone.localdate().isoformat()


def _may_edit(request: HttpRequest, roadmap: Roadmap) -> None:
    if not access.can_edit_roadmap(request.user, roadmap):
        raise PermissionDenied(access.REFUSED_ROADMAP)


# The list -----------------------------------------------------------------------------------------


@require_GET
@login_required
def roadmaps(request: HttpRequest) -> HttpResponse:
    rows = selectors.roadmap_list(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    municipalities = access.roadmap_municipalities_for(request.user)
    several = (
        access.is_instance_administrator(request.user)
        or len({r.municipality_id for r in page.object_list}) > 1
    )
    context = {
        "page": page,
        "query": "",
        "may_create": municipalities,
        "several": several,
    }
    return render(request, "roadmaps/roadmap/roadmap_list.html", context)


# A roadmap as its table ---------------------------------------------------------------------------


def _table_xlsx(roadmap: Roadmap, table: list[selectors.SectionRows], today: datetime.date) -> HttpResponse:
    headers = [
        _("No."),
        _("Event"),
        _("Responsible"),
        _("Deadline, as written"),
        _("Tracked dates"),
        _("Planned result"),
        _("State"),
    ]

    def lines():
        for group in table:
            if group.section is not None:
                yield [group.section.number, group.section.title, "", "", "", "", ""]
            for row in group.rows:
                event = row.event
                yield [
                    event.number,
                    event.content,
                    _responsible(event),
                    event.deadline_text,
                    "; ".join(_dates(o) for o in row.occurrences),
                    event.result,
                    "; ".join(
                        f"{_dates(o)}: {_state(o, today)}" if o.due_on else _state(o, today)
                        for o in row.occurrences
                    ),
                ]

    return exports.xlsx_response(f"roadmap-{roadmap.pk}-{_stamp()}.xlsx", _("Roadmap"), headers, lines())


@require_GET
@login_required
def roadmap(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_roadmap_for(request.user, pk)
    today = timezone.localdate()
    table = selectors.roadmap_table(item, today)
    if request.GET.get("format") == "xlsx":
        return _table_xlsx(item, table, today)
    counts = {"events": 0, "overdue": 0}
    for group in table:
        counts["events"] += len(group.rows)
        counts["overdue"] += sum(1 for row in group.rows if row.is_overdue)
    context = {
        "roadmap": item,
        "table": table,
        "counts": counts,
        "today": today,
        "may_edit": access.can_edit_roadmap(request.user, item),
        "projects": selectors.roadmap_projects(request.user, item),
    }
    return render(request, "roadmaps/roadmap/roadmap_detail.html", context)


@require_GET
@login_required
def roadmap_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_roadmap_for(request.user, pk)
    today = timezone.localdate()
    years = selectors.roadmap_years(item, today)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = selectors.default_year(years, today)
    if not 1900 <= year <= 2200:
        year = selectors.default_year(years, today)
    timeline = selectors.roadmap_timeline(item, year, today)
    months = [(number, date_format(datetime.date(year, number, 1), "M")) for number in range(1, 13)]
    context = {
        "roadmap": item,
        "timeline": timeline,
        "months": months,
        "previous": year - 1,
        "next": year + 1,
        "today": today,
    }
    return render(request, "roadmaps/roadmap/roadmap_timeline.html", context)


# Instances a person answers for, and the overdue ones ----------------------------------------------


def _occurrences_xlsx(
    name: str, title: str, rows: QuerySet[Occurrence], today: datetime.date
) -> HttpResponse:
    headers = [
        _("Roadmap"),
        _("No."),
        _("Event"),
        _("Responsible"),
        _("Deadline, as written"),
        _("From"),
        _("Due"),
        _("State"),
        _("Days overdue"),
        _("Short report"),
        _("Municipality"),
    ]

    def cells(o: Occurrence):
        event = o.event
        late = (today - o.due_on).days if o.is_overdue(today) else None
        return [
            event.roadmap.title,
            event.number,
            event.content,
            _responsible(event),
            event.deadline_text,
            o.starts_on,
            o.due_on,
            o.get_state_display(),
            late,
            o.report,
            event.roadmap.municipality.name,
        ]

    return exports.xlsx_response(f"{name}-{_stamp()}.xlsx", title, headers, (cells(o) for o in rows))


@require_GET
@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    queryset = selectors.my_occurrences(request.user)
    years = selectors.occurrence_years(queryset.order_by())
    filterset = MyEventsFilter(request.GET, queryset=queryset, years=years, today=today)
    rows = filterset.qs
    if request.GET.get("format") == "xlsx":
        return _occurrences_xlsx("my-events", _("My events"), rows, today)
    context = {
        "filter": filterset,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query(request),
        "today": today,
        "is_editor": access.keeps_roadmaps(request.user),
    }
    return render(request, "roadmaps/roadmap/my_events.html", context)


@require_GET
@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    queryset = selectors.overdue_occurrences(request.user, today)
    filterset = OverdueFilter(
        request.GET,
        queryset=queryset,
        roadmaps=access.roadmaps_visible_to(request.user).order_by("title"),
        organizations=organizations_visible_to(request.user).order_by("short_name"),
    )
    rows = filterset.qs
    if request.GET.get("format") == "xlsx":
        return _occurrences_xlsx("overdue-events", _("Overdue events"), rows, today)
    context = {
        "filter": filterset,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query(request),
        "today": today,
    }
    return render(request, "roadmaps/roadmap/overdue.html", context)


# An instance ----------------------------------------------------------------------------------------


@login_required
def occurrence(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_occurrence_for(request.user, pk)
    event = item.event
    may_report = access.can_report(request.user, item)
    form = None
    status = 200
    if may_report:
        initial = {"state": item.state, "report": item.report, "links": "\n".join(item.links or [])}
        initial["done_on"] = item.done_on
        form = OccurrenceForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.occurrence_update(
                        occurrence=item,
                        state=data["state"],
                        report=data["report"],
                        links=data["links"],
                        done_on=data["done_on"],
                        evidence=data.get("evidence"),
                        by=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("The progress of the event is saved."))
                    return redirect("roadmaps:occurrence", pk=item.pk)
            status = 400
    elif request.method == "POST":
        raise PermissionDenied(access.REFUSED_REPORT)
    siblings = list(event.occurrences.exclude(pk=item.pk).order_by("due_on", "pk"))
    context = {
        "occurrence": item,
        "event": event,
        "roadmap": event.roadmap,
        "form": form,
        "today": timezone.localdate(),
        "siblings": siblings,
        "officials": list(event.responsible_officials.all()),
        "organizations": list(event.responsible_organizations.all()),
        "documents": list(item.documents.all()),
        "deadline": deadlines.describe(services.deadline_of(event)) if event.deadline_text else "",
    }
    return render(request, "roadmaps/roadmap/occurrence.html", context, status=status)


# The forms of a roadmap and its events ----------------------------------------------------------------


def _new_municipality(request: HttpRequest) -> Municipality:
    """?municipality=slug among those where the user makes roadmaps, or the first; 403 when none, 404
    for a municipality not among them."""
    municipalities = access.roadmap_municipalities_for(request.user)
    slug = params.query(request.GET, "municipality")
    if slug:
        chosen = next((m for m in municipalities if m.slug == slug), None)
    else:
        chosen = municipalities[0] if municipalities else None
    if chosen is None and not slug:
        raise PermissionDenied(access.REFUSED_NEW_ROADMAP)
    if chosen is None:
        raise Http404
    return chosen


def _roadmap_form(request: HttpRequest, item: Roadmap | None, municipality: Municipality) -> HttpResponse:
    old_years = (item.start_year, item.end_year) if item else None
    form = RoadmapForm(request.POST or None, instance=item, municipality=municipality, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            direction = form.cleaned_data["direction"]
            if not access.may_edit_roadmaps(request.user, municipality, direction):
                raise PermissionDenied(access.REFUSED_DIRECTION)
            saved = services.roadmap_save(
                roadmap=form.save(commit=False),
                municipality=municipality,
                criteria=form.cleaned_data["criteria_text"],
                old_years=old_years,
                by=request.user,
            )
            messages.success(request, _("The roadmap is saved."))
            return redirect("roadmaps:roadmap", pk=saved.pk)
        if direction_refused(form, municipality):
            raise PermissionDenied(access.REFUSED_DIRECTION)
        status = 400
    context = {"form": form, "roadmap": item, "municipality": municipality}
    return render(request, "roadmaps/roadmap/roadmap_form.html", context, status=status)


@login_required
def roadmap_new(request: HttpRequest) -> HttpResponse:
    municipality = _new_municipality(request)
    return _roadmap_form(request, None, municipality)


@login_required
def roadmap_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_roadmap_for(request.user, pk)
    _may_edit(request, item)
    return _roadmap_form(request, item, item.municipality)


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new event of the roadmap, or with ?event=<id> one of its events."""
    item = access.get_roadmap_for(request.user, pk)
    _may_edit(request, item)
    event = None
    event_id = request.GET.get("event") or request.POST.get("event")
    if event_id:
        if (event_pk := params.as_id(event_id)) is None:
            raise Http404
        event = get_object_or_404(item.events.select_related("roadmap"), pk=event_pk)
    form = EventForm(request.POST or None, instance=event, roadmap=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved, count = services.event_save(
                event=form.save(commit=False),
                roadmap=item,
                relations=form.relations(),
                new_section=form.new_section(),
            )
            reading = deadlines.describe(services.deadline_of(saved))
            messages.success(
                request,
                _("The event is saved. The deadline reads as: %(reading)s; instances tracked: %(count)s.")
                % {"reading": reading, "count": count},
            )
            if "add_another" in request.POST:
                return redirect(reverse("roadmaps:event_edit", args=[item.pk]))
            return redirect(reverse("roadmaps:roadmap", args=[item.pk]) + f"#event-{saved.pk}")
        status = 400
    reading = None
    if event is not None:
        reading = deadlines.describe(services.deadline_of(event)) if event.deadline_text else None
    context = {
        "form": form,
        "roadmap": item,
        "event": event,
        "reading": reading,
        "occurrences": list(event.occurrences.order_by("due_on", "pk")) if event else [],
        "today": timezone.localdate(),
    }
    return render(request, "roadmaps/roadmap/event_form.html", context, status=status)


urlpatterns = [
    path("", roadmaps, name="roadmaps"),
    path("new/", roadmap_new, name="roadmap_new"),
    path("my-events/", my_events, name="my_events"),
    path("overdue/", overdue, name="overdue"),
    path("instances/<int:pk>/", occurrence, name="occurrence"),
    path("<int:pk>/", roadmap, name="roadmap"),
    path("<int:pk>/timeline/", roadmap_timeline, name="roadmap_timeline"),
    path("<int:pk>/edit/", roadmap_edit, name="roadmap_edit"),
    path("<int:pk>/events/", event_edit, name="event_edit"),
]
