"""Data values in and indicator values out: a CSV or XLSX import of data values in long format (one
number a row), checked in full before anything is written, and an export of indicator values as
CSV, XLSX or JSON.

The import file, whatever its format, has a header row naming four columns (Russian or English,
any order, other columns ignored):

    организация | период  | элемент        | значение
    СОШ № 1     | 2024/25 | teachers_total | 40
                | 2024    | budget         | 1 234,5      ← empty: the municipality's own figure

An organization is its short name, its full name or its id; «муниципалитет» or an empty cell is the
municipality itself. A period is a code (2024, 2024/25, 2024-H1, 2024-Q3); a missing period is
created on import. An element is a data-element code of the municipality. A value is a number,
with a comma or a point. Every problem is reported with the line a spreadsheet shows (the header
is line 1), and a file with any problem imports nothing.

A fifth column, «разрез» (optional), names the cell of an element split by categories: «предмет=
математика; класс=5» (category and option by code or name, separated by «;» or «,»); its value
may be «не применимо» (or «н/п»). A table's total is written once all its cells are.
"""

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import PurePath
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from indicators import access, categories, services
from indicators.models import DataElement, DataValue, DataValueCell, Indicator, IndicatorValue
from mcok import exports, names, uploads, workbooks
from mcok import services as core_services
from mcok.models import Municipality, Organization, Period, User, period_code, period_dates
from mcok.sorting import natural_key
from mcok.uploads import cell_text as _text
from mcok.uploads import is_blank as _blank

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 100  # of the header of a workbook; the columns the import knows are four
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# DataValue.value: 16 digits, 4 after the point.
VALUE_PLACES = Decimal("0.0001")
VALUE_LIMIT = Decimal(10) ** 12

# Field → the headers that name its column, compared folded (lower case, ё as е, one space).
HEADERS: dict[str, tuple[str, ...]] = {
    "organization": ("организация", "organization", "образовательная организация", "оо"),
    "period": ("период", "period", "код периода"),
    "element": ("элемент", "element", "элемент данных", "код элемента", "data element"),
    "value": ("значение", "value"),
}
# Optional columns.
OPTIONAL_HEADERS: dict[str, tuple[str, ...]] = {
    "options": ("разрез", "ячейка", "значения категорий", "options", "cell"),
}
# What a value cell says for a cell «не применимо».
NOT_APPLICABLE_WORDS = ("не применимо", "н/п", "n/a", "not applicable")
# What an organization cell says for the municipality's own figure.
MUNICIPALITY_WORDS = ("муниципалитет", "municipality")


