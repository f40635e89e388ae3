"""The import of a Google Forms response export (CSV or XLSX, one row per response, the first column
«Отметка времени») as a form, a collection and one submitted answer per organization.

Three steps, each a function:
- read_responses: the file as rows of text, or a ValidationError saying why it cannot be read
  (size, encoding, a ZIP bomb or a broken workbook, no «Отметка времени» column, too many rows);
- propose: the form the columns suggest (a question per column, its code, type, options and
  whether it is required) and the column that names the organization;
- import_responses: every row's result against the proposal, possibly edited by the person, and,
  unless it is a dry run or a row of a known organization has a problem, the form, the collection
  and the submissions written in one transaction — nothing half-imported.

A grid question of Google Forms comes as one column per row, «Вопрос [Строка]», each cell holding
the column chosen (for a checkbox grid several, separated by «;»), or a number in a numeric grid.
Such a group of columns is proposed as one table question: its rows from the brackets, its columns
from the distinct answers (a chosen column's cell holds 1, the others of an answered row 0; a numeric
grid has one column of the numbers, and «н/п» marks a row «не применимо»). The person may bind it
to a disaggregated data element instead (grid_mapping matches the labels to the element's options).

Rows are matched to the municipality's organizations by a tolerant name (normalise_name: case,
quotes, «№»/«N»/«No», spaces and the legal-form prefix ignored), the full name, or an e-mail of the
head or of the organization's respondents. An organization answering twice keeps its latest
response; the earlier one is reported as replaced. Rows of unknown organizations are reported and
skipped; they never stop the import.
"""

import datetime
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mcok import names, uploads, workbooks
from mcok import services as core_services
from mcok.models import Municipality, Organization, User
from mcok.text import code_from
from mcok.uploads import cell_text as _cell_text
from monitoring import access, services, tables, validation
from monitoring.models import Campaign, Field, Form, Section, Submission, SubmissionEvent

Kind = Field.Kind

# A response export is a small file; the document limit of the settings caps it further.
MAX_FILE_BYTES = min(10 * 1024 * 1024, settings.DOCUMENT_MAX_BYTES)
MAX_ROWS = 5000  # responses
MAX_COLUMNS = 300
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx",)
TIMESTAMP_TITLES = ("отметка времени", "timestamp")
TIMESTAMP_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
)
# What the proposal may make of a column: every kind but a file, which a spreadsheet cannot hold.
IMPORT_KINDS = tuple(kind for kind in Kind.values if kind != Kind.FILE)
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CHOICE_MAX_OPTIONS = 12  # more distinct answers than this is a text, not a choice
CHOICE_MAX_LENGTH = 100  # a longer answer is no option of a list
MANY_OPTIONS = 60  # what a person may still turn into a choice by hand
LONG_TEXT = 200  # an answer longer than this makes the question a long text
# The same split as validation.clean_value makes of a multiple-choice answer.
OPTION_SEPARATOR = re.compile(r"[;\n]|,\s")
GUESS_ROWS = 200  # responses enough to tell which column names the organizations
ORGANIZATION_HINTS = ("наименование оо", "организац", "учрежден", "школ", "оо", "организация")
# A grid's column: «Вопрос [Строка]».
GRID_TITLE = re.compile(r"^(?P<question>.*\S)\s*\[(?P<row>[^\[\]]*\S[^\[\]]*)\]\s*$", re.DOTALL)
GRID_SEPARATOR = ";"  # between the columns chosen in a checkbox grid's cell
NOT_APPLICABLE_WORDS = ("н/п", "нп", "не применимо", "n/a", "na", "not applicable")


class Status:
    """What became of a row."""

    IMPORTED = "imported"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"
    PROBLEM = "problem"
    ALL = (IMPORTED, SUPERSEDED, UNKNOWN, PROBLEM)


# Names ------------------------------------------------------------------------------------------


def normalise_name(text: Any) -> str:
    """An organization's name as compared (mcok.names.organization_core): «МБОУ "СОШ N 1"», «сош №1»
    and «СОШ № 1» all become «сош№1»."""
    return names.organization_core(text)


def _email(text: str) -> str:
    value = text.strip().casefold()
    return value if "@" in value and " " not in value else ""


class OrganizationIndex:
    """The municipality's organizations by every key a response may name them with: the normalised
    short and full name, the head's e-mail and the e-mails of the organization's respondents.
    Read once per file (three queries, whatever the number of rows)."""

    def __init__(self, municipality: Municipality):
        self.municipality = municipality
        organizations = list(Organization.objects.filter(municipality=municipality).select_related("head"))
        self.by_pk = {o.pk: o for o in organizations}
        self.keys: dict[str, set[int]] = {}
        for organization in organizations:
            for name in (organization.short_name, organization.full_name):
                self._add(normalise_name(name), organization.pk)
            if organization.head_id and organization.head.email:
                self._add(_email(organization.head.email), organization.pk)
        for organization_id, email in access.filler_emails(organizations):
            self._add(_email(email), organization_id)

    def _add(self, key: str, pk: int) -> None:
        if key:
            self.keys.setdefault(key, set()).add(pk)

    def find(self, text: str) -> tuple[Organization | None, str | None]:
        """(the organization, None), or (None, why not)."""
        if not text.strip():
            return None, _("The organization is not named.")
        found = self.keys.get(_email(text) or normalise_name(text), set())
        if len(found) == 1:
            return self.by_pk[next(iter(found))], None
        if found:
            return None, _("«%(name)s» fits several organizations of %(municipality)s.") % {
                "name": text,
                "municipality": self.municipality,
            }
        return None, _("There is no organization «%(name)s» in %(municipality)s.") % {
            "name": text,
            "municipality": self.municipality,
        }


