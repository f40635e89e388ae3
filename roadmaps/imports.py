"""The import of roadmaps from a Word document (.docx) or an XLSX workbook into Roadmap, Section and
Event rows of a municipality.

    result = read_file(upload, name)           # RoadmapFileError with the Russian reason
    summary = roadmaps_import(result=result, municipality=m, direction=d, by=user, dry_run=True)

`read_file` gives a `docx_reader.ReadResult` for both formats: a .docx through `docx_reader`, an
XLSX through `read_xlsx` (one roadmap per sheet: the columns № / Мероприятие / Ответственные / Сроки /
Планируемый результат under a header found by its wording, the title and «Планируемые критерии» in
the rows above it, section rows with only their first cells filled).

`roadmaps_import` matches the responsible names of each event to the municipality's officials (by
surname and initials: «Иванова А.Б.», «А.Б. Иванова», «Иванова Анна Борисовна», case, «ё» and spaces
aside) and organizations (by short or full name, quotes, «№» and the legal form aside); what matches
nothing stays in `responsible_text`. It writes everything in one transaction and schedules the
events' instances; a dry run returns the same summary and writes nothing.
"""

import contextlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from directions.models import Direction
from mcok import names, uploads, workbooks
from mcok.models import Municipality, Official, Organization, User
from roadmaps import deadlines, docx_reader, services
from roadmaps.docx_reader import EventData, ReadResult, RoadmapData, RoadmapFileError, SectionData
from roadmaps.models import Event, Roadmap, Section

MAX_XLSX_BYTES = 10 * 1024 * 1024
MAX_ROWS = docx_reader.MAX_ROWS
MAX_COLUMNS = docx_reader.MAX_COLUMNS
MAX_SHEETS = 50
HEADER_ROWS = 30  # the header is looked for in this many first rows of a sheet

SUB_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?$")
BARE_NUMBER = re.compile(r"^(?:(?i:раздел)\s*)?(\d{1,3}|[IVXLC]{1,6})\.?$")
SECTION_TEXT = re.compile(
    r"^(?:(?i:раздел)\s*)?(\d{1,3}|[IVXLC]{1,6})\.\s*((?:[^\W\d_]|[«\"(]).*)$", re.DOTALL
)


# Reading -------------------------------------------------------------------------------------------


def read_file(file: BinaryIO | bytes, name: str) -> ReadResult:
    """The roadmaps of an uploaded .docx or .xlsx (by the name's extension). Raises RoadmapFileError
    with the message for the user."""
    content = file if isinstance(file, bytes) else _read_limited(file)
    extension = os.path.splitext(name or "")[1].lower()
    if extension == ".xlsx":
        return read_xlsx(content)
    if extension == ".docx":
        return docx_reader.read_roadmaps(content)
    raise RoadmapFileError(_("Upload a Word document (.docx) or an Excel workbook (.xlsx)."))


