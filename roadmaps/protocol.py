"""The protocol of a project group's meeting, with the contents the regulation requires (seed 003,
Приложение 2, 4.1): date, time and place, the members present and the persons invited, the agenda,
and for each item the reasoned decision with the result of the vote; signed by chair and secretary.
A meeting without a quorum adopts nothing, and its protocol says so for every item; a repeated
meeting names the one it repeats; a review of the roadmap prints the events with their state on the
meeting's date; members are printed with their positions and qualifiers as the order writes them.

`protocol_html` gives the protocol as an HTML fragment for the meeting's page; `protocol_pdf`
renders the same fragment to an A4 PDF with WeasyPrint. WeasyPrint's default fetcher would read any
local file a crafted link names, so it gets `SafeURLFetcher`: only `data:` URLs and files inside the
project's static directories and the system fonts.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from roadmaps.groups import has_quorum, passed
from roadmaps.models import AgendaItem, Meeting, Member, Occurrence


@dataclass
class ItemRow:
    number: int
    item: AgendaItem
    passed: bool  # adopted: a quorate meeting and a majority of those present
    events: list[dict]


def _events(item: AgendaItem) -> list[dict]:
    """The reviewed roadmap events with their state in words (a stored snapshot, no query)."""
    labels = dict(Occurrence.State.choices)
    rows = []
    for row in item.roadmap_state or []:
        rows.append({**row, "state_label": labels.get(row.get("state") or "", "")})
    return rows


def _allowed_roots() -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    roots += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    return [root.resolve() for root in roots]


def _weasyprint():
    import weasyprint  # imported when used: its system libraries are needed only for PDFs

    return weasyprint


def safe_url_fetcher():
    """A WeasyPrint fetcher for `data:` URLs and our static and font files only."""
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if not any(path.is_relative_to(root) for root in _allowed_roots()):
                    raise ValueError(f"Resource outside the static files refused: {url}")
            elif parsed.scheme != "data":
                raise ValueError(f"Resource refused: {url}")
            return super().fetch(url, headers)

    return SafeURLFetcher()


def protocol_context(meeting: Meeting) -> dict:
    """What the protocol shows; a fixed number of queries whatever the size of the meeting."""
    attendees: list[Member] = list(
        meeting.attendees.select_related("organization").order_by("-is_leader", "order", "full_name")
    )
    present = len(attendees)
    quorum = has_quorum(present, meeting.members_total)
    items = list(meeting.items.all())
    repeats = (
        Meeting.objects.filter(pk=meeting.repeats_id).only("number", "date").first()
        if meeting.repeats_id
        else None
    )
    return {
        "meeting": meeting,
        "group": meeting.group,
        "attendees": attendees,
        "present": present,
        "total": meeting.members_total,
        "quorum": quorum,
        "repeats": repeats,
        "rows": [
            ItemRow(n, item, quorum and passed(item, present), _events(item))
            for n, item in enumerate(items, start=1)
        ],
    }


def protocol_html(meeting: Meeting) -> SafeString:
    """The protocol as an HTML fragment (no page chrome)."""
    return SafeString(render_to_string("roadmaps/groups/_protocol.html", protocol_context(meeting)))


def protocol_pdf(meeting: Meeting) -> bytes:
    """The protocol as an A4 PDF with page numbers, set in PT Sans (DejaVu Sans as the fallback)."""
    html = render_to_string(
        "roadmaps/groups/protocol_pdf.html", {"meeting": meeting, "protocol": protocol_html(meeting)}
    )
    weasyprint = _weasyprint()
    base = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base, url_fetcher=safe_url_fetcher()).write_pdf()