# Reading the file -------------------------------------------------------------------------------


@dataclass
class Response:
    row: int  # the line a spreadsheet shows; the header is line 1
    timestamp: str  # as written
    at: datetime.datetime | None  # aware; None when the timestamp cannot be read
    cells: list[str]  # the text of every column, the timestamp's included, as wide as the header
    overflow: bool = False  # more cells than the header has columns


@dataclass
class Sheet:
    filename: str
    header: list[str]
    responses: list[Response]

    def values(self, index: int) -> list[str]:
        return [response.cells[index] for response in self.responses]


def parse_timestamp(value: Any) -> datetime.datetime | None:
    """A response's «Отметка времени» («05.10.2025 14:03:27», or a date-time cell of a workbook) as
    an aware date-time in the portal's time zone; None when it is none."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        text = " ".join(str(value or "").split())
        moment = None
        for pattern in TIMESTAMP_FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        if moment is None:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _csv_records(content: bytes) -> list[tuple[int, list[Any]]]:
    """The records of a CSV file, read as every importer reads one (mcok.uploads)."""
    refusal = _(
        "The file is neither UTF-8 nor Windows-1251 text. Download the responses from Google Forms "
        "again as CSV, or save the table as an XLSX workbook."
    )
    too_many = _too_many_rows().messages[0]
    return uploads.csv_records(content, max_rows=MAX_ROWS, refusal=refusal, too_many=too_many)


workbook_problem = uploads.workbook_problem
open_workbook = uploads.open_workbook
unreadable_workbook = uploads.unreadable_workbook


def _xlsx_records(content: bytes) -> list[tuple[int, list[Any]]]:
    workbook = open_workbook(content)
    try:
        if not workbook.worksheets:
            raise ValidationError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        records: list[tuple[int, list[Any]]] = []
        # Every row is read as wide as the header, one column more so that a row with more cells
        # than the header is still told (Response.overflow); never wider than MAX_COLUMNS + 1.
        for number, cells in workbooks.rows(sheet, width=MAX_COLUMNS + 1, spare=1):
            if len(records) > MAX_ROWS:
                raise _too_many_rows()
            records.append((number, list(cells)))
        return records
    except ValidationError:
        raise
    except workbooks.TooManyColumns:
        raise ValidationError(
            _("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}
        ) from None
    except Exception:  # a sheet's XML may be broken past the first rows
        raise ValidationError(unreadable_workbook()) from None
    finally:
        workbook.close()


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _("The file has more than %(count)s responses; split it into several files.") % {"count": MAX_ROWS}
    )


def is_workbook(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def read_responses(content: bytes, filename: str) -> Sheet:
    """The responses of a Google Forms export: CSV (UTF-8 with or without a BOM, or Windows-1251;
    «,», «;» or tab between columns) or XLSX. The first column must be «Отметка времени».
    ValidationError with a Russian message when the file cannot be read; writes nothing."""
    suffix = PurePath(filename).suffix.lower()
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and is_workbook(content)):
        records = _xlsx_records(content)
    elif suffix in CSV_SUFFIXES:
        if is_workbook(content):
            raise ValidationError(
                _("The file is a workbook, not a CSV text: name it .xlsx and upload again.")
            )
        records = _csv_records(content)
    else:
        raise ValidationError(_("Upload the responses as a CSV or XLSX file."))
    if not records:
        raise ValidationError(_("The file is empty."))
    header_cells = records[0][1]
    header = [_cell_text(cell).lstrip("\ufeff") for cell in header_cells]
    while header and not header[-1]:
        header.pop()
    if not header or " ".join(header[0].split()).casefold() not in TIMESTAMP_TITLES:
        raise ValidationError(
            _(
                "The first column must be «Отметка времени», as in a Google Forms export. Download the "
                "responses from the form's «Ответы» tab without changing the table."
            )
        )
    if len(header) > MAX_COLUMNS:
        raise ValidationError(_("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS})
    if len(header) < 2:
        raise ValidationError(_("The file has no questions after «Отметка времени»."))
    for index, title in enumerate(header):
        if not title:
            header[index] = _("Column %(number)s") % {"number": index + 1}
    responses = []
    for number, cells in records[1:]:
        overflow = any(_cell_text(cell) for cell in cells[len(header) :])
        texts = [_cell_text(cell) for cell in cells[: len(header)]]
        texts += [""] * (len(header) - len(texts))
        raw_timestamp = cells[0] if cells else None
        responses.append(
            Response(
                row=number,
                timestamp=texts[0],
                at=parse_timestamp(raw_timestamp),
                cells=texts,
                overflow=overflow,
            )
        )
    if not responses:
        raise ValidationError(_("The file has no responses under its first row."))
    return Sheet(filename=filename, header=header, responses=responses)


# The proposal -----------------------------------------------------------------------------------


@dataclass
class Column:
    """A proposed question: the column of the file it comes from and what it will be."""

    index: int
    title: str
    code: str
    kind: str
    required: bool
    include: bool = True
    choices: list[str] = field(default_factory=list)
    # A grid of Google Forms (a table question): the indexes of its columns in the file, the rows
    # (from the brackets), the table's columns (the distinct answers; none for numbers), how its cells
    # are filled (Grid.CHOICE, Grid.CHECKBOX, Grid.NUMBERS), and the code of the disaggregated data
    # element it is bound to ("" for a table of its own labels).
    grid: list[int] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)
    grid_kind: str = ""
    data_element: str = ""

    def as_field(self, order: int = 0) -> Field:
        item = Field(
            code=self.code,
            label=self.title[:1000],
            kind=self.kind,
            required=self.required,
            choices=self.choices,
            order=order,
        )
        if self.grid:
            item.kind = Kind.TABLE
            item.choices = []
            if not self.data_element:
                item.table = {"rows": list(self.rows), "columns": list(self.table_columns)}
        return item

    def is_blank(self, response: "Response") -> bool:
        """Whether the response answers nothing of this column (every row, for a grid)."""
        return not any(response.cells[index].strip() for index in self.grid or [self.index])

    def is_partial(self, response: "Response") -> bool:
        """Whether the response leaves something of this column blank (a row, for a grid)."""
        return not all(response.cells[index].strip() for index in self.grid or [self.index])


class Grid:
    """How the cells of a grid question are filled."""

    CHOICE = "choice"  # one column chosen per row
    CHECKBOX = "checkbox"  # several, separated by «;»
    NUMBERS = "numbers"  # a number per row


@dataclass
class Proposal:
    columns: list[Column]
    organization_column: int | None  # the index of the column naming the organization
    notes: list[str] = field(default_factory=list)  # what the proposal made of the file, for the person

    def questions(self) -> list[Column]:
        return [c for c in self.columns if c.include and c.index != self.organization_column]

    def as_json(self) -> dict[str, Any]:
        return {
            "columns": [asdict(c) for c in self.columns],
            "organization_column": self.organization_column,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Proposal":
        return cls(
            [Column(**c) for c in data["columns"]], data["organization_column"], list(data.get("notes", []))
        )


def _fits(count: int, total: int) -> bool:
    """Whether `count` of `total` answers is enough for a type: all, or all but a few slips that
    the dry run then shows (one in ten, at least one), while they stay a clear minority."""
    misfits = total - count
    return total > 0 and misfits <= max(1, total // 10) and count >= 2 * misfits


def _parts(value: str) -> list[str]:
    return [" ".join(part.split()) for part in OPTION_SEPARATOR.split(value) if part.strip()]


def options_of(values: list[str], kind: str) -> list[str]:
    """The options a choice question offers: its distinct answers (their parts, for a multiple
    choice), in the order they first appear."""
    seen: dict[str, str] = {}
    for value in values:
        for part in _parts(value) if kind == Kind.MULTIPLE_CHOICE else [" ".join(value.split())]:
            if part and part.casefold() not in seen:
                seen[part.casefold()] = part
    return list(seen.values())


def infer_kind(values: list[str]) -> tuple[str, list[str]]:
    """(kind, options) the answers of a column suggest."""
    answers = [v for v in values if v.strip()]
    total = len(answers)
    if not total:
        return Kind.TEXT, []
    numbers = [validation.parse_number(v) for v in answers]
    numeric = [n for n in numbers if n is not None]
    if _fits(len(numeric), total):
        whole = all(n == n.to_integral_value() for n in numeric)
        return (Kind.INTEGER if whole else Kind.DECIMAL), []
    if _fits(sum(validation.parse_date(v) is not None for v in answers), total):
        return Kind.DATE, []
    yes_no = {"да", "нет", "yes", "no"}
    if all(v.strip().casefold() in yes_no for v in answers):
        return Kind.BOOLEAN, []
    if any(len(v) > LONG_TEXT or "\n" in v for v in answers):
        return Kind.LONG_TEXT, []
    distinct = {" ".join(v.split()).casefold() for v in answers}
    short = all(len(v) <= CHOICE_MAX_LENGTH for v in answers)
    # A choice is answered alike again and again: at most half as many distinct answers as answers.
    if short and len(distinct) <= CHOICE_MAX_OPTIONS and 2 * len(distinct) <= total:
        if any(len(_parts(v)) > 1 for v in answers):
            parts = [p.casefold() for v in answers for p in _parts(v)]
            if len(set(parts)) <= CHOICE_MAX_OPTIONS and all(len(p) <= CHOICE_MAX_LENGTH for p in parts):
                return Kind.MULTIPLE_CHOICE, options_of(answers, Kind.MULTIPLE_CHOICE)
        return Kind.CHOICE, options_of(answers, Kind.CHOICE)
    if any(len(_parts(v)) > 1 for v in answers):
        parts = [p.casefold() for v in answers for p in _parts(v)]
        distinct_parts = set(parts)
        if (
            len(distinct_parts) <= CHOICE_MAX_OPTIONS
            and len(distinct_parts) < len(parts)
            and all(len(p) <= CHOICE_MAX_LENGTH for p in parts)
        ):
            return Kind.MULTIPLE_CHOICE, options_of(answers, Kind.MULTIPLE_CHOICE)
    return Kind.TEXT, []


# Grids ------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def is_not_applicable(text: str) -> bool:
    """Whether a grid's cell says «не применимо» («н/п», «нп», «n/a»)."""
    return _fold(text) in NOT_APPLICABLE_WORDS


