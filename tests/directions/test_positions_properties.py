"""The XLSX import of evaluation positions under generated files: random bytes, damaged workbooks and
random cells under a good header are either parsed into rows or refused with Russian sentences; no
exception escapes, and the parse writes nothing."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from directions import imports
from directions.models import Component, Position
from tests.directions.test_positions_import import (
    HEADER,
    make_direction,
    make_period,
    make_position,
    xlsx_bytes,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WITH_DB = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

cells = st.one_of(
    st.none(),
    st.text(max_size=25).map(lambda text: "".join(char for char in text if char >= " " or char in "\n\t")),
    st.sampled_from(
        ["1.1", "2.1", "1", "2", "9", "10", "3,5", "1e5", "1e-500", "-1", "NaN", "Infinity", "=1+1"]
    ),
    st.sampled_from([key for key, _label in Component.choices]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),  # noqa: DTZ001 - cells have no zone
    st.just("x" * 400),
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue(world):
    """Directions 1.1 and 2.1 in force since 2024, one position 1 of 1.1 already recorded in 2025."""
    since = make_period(2024)
    period = make_period(2025)
    direction = make_direction(world.municipality, "1.1", valid_from=since)
    make_direction(world.municipality, "2.1", valid_from=since)
    make_position(direction, period, "1", Component.choices[0][0], "2")
    return world.municipality, period


def parse(catalogue, content: bytes) -> tuple[list, list]:
    municipality, period = catalogue
    before = list(Position.objects.values_list("pk", "code", "max_score"))
    rows, errors = imports.positions_parse(io.BytesIO(content), municipality=municipality, period=period)
    assert all(isinstance(error, str) and error.strip() for error in errors)
    json.dumps(rows)  # what waits in the session for the confirmation
    assert rows or errors
    assert list(Position.objects.values_list("pk", "code", "max_score")) == before
    return rows, errors


def damaged(content: bytes, cut: int, flip: int) -> bytes:
    """The workbook truncated or with one byte changed inside its sheet."""
    if cut:
        return content[: cut % len(content)]
    data = bytearray(content)
    data[flip % len(data)] ^= 0x5A
    return bytes(data)


@FAST
@given(content=st.binary(max_size=2000))
@example(content=b"PK\x03\x04")
@example(content=b"PK\x05\x06" + b"\x00" * 18)
def test_random_bytes_are_refused(catalogue, content):
    rows, errors = parse(catalogue, content)
    assert errors


@WITH_DB
@given(cut=st.integers(min_value=0, max_value=10**6), flip=st.integers(min_value=0, max_value=10**6))
def test_a_damaged_workbook_is_parsed_or_refused(catalogue, cut, flip):
    good = xlsx_bytes([HEADER, ["1.1", "1", "1", "Позиция", 2, ""]])
    parse(catalogue, damaged(good, cut, flip))


@WITH_DB
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=8), max_size=6),
    header=st.permutations(HEADER),
    blank_rows=st.integers(min_value=0, max_value=3),
)
@example(rows=[["1.1", "1", "1", "Текст", "1e-500", ""]], header=HEADER, blank_rows=0)
@example(
    rows=[["1.1", "1", "a", "Текст", 1, ""], ["1.1", "1", "a", "Текст", 1, ""]], header=HEADER, blank_rows=0
)
def test_random_cells_under_a_good_header_are_parsed_or_refused(catalogue, rows, header, blank_rows):
    content = xlsx_bytes([*([[None]] * blank_rows), list(header), *rows])
    parse(catalogue, content)


@settings(FAST, max_examples=40)
@given(sheets=st.lists(st.lists(st.lists(cells, max_size=6), max_size=4), min_size=1, max_size=3))
def test_random_workbooks_are_parsed_or_refused(catalogue, sheets):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Лист{number}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    parse(catalogue, buffer.getvalue())


def test_a_zip_that_is_no_workbook_is_refused(catalogue):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "no workbook")
    _rows, errors = parse(catalogue, buffer.getvalue())
    assert errors == ["The workbook cannot be read. Open it in Excel, save it as .xlsx and try again."]
