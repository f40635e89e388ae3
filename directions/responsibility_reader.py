"""The table of an order that assigns the directions (Приложение 1 of order №1048: «Закрепление
ответственности Координатора и ответственных исполнителей») read from a Word document (.docx) or an
XLSX workbook into plain rows: no database, no models, so a page can show a preview and a service
can match the names and store what the user confirmed.

    result = read_assignments(upload, name)   # ResponsibilityFileError: refused, with the reason
    for row in result.rows:                   # AssignmentRow: code, direction, duty, names, place
        ...
    result.problems                           # every row skipped or doubtful, named by its place

How a table is read (seed 000 of ../shared is the example):

- The upload passes the checks of the other imports before a byte of it is parsed: a .docx those of
  roadmaps.docx_reader (size, ZIP bomb, encryption, macros, an old .doc), an .xlsx those of
  mcok.uploads.workbook_problem (size, ZIP bomb, macros). The name's extension chooses the reader.
- A table (a sheet) is an assignment table when one of its first rows names the columns: the code
  («№», «Код»), the direction («Направление совершенствования», «Система»), the coordinator
  («Координатор») and the responsible executors («Ответственные исполнители», «Исполнители»), in any
  order; the coordinator or the executors, and the code or the direction, are required. A header
  about duties («Функциональные обязанности координатора» of the technology card) is not one, so
  the other tables of the order are skipped. A document with no such table is refused.
- A table right after an assignment table without a header of its own and with as many columns is
  its continuation (a page break): it is read with the same columns.
- A row gives one AssignmentRow per duty whose cell names someone: the coordinator's and the
  executors'. The code is the code cell («1.1», «2.3.»; a workbook's number 1.1 reads «1.1»), or the
  number that begins the direction's text («1.1 Система оценки…») when there is no code cell.
- A row without people whose code is not a direction's («1. Механизмы управления качеством
  образовательных результатов», a block) is a heading and skipped silently, as are empty rows, a
  numbering row «1 2 3 4» and a repeated header. Every other row that cannot be read — people but
  no code, a code that is not one, a direction with nobody named — is skipped with a problem.
- A cell's names are split by roadmaps.docx_reader.split_responsible (commas, «;», line breaks;
  a position after a name stays with it): «Доценко Т.И., Шерсткина Е.А., ИМЦ» gives three names.
  `is_acting` tells a name marked «и. о.» or «врио» (an acting deputy).
- A Word table's merged cells count in every row they cover (a coordinator merged over two rows is
  the coordinator of both); a workbook's merged cells count only in their first row, since a
  workbook is read as a stream (unmerge and fill them in Excel).

Limits: MAX_ROWS rows in all, MAX_PROBLEMS problems about single rows (then one that counts the
others); the file limits of the readers reused.
"""

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from django.utils.translation import gettext as _

from mcok import uploads, workbooks
from mcok.uploads import cell_text as _cell_text
from roadmaps import docx_reader

# The values of directions.models.Duty, kept here as text so that the reader needs no models.
COORDINATOR = "coordinator"
EXECUTOR = "executor"

MAX_DOCX_BYTES = docx_reader.MAX_FILE_BYTES
MAX_XLSX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 2000
MAX_SHEETS = 20
MAX_COLUMNS = docx_reader.MAX_COLUMNS
MAX_PROBLEMS = 100
HEADER_ROWS = 10  # the header is looked for in this many first rows of a table or sheet

CODE = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,2}$")  # «1.1», «2.3», «1.2.1»
CODE_FIRST = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,2})\.?\s+(\S.*)$", re.DOTALL)  # «1.1 Система …»
NUMBER = re.compile(r"^(№+|n|no|номер)\.?(п/?п\.?|пп)?$|^п/п\.?$")
ACTING = re.compile(r"(?<![а-яёa-z])(и\.\s?о\.?(?![а-яёa-z])|врио(?![а-яёa-z]))", re.IGNORECASE)
FIELDS = ("code", "direction", "coordinator", "executor")
DUTIES = (("coordinator", COORDINATOR), ("executor", EXECUTOR))