def grid_groups(header: list[str]) -> list[tuple[str, list[tuple[int, str]]]]:
    """(question, [(column index, row label), ...]) of every grid of the file: at least two columns
    titled «Вопрос [Строка]» with the same question and different rows, in the file's order."""
    groups: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    for position in range(1, len(header)):
        match = GRID_TITLE.match(header[position])
        if match is None:
            continue
        question = " ".join(match["question"].split())
        groups.setdefault(question.casefold(), (question, []))[1].append(
            (position, " ".join(match["row"].split()))
        )
    return [
        (question, rows)
        for question, rows in groups.values()
        if len(rows) >= 2 and len({label.casefold() for _index, label in rows}) == len(rows)
    ]


def _grid_parts(text: str, grid_kind: str) -> list[str]:
    if grid_kind == Grid.CHECKBOX:
        return [" ".join(part.split()) for part in text.split(GRID_SEPARATOR) if part.strip()]
    return [" ".join(text.split())] if text.strip() else []


def infer_grid(sheet: Sheet, indexes: list[int]) -> tuple[str, list[str]] | None:
    """(how the grid's cells are filled, the table's columns) its answers suggest; None when they
    fit no table (free text: too many different answers, or too long for a column's label)."""
    answers = [
        value
        for index in indexes
        for value in sheet.values(index)
        if value.strip() and not is_not_applicable(value)
    ]
    if not answers:
        return Grid.NUMBERS, []
    if _fits(sum(validation.parse_number(value) is not None for value in answers), len(answers)):
        return Grid.NUMBERS, []
    grid_kind = Grid.CHECKBOX if any(GRID_SEPARATOR in value for value in answers) else Grid.CHOICE
    seen: dict[str, str] = {}
    for value in answers:
        for part in _grid_parts(value, grid_kind):
            if not is_not_applicable(part):
                seen.setdefault(part.casefold(), part)
    labels = list(seen.values())
    if len(labels) > MANY_OPTIONS or any(len(label) > CHOICE_MAX_LENGTH for label in labels):
        return None
    numbers = [validation.parse_number(label) for label in labels]
    if all(number is not None for number in numbers):  # «1», «2», «3»… in their order
        labels = [
            label for _number, label in sorted(zip(numbers, labels, strict=True), key=lambda pair: pair[0])
        ]
    return grid_kind, labels


