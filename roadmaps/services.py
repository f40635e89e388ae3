"""Writes on roadmaps: the tracked instances of events and their states.

Other writes of the app live beside their pages' logic in modules of their own: `imports` (Word
and XLSX roadmaps), `groups` (project groups and meetings), `recommendations` (targeted
recommendations, answers, decisions and their effectiveness).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from mcok.models import Document, User
from roadmaps import access, deadlines
from roadmaps.models import Event, Occurrence, Roadmap, Section


def deadline_of(event: Event) -> deadlines.Deadline:
    roadmap = event.roadmap
    return deadlines.parse(event.deadline_text, start_year=roadmap.start_year, end_year=roadmap.end_year)


@transaction.atomic
def event_schedule(*, event: Event) -> int:
    """Make the event's tracked instances from its deadline and the roadmap's years: new instances are
    added, those the deadline no longer names are removed unless someone has reported on them. An
    unscheduled event («по мере необходимости») gets one undated instance. Returns how many exist."""
    deadline = deadline_of(event)
    wanted = {(o.starts_on, o.due_on) for o in deadline.occurrences()}
    if not wanted:
        wanted = {(None, None)}
    if event.deadline_kind != deadline.kind:
        Event.objects.filter(pk=event.pk).update(deadline_kind=deadline.kind)
        event.deadline_kind = deadline.kind
    existing = {(o.starts_on, o.due_on): o for o in event.occurrences.all()}
    stale = [
        o.pk
        for key, o in existing.items()
        if key not in wanted and o.state == Occurrence.State.PLANNED and not o.report
    ]
    Occurrence.objects.filter(pk__in=stale).delete()
    Occurrence.objects.bulk_create(
        [Occurrence(event=event, starts_on=s, due_on=d) for s, d in wanted if (s, d) not in existing],
        ignore_conflicts=True,
    )
    return event.occurrences.count()


def roadmap_schedule(*, roadmap: Roadmap) -> int:
    """Schedule every event of the roadmap (after an import or a change of its years)."""
    return sum(event_schedule(event=event) for event in roadmap.events.select_related("roadmap"))


@transaction.atomic
def roadmap_save(
    *,
    roadmap: Roadmap,
    municipality,
    criteria: list[str],
    old_years: tuple[int, int] | None,
    by: User,
) -> Roadmap:
    """Store a roadmap as its form built it (unsaved): a new one in `municipality`, made by `by`. When
    its years changed (`old_years`, None for a new one), its events are scheduled anew."""
    if roadmap.pk is None:
        roadmap.municipality = municipality
        roadmap.created_by = by
    roadmap.criteria = criteria
    roadmap.save()
    if old_years is not None and old_years != (roadmap.start_year, roadmap.end_year):
        roadmap_schedule(roadmap=roadmap)
    return roadmap


@transaction.atomic
def event_save(
    *,
    event: Event,
    roadmap: Roadmap,
    relations: dict[str, list],
    new_section: tuple[str, str] | None = None,
) -> tuple[Event, int]:
    """Store an event as its form built it (unsaved) with its people, organizations and indicators,
    in a new section of the roadmap when `new_section` (number, title) is given; then schedule its
    occurrences. Returns the event and how many occurrences are tracked."""
    if new_section is not None:
        number, title = new_section
        event.section = Section.objects.create(
            roadmap=roadmap, number=number, title=title, order=roadmap.sections.count() + 1
        )
    event.roadmap = roadmap
    event.save()
    for name, values in relations.items():
        getattr(event, name).set(values)
    return event, event_schedule(event=event)


def _attach(occurrence: Occurrence, upload: UploadedFile, by: User) -> Document:
    name = upload.name or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in Document.ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("A file of this type cannot be attached; allowed: %(types)s.")
            % {"types": ", ".join(Document.ALLOWED_EXTENSIONS)}
        )
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )
    event = occurrence.event
    document = Document(
        municipality=event.roadmap.municipality,
        organization=access.reporting_organization(by, event),
        kind=Document.Kind.REPORT,
        title=_("Report on «%(event)s»") % {"event": f"{event.number} {event.content}".strip()[:400]},
        date=timezone.localdate(),
    )
    document.file.save(name, upload, save=False)
    document.save()
    occurrence.documents.add(document)
    return document


@transaction.atomic
def occurrence_update(
    *,
    occurrence: Occurrence,
    state: str,
    report: str = "",
    links: list[str] | None = None,
    done_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
    by: User,
) -> Occurrence:
    """Record progress on an event instance: its state, a short report, links and a file as
    evidence. Done needs a report, a link or a document: the evidence is what the operator later
    publishes. The file becomes a Document of the municipality (of the reporting organization,
    when a school reports) attached to the instance."""
    if not access.can_report(by, occurrence):
        raise PermissionDenied(access.REFUSED_REPORT)
    if state not in Occurrence.State.values:
        raise ValidationError(_("Unknown state."))
    report = (report or "").strip()
    links = [link.strip() for link in (links or []) if link and link.strip()]
    if evidence is not None:
        _attach(occurrence, evidence, by)
    if state == Occurrence.State.DONE and not (report or links or occurrence.documents.exists()):
        raise ValidationError(_("Say what was done: a short report, a link or a document is needed."))
    occurrence.state = state
    occurrence.report = report
    occurrence.links = links
    occurrence.done_on = (done_on or timezone.localdate()) if state == Occurrence.State.DONE else None
    occurrence.updated_by = by
    occurrence.updated_at = timezone.now()
    occurrence.save()
    return occurrence