def _read_limited(file: BinaryIO) -> bytes:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)  # a stream that cannot seek is read from where it is
    content = file.read(docx_reader.MAX_FILE_BYTES + 1)
    if len(content) > docx_reader.MAX_FILE_BYTES:
        raise RoadmapFileError(
            _("The file is larger than %(size)s MB; it is refused.")
            % {"size": docx_reader.MAX_FILE_BYTES // (1024 * 1024)}
        )
    return content


def read_xlsx(content: bytes, *, max_rows: int = MAX_ROWS) -> ReadResult:
    """The roadmaps of a workbook, one per sheet that has a roadmap header. The archive is checked
    before openpyxl opens it (read-only); at most `max_rows` rows are read in all."""
    if len(content) > MAX_XLSX_BYTES:
        raise RoadmapFileError(
            _("The file is larger than %(size)s MB; it is refused.")
            % {"size": MAX_XLSX_BYTES // (1024 * 1024)}
        )
    workbook = uploads.open_workbook(content, error=RoadmapFileError)
    roadmaps: list[RoadmapData] = []
    warnings: list[str] = []
    rows_left = max_rows
    try:
        for index, sheet in enumerate(workbook.worksheets):
            if index >= MAX_SHEETS or rows_left <= 0:
                warnings.append(_("Only the first %(count)s rows were read.") % {"count": max_rows})
                break
            rows: list[list[str]] = []
            for _number, values in workbooks.rows(sheet, width=MAX_COLUMNS, header=None, blank=True):
                if rows_left <= 0:
                    warnings.append(
                        _("Only the first %(count)s rows were read; the rest is ignored.")
                        % {"count": max_rows}
                    )
                    break
                rows_left -= 1
                rows.append([_cell_text(value) for value in values])
            roadmap = _sheet_roadmap(rows, sheet.title, warnings)
            if roadmap is not None:
                roadmaps.append(roadmap)
    except Exception:  # a broken part found while reading rows
        raise RoadmapFileError(
            _("The workbook cannot be read. Open it in Excel, save it as .xlsx and try again.")
        ) from None
    finally:
        workbook.close()
    if not roadmaps:
        raise RoadmapFileError(
            _(
                "No sheet of the workbook is a roadmap: a roadmap sheet has a header row with a column "
                "of events («Мероприятие») and a column of the responsible, the deadlines or the results."
            )
        )
    return ReadResult(roadmaps=roadmaps, warnings=warnings)


def _cell_text(value: Any) -> str:
    """A cell as text (mcok.uploads.cell_text), each line's spaces collapsed, empty lines dropped."""
    text = uploads.cell_text(value)
    return "\n".join(line for line in (" ".join(part.split()) for part in text.split("\n")) if line)


def _header_columns(row: list[str]) -> dict[str, int]:
    """Field → its column, for a row that reads as a roadmap header."""
    columns: dict[str, int] = {}
    for column, text in enumerate(row):
        name = docx_reader._field_of(text) if text else None  # the reader's wording of headers
        if name and name not in columns:
            columns[name] = column
    return columns


def _sheet_roadmap(rows: list[list[str]], sheet_title: str, warnings: list[str]) -> RoadmapData | None:
    header_at, columns = None, {}
    for index, row in enumerate(rows[:HEADER_ROWS]):
        found = _header_columns(row)
        if "content" in found and any(name in found for name in docx_reader.OTHER_FIELDS):
            header_at, columns = index, found
            break
    if header_at is None:
        if any(any(row) for row in rows):
            warnings.append(
                _("The sheet «%(sheet)s» has no roadmap header; it was skipped.") % {"sheet": sheet_title}
            )
        return None
    title, criteria = _title_and_criteria(rows[:header_at])
    if not title:
        title = sheet_title
    data = RoadmapData(title=title, years=docx_reader.years_of(title), criteria=criteria)
    section: SectionData | None = None
    content_at = columns["content"]
    others = [columns[name] for name in docx_reader.OTHER_FIELDS if name in columns]

    def value(row: list[str], name: str) -> str:
        column = columns.get(name)
        return row[column] if column is not None and column < len(row) else ""

    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        line = index + 1
        filled = [column for column, text in enumerate(row) if text]
        if not filled:
            continue
        number = docx_reader.one_line(value(row, "number")).rstrip(". ")
        content = value(row, "content")
        texts = [docx_reader.one_line(row[column]) for column in filled]
        if texts == [str(n) for n in range(1, len(texts) + 1)] and len(texts) >= 3:
            continue  # a numbering row «1 2 3 4 5»
        rest = any(column < len(row) and row[column] for column in others)
        if not rest and max(filled) <= max(content_at, 1) and not SUB_NUMBER.match(number + "."):
            opened = _section_of(texts)
            if opened is not None:
                section = opened
                data.sections.append(section)
                continue
        if not content:
            warnings.append(
                _("Sheet «%(sheet)s», row %(row)s has no event text; the row was skipped.")
                % {"sheet": sheet_title, "row": line}
            )
            continue
        if section is None:
            section = SectionData(number="", title="")
            data.sections.append(section)
        responsible = value(row, "responsible")
        section.events.append(
            EventData(
                number=number,
                content=content,
                responsible=responsible,
                responsible_names=docx_reader.split_responsible(responsible),
                deadline=docx_reader.one_line(value(row, "deadline")),
                result=value(row, "result"),
                row=line,
            )
        )
    if not data.events:
        warnings.append(
            _("The sheet «%(sheet)s» has a roadmap header but no events.") % {"sheet": sheet_title}
        )
        return None
    return data


def _section_of(texts: list[str]) -> SectionData | None:
    """The section a row of one or two filled cells opens: «1» + «Нормативно-правовое обеспечение»,
    «1. Нормативно-правовое обеспечение», or a title alone."""
    if len(texts) == 2:
        match = BARE_NUMBER.match(texts[0])
        return SectionData(match[1] if match else texts[0].rstrip(". "), texts[1])
    if len(texts) == 1:
        match = SECTION_TEXT.match(texts[0])
        if match:
            return SectionData(match[1], match[2].strip())
        return SectionData("", texts[0])
    return None


def _title_and_criteria(rows: list[list[str]]) -> tuple[str, list[str]]:
    lines = [docx_reader.one_line(" ".join(text for text in row if text)) for row in rows]
    lines = [line for line in lines if line]
    criteria_at = next((i for i, line in enumerate(lines) if docx_reader.CRITERIA.match(line)), None)
    end = len(lines) if criteria_at is None else criteria_at
    title_at = next((i for i in range(end) if docx_reader.TITLE.match(lines[i])), None)
    title = " ".join(lines[title_at:end]) if title_at is not None else (lines[end - 1] if end else "")
    criteria: list[str] = []
    if criteria_at is not None:
        criteria = [
            text
            for text in (
                docx_reader.one_line(docx_reader.LIST_MARKER.sub("", line))
                for line in lines[criteria_at + 1 :]
            )
            if text
        ]
    return title, criteria


# Matching ------------------------------------------------------------------------------------------

# One way of comparing names for every importer: mcok.names.
normalise_organization = names.organization_core
person_key = names.person_key


class ResponsibleIndex(names.NameIndex):
    """The municipality's active officials and its organizations, read once (two queries) and looked
    up by the names a responsible cell gives (mcok.names)."""

    def __init__(self, municipality: Municipality):
        super().__init__(
            Official.objects.filter(municipality=municipality, is_active=True).select_related("organization"),
            Organization.objects.filter(municipality=municipality),
        )


@dataclass
class MatchedEvent:
    data: EventData
    officials: list[Official] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def match_event(event: EventData, index: ResponsibleIndex) -> MatchedEvent:
    matched = MatchedEvent(event)
    names = event.responsible_names or docx_reader.split_responsible(event.responsible)
    for name in names:
        official = index.official(name)
        if official is not None:
            if official not in matched.officials:
                matched.officials.append(official)
            continue
        organization = index.organization(name)
        if organization is not None:
            if organization not in matched.organizations:
                matched.organizations.append(organization)
            continue
        matched.unmatched.append(name)
    return matched


# Storing -------------------------------------------------------------------------------------------


def _describe(deadline_text: str, years: tuple[int, int] | None) -> str:
    start, end = years or (None, None)
    try:
        return deadlines.describe(deadlines.parse(deadline_text, start_year=start, end_year=end))
    except Exception:  # a wording the parser trips on is shown as written
        return deadline_text


def roadmaps_import(
    *,
    result: ReadResult,
    municipality: Municipality,
    direction: Direction | None = None,
    by: User | None = None,
    dry_run: bool = False,
    project: str = "",
) -> dict:
    """Store the roadmaps read from a file for the municipality (and the direction, if given) in one
    transaction and schedule their events' instances; with `dry_run`, write nothing and return the
    same summary. The caller checks the rights (access.may_edit_roadmaps).

    The summary: {"roadmaps": [{"title", "sections", "events", "years", "criteria", "items":
    [{"number", "content", "deadline", "deadline_described", "officials", "organizations",
    "unmatched"}], "unmatched": [{"number", "names"}]}], "warnings": [...], "created": [ids]}."""
    if direction is not None and direction.municipality_id != municipality.pk:
        raise ValueError("The direction belongs to another municipality.")
    index = ResponsibleIndex(municipality)
    warnings = list(result.warnings)
    existing = set(Roadmap.objects.filter(municipality=municipality).values_list("title", flat=True))
    plans = []
    for data in result.roadmaps:
        if data.title in existing:
            warnings.append(
                _("A roadmap «%(title)s» already exists in the municipality; another one will be created.")
                % {"title": data.title}
            )
        plans.append(
            (data, [[match_event(event, index) for event in section.events] for section in data.sections])
        )
    summary = {"roadmaps": [_summary(data, sections) for data, sections in plans], "warnings": warnings}
    if dry_run:
        summary["created"] = []
        return summary
    with transaction.atomic():
        created = [
            _store(data, sections, municipality=municipality, direction=direction, by=by, project=project)
            for data, sections in plans
        ]
    summary["created"] = [roadmap.pk for roadmap in created]
    return summary


def _summary(data: RoadmapData, sections: list[list[MatchedEvent]]) -> dict:
    items = [
        {
            "number": matched.data.number,
            "content": matched.data.content,
            "section": section.number,
            "deadline": matched.data.deadline,
            "deadline_described": _describe(matched.data.deadline, data.years),
            "officials": [official.full_name for official in matched.officials],
            "organizations": [organization.short_name for organization in matched.organizations],
            "unmatched": matched.unmatched,
        }
        for section, events in zip(data.sections, sections, strict=True)
        for matched in events
    ]
    return {
        "title": data.title,
        "sections": sum(1 for section in data.sections if section.title or section.number),
        "events": len(items),
        "years": list(data.years) if data.years else None,
        "criteria": data.criteria,
        "section_titles": [{"number": s.number, "title": s.title} for s in data.sections],
        "items": items,
        "unmatched": [
            {"number": item["number"], "names": item["unmatched"]} for item in items if item["unmatched"]
        ],
    }


def _store(
    data: RoadmapData,
    sections: list[list[MatchedEvent]],
    *,
    municipality: Municipality,
    direction: Direction | None,
    by: User | None,
    project: str = "",
) -> Roadmap:
    start, end = data.years or (None, None)
    roadmap = Roadmap.objects.create(
        municipality=municipality,
        direction=direction,
        title=data.title[:1000],
        project=project[:500],
        start_year=start,
        end_year=end,
        criteria=list(data.criteria),
        created_by=by,
    )
    order = 0
    for position, (section_data, events) in enumerate(zip(data.sections, sections, strict=True)):
        section = None
        if section_data.title or section_data.number:
            section = Section.objects.create(
                roadmap=roadmap,
                number=section_data.number[:20],
                title=section_data.title[:1000],
                order=position,
            )
        for matched in events:
            order += 1
            event = Event.objects.create(
                roadmap=roadmap,
                section=section,
                number=matched.data.number[:20],
                content=matched.data.content,
                responsible_text=", ".join(matched.unmatched),
                deadline_text=matched.data.deadline[:500],
                result=matched.data.result,
                order=order,
            )
            if matched.officials:
                event.responsible_officials.set(matched.officials)
            if matched.organizations:
                event.responsible_organizations.set(matched.organizations)
    services.roadmap_schedule(roadmap=roadmap)
    return roadmap


def result_from_data(roadmaps: Iterable[dict]) -> ReadResult:
    """A ReadResult from plain data (the demo's): [{"title", "criteria", "sections": [{"number",
    "title", "events": [{"number", "content", "responsible", "deadline", "result"}]}]}]."""
    read = []
    for roadmap in roadmaps:
        sections = [
            SectionData(
                number=section["number"],
                title=section["title"],
                events=[
                    EventData(
                        number=event["number"],
                        content=event["content"],
                        responsible=event["responsible"],
                        responsible_names=docx_reader.split_responsible(event["responsible"]),
                        deadline=event["deadline"],
                        result=event["result"],
                    )
                    for event in section["events"]
                ],
            )
            for section in roadmap["sections"]
        ]
        read.append(
            RoadmapData(
                title=roadmap["title"],
                years=docx_reader.years_of(roadmap["title"]),
                criteria=list(roadmap.get("criteria", [])),
                sections=sections,
            )
        )
    return ReadResult(roadmaps=read, warnings=[])
