"""Tables as XLSX and CSV files that a spreadsheet opens safely.

Text is always written as text: a cell that begins with = + - @ would otherwise run as a formula
in the reader's spreadsheet. Numbers and dates stay numbers and dates.

In XLSX a text cell is typed as a string, which no spreadsheet evaluates. CSV has no types, so a
text that a spreadsheet could read as a formula gets a leading apostrophe: one that begins with a
formula sign (also the minus sign «−» and the full-width and small forms, which some spreadsheets and
input methods turn into the ASCII ones), one that begins with a tab, a carriage return, a line feed
or NUL, and one whose formula sign follows leading spaces, since spreadsheets may trim them on import.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from mcok import numbers

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_SIGNS = frozenset("=+-@\u2212\uff1d\uff0b\uff0d\uff20\ufe62\ufe63")
DANGEROUS_PREFIXES = (*sorted(FORMULA_SIGNS), "\t", "\r", "\n", "\0")
NUMBERS = (int, float, Decimal, date, bool)

Cell = str | int | float | Decimal | date | datetime | bool | None


def _xlsx_cell(sheet, value: Cell, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if value is not None and not isinstance(value, NUMBERS):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters XLSX cannot hold
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text begins with
    if bold:
        cell.font = Font(bold=True)
    return cell


def _xlsx_value(sheet, value: Cell) -> object:
    """What a row of a plain sheet appends: the cell of `_xlsx_cell` only for a text openpyxl would
    not type as a string by itself (a formula sign first, an error code such as «#N/A»); any other
    value as it is, which openpyxl types exactly so. A cell of ours costs openpyxl a failed
    conversion each: at a million cells, a third of the time of the file."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if value is None or isinstance(value, NUMBERS):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters XLSX cannot hold
    if text.startswith("=") or text in ERROR_CODES:
        return _xlsx_cell(sheet, text)
    return text


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    return xlsx_book_bytes([(title, headers, rows)])


def xlsx_book_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]) -> bytes:
    """A workbook of several sheets, each (title, headers, rows), written as xlsx_bytes writes one."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(sheet, header, bold=True) for header in headers])
        for row in rows:
            sheet.append([_xlsx_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula: it begins with a formula sign or a
    control character, or its first visible character is a formula sign."""
    if text.startswith(DANGEROUS_PREFIXES):
        return True
    visible = text.lstrip()
    return visible != text and visible[:1] in FORMULA_SIGNS


def csv_text(value: Cell) -> str:
    """A cell as CSV text: numbers with a decimal comma (a negative number keeps its minus), dates as
    they are, any other value as text with a leading apostrophe when it could run as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return numbers.csv_number(value)  # a decimal comma: Russian Excel reads «58.5» as a date or text
    text = str(value)
    if not isinstance(value, NUMBERS) and is_formula_like(text):
        return "'" + text
    return text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The one CSV of the portal, for Russian Excel: UTF-8 with a BOM, «;» between cells, a decimal
    comma, text that could run as a formula neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([csv_text(header) for header in headers])
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def machine_csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """CSV for machines (open data sets): UTF-8 without a BOM, «,» between cells, a decimal point,
    quoted where needed; text that could run as a formula guarded as in `csv_text`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(headers))
    for row in rows:
        writer.writerow([_machine_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _machine_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return csv_text(value)


def file_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> HttpResponse:
    return file_response(xlsx_bytes(title, headers, rows), filename, XLSX_TYPE)
