"""The roadmap import from XLSX under generated workbooks: random sheets, the header anywhere in
the first rows, random cells; and random bytes named .xlsx or .docx. Reading either gives roadmaps
or refuses with RoadmapFileError and a message; what reads goes through the dry run, which writes
nothing."""

import datetime
import io

import pytest
from django.utils import translation
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl import Workbook

from roadmaps import docx_reader, imports
from roadmaps.models import Event, Roadmap
from tests.roadmaps.test_imports import HEADER, ROWS, make_xlsx

FAST = settings(max_examples=60, deadline=None)
WITH_DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

printable = st.text(max_size=30).map(
    lambda text: "".join(char for char in text if char >= " " or char in "\n\t")
)
cells = st.one_of(
    st.none(),
    printable,
    st.sampled_from(
        [
            "1.",
            "1.1.",
            "2",
            "IV",
            "Раздел 1",
            "1. Нормативно-правовое обеспечение",
            "Лезина М.А.",
            "Иванова А. Б., МБУ ДПО «ИМЦ»",
            "Июль - август, 2021 г.",
            "Ежегодно (сентябрь)",
            "до 31.12.2024",
            "План мероприятий на 2021-2024 гг.",
            "Планируемые критерии:",
            "=1+1",
            "\n",
            "x" * 300,
        ]
    ),
    st.sampled_from(HEADER),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.times(),
)
sheet_titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="[]:*?/\\'"),
    min_size=1,
    max_size=25,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@st.composite
def sheets(draw) -> list[list]:
    """Rows of a sheet: some lines above, the roadmap header at a random row and column (or not at
    all, or only part of it), then random rows."""
    rows = draw(st.lists(st.lists(cells, max_size=4), max_size=4))
    if draw(st.booleans()):
        shift = [None] * draw(st.integers(min_value=0, max_value=3))
        header = draw(st.lists(st.sampled_from(HEADER), min_size=1, max_size=6))
        rows.append(shift + header)
        rows += [shift + row for row in draw(st.lists(st.lists(cells, max_size=7), max_size=8))]
    return rows


def workbook_bytes(sheet_rows: list[list[list]], titles: list[str], merge: bool) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for number, (rows, title) in enumerate(zip(sheet_rows, titles, strict=False)):
        name = title if title.casefold() not in used else f"{number}"
        used.add(name.casefold())
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge and sheet.max_row > 2:
            sheet.merge_cells(
                start_row=sheet.max_row - 1, start_column=1, end_row=sheet.max_row, end_column=3
            )
    if not workbook.worksheets:
        workbook.create_sheet("Лист1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(content: bytes, name: str) -> docx_reader.ReadResult | None:
    try:
        result = imports.read_file(content, name)
    except docx_reader.RoadmapFileError as error:
        assert str(error).strip()
        if currently_in_test_context():
            event("refused")
        return None
    if currently_in_test_context():
        event("read")
    assert result.roadmaps
    assert all(roadmap.events for roadmap in result.roadmaps)
    return result


@FAST
@given(content=st.binary(max_size=2000), name=st.sampled_from(["карта.xlsx", "карта.docx", "карта.pdf", ""]))
@example(content=b"PK\x03\x04", name="карта.xlsx")
@example(content=b"PK\x05\x06" + b"\x00" * 18, name="карта.docx")
def test_random_bytes_are_refused(content, name):
    assert read(content, name) is None


@settings(FAST, max_examples=40)
@given(
    sheet_rows=st.lists(sheets(), min_size=1, max_size=3),
    titles=st.lists(sheet_titles, min_size=3, max_size=3),
    merge=st.booleans(),
)
def test_random_workbooks_are_read_or_refused(sheet_rows, titles, merge):
    read(workbook_bytes(sheet_rows, titles, merge), "карта.xlsx")


events = st.lists(
    st.tuples(st.sampled_from(["", "1.1.", "2", "1."]), printable, cells, cells, cells).map(list),
    min_size=1,
    max_size=6,
)


@WITH_DB
@given(
    rows=st.one_of(sheets(), events.map(lambda rows: [HEADER, *rows])),
    above=st.integers(min_value=0, max_value=imports.HEADER_ROWS + 2),
)
@example(rows=[HEADER, *ROWS], above=0)
@example(rows=[HEADER, ["1.1.", "Событие", "Лезина М.А.", 45000.0, None]], above=imports.HEADER_ROWS - 1)
def test_what_reads_is_dry_run_without_writing(world, rows, above):
    content = workbook_bytes(
        [
            [[f"строка {n}"] for n in range(above)]
            + [list(row) if isinstance(row, list) else [row] for row in rows]
        ],
        ["Лист1"],
        False,
    )
    result = read(content, "карта.xlsx")
    if result is None:
        return
    summary = imports.roadmaps_import(
        result=result, municipality=world.municipality, by=world.coordinator, dry_run=True
    )
    assert summary["created"] == []
    assert len(summary["roadmaps"]) == len(result.roadmaps)
    assert not (Roadmap.objects.exists() or Event.objects.exists())


def test_the_example_table_reads_with_its_events():
    result = read(make_xlsx(), "карта.xlsx")
    assert [len(section.events) for section in result.roadmaps[0].sections] == [2, 1]