@dataclass
class GridMap:
    """Where a grid's answers go in its table: a row key per grid column, a column key per answer."""

    rows: list[str]
    columns: dict[str, str]  # the folded label of a table column → its key; {} for a grid of numbers


def grid_elements(municipality: Municipality):
    """The disaggregated data elements a grid may be bound to."""
    from indicators.models import DataElement

    return DataElement.objects.filter(municipality=municipality, category_combo__isnull=False).select_related(
        "category_combo__first", "category_combo__second"
    )


def _without(text: str, word: str) -> str:
    """`text` without the category's name as a word: «5 класс» of «Класс» is «5»."""
    if not word.strip():
        return _fold(text)
    return _fold(re.sub(rf"(?<!\w){re.escape(word.strip())}(?!\w)", " ", text, flags=re.IGNORECASE))


def _match_options(labels: list[str], category, options) -> tuple[list[str | None], list[str]]:
    """(the option code of every label or None, the labels that name none or several)."""
    keys = []
    for option in options:
        names = {_fold(option.name), _fold(option.code), _without(option.name, category.name)} - {""}
        keys.append((option.code, names))
    found: list[str | None] = []
    unmatched = []
    for label in labels:
        wanted = {_fold(label), _without(label, category.name)} - {""}
        codes = [code for code, names in keys if wanted & names]
        found.append(codes[0] if len(codes) == 1 else None)
        if len(codes) != 1:
            unmatched.append(label)
    return found, unmatched


