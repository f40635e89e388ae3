"""The plumbing every importer of an uploaded file shares: the checks of a workbook's archive before
openpyxl opens it, one decoder and one delimiter for CSV text, and one reading of a cell as text.

- archive_problem / workbook_problem: why an XLSX (a ZIP) may not be opened, from its directory
  alone: more than MAX_ENTRIES parts, more than MAX_UNPACKED_BYTES unpacked, compressed more than
  MAX_RATIO times (a ZIP bomb); a workbook also with macros or links to other files. Then
  open_workbook opens it read-only with cached values, and mcok.workbooks.rows reads its rows
  within bounds.
- decode_text: UTF-8 (with or without a BOM) or Windows-1251, or a clear refusal; delimiter: «,»,
  «;» or a tab, the most frequent outside quotes in the first record; csv_records: both, then the
  non-empty records with the line a spreadsheet shows. A CSV reads the same in every importer.
- cell_text: a cell as the text a person typed (30.0 as «30», a date as «05.10.2025»).

Each importer checks the size of its own upload (its limit differs) and says a problem in its own
exception; the messages here are the shared ones.
"""

import csv
import datetime
import io
import math
import unicodedata
import zipfile
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mcok.workbooks import is_blank

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_ENTRIES = 1000
DELIMITERS = ",;\t"

__all__ = [
    "archive_problem",
    "cell_text",
    "csv_records",
    "decode_text",
    "delimiter",
    "is_blank",
    "open_workbook",
    "read_csv",
    "unreadable_workbook",
    "workbook_problem",
]


# Workbooks ----------------------------------------------------------------------------------------


def archive_problem(file: IO[bytes]) -> str | None:
    """Why the upload may not be opened as a workbook, from its ZIP directory alone; None if it
    may. An XLSX is a ZIP: a small file that unpacks to gigabytes (a ZIP bomb) is refused here,
    before openpyxl reads a byte of it."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    # NotImplementedError: a directory asking for a newer unzip version than Python has (a damaged file).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError):
        return _("The file is not an XLSX workbook: save it in Excel as «Книга Excel (*.xlsx)».")
    finally:
        file.seek(0)
    if len(entries) > MAX_ENTRIES:
        return _("The workbook has more than %(count)s parts; it is refused.") % {"count": MAX_ENTRIES}
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        return _("The workbook unpacks to more than 50 MB; it is refused.")
    if unpacked > MAX_RATIO * max(packed, 1):
        return _("The workbook is compressed more than %(ratio)s times; it is refused.") % {
            "ratio": MAX_RATIO
        }
    return None


def workbook_problem(content: bytes) -> str | None:
    """archive_problem, then macros and links to other files; None if the workbook may be opened."""
    problem = archive_problem(io.BytesIO(content))
    if problem:
        return problem
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [info.filename.lower() for info in archive.infolist()]
    if any(name.endswith("vbaproject.bin") or name.startswith("xl/macrosheets/") for name in names):
        return _("The workbook contains macros; save it as an .xlsx workbook without macros.")
    if any(name.startswith("xl/externallinks/") for name in names):
        return _("The workbook links to other files; replace the links with their values and save it again.")
    return None


def unreadable_workbook() -> str:
    return _("The workbook cannot be read. Open it in Excel, save it as .xlsx and try again.")


def open_workbook(content: bytes, *, error: type[Exception] = ValidationError, macros_allowed: bool = False):
    """The workbook, read-only and with cached values instead of formulas, once its archive passed
    the checks (workbook_problem, or archive_problem alone with macros_allowed); `error` with the
    Russian reason when it may not or cannot be opened."""
    problem = archive_problem(io.BytesIO(content)) if macros_allowed else workbook_problem(content)
    if problem:
        raise error(problem)
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML, key and value errors alike for a broken workbook
        raise error(unreadable_workbook()) from None


# CSV ----------------------------------------------------------------------------------------------


def _refusal() -> str:
    return _(
        "The file is neither UTF-8 nor Windows-1251 text. Save it from Excel as «CSV UTF-8» or as an "
        "XLSX workbook."
    )


def decode_text(content: bytes, *, refusal: str | None = None) -> str:
    """The text of a CSV upload in UTF-8 (with or without a BOM) or Windows-1251; ValidationError
    with `refusal` (or the shared message) otherwise."""
    refusal = refusal or _refusal()
    if b"\x00" in content:
        raise ValidationError(refusal)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1251")
    except UnicodeDecodeError:
        raise ValidationError(refusal) from None
    # Bytes that are control characters in Windows-1251 mean the file is in neither encoding.
    if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in text):
        raise ValidationError(refusal)
    return text


def delimiter(text: str) -> str | None:
    """The delimiter of the first record among «,», «;» and tab: the most frequent outside quotes
    («;» on a tie with «,», as Russian Excel saves); None when the record has none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text.lstrip("\r\n"):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    if not any(counts.values()):
        return None
    return max(";,\t", key=lambda char: counts[char])


def csv_records(
    content: bytes, *, max_rows: int, refusal: str | None = None, too_many: str | None = None
) -> list[tuple[int, list[str]]]:
    """The non-empty records of a CSV upload (read_csv without its delimiter)."""
    return read_csv(content, max_rows=max_rows, refusal=refusal, too_many=too_many)[0]


def read_csv(
    content: bytes, *, max_rows: int, refusal: str | None = None, too_many: str | None = None
) -> tuple[list[tuple[int, list[str]]], str]:
    """((line number, cells) …, delimiter) of the non-empty records of a CSV upload, the number
    being the line a spreadsheet shows (the header is line 1); at most `max_rows` records after the header.
    ValidationError in Russian for a file that is not text, is empty, has no delimiter, has broken
    quotes or too many rows (`too_many`, or the shared message)."""
    text = decode_text(content, refusal=refusal)
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    sign = delimiter(text)
    if sign is None:
        raise ValidationError(
            _("The columns of the first row cannot be told apart: separate them with «,», «;» or a tab.")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sign)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if all(is_blank(cell) for cell in cells):
                continue
            if len(records) > max_rows:  # the header and max_rows data rows are read already
                raise ValidationError(
                    too_many
                    or _("The file has more than %(count)s data rows; split it into several files.")
                    % {"count": max_rows}
                )
            records.append((number, cells))
    except csv.Error:
        raise ValidationError(
            _("Line %(row)s of the CSV file cannot be read; check its quotes.") % {"row": number + 1}
        ) from None
    return records, sign


# Cells --------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: 30.0 as «30», 0.1 as «0.1», a date as «05.10.2025», a
    date and time as «05.10.2025 14:03:27», line ends as «\\n», the ends stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        number = Decimal(repr(value))
        return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
