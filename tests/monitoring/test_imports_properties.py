"""The Google Forms import under generated files: whatever is uploaded, reading it either succeeds or
is refused with a ValidationError, and what reads can be proposed as a form and dry-run without an
exception escaping as a server error."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from monitoring import imports
from monitoring.models import Campaign, Form, Submission

FAST = settings(max_examples=60, deadline=None)
WITH_DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Cells a person or a broken export may put in a table: any text, separators, quotes, line breaks,
# spaces only, something huge.
cell_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", '"', '""', ",", ";", "\t", "\n", "\r\n", "a,b", '"x;y"', "№ 1", "=1+1", "\ufeff"]
    ),
    st.text(alphabet=st.sampled_from('аб,;"\n '), max_size=20),
    st.just("я" * 5000),
)
titles = st.one_of(st.text(max_size=20), st.sampled_from(["", "Наименование ОО", "Школа", "Отметка времени"]))
timestamps = st.one_of(
    st.sampled_from(["06.10.2025 10:00:00", "2025-10-06 10:00", "06.10.2025", "", "31.02.2025 10:00:00"]),
    st.text(max_size=20),
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(content: bytes, name: str) -> imports.Sheet | None:
    """The sheet, or None when the file is refused with a message."""
    try:
        sheet = imports.read_responses(content, name)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
        event("refused")
        return None
    event("read")
    assert sheet.header and sheet.responses
    assert all(len(response.cells) == len(sheet.header) for response in sheet.responses)
    return sheet


@st.composite
def csv_exports(draw) -> bytes:
    width = draw(st.integers(min_value=0, max_value=6))
    header = ["Отметка времени", *draw(st.lists(titles, min_size=width, max_size=width))]
    rows = draw(
        st.lists(
            st.tuples(timestamps, st.lists(cell_text, max_size=width + 2)).map(
                lambda pair: [pair[0], *pair[1]]
            ),
            max_size=6,
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerows([header, *rows])
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    return text.encode(encoding, errors="replace")


xlsx_cells = st.one_of(
    st.none(),
    cell_text.map(lambda text: "".join(char for char in text if char >= " " or char in "\n\t")),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),  # noqa: DTZ001 - cells have no zone
    st.times(),
)


@st.composite
def xlsx_exports(draw) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = draw(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="[]:*?/\\'"),
            min_size=1,
            max_size=20,
        )
    )
    width = draw(st.integers(min_value=0, max_value=5))
    first = draw(st.one_of(st.just("Отметка времени"), st.just("Timestamp"), xlsx_cells))
    sheet.append([first, *draw(st.lists(xlsx_cells, min_size=width, max_size=width))])
    for cells in draw(st.lists(st.lists(xlsx_cells, max_size=width + 2), max_size=5)):
        sheet.append(cells)
    if draw(st.booleans()) and sheet.max_row > 1 and sheet.max_column > 1:
        sheet.merge_cells(start_row=2, start_column=1, end_row=sheet.max_row, end_column=2)
    if draw(st.booleans()):
        workbook.create_sheet(draw(st.sampled_from(["Лист2", "Ответы"]))).append(["другое"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@FAST
@given(
    content=st.binary(max_size=2000), name=st.sampled_from(["export.csv", "export.xlsx", "export.tsv", "x"])
)
@example(content=b"PK\x03\x04garbage", name="export.xlsx")
@example(content=b"\xef\xbb\xbf", name="export.csv")
def test_random_bytes_are_read_or_refused(content, name):
    read(content, name)


@FAST
@given(content=csv_exports())
@example(content='Отметка времени,"a\n'.encode())
@example(content="Отметка времени;Вопрос\n;\n".encode())
def test_random_csv_under_a_good_header_is_read_or_refused(content):
    read(content, "export.csv")


@settings(FAST, max_examples=40)
@given(content=xlsx_exports())
def test_random_workbooks_are_read_or_refused(content):
    read(content, "export.xlsx")


@WITH_DB
@given(content=st.one_of(csv_exports(), xlsx_exports()))
@example(content="Отметка времени,Школа,Число\n06.10.2025 10:00:00,СОШ № 1,1\n".encode())
def test_what_reads_is_proposed_and_dry_run_without_writing(world, content):
    name = "export.xlsx" if imports.is_workbook(content) else "export.csv"
    sheet = read(content, name)
    if sheet is None:
        return
    proposal = imports.propose(sheet, world.municipality)
    assert [column.index for column in proposal.columns] == list(range(1, len(sheet.header)))
    outcome = imports.import_responses(
        sheet,
        proposal,
        municipality=world.municipality,
        period_code="2025/26",
        title="Импорт",
        by=world.coordinator,
        dry_run=True,
    )
    assert outcome.dry_run
    assert len(outcome.rows) == len(sheet.responses)
    assert not (Form.objects.exists() or Campaign.objects.exists() or Submission.objects.exists())