class ResponsibilityFileError(ValueError):
    """The upload is refused: not a .docx or .xlsx, too big, a ZIP bomb, encrypted, with macros, or
    without an assignment table. str(error) is the message for the user, in the active language."""


@dataclass
class AssignmentRow:
    """One duty of one direction as a row of the table writes it: the code and name of the
    direction, the duty (COORDINATOR or EXECUTOR) and the names of its cell, in order. `place` names
    the row for the user («Таблица 1, строка 4»), `row` is its number (1-based, the header
    counted)."""

    code: str
    direction: str
    duty: str
    names: list[str] = field(default_factory=list)
    place: str = ""
    row: int = 0


@dataclass
class ReadResult:
    rows: list[AssignmentRow]
    problems: list[str]

    @property
    def codes(self) -> list[str]:
        """The directions' codes in the order of the table, once each."""
        return list(dict.fromkeys(row.code for row in self.rows))


def read_assignments(file: BinaryIO | bytes | str | os.PathLike, name: str = "") -> ReadResult:
    """The assignments of a Word document or an XLSX workbook (an open binary file, its bytes or a
    path), by the extension of `name` (of the path when `name` is empty). Raises
    ResponsibilityFileError, and nothing else for any content, when the file is refused or holds no
    assignment table."""
    if not name and isinstance(file, str | os.PathLike):
        name = os.fspath(file)
    extension = os.path.splitext(name or "")[1].lower()
    if extension == ".docx":
        return read_docx(file)
    if extension == ".xlsx":
        return read_xlsx(file)
    raise ResponsibilityFileError(_("Upload a Word document (.docx) or an Excel workbook (.xlsx)."))


def is_acting(name: str) -> bool:
    """Whether a name is marked as an acting deputy: «и. о. Иванова А.Б.», «Иванова А.Б. (врио)»."""
    return bool(ACTING.search(name or ""))


# Text --------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(str(text).lower().replace("ё", "е").split())


def field_of(header: str) -> str | None:
    """The column a header names: "code", "direction", "coordinator", "executor", or None. Headers
    about duties («Функциональные обязанности координатора») and long texts name none."""
    text = _fold(header)
    if not text or len(text) > 80 or "обязанност" in text or "функци" in text:
        return None
    if NUMBER.match(text.replace(" ", "")) or text in ("код", "код направления", "шифр"):
        return "code"
    if "координатор" in text:
        return "coordinator"
    if "исполнител" in text or "ответствен" in text:
        return "executor"
    if "направлени" in text or "систем" in text or text.startswith("наименование"):
        return "direction"
    return None


def _columns(texts: Sequence[str]) -> dict[str, int] | None:
    """Field → column for a header row; None when the row is not the header of an assignment
    table. A row with a code or a person's name in it is data, whatever its words."""
    if any(
        CODE.match(_code(text)) or CODE_FIRST.match(text) or docx_reader.PERSON.search(text) for text in texts
    ):
        return None
    columns: dict[str, int] = {}
    for column, text in enumerate(texts):
        name = field_of(text) if text else None
        if name and name not in columns:
            columns[name] = column
    has_people = "coordinator" in columns or "executor" in columns
    has_direction = "code" in columns or "direction" in columns
    return columns if has_people and has_direction else None


def _code(text: str) -> str:
    return docx_reader.one_line(text).rstrip(". ")


# Rows --------------------------------------------------------------------------------------------