@dataclass
class ParseResult:
    """What a file holds: the entries to write (with the line of each), the problems found, and how
    many data rows were read. Entries are meant to be written only when there is no error. An entry
    whose period does not exist yet holds an unsaved Period, saved by import_data_values."""

    municipality: Municipality
    filename: str
    entries: list[services.Entry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows_read: int = 0


@dataclass(frozen=True)
class Summary:
    """What an import did, or (dry run) would do, to the stored data values."""

    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool

    def as_json(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


# Reading cells ------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """A name as compared: lower case, ё as е, one kind of quotes, «№ 5» as «№5», single spaces."""
    text = text.lower().replace("ё", "е").replace("\u00a0", " ")
    for quote in "«»“”„":
        text = text.replace(quote, '"')
    text = " ".join(text.split())
    return text.replace("№ ", "№")


def _number(value: Any) -> Decimal | None:
    """A cell as an exact Decimal (a float through its shortest repr, a text with a comma or a point
    and spaces between thousands); None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = "".join(value.split())  # 1 234,5: spaces (plain or not) between thousands
        if "," in value and "." in value:
            return None  # 1,234.5 or 1.234,5: which one is the decimal point is a guess
        value = value.replace(",", ".")
    if not isinstance(value, str | Decimal):
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


parse_number = _number  # the same reading for numbers typed on a page


def plain_number(value: Decimal) -> Decimal:
    """40.0000 → 40, 12.5000 → 12.5: the number as written, never in exponent form."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# Reading the file ---------------------------------------------------------------------------------


Rows = list[tuple[int, Sequence[Any]]]  # (line number, cells) of the non-empty rows


def _file_problem(content: bytes) -> str | None:
    if not content:
        return _("The file is empty.")
    if len(content) > MAX_FILE_BYTES:
        return _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    return None


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(count)s data rows; split it into several files.") % {"count": MAX_ROWS}
    )


def _csv_rows(content: bytes) -> tuple[Rows, str]:
    """(rows, delimiter) of a CSV file, read as every importer reads one (mcok.uploads.read_csv)."""
    return uploads.read_csv(content, max_rows=MAX_ROWS)


def _xlsx_rows(content: bytes) -> Rows:
    """The non-empty rows of the first sheet with their Excel row numbers; ValidationError when the
    workbook may not or cannot be read."""
    problem = uploads.workbook_problem(content)
    if problem:
        raise ValidationError(problem)
    from openpyxl import load_workbook

    unreadable = _("The workbook cannot be read. Open it in Excel, save it as .xlsx and try again.")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML and key errors alike for a broken file
        raise ValidationError(unreadable) from None
    try:
        if not workbook.worksheets:
            raise ValidationError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        rows: Rows = []
        # Every row is read as wide as the header (workbooks.rows); the numbers are the ones Excel shows.
        for number, cells in workbooks.rows(sheet, width=MAX_COLUMNS):
            if len(rows) > MAX_ROWS:
                raise _too_many_rows()
            rows.append((number, cells))
        return rows
    except ValidationError:
        raise
    except workbooks.TooManyColumns:
        raise ValidationError(
            _("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}
        ) from None
    except Exception:  # a sheet's XML may be broken past the first rows
        raise ValidationError(unreadable) from None
    finally:
        workbook.close()


def _columns(header: Sequence[Any]) -> dict[str, int]:
    """Field → column index, from the header row."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        title = _text(cell)
        for name, aliases in (HEADERS | OPTIONAL_HEADERS).items():
            if _fold(title) in aliases:
                if name in columns:
                    raise ValidationError(
                        _("The column «%(column)s» appears twice in the first row.") % {"column": title}
                    )
                columns[name] = index
    missing = [name for name in HEADERS if name not in columns]
    if missing:
        raise ValidationError(
            _("The first row lacks the columns %(columns)s.")
            % {"columns": ", ".join(f"«{HEADERS[name][0]}»" for name in missing)}
        )
    return columns


# Parsing ------------------------------------------------------------------------------------------


class _Catalogue:
    """The municipality's organizations, data elements and the periods, read once for the file."""

    def __init__(self, municipality: Municipality):
        self.municipality = municipality
        organizations = list(Organization.objects.filter(municipality=municipality))
        self.organizations = organizations
        self.by_exact = {o.short_name.strip(): o for o in organizations}
        self.by_id = {str(o.pk): o for o in organizations}
        elements = list(DataElement.objects.filter(municipality=municipality))
        self.elements = {e.code: e for e in elements}
        self.elements_folded: dict[str, list[DataElement]] = {}
        for element in elements:
            self.elements_folded.setdefault(element.code.lower(), []).append(element)
        self.periods = {(p.kind, p.year, p.number): p for p in Period.objects.all()}
        self.cells = categories.CellFinder(elements)

    def cell(self, element: DataElement, text: str, row: int):
        """(the option combination named by «категория=значение; …», problem)."""
        options = {}
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            category, equals, option = part.partition("=")
            if not equals:
                return None, _("Row %(row)s: write the cell as «category=option; category=option».") % {
                    "row": row
                }
            options[category.strip()] = option.strip()
        combo, problem = self.cells.find(element, options)
        return combo, (_("Row %(row)s: %(problem)s") % {"row": row, "problem": problem}) if problem else None

    def organization(self, text: str, row: int) -> tuple[Organization | None, str | None]:
        """(organization or None for the municipality itself, problem)."""
        folded = _fold(text)
        if not folded or folded in MUNICIPALITY_WORDS:
            return None, None
        if text.strip() in self.by_exact:
            return self.by_exact[text.strip()], None
        # Names compared through mcok.names: «СОШ №1», «МБОУ "СОШ № 1"» name one school.
        named = names.organizations_named(text, self.organizations)
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return None, _(
                "Row %(row)s: «%(name)s» fits several organizations; write the short name exactly as the "
                "portal shows it, or the organization's number."
            ) % {"row": row, "name": text}
        if folded in self.by_id:
            return self.by_id[folded], None
        return None, _("Row %(row)s: there is no organization «%(name)s» in %(municipality)s.") % {
            "row": row,
            "name": text,
            "municipality": self.municipality,
        }

    def element(self, code: str, row: int) -> tuple[DataElement | None, str | None]:
        element = self.elements.get(code)
        if element is None:
            same = self.elements_folded.get(code.lower(), [])
            element = same[0] if len(same) == 1 else None
        if element is None:
            return None, _("Row %(row)s: %(municipality)s has no data element «%(code)s».") % {
                "row": row,
                "municipality": self.municipality,
                "code": code,
            }
        return element, None

    def period(self, code: str, row: int) -> tuple[Period | None, str | None]:
        """The period of the code; an unsaved one (saved on import) when it does not exist yet."""
        try:
            kind, year, number = core_services.period_parse(code)
        except ValidationError as error:
            return None, _("Row %(row)s: %(problem)s") % {"row": row, "problem": " ".join(error.messages)}
        key = (kind, year, number)
        if key not in self.periods:
            starts_on, ends_on = period_dates(kind, year, number)
            self.periods[key] = Period(
                kind=kind,
                year=year,
                number=number,
                code=period_code(kind, year, number),
                starts_on=starts_on,
                ends_on=ends_on,
            )
        return self.periods[key], None


def _value(cell: Any, element: DataElement | None, row: int) -> tuple[Decimal | None, str | None]:
    number = _number(cell)
    if number is None:
        return None, _("Row %(row)s: the value «%(value)s» is not a number.") % {
            "row": row,
            "value": _text(cell),
        }
    if abs(number) >= VALUE_LIMIT:
        return None, _("Row %(row)s: the value «%(value)s» is too large.") % {
            "row": row,
            "value": _text(cell),
        }
    if (
        element is not None
        and element.value_type == DataElement.ValueType.INTEGER
        and number != number.to_integral_value()
    ):
        return None, _("Row %(row)s: «%(code)s» takes whole numbers, not «%(value)s».") % {
            "row": row,
            "code": element.code,
            "value": _text(cell),
        }
    return number.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP), None


def _parse_rows(result: ParseResult, rows: Rows, *, comma_separated: bool) -> None:
    """Fill `result` from the rows of a file, the first of them the header."""
    if not rows:
        result.errors.append(_("The file is empty."))
        return
    header = rows[0][1]
    try:
        columns = _columns(header)
    except ValidationError as error:
        result.errors.extend(error.messages)
        return
    data = rows[1:]
    if not data:
        result.errors.append(_("The file has no rows under its first row."))
        return
    width = max(index for index, cell in enumerate(header) if not _blank(cell)) + 1
    catalogue = _Catalogue(result.municipality)
    seen: dict[tuple, int] = {}
    for line, cells in data:
        result.rows_read += 1
        problems: list[str] = []
        if comma_separated and any(not _blank(cell) for cell in cells[width:]):
            problems.append(
                _(
                    "Row %(row)s has more cells than the first row: if a number has a decimal comma, "
                    "put it in quotes or separate the columns with «;»."
                )
                % {"row": line}
            )

        def cell(name: str, cells=cells) -> Any:
            index = columns[name]
            return cells[index] if index < len(cells) else None

        organization, problem = catalogue.organization(_text(cell("organization")), line)
        problems += [problem] if problem else []
        element = period = value = None
        if _blank(cell("period")):
            problems.append(_("Row %(row)s: the period is empty.") % {"row": line})
        else:
            period, problem = catalogue.period(_text(cell("period")), line)
            problems += [problem] if problem else []
        if _blank(cell("element")):
            problems.append(_("Row %(row)s: the data element is empty.") % {"row": line})
        else:
            element, problem = catalogue.element(_text(cell("element")), line)
            problems += [problem] if problem else []
        option_combo, not_applicable = None, False
        options_text = _text(cell("options")) if "options" in columns else ""
        if element is not None and (element.category_combo_id or options_text.strip()):
            option_combo, problem = catalogue.cell(element, options_text, line)
            problems += [problem] if problem else []
            not_applicable = _fold(_text(cell("value"))) in NOT_APPLICABLE_WORDS
        if _blank(cell("value")):
            problems.append(_("Row %(row)s: the value is empty.") % {"row": line})
        elif not not_applicable:
            value, problem = _value(cell("value"), element, line)
            problems += [problem] if problem else []
        if problems or element is None or period is None or (value is None and not not_applicable):
            result.errors.extend(problems)
            continue
        key = (
            organization.pk if organization else None,
            period.kind,
            period.year,
            period.number,
            element.pk,
            option_combo.pk if option_combo else None,
        )
        if key in seen:
            result.errors.append(
                _("Row %(row)s repeats row %(first)s: the same organization, period and data element.")
                % {"row": line, "first": seen[key]}
            )
            continue
        seen[key] = line
        result.entries.append(
            services.Entry(
                element, organization, period, value, option_combo=option_combo, not_applicable=not_applicable
            )
        )
        result.lines.append(line)


def parse_data_values(file: IO[bytes], *, municipality: Municipality, filename: str) -> ParseResult:
    """Read an uploaded CSV or XLSX file of data values of `municipality` and check every row,
    writing nothing (not even a missing period). Never raises for a bad file: every problem is a
    Russian sentence in `errors`, a row's naming its line. The format comes from the file name."""
    result = ParseResult(municipality=municipality, filename=filename)
    suffix = PurePath(filename).suffix.lower()
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        result.errors.append(_("Upload a CSV or XLSX file."))
        return result
    content = file.read(MAX_FILE_BYTES + 1)
    problem = _file_problem(content)
    if problem:
        result.errors.append(problem)
        return result
    try:
        if suffix in XLSX_SUFFIXES:
            rows, comma_separated = _xlsx_rows(content), False
        else:
            rows, delimiter = _csv_rows(content)
            comma_separated = delimiter == ","
    except ValidationError as error:
        result.errors.extend(error.messages)
        return result
    _parse_rows(result, rows, comma_separated=comma_separated)
    return result


# Importing ----------------------------------------------------------------------------------------


def _key(entry: services.Entry) -> tuple:
    key = (entry.element.pk, entry.organization.pk if entry.organization else None, entry.period.pk)
    return key if entry.option_combo is None else (*key, entry.option_combo.pk)


def _counts(entries: list[services.Entry]) -> tuple[int, int, int]:
    """(created, updated, unchanged) against the stored values, in one query."""
    periods = {entry.period.pk for entry in entries if entry.period.pk is not None}
    stored: dict[tuple, Decimal] = {}
    if periods:
        rows = DataValue.objects.filter(
            data_element__in={entry.element.pk for entry in entries}, period__in=periods
        ).values_list("data_element_id", "organization_id", "period_id", "value")
        stored = {(element, organization, period): value for element, organization, period, value in rows}
        split = {entry.element.pk for entry in entries if entry.option_combo}
        if split:
            cells = DataValueCell.objects.filter(data_element__in=split, period__in=periods).values_list(
                "data_element_id",
                "organization_id",
                "period_id",
                "option_combo_id",
                "value",
                "not_applicable",
            )
            stored |= {tuple(row[:4]): "na" if row[5] else row[4] for row in cells}
    created = updated = unchanged = 0
    for entry in entries:
        current = stored.get(_key(entry)) if entry.period.pk is not None else None
        if current is None:
            created += 1
        elif current == ("na" if entry.not_applicable else entry.value):
            unchanged += 1
        else:
            updated += 1
    return created, updated, unchanged


def _with_saved_periods(entries: list[services.Entry]) -> list[services.Entry]:
    saved: dict[tuple[str, int, int], Period] = {}
    result = []
    for entry in entries:
        period = entry.period
        if period.pk is None:
            key = (period.kind, period.year, period.number)
            if key not in saved:
                saved[key] = core_services.period_get_or_create(
                    kind=period.kind, year=period.year, number=period.number
                )
            entry = replace(entry, period=saved[key])
        result.append(entry)
    return result


def import_data_values(result: ParseResult, *, by: User | None, dry_run: bool) -> Summary:
    """Write the entries of a file read by parse_data_values: all or nothing, in one transaction,
    as source «import»; missing periods are created. With `dry_run`, nothing is written and the
    counts say what would happen.

    A file with any error is refused whole (ValidationError listing the errors). `by` must be able
    to enter values in the municipality (PermissionDenied); None is the system (a management
    command run by the server's operator).
    """
    if result.errors:
        raise ValidationError(result.errors)
    if by is not None and not access.can_enter_values(by, result.municipality):
        raise PermissionDenied
    with transaction.atomic():
        entries = result.entries if dry_run else _with_saved_periods(result.entries)
        created, updated, unchanged = _counts(entries)
        if not dry_run:
            services.data_values_write(entries=entries, source=DataValue.Source.IMPORT, by=by)
    return Summary(
        rows=result.rows_read, created=created, updated=updated, unchanged=unchanged, dry_run=dry_run
    )


# Exporting ----------------------------------------------------------------------------------------


EXPORT_FORMATS = ("csv", "xlsx", "json")
JSON_KEYS = (
    "indicator",
    "indicator_name",
    "period",
    "organization",
    "numerator",
    "denominator",
    "value",
    "reason",
    "reported",
    "expected",
)


def _export_rows(
    municipality: Municipality,
    periods: Iterable[Period] | None,
    indicators: Iterable[Indicator] | None,
) -> list[list[Any]]:
    values = IndicatorValue.objects.filter(municipality=municipality)
    if periods is not None:
        values = values.filter(period__in=list(periods))
    if indicators is not None:
        values = values.filter(indicator__in=list(indicators))
    values = values.order_by(
        "indicator__code",
        "period__starts_on",
        "-period__ends_on",
        F("organization__short_name").asc(nulls_first=True),
    )
    own = _("municipality")
    reasons = {value: str(label) for value, label in IndicatorValue.Reason.choices}
    rows = []
    # Plain rows, not model instances: an export of a large region holds hundreds of thousands.
    for (
        code,
        name,
        period,
        organization,
        numerator,
        denominator,
        value,
        reason,
        reported,
        expected,
    ) in values.values_list(
        "indicator__code",
        "indicator__name",
        "period__code",
        "organization__short_name",
        "numerator",
        "denominator",
        "value",
        "reason",
        "reported",
        "expected",
    ):
        total = organization is None
        rows.append(
            [
                code,
                name,
                period,
                own if total else organization,
                *(None if number is None else plain_number(number) for number in (numerator, denominator)),
                None if value is None else plain_number(value),
                reasons.get(reason, reason) if reason else "",
                # How many organizations reported is a fact of the municipality's row only.
                reported if total else None,
                expected if total else None,
            ]
        )
    rows.sort(key=lambda row: natural_key(row[0]))  # stable: 2.3.2 before 2.3.10, the rest as ordered
    return rows


def export_indicator_values(
    *,
    municipality: Municipality,
    periods: Iterable[Period] | None = None,
    indicators: Iterable[Indicator] | None = None,
    fmt: str,
) -> bytes:
    """The computed indicator values of the municipality (all, or only those of `periods` and
    `indicators`) as a CSV, XLSX or JSON file: one row per indicator, period and organization, the
    municipality's own row first. Numbers stay numbers (in JSON, Decimal strings); text is safe
    from formula injection. Reads everything it is given: the caller decides who may export."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}.")
    rows = _export_rows(municipality, periods, indicators)
    if fmt == "json":
        objects = [
            {
                key: str(cell) if isinstance(cell, Decimal) else cell
                for key, cell in zip(JSON_KEYS, row, strict=True)
            }
            for row in rows
        ]
        return json.dumps(objects, ensure_ascii=False, indent=2).encode("utf-8")
    titles = [
        _("Indicator code"),
        _("Indicator"),
        _("Period"),
        _("Organization"),
        _("Numerator"),
        _("Denominator"),
        _("Value"),
        _("Why no value"),
        _("Organizations reported"),
        _("Organizations expected"),
    ]
    # For a person, with the JSON key beside: «Код показателя (indicator)».
    headers = [f"{title} ({key})" for title, key in zip(titles, JSON_KEYS, strict=True)]
    if fmt == "csv":
        return exports.csv_bytes(headers, rows)
    return exports.xlsx_bytes(_("Indicator values"), headers, rows)