def grid_mapping(column: Column, elements: dict[str, Any]) -> tuple[GridMap | None, list[str]]:
    """(where the grid's answers go, problems in Russian): the table's own labels, or the options of
    the data element it is bound to (`elements`: the municipality's disaggregated elements by code)."""
    if not column.data_element:
        rows = [f"r{number}" for number in range(1, len(column.rows) + 1)]
        columns = {label.casefold(): f"c{number}" for number, label in enumerate(column.table_columns, 1)}
        return GridMap(rows, columns), []
    question = column.title
    element = elements.get(column.data_element)
    if element is None:
        return None, [
            _("«%(question)s»: there is no data element «%(code)s» split by categories in the municipality.")
            % {"question": question, "code": column.data_element}
        ]
    from indicators.models import CategoryOption

    combo = element.category_combo
    if column.grid_kind == Grid.NUMBERS and combo.second_id is not None:
        return None, [
            _(
                "«%(question)s»: the grid has one number a row, but «%(element)s» is split by two categories "
                "(%(categories)s). Choose an element split by one category, or keep the table's own labels."
            )
            % {
                "question": question,
                "element": element.name,
                "categories": ", ".join(c.name for c in combo.categories),
            }
        ]
    if column.grid_kind != Grid.NUMBERS and combo.second_id is None:
        return None, [
            _(
                "«%(question)s»: a row of the grid chooses among columns (%(columns)s), but "
                "«%(element)s» is split by one category only. Choose an element split by two, or keep the "
                "table's own labels."
            )
            % {
                "question": question,
                "columns": "; ".join(column.table_columns),
                "element": element.name,
            }
        ]
    problems = []
    first = list(CategoryOption.objects.filter(category=combo.first_id))
    rows, unmatched = _match_options(column.rows, combo.first, first)
    if unmatched:
        problems.append(
            _("«%(question)s»: the rows %(labels)s are no options of «%(category)s» (%(options)s).")
            % {
                "question": question,
                "labels": ", ".join(f"«{label}»" for label in unmatched),
                "category": combo.first.name,
                "options": "; ".join(option.name for option in first),
            }
        )
    repeated = sorted({code for code in rows if code is not None and rows.count(code) > 1})
    if repeated:
        problems.append(
            _("«%(question)s»: several rows of the grid are the same option %(options)s.")
            % {"question": question, "options": ", ".join(f"«{code}»" for code in repeated)}
        )
    columns: dict[str, str] = {}
    if combo.second_id is not None:
        second = list(CategoryOption.objects.filter(category=combo.second_id))
        codes, unmatched = _match_options(column.table_columns, combo.second, second)
        if unmatched:
            problems.append(
                _("«%(question)s»: the answers %(labels)s are no options of «%(category)s» (%(options)s).")
                % {
                    "question": question,
                    "labels": ", ".join(f"«{label}»" for label in unmatched),
                    "category": combo.second.name,
                    "options": "; ".join(option.name for option in second),
                }
            )
        columns = {
            label.casefold(): code for label, code in zip(column.table_columns, codes, strict=True) if code
        }
    if problems:
        return None, problems
    return GridMap([code or "" for code in rows], columns), []


def grid_answer(column: Column, mapping: GridMap, response: Response) -> tuple[dict[str, Any], list[str]]:
    """(the table answer of one response's grid, problems): a number grid's numbers as typed, a
    choice grid's chosen column as 1 and the row's other columns as 0; «н/п» marks a row «не
    применимо»."""
    cells: dict[str, str] = {}
    marks: list[str] = []
    problems = []
    for position, row in zip(column.grid, mapping.rows, strict=True):
        text = response.cells[position].strip()
        if not text:
            continue
        if column.grid_kind == Grid.NUMBERS:
            if is_not_applicable(text):
                marks.append(tables.na_key(tables.ROW, row))
            else:
                cells[tables.cell_key(row, tables.VALUE)] = text
            continue
        parts = _grid_parts(text, column.grid_kind)
        if any(is_not_applicable(part) for part in parts):
            marks.append(tables.na_key(tables.ROW, row))
            parts = [part for part in parts if not is_not_applicable(part)]
        if not parts:
            continue
        unknown = [part for part in parts if part.casefold() not in mapping.columns]
        if unknown:
            problems.append(
                _("Column «%(column)s»: %(answers)s is no column of the table.")
                % {
                    "column": response_title(column, position),
                    "answers": "; ".join(f"«{p}»" for p in unknown),
                }
            )
        chosen = {mapping.columns.get(part.casefold()) for part in parts}
        for key in dict.fromkeys(mapping.columns.values()):
            cells[tables.cell_key(row, key)] = "1" if key in chosen else "0"
    return {"cells": cells, "na": marks}, problems


def response_title(column: Column, position: int) -> str:
    """The title of a grid's column in the file: «Вопрос [Строка]»."""
    return f"{column.title} [{column.rows[column.grid.index(position)]}]"


def _guess_organization_column(sheet: Sheet, index: OrganizationIndex) -> int | None:
    """The column whose answers name the most organizations; by its title when none names any."""
    best, best_count = None, 0
    for position in range(1, len(sheet.header)):
        values = sheet.values(position)[:GUESS_ROWS]
        count = sum(1 for value in values if value and index.find(value)[0] is not None)
        if count > best_count:
            best, best_count = position, count
    if best is not None:
        return best
    for position, title in enumerate(sheet.header):
        folded = title.casefold()
        if position and any(hint in folded for hint in ORGANIZATION_HINTS):
            return position
    return None


def propose(sheet: Sheet, municipality: Municipality, index: OrganizationIndex | None = None) -> Proposal:
    """The form the file suggests: for every column after «Отметка времени» a question titled as
    the column, with a Latin code, a type from its answers and «required» when every response
    answers it; and the column that most likely names the organization."""
    index = index or OrganizationIndex(municipality)
    taken: set[str] = set()
    columns = []
    notes = []
    grids: dict[int, Column] = {}  # the first column of a grid → its question
    in_grid: set[int] = set()
    for question, rows in grid_groups(sheet.header):
        indexes = [position for position, _label in rows]
        guess = infer_grid(sheet, indexes)
        if guess is None:
            notes.append(
                _(
                    "The columns «%(question)s [...]» look like a grid, but their answers are too many or "
                    "too long for a table's columns: each is a question of its own."
                )
                % {"question": question}
            )
            continue
        grid_kind, labels = guess
        grids[indexes[0]] = Column(
            index=indexes[0],
            title=question,
            code=code_from(question, taken),
            kind=Kind.TABLE,
            required=all(value.strip() for position in indexes for value in sheet.values(position)),
            grid=indexes,
            rows=[label for _position, label in rows],
            table_columns=labels,
            grid_kind=grid_kind,
        )
        in_grid.update(indexes)
    for position in range(1, len(sheet.header)):
        if position in grids:
            columns.append(grids[position])
            continue
        if position in in_grid:
            continue
        values = sheet.values(position)
        kind, choices = infer_kind(values)
        columns.append(
            Column(
                index=position,
                title=sheet.header[position],
                code=code_from(sheet.header[position], taken),
                kind=kind,
                required=all(v.strip() for v in values),
                choices=choices,
            )
        )
    return Proposal(columns, _guess_organization_column(sheet, index), notes)