class _Table:
    """The rows of one table or sheet read against its header: AssignmentRows and problems."""

    def __init__(self, columns: dict[str, int], place, problems: list[str], counter: list[int]):
        self.columns = columns
        self.place = place  # row number → «Таблица 1, строка 4»
        self.problems = problems
        self.counter = counter  # [problems about rows so far], shared by the tables of a file
        self.rows: list[AssignmentRow] = []

    def problem(self, message: str) -> None:
        if self.counter[0] < MAX_PROBLEMS:
            self.problems.append(message)
        self.counter[0] += 1

    def text(self, cells: Sequence[str], name: str) -> str:
        column = self.columns.get(name)
        return cells[column] if column is not None and column < len(cells) else ""

    def read(self, number: int, cells: Sequence[str]) -> None:
        """Read the row numbered `number` (1-based) whose cell texts are `cells`."""
        texts = [docx_reader.one_line(text) for text in cells]
        filled = [text for text in texts if text]
        if not filled:
            return
        if len(filled) >= 3 and filled == [str(n) for n in range(1, len(filled) + 1)]:
            return  # the numbering row «1 2 3 4»
        if _columns(texts) is not None:
            return  # the header repeated on a new page
        code = _code(self.text(cells, "code"))
        direction = docx_reader.one_line(self.text(cells, "direction"))
        if not code and (match := CODE_FIRST.match(direction)):
            code, direction = match[1], docx_reader.one_line(match[2])
        names = {duty: docx_reader.split_responsible(self.text(cells, key)) for key, duty in DUTIES}
        named = {duty: found for duty, found in names.items() if found}
        place = self.place(number)
        if not named:
            if code and CODE.match(code):
                self.problem(
                    _("%(place)s: nobody is named for the direction %(code)s; the row was skipped.")
                    % {"place": place, "code": code}
                )
            return  # a block's heading («1. Механизмы управления …»), or a note
        if not code:
            self.problem(
                _("%(place)s: the row has no direction code; the row was skipped.") % {"place": place}
            )
            return
        if not CODE.match(code):
            self.problem(
                _("%(place)s: «%(code)s» is not a direction code (such as 1.1); the row was skipped.")
                % {"place": place, "code": code}
            )
            return
        for key, duty in DUTIES:
            if key in self.columns and duty not in named:
                message = (
                    _("%(place)s: no coordinator is named for the direction %(code)s.")
                    if duty == COORDINATOR
                    else _("%(place)s: no responsible executor is named for the direction %(code)s.")
                )
                self.problem(message % {"place": place, "code": code})
        for _key, duty in DUTIES:
            if duty in named:
                self.rows.append(
                    AssignmentRow(
                        code=code, direction=direction, duty=duty, names=named[duty], place=place, row=number
                    )
                )


def _header_at(rows: Sequence[Sequence[str]]) -> tuple[int, dict[str, int]] | None:
    for index, texts in enumerate(rows[:HEADER_ROWS]):
        columns = _columns([docx_reader.one_line(text) for text in texts])
        if columns is not None:
            return index, columns
    return None


# Word ----------------------------------------------------------------------------------------------


def read_docx(file: BinaryIO | bytes | str | os.PathLike, *, max_rows: int = MAX_ROWS) -> ReadResult:
    """The assignments of the tables of a Word document. The checks and the table grid (merged cells
    repeated in every position they cover) are roadmaps.docx_reader's."""
    try:
        content = docx_reader._content(file, MAX_DOCX_BYTES)
        problem = docx_reader.document_problem(content)
        if problem:
            raise ResponsibilityFileError(problem)
        document = docx_reader._open(content)
        grid = docx_reader._Reader(document, max_rows)
        problems: list[str] = []
        counter = [0]
        rows: list[AssignmentRow] = []
        found = previous = None  # the last assignment table and its width
        tables = 0
        for number, tbl in enumerate(docx_reader._children(document.element.body, (docx_reader.W_TBL,)), 1):
            tables += 1
            if number > docx_reader.MAX_TABLES:
                break
            cells = grid._rows(tbl, number)
            texts = [[cell.text for cell in row] for row in cells]
            header = _header_at(texts)
            width = max((len(row) for row in texts), default=0)
            if header is not None:
                start, columns = header[0] + 1, header[1]
            elif found is not None and previous == number - 1 and width == found[1] and _data_first(texts):
                start, columns = 0, found[0]  # the same table continued after a page break
            else:
                continue

            def place(row: int, table: int = number) -> str:
                return _("Table %(table)s, row %(row)s") % {"table": table, "row": row}

            table = _Table(columns, place, problems, counter)
            for index in range(start, len(cells)):
                table.read(index + 1, _distinct_texts(cells[index]))
            rows.extend(table.rows)
            found, previous = (columns, width), number
            if grid.stopped:
                break
    except docx_reader.RoadmapFileError as error:
        raise ResponsibilityFileError(str(error)) from None
    problems = grid.warnings + problems
    if not tables:
        raise ResponsibilityFileError(
            _("The document has no table. The assignments are read from the table of the order.")
        )
    if found is None:
        raise ResponsibilityFileError(_no_table())
    return ReadResult(rows=rows, problems=_counted(problems, counter[0]))


