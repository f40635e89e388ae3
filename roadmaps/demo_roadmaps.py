"""The roadmaps of the seeds for `load_demo`: the «дорожная карта» of the Amur municipal project
(seed 001, 6 sections) and the eight roadmaps of Dobryanka (seed 003), each linked to the direction
it serves, with the responsible people and organizations matched to the demo officials and
organizations, and their instances given plausible states so the pages show real tracking.

Idempotent: a roadmap whose title the municipality already has is left as it is.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from directions.demo_data import DIRECTIONS
from directions.models import Direction
from indicators.models import Indicator
from mcok.models import Document, Municipality
from roadmaps import imports
from roadmaps.demo_roadmaps_data import AMURSK, DOBRYANKA, EVENT_INDICATORS, GROUP_LINKS
from roadmaps.models import Event, Occurrence, ProjectGroup, Roadmap

AMURSK_PROJECT = "Развитие системы управления качеством образования в Амурском муниципальном районе"
# The eight roadmaps of seed 003 in their order, and the direction code each serves
# (directions/demo_data.py: the codes follow FIOKO; 1.3, talents, has no roadmap there).
DOBRYANKA_DIRECTIONS = ["1.1", "1.2", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"]


def load() -> None:
    _load("amursk", [(AMURSK, None)], project=AMURSK_PROJECT)
    _load("dobryanka", list(zip(DOBRYANKA, DOBRYANKA_DIRECTIONS, strict=True)))
    _load("ishimbay", [_measures_roadmap("ishimbay", "2.3", ISHIMBAY_TITLE, ISHIMBAY_RESPONSIBLE)])
    _load(
        "sosnovka",
        [_measures_roadmap("sosnovka", item["code"], SOSNOVKA_TITLE, "") for item in _directions("sosnovka")],
    )
    _link_events()


# The seeds 000 and 004 give measures but no roadmap: each measure becomes an event of the year of the
# demo cycles, without the deadline or result the seeds do not write («в течение года»).
ISHIMBAY_TITLE = "Меры, управленческие решения муниципальной программы (комплекса мер) «{name}» на 2025 год"
ISHIMBAY_RESPONSIBLE = "Найденова А.Н., ИМЦ"
SOSNOVKA_TITLE = (
    "Основные мероприятия системы «{name}» (Концепция развития муниципальных механизмов управления "
    "качеством образования, приказ №71 от 08.04.2011) на 2025 год"
)


def _directions(slug: str) -> list[dict]:
    return DIRECTIONS[slug]["directions"]


def _measures_roadmap(slug: str, code: str, title: str, responsible: str) -> tuple[dict, str]:
    item = next(d for d in _directions(slug) if d["code"] == code)
    events = [
        {"number": str(number), "content": measure[:1].upper() + measure[1:], "responsible": responsible,
         "deadline": "В течение года", "result": ""}
        for number, measure in enumerate(item["measures"], start=1)
    ]  # fmt: skip
    data = {"title": title.format(name=item["name"]), "criteria": [], "sections": [
        {"number": "1", "title": "Основные мероприятия", "events": events}
    ]}  # fmt: skip
    return data, code


def _link_events() -> None:
    """Each event whose text names an indicator's subject carries that indicator (EVENT_INDICATORS)."""
    for slug, links in EVENT_INDICATORS.items():
        indicators = {i.code: i for i in Indicator.objects.filter(municipality__slug=slug)}
        events = list(Event.objects.filter(roadmap__municipality__slug=slug).prefetch_related("indicators"))
        for words, codes in links:
            wanted = {indicators[code] for code in codes if code in indicators}
            for event in events:
                if words.lower() in " ".join(event.content.split()).lower():
                    missing = wanted - set(event.indicators.all())
                    if missing:
                        event.indicators.add(*missing)


def link_groups() -> None:
    """Dobryanka's project groups to the direction each serves and to the order's Приложение 3 that
    approves their composition."""
    for slug, (document_title, groups) in GROUP_LINKS.items():
        document = Document.objects.filter(municipality__slug=slug, title=document_title).first()
        for group in ProjectGroup.objects.filter(municipality__slug=slug):
            code = next((code for start, code in groups if group.title.startswith(start)), None)
            direction = (
                Direction.objects.filter(municipality__slug=slug, code=code).order_by("-pk").first()
                if code
                else None
            )
            changes = {}
            if group.direction_id is None and direction is not None:
                changes["direction"] = direction
            if group.document_id is None and document is not None:
                changes["document"] = document
            if changes:
                for name, value in changes.items():
                    setattr(group, name, value)
                group.save(update_fields=list(changes))


@transaction.atomic
def _load(slug: str, roadmaps: list[tuple[dict, str | None]], project: str = "") -> None:
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None:
        return
    existing = set(Roadmap.objects.filter(municipality=municipality).values_list("title", flat=True))
    for data, code in roadmaps:
        result = imports.result_from_data([data])
        if result.roadmaps[0].title in existing:
            continue
        direction = (
            Direction.objects.filter(municipality=municipality, code=code).order_by("-pk").first()
            if code
            else None
        )
        summary = imports.roadmaps_import(
            result=result, municipality=municipality, direction=direction, project=project
        )
        for pk in summary["created"]:
            _track(Roadmap.objects.get(pk=pk))


def _track(roadmap: Roadmap) -> None:
    """Plausible progress: most past instances done with a short report, some in progress, a few
    left overdue; the current and future ones planned, the undated ones in progress."""
    today = timezone.localdate()
    occurrences = (
        Occurrence.objects.filter(event__roadmap=roadmap)
        .select_related("event")
        .order_by("event__order", "due_on", "pk")
    )
    for position, occurrence in enumerate(occurrences):
        event = occurrence.event
        if occurrence.due_on is None:
            occurrence.state = Occurrence.State.IN_PROGRESS
            occurrence.report = "Ведётся по мере необходимости."
        elif occurrence.due_on >= today:
            continue
        elif position % 9 == 4:
            continue  # left planned: overdue
        elif position % 9 == 7:
            occurrence.state = Occurrence.State.IN_PROGRESS
            occurrence.report = "Работа начата, материалы готовятся."
        else:
            occurrence.state = Occurrence.State.DONE
            occurrence.done_on = min(occurrence.due_on, today - datetime.timedelta(days=1))
            result = " ".join(event.result.split())[:300]
            occurrence.report = f"Выполнено. {result}" if result else "Выполнено в срок."
        occurrence.updated_at = timezone.now()
        occurrence.save(update_fields=["state", "report", "done_on", "updated_at"])