def organization_column_by_title(sheet: Sheet, title: str) -> int | None:
    """The index of the column titled `title` (compared without case and extra spaces)."""
    wanted = " ".join(title.split()).casefold()
    for position, header in enumerate(sheet.header):
        if position and " ".join(header.split()).casefold() == wanted:
            return position
    return None


def proposal_edit(
    sheet: Sheet,
    proposal: Proposal,
    edits: dict[int, dict[str, Any]],
    organization_column: int | None,
    *,
    municipality: Municipality | None = None,
) -> tuple[Proposal, list[str]]:
    """The proposal with the person's changes: per column index, any of code, kind, required and
    include, and for a grid the code of the data element it is bound to («data_element», "" for
    none); and the organization column. Returns (proposal, problems); options are made anew
    from the answers when a column becomes a choice. With the municipality, a grid bound to an
    element is checked against the element's options (grid_mapping)."""
    problems: list[str] = []
    columns = []
    for column in proposal.columns:
        change = edits.get(column.index, {})
        edited = Column(**asdict(column))
        if "code" in change:
            edited.code = str(change["code"]).strip()
        if "kind" in change:
            edited.kind = str(change["kind"])
        if "required" in change:
            edited.required = bool(change["required"])
        if "include" in change:
            edited.include = bool(change["include"])
        if column.grid:
            if "data_element" in change:
                edited.data_element = str(change["data_element"] or "").strip()
            if edited.kind != Kind.TABLE:
                problems.append(
                    _(
                        "«%(column)s» is a grid of Google Forms: it is imported as a table or, unticked, "
                        "not at all."
                    )
                    % {"column": edited.title}
                )
                edited.kind = Kind.TABLE
            columns.append(edited)
            continue
        if edited.kind == Kind.TABLE:
            problems.append(
                _("Column «%(column)s»: only a grid of Google Forms («Вопрос [Строка]») becomes a table.")
                % {"column": edited.title}
            )
            edited.kind = column.kind
        if edited.kind not in IMPORT_KINDS:
            problems.append(
                _("Column «%(column)s»: choose one of the offered types.") % {"column": edited.title}
            )
            edited.kind = column.kind
        if edited.kind in (Kind.CHOICE, Kind.MULTIPLE_CHOICE):
            if edited.kind != column.kind or not edited.choices:
                edited.choices = options_of(sheet.values(column.index), edited.kind)
            if len(edited.choices) > MANY_OPTIONS:
                problems.append(
                    _("Column «%(column)s» has %(count)s different answers: too many for a choice.")
                    % {"column": edited.title, "count": len(edited.choices)}
                )
        else:
            edited.choices = []
        columns.append(edited)
    if organization_column is None or not 0 < organization_column < len(sheet.header):
        problems.append(_("Choose the column that names the organization."))
        organization_column = None
    result = Proposal(columns, organization_column)
    seen: set[str] = set()
    for column in result.questions():
        if not CODE_PATTERN.match(column.code) or len(column.code) > 60:
            problems.append(
                _(
                    "Column «%(column)s»: the code «%(code)s» must begin with a Latin letter and hold only "
                    "Latin letters, digits and _ (at most 60)."
                )
                % {"column": column.title, "code": column.code}
            )
        elif column.code.casefold() in seen:
            problems.append(
                _("Column «%(column)s»: the code «%(code)s» is used twice.")
                % {"column": column.title, "code": column.code}
            )
        seen.add(column.code.casefold())
    if organization_column is not None and not result.questions():
        problems.append(_("No column is left to import as a question."))
    if municipality is not None:
        problems += grid_mappings(result.questions(), municipality)[1]
    return result, problems


def grid_mappings(
    questions: list[Column], municipality: Municipality
) -> tuple[dict[str, tuple[GridMap, Any]], list[str]]:
    """({code: (where the grid's answers go, the data element or None)} of the grids among the
    questions, problems): see grid_mapping."""
    grids = [column for column in questions if column.grid]
    wanted = {column.data_element for column in grids if column.data_element}
    elements = (
        {element.code: element for element in grid_elements(municipality).filter(code__in=wanted)}
        if wanted
        else {}
    )
    found: dict[str, tuple[GridMap, Any]] = {}
    problems: list[str] = []
    for column in grids:
        mapping, trouble = grid_mapping(column, elements)
        problems += trouble
        if mapping is not None:
            found[column.code] = (mapping, elements.get(column.data_element))
    return found, problems


