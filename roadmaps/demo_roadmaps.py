"""The roadmaps of the seeds for `load_demo`: the «дорожная карта» of the Amur municipal project
(seed 001, 6 sections) and the eight roadmaps of Dobryanka (seed 003), each linked to the direction
it serves, with the responsible people and organizations matched to the demo officials and
organizations, and their instances given plausible states so the pages show real tracking.

Idempotent: a roadmap whose title the municipality already has is left as it is.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from directions.models import Direction
from mcok.models import Municipality
from roadmaps import imports
from roadmaps.demo_roadmaps_data import AMURSK, DOBRYANKA
from roadmaps.models import Occurrence, Roadmap

AMURSK_PROJECT = "Развитие системы управления качеством образования в Амурском муниципальном районе"
# The eight roadmaps of seed 003 in their order, and the direction code each serves
# (directions/demo_data.py: the codes follow FIOKO; 1.3, talents, has no roadmap there).
DOBRYANKA_DIRECTIONS = ["1.1", "1.2", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"]


def load() -> None:
    _load("amursk", [(AMURSK, None)], project=AMURSK_PROJECT)
    _load("dobryanka", list(zip(DOBRYANKA, DOBRYANKA_DIRECTIONS, strict=True)))


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