def _data_first(rows: list[list[str]]) -> bool:
    """Whether the first filled row of a table names a direction's code: the rows of an assignment
    table go on, not another table's header."""
    first = next((row for row in rows if any(text.strip() for text in row)), [])
    return any(CODE.match(_code(text)) or CODE_FIRST.match(docx_reader.one_line(text)) for text in first)


def _distinct_texts(row: list) -> list[str]:
    """The texts of a grid row by column, a cell merged across columns counted in its first."""
    seen: set = set()
    texts = []
    for cell in row:
        if cell.origin is None or cell.origin in seen:
            texts.append("")
            continue
        seen.add(cell.origin)
        texts.append(cell.text)
    return texts


# Excel ---------------------------------------------------------------------------------------------


def read_xlsx(file: BinaryIO | bytes | str | os.PathLike, *, max_rows: int = MAX_ROWS) -> ReadResult:
    """The assignments of the sheets of a workbook that have an assignment header; the archive is
    checked by mcok.uploads.workbook_problem before openpyxl reads it (read-only)."""
    try:
        content = docx_reader._content(file, MAX_XLSX_BYTES)
    except docx_reader.RoadmapFileError as error:
        raise ResponsibilityFileError(str(error)) from None
    workbook = uploads.open_workbook(content, error=ResponsibilityFileError)
    unreadable = uploads.unreadable_workbook()
    problems: list[str] = []
    counter = [0]
    rows: list[AssignmentRow] = []
    found = False
    left = max_rows
    try:
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            texts: list[list[str]] = []
            # Every row at most MAX_COLUMNS wide, whatever the file holds further right.
            for _number, values in workbooks.rows(sheet, width=MAX_COLUMNS, header=None, blank=True):
                if left <= 0:
                    problems.append(
                        _("Only the first %(count)s rows were read; the rest is ignored.")
                        % {"count": max_rows}
                    )
                    break
                left -= 1
                texts.append([_cell_text(value) for value in values])
            header = _header_at(texts)
            if header is None:
                continue
            found = True

            def place(row: int, title: str = sheet.title) -> str:
                return _("Sheet «%(sheet)s», row %(row)s") % {"sheet": title, "row": row}

            table = _Table(header[1], place, problems, counter)
            for index in range(header[0] + 1, len(texts)):
                table.read(index + 1, texts[index])
            rows.extend(table.rows)
            if left <= 0:
                break
    except Exception:  # a sheet's XML may be broken past its first rows
        raise ResponsibilityFileError(unreadable) from None
    finally:
        workbook.close()
    if not found:
        raise ResponsibilityFileError(_no_table())
    return ReadResult(rows=rows, problems=_counted(problems, counter[0]))


def _no_table() -> str:
    return _(
        "No table of the file assigns the directions: its header needs the columns «№» (or "
        "«Направление»), «Координатор» and «Ответственные исполнители»."
    )


def _counted(problems: list[str], about_rows: int) -> list[str]:
    if about_rows > MAX_PROBLEMS:
        problems.append(
            _("There are %(count)s more problems about rows like these.")
            % {"count": about_rows - MAX_PROBLEMS}
        )
    return problems