# Checking and importing -------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    status: str
    written: str  # the organization as the row names it
    organization: Organization | None = None
    at: datetime.datetime | None = None
    messages: list[str] = field(default_factory=list)
    replaced_by: int | None = None  # the row that wins over a superseded one
    answers: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "status": self.status,
            "organization": self.organization.short_name if self.organization else None,
            "written": self.written,
            "at": self.at.isoformat() if self.at else None,
            "messages": self.messages,
            "replaced_by": self.replaced_by,
        }


@dataclass
class Outcome:
    """Every row's result and the problems that stop the import; after a real import, what it made."""

    rows: list[RowResult]
    errors: list[dict[str, Any]]  # {"row": n or None, "message": text}
    dry_run: bool
    form: Form | None = None
    campaign: Campaign | None = None
    submissions: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status: counts.get(status, 0) for status in Status.ALL}

    def as_json(self) -> dict[str, Any]:
        return {
            "form": self.form.pk if self.form else None,
            "campaign": self.campaign.pk if self.campaign else None,
            "submissions": self.submissions,
            "errors": self.errors,
            "dry_run": self.dry_run,
            "unknown": [
                {"row": r.row, "organization": r.written, "message": " ".join(r.messages)}
                for r in self.rows
                if r.status == Status.UNKNOWN
            ],
            "superseded": [
                {"row": r.row, "organization": r.organization.short_name, "replaced_by": r.replaced_by}
                for r in self.rows
                if r.status == Status.SUPERSEDED and r.organization
            ],
            "rows": [r.as_json() for r in self.rows],
        }


def _row_message(row: int, message: str) -> dict[str, Any]:
    return {"row": row, "message": message}


