"""The shared upload plumbing (mcok.uploads, mcok.text.code_from): every importer reads a CSV, a cell
and a workbook's archive the same way, and a code made from a title is the same wherever it is made."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from directions import responsibility_reader
from indicators import imports as indicator_imports
from mcok import uploads
from mcok.text import code_from
from monitoring import builder
from monitoring import imports as form_imports
from roadmaps import imports as roadmap_imports
from roadmaps.docx_reader import RoadmapFileError

ROWS = [
    ["организация", "период", "элемент", "значение"],
    ["СОШ № 1", "2024", "teachers_total", "1 234,5"],
    ["", "2024", "budget", "7"],
    ["Школа «Ёлочка»; филиал", "2024", "ёмкость", "0,25"],
]


def csv_bytes(delimiter: str, encoding: str) -> bytes:
    lines = []
    for row in ROWS:
        cells = [f'"{cell}"' if delimiter in cell or "," in cell else cell for cell in row]
        lines.append(delimiter.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_indicators_import_and_the_google_forms_import_read_a_csv_identically(encoding, delimiter):
    content = csv_bytes(delimiter, encoding)
    indicator_rows, _ = indicator_imports._csv_rows(content)
    form_rows = form_imports._csv_records(content)
    assert [(line, list(cells)) for line, cells in indicator_rows] == form_rows
    assert [cells for _, cells in form_rows] == ROWS


def test_a_tie_between_comma_and_semicolon_reads_as_semicolons_everywhere():
    content = "а;б,в\r\n1;2,5\r\n".encode()
    assert uploads.delimiter(content.decode()) == ";"
    assert (
        indicator_imports._csv_rows(content)[0]
        == form_imports._csv_records(content)
        == [
            (1, ["а", "б,в"]),
            (2, ["1", "2,5"]),
        ]
    )


@pytest.mark.parametrize("content", [b"\x00\x01binary", "текст".encode("utf-16")])
def test_a_file_in_neither_encoding_is_refused_in_both_importers(content):
    with pytest.raises(ValidationError):
        indicator_imports._csv_rows(content)
    with pytest.raises(ValidationError):
        form_imports._csv_records(content)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (30.0, "30"),
        (0.1, "0.1"),
        (2024, "2024"),
        (datetime.datetime(2025, 10, 5), "05.10.2025"),  # noqa: DTZ001 - a cell is naive
        (datetime.datetime(2025, 10, 5, 14, 3, 27), "05.10.2025 14:03:27"),  # noqa: DTZ001
        (datetime.date(2025, 10, 5), "05.10.2025"),
        ("  строка\r\nдве ", "строка\nдве"),
        (float("inf"), "inf"),
    ],
)
def test_a_cell_reads_as_the_text_a_person_typed(value, text):
    assert uploads.cell_text(value) == text


@pytest.mark.parametrize(
    "title",
    ["Всего учителей", "Общее количество учителей (щит)", "2. Доля ШНОР, %", "«»", "Һаны (башҡортса)"],
)
def test_a_question_code_is_the_same_in_the_form_builder_and_the_google_forms_import(title):
    assert builder.code_from_label(title) == code_from(title, set())
    assert form_imports.code_from(title, set()) == code_from(title, set())


def test_codes_made_from_titles():
    taken: set[str] = {"Vsego_uchiteley"}
    assert code_from("Всего учителей", taken) == "vsego_uchiteley_2"
    assert code_from("2. Доля ШНОР, %") == "q_2_dolya_shnor"
    assert code_from("Щётки и ёлки") == "schetki_i_elki"
    long = code_from("Количество обучающихся пятых и шестых классов школы")
    assert long == "kolichestvo_obuchayuschikhsya_pyatykh_i" and len(long) <= 40


def workbook_with_macros() -> bytes:
    book = Workbook()
    book.active.append(["Мероприятие", "Срок"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"Attribute VB_Name = 1" * 10)
    return out.getvalue()


def test_every_workbook_reader_refuses_macros_with_the_same_message():
    content = workbook_with_macros()
    message = uploads.workbook_problem(content)
    assert message and "макрос" in message
    with pytest.raises(RoadmapFileError, match="макрос"):
        roadmap_imports.read_xlsx(content)
    with pytest.raises(responsibility_reader.ResponsibilityFileError, match="макрос"):
        responsibility_reader.read_xlsx(content)
    with pytest.raises(ValidationError, match="макрос"):
        form_imports.open_workbook(content)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (2 * 1024 * 1024))
    assert "сжата более чем в 100 раз" in uploads.archive_problem(io.BytesIO(out.getvalue()))