def _answers(
    response: Response, questions: list[Column], grids: dict[str, tuple[GridMap, Any]]
) -> tuple[dict[str, Any], list[str]]:
    """(the response's answers by question code, problems of its grids)."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for column in questions:
        if not column.grid:
            if response.cells[column.index].strip():
                answers[column.code] = response.cells[column.index]
            continue
        if column.code not in grids:
            continue
        answer, trouble = grid_answer(column, grids[column.code][0], response)
        problems += trouble
        if answer["cells"] or answer["na"]:
            answers[column.code] = answer
    return answers, problems


def _stored(fields: list[Field], cleaned: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """The answers as the portal's own form stores them: choices as their option, several options
    as a list, numbers, dates and yes/no as validation writes them back; text as typed."""
    out: dict[str, Any] = {}
    for item in fields:
        if item.code not in cleaned:
            continue
        value = cleaned[item.code]
        if item.kind == Kind.TABLE:
            out[item.code] = tables.parse_answer(raw[item.code])
        elif item.kind == Kind.MULTIPLE_CHOICE:
            out[item.code] = list(value)
        elif item.kind in (Kind.TEXT, Kind.LONG_TEXT):
            out[item.code] = str(raw[item.code]).strip()
        else:
            out[item.code] = validation.as_text(value)
    return out


def check_responses(
    sheet: Sheet, proposal: Proposal, municipality: Municipality, index: OrganizationIndex | None = None
) -> Outcome:
    """Every row's result against the proposal, writing nothing: a dry run.

    A row is imported, replaced by a later response of the same organization, skipped as of an
    unknown organization, or has a problem (an unreadable timestamp, an answer that does not fit
    its question, a required question left blank). A problem of a row that would be imported stops
    the whole import; the others are only reported."""
    index = index or OrganizationIndex(municipality)
    questions = proposal.questions()
    grids, grid_problems = grid_mappings(questions, municipality)
    fields = [column.as_field(order) for order, column in enumerate(questions, start=1)]
    for item in fields:
        if item.code in grids and grids[item.code][1] is not None:
            item.data_element = grids[item.code][1]
    titles = {column.code: column.title for column in questions}
    column = proposal.organization_column
    rows: list[RowResult] = []
    by_organization: dict[int, list[tuple[RowResult, Response]]] = {}
    for response in sheet.responses:
        written = response.cells[column] if column is not None else ""
        result = RowResult(row=response.row, status=Status.IMPORTED, written=written, at=response.at)
        rows.append(result)
        if column is None:
            result.status = Status.UNKNOWN
            continue
        organization, problem = index.find(written)
        if organization is None:
            result.status = Status.UNKNOWN
            result.messages.append(problem or "")
            continue
        result.organization = organization
        by_organization.setdefault(organization.pk, []).append((result, response))
        if response.at is None:
            result.messages.append(
                _("The timestamp «%(value)s» is not a date and time such as 05.10.2025 14:03:27.")
                % {"value": response.timestamp}
            )
        if response.overflow:
            result.messages.append(
                _("The row has more cells than the first row: put a number with a decimal comma in quotes.")
            )
        raw, trouble = _answers(response, questions, grids)
        result.messages += trouble
        check = validation.check(fields, [], raw, complete=False)
        result.messages += [
            _("Column «%(column)s»: %(problem)s") % {"column": titles[code], "problem": message}
            for code, problems in check.errors.items()
            for message in problems
        ]
        result.answers = _stored(fields, check.values, raw)
        if result.messages:
            result.status = Status.PROBLEM
    required = [c for c in questions if c.required]
    for responses in by_organization.values():
        # The latest response wins (of two at the same second, the lower row); a row whose time
        # cannot be read stays a problem, since which one is the latest cannot be told.
        dated = [(result, response) for result, response in responses if result.at is not None]
        if not dated:
            continue
        winner, response = max(dated, key=lambda pair: (pair[0].at, pair[0].row))
        for result, _response in dated:
            if result is not winner:
                result.status = Status.SUPERSEDED
                result.replaced_by = winner.row
        blank = [c for c in required if c.is_partial(response)]
        for item in blank:
            winner.messages.append(
                _("Column «%(column)s»: %(problem)s")
                % {"column": item.title, "problem": _("This question must be answered.")}
            )
        if blank:
            winner.status = Status.PROBLEM
    errors: list[dict[str, Any]] = [
        _row_message(result.row, message)
        for result in rows
        if result.status == Status.PROBLEM
        for message in result.messages
    ]
    errors[:0] = [{"row": None, "message": message} for message in grid_problems]
    if column is None:
        errors.insert(0, {"row": None, "message": _("Choose the column that names the organization.")})
    elif not questions:
        errors.insert(0, {"row": None, "message": _("No column is left to import as a question.")})
    elif not any(result.status == Status.IMPORTED for result in rows) and not errors:
        errors.append(
            {
                "row": None,
                "message": _("No response names an organization of %(municipality)s: nothing to import.")
                % {"municipality": municipality},
            }
        )
    return Outcome(rows=rows, errors=errors, dry_run=True)


def import_responses(
    sheet: Sheet,
    proposal: Proposal,
    *,
    municipality: Municipality,
    period_code: str,
    title: str,
    by: User | None,
    dry_run: bool,
) -> Outcome:
    """Check every row (see check_responses) and, unless `dry_run` or a problem stops it, create in
    one transaction: the form (one section, the proposed questions), an open collection for the
    period asking the organizations that answered (opening on the first response's day, due on
    the last one's), and one submitted submission per organization holding its latest answers,
    each saved with an «imported» event. All or nothing.

    The form is bound to no direction, so `by` must be able to build such forms of the municipality
    (monitoring.access.can_create_form; PermissionDenied); None is the system (a management
    command). A bad period code or title is an error of the outcome, not an exception.
    """
    if by is not None and not access.can_create_form(by, municipality):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    outcome = check_responses(sheet, proposal, municipality)
    outcome.dry_run = dry_run
    title = " ".join(title.split())
    if not title:
        outcome.errors.insert(0, {"row": None, "message": _("Give the form a title.")})
    elif len(title) > 300:
        outcome.errors.insert(0, {"row": None, "message": _("The title is longer than 300 characters.")})
    try:
        period_key = core_services.period_parse(period_code)
    except ValidationError as error:
        outcome.errors.insert(0, {"row": None, "message": " ".join(error.messages)})
        period_key = None
    if dry_run or outcome.errors or period_key is None:
        return outcome
    kept = [row for row in outcome.rows if row.status == Status.IMPORTED]
    try:
        with transaction.atomic():
            _write(outcome, kept, proposal, municipality, period_key, title, by, sheet.filename)
    except ValidationError as error:  # a service refused: nothing is written
        outcome.form = outcome.campaign = None
        outcome.submissions = 0
        outcome.errors.extend({"row": None, "message": message} for message in error.messages)
    return outcome


def _write(
    outcome: Outcome,
    kept: list[RowResult],
    proposal: Proposal,
    municipality: Municipality,
    period_key: tuple[str, int, int],
    title: str,
    by: User | None,
    filename: str,
) -> None:
    kind, year, number = period_key
    period = core_services.period_get_or_create(kind=kind, year=year, number=number)
    form = Form.objects.create(
        municipality=municipality,
        title=title,
        description=_("Imported from the Google Forms export «%(file)s».") % {"file": filename},
        created_by=by,
    )
    section = Section.objects.create(form=form, title=title, order=1)
    grids, _problems = grid_mappings(proposal.questions(), municipality)
    for order, column in enumerate(proposal.questions(), start=1):
        item = column.as_field(order)
        item.form, item.section = form, section
        if column.code in grids and grids[column.code][1] is not None:
            item.data_element = grids[column.code][1]
        item.save()
    days = sorted(timezone.localtime(row.at).date() for row in kept if row.at)
    organizations = [row.organization for row in kept]
    campaign = services.campaign_create(
        form=form,
        period=period,
        title=title,
        opens_on=days[0],
        deadline=max(days[-1], days[0]),
        organizations=organizations,
        description=form.description,
        by=by,
    )
    # The answers are already in: whoever may import (who runs such collections) opens the one
    # holding them.
    services.campaign_open(campaign=campaign, by=None)
    for row in kept:
        submission = services.submission_for(campaign=campaign, organization=row.organization, by=by)
        services.submission_save(
            submission=submission,
            answers=row.answers,
            base_revision=None,
            by=by,
            action=SubmissionEvent.Action.IMPORTED,
        )
        # No letter and no reminder: the school sent these answers long ago, through Google Forms
        # (a sent form is reminded of nothing; the opening letter, after commit, finds none pending).
        services.submission_submit(submission=submission, by=by, notify=False)
        # The response's own time, not the import's, is when the school sent it.
        Submission.objects.filter(pk=submission.pk).update(submitted_at=row.at)
    outcome.form, outcome.campaign, outcome.submissions = form, campaign, len(kept)
