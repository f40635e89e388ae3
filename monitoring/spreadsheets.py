"""Spreadsheets of monitoring: the XLSX template of one submission (download, fill in offline, upload
back) and the exports of a collection's answers.

The template holds one row per question with the answer cell beside it and the question's code in
a hidden column; a hidden sheet names the submission and the collection and carries a signature,
so a workbook of another school or collection is refused, and a row moved or sorted is still
found by its code. An uploaded template is saved through services.submission_save: it is checked
exactly like the web form and the draft is stored whatever the check says. The template carries the
submission's revision at download (signed), so an upload merges like the web form: answers a
colleague changed since the download are kept, and an answer changed both by them and in the file is
reported as a conflict and not overwritten.

A table question is a block of rows: its columns' labels, then a row per table row (the row's
«не применимо» mark in the hint column, its cells from the answer column on, past the hidden code
column), then a row of the columns' marks; every row carries its own hidden code, so the block is
read back into exactly the answer it was made from, and merged cell by cell. The exports give a
table a column per cell, «Вопрос [строка, столбец]», as Google Forms names a grid's.
"""

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from mcok import exports, uploads, workbooks
from mcok.models import Organization, User
from monitoring import access, entry, imports, selectors, services, tables, validation
from monitoring.models import Campaign, Field, Submission

Kind = Field.Kind

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_TEMPLATE_ROWS = 3000
# The template has five columns, and a table question's cells reach further right (TABLE_COLUMNS);
# a few columns inserted by hand are still read.
MAX_TEMPLATE_COLUMNS = 120
TABLE_COLUMNS = 100  # the widest table the template lays out; a wider one is answered on the portal
META_SHEET = "mcok"
CODE_HEADER = "mcok:code"  # the hidden column's header: how the question rows are found
SIGNER_SALT = "monitoring.template"
LAYOUTS = ("wide", "long")
FORMATS = ("xlsx", "csv")
DATE_FORMAT = "DD.MM.YYYY"


# The template -----------------------------------------------------------------------------------


def _signature(submission: Submission) -> str:
    return signing.Signer(salt=SIGNER_SALT).sign(f"{submission.pk}.{submission.campaign_id}")


def _revision_mark(submission: Submission) -> str:
    """The revision the template was made from, signed with the submission, so an upload merges from
    it and the number cannot be edited in the workbook."""
    return signing.Signer(salt=SIGNER_SALT).sign(f"{submission.pk}.r{submission.revision}")


def _revision_of(meta: dict[str, str], submission: Submission) -> int:
    """The revision a template was downloaded at; 0 for a template without a valid mark (one made
    before the mark existed), which makes every answer a colleague saved count as theirs."""
    try:
        signed = signing.Signer(salt=SIGNER_SALT).unsign(meta.get("revision", ""))
    except signing.BadSignature:
        return 0
    prefix = f"{submission.pk}.r"
    number = signed[len(prefix) :] if signed.startswith(prefix) else ""
    return int(number) if number.isascii() and number.isdigit() else 0  # «²».isdigit() is true


def _text_cell(sheet, row: int, column: int, value: Any):
    """A cell holding `value`; text is written as text, never as a formula."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _hint(item: Field) -> str:
    """What the answer cell takes: the help text, the range, the options."""
    parts = [item.help_text.strip()] if item.help_text.strip() else []
    low = None if item.min_value is None else validation.as_text(item.min_value)
    high = None if item.max_value is None else validation.as_text(item.max_value)
    if item.kind in Field.NUMERIC_KINDS:
        whole = item.kind == Kind.INTEGER
        if low is not None and high is not None:
            text = (
                _("A whole number from %(low)s to %(high)s.")
                if whole
                else _("A number from %(low)s to %(high)s.")
            )
        elif low is not None:
            text = _("A whole number, at least %(low)s.") if whole else _("A number, at least %(low)s.")
        elif high is not None:
            text = _("A whole number, at most %(high)s.") if whole else _("A number, at most %(high)s.")
        else:
            text = _("A whole number.") if whole else _("A number.")
        parts.append(text % {"low": low, "high": high})
    elif item.kind == Kind.CHOICE:
        parts.append(_("One of: %(options)s.") % {"options": "; ".join(item.choices)})
    elif item.kind == Kind.MULTIPLE_CHOICE:
        parts.append(
            _("One or several of: %(options)s. Separate them with «;».")
            % {"options": "; ".join(item.choices)}
        )
    elif item.kind == Kind.DATE:
        parts.append(_("A date as DD.MM.YYYY."))
    elif item.kind == Kind.BOOLEAN:
        parts.append(_("«%(yes)s» or «%(no)s».") % {"yes": _("Yes"), "no": _("No")})
    elif item.kind == Kind.FILE:
        parts.append(_("A file is attached on the portal, not in this workbook."))
    return " ".join(parts)


def _prefill(item: Field, raw: Any) -> Any:
    """The stored answer as a cell value: numbers and dates as such when they read, text as text."""
    if validation.is_blank(raw):
        return None
    if item.kind == Kind.MULTIPLE_CHOICE:
        return "; ".join(raw) if isinstance(raw, list | tuple) else str(raw)
    value, problem = validation.clean_value(item, raw)
    if problem:
        return str(raw)
    if item.kind in Field.NUMERIC_KINDS:
        return int(value) if value == value.to_integral_value() else value
    if item.kind == Kind.DATE:
        return value
    if item.kind == Kind.BOOLEAN:
        return _("Yes") if value else _("No")
    return str(value)


# Table questions in the template: a block of rows under the question's own row. The hidden code of
# each row says what it holds: «<code>|#columns» the columns' labels, «<code>|row:<key>» a row
# (its «не применимо» mark in the hint column, its cells from the answer column on),
# «<code>|#na» the columns' «не применимо» marks.
TABLE_HEADER_PART = "#columns"
TABLE_MARKS_PART = "#na"
ROW_PART = "row:"
NA_WORDS = ("н/п", "нп", "не применимо", "n/a", "na", "not applicable")
_PLAIN_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,14}")  # «-0» would come back as «0»
_PLAIN_DECIMAL = re.compile(r"-?(0|[1-9][0-9]{0,13})\.[0-9]{0,13}[1-9]")


def table_sheet_column(index: int) -> int:
    """The sheet column (1-based) of a table's `index`-th column (0-based): the answer column D,
    then F, G… past the hidden code column E."""
    return 4 if index == 0 else index + 5


def table_code(item: Field, part: str) -> str:
    """The hidden code of a row of a table question's block."""
    return f"{item.code}{tables.SEPARATOR}{part}"


def na_marker() -> str:
    """What the template writes in a «не применимо» mark's cell."""
    return _("n/a")


def is_na_marker(value: Any) -> bool:
    """Whether a mark's cell says «не применимо» («н/п», «не применимо», «нп», «n/a»)."""
    text = " ".join(uploads.cell_text(value).split()).casefold()
    return bool(text) and (
        text in NA_WORDS or text in (na_marker().casefold(), _("not applicable").casefold())
    )


def table_cell_value(text: str | None) -> Any:
    """A table cell's text as written in the template: a number where the workbook gives back exactly
    this text, the text otherwise."""
    if text is None:
        return None
    if _PLAIN_INTEGER.fullmatch(text):
        return int(text)
    if _PLAIN_DECIMAL.fullmatch(text) and uploads.cell_text(float(text)) == text:
        return Decimal(text)
    return text


def _table_columns(layout: tables.Layout) -> list[tuple[int, str, str]]:
    """(sheet column, key, label) of the table's columns the template lays out."""
    return [
        (table_sheet_column(index), key, label)
        for index, (key, label) in enumerate(layout.columns[:TABLE_COLUMNS])
    ]


def _table_hint(item: Field) -> str:
    parts = [item.help_text.strip()] if item.help_text.strip() else []
    parts.append(
        _(
            "A table: write a number in each cell below. «%(marker)s» in the column «%(column)s» marks a row "
            "that does not apply, in the last row a column that does not apply."
        )
        % {"marker": na_marker(), "column": _("Not applicable")}
    )
    return " ".join(parts)


def _table_validation(item: Field) -> DataValidation:
    """Excel's check of a table's cells: a number in the question's range, whole when its data element
    holds whole numbers; a warning only, since a cell may hold what the check then names."""
    whole = bool(item.data_element_id) and item.data_element.value_type == "integer"
    low = item.min_value if item.min_value is not None else Decimal("-1e12")
    high = item.max_value if item.max_value is not None else Decimal("1e12")
    rule = DataValidation(
        type="whole" if whole else "decimal",
        operator="between",
        formula1=validation.as_text(low),
        formula2=validation.as_text(high),
        allow_blank=True,
    )
    rule.error = _("A whole number.") if whole else _("A number.")
    rule.errorTitle = _("Check the answer")
    rule.showErrorMessage = True
    rule.errorStyle = "warning"
    return rule


def _table_block(sheet, row: int, item: Field, raw: Any, styles: dict[str, Any]) -> int:
    """Write a table question's rows under its own row `row`; returns the last row written."""
    layout = tables.layout(item)
    answer = tables.parse_answer(raw)
    columns = _table_columns(layout)
    numbers = _table_validation(item)
    styles["validations"].append(numbers)
    row += 1
    _text_cell(sheet, row, 2, _("Row")).font = styles["bold"]
    _text_cell(sheet, row, 3, _("Not applicable")).font = styles["bold"]
    _text_cell(sheet, row, 5, table_code(item, TABLE_HEADER_PART))
    for column, _key, label in columns:
        cell = _text_cell(sheet, row, column, label)
        cell.font = styles["bold"]
        cell.alignment = styles["wrap"]
    for key, label in layout.rows:
        row += 1
        _text_cell(sheet, row, 2, label).alignment = styles["wrap"]
        _text_cell(sheet, row, 5, table_code(item, ROW_PART + key))
        marked = tables.na_key(tables.ROW, key) in answer["na"]
        styles["open"](_text_cell(sheet, row, 3, na_marker() if marked else None))
        for column, column_key, _label in columns:
            text = answer["cells"].get(tables.cell_key(key, column_key))
            cell = styles["open"](_text_cell(sheet, row, column, table_cell_value(text)))
            numbers.add(cell.coordinate)
    row += 1
    _text_cell(sheet, row, 2, _("Not applicable: the whole column")).alignment = styles["wrap"]
    _text_cell(sheet, row, 5, table_code(item, TABLE_MARKS_PART))
    for column, key, _label in columns:
        marked = tables.na_key(tables.COLUMN, key) in answer["na"]
        styles["open"](_text_cell(sheet, row, column, na_marker() if marked else None))
    return row


def template_bytes(submission: Submission) -> bytes:
    """The XLSX template of the submission: a header (collection, organization, period, deadline),
    then one row per question (section, question, hint, answer, hidden code), lists of options
    where the answer is a choice or yes/no, and the current answers filled in."""
    campaign = submission.campaign
    fields, _rules = services.form_questions(campaign.form)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Form")[:31]
    meta = workbook.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    bold = Font(bold=True)
    answer_header = _("Answer")
    for row, (key, value) in enumerate(
        [
            ("submission", submission.pk),
            ("campaign", campaign.pk),
            ("check", _signature(submission)),
            ("answer_header", answer_header),
            ("revision", _revision_mark(submission)),
        ],
        start=1,
    ):
        _text_cell(meta, row, 1, key)
        _text_cell(meta, row, 2, value)

    _text_cell(sheet, 1, 1, campaign.title).font = Font(bold=True, size=14)
    facts = [
        (_("Data collection"), campaign.title),
        (_("Form"), str(campaign.form)),
        (_("Organization"), submission.organization.short_name),
        (_("Period"), campaign.period.label),
        (_("Deadline"), services.deadline_for(campaign, submission.organization)),
    ]
    for row, (label, value) in enumerate(facts, start=2):
        _text_cell(sheet, row, 1, label).font = bold
        cell = _text_cell(sheet, row, 2, value)
        if isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
            cell.alignment = Alignment(horizontal="left")
    _text_cell(
        sheet,
        8,
        1,
        _(
            "Write the answers in the column «%(column)s» and upload the workbook on the form's page. "
            "Do not change the other columns; the workbook belongs to this organization and collection only."
        )
        % {"column": answer_header},
    )
    _text_cell(sheet, 9, 1, _("* — the question must be answered."))
    header_row = 11
    headers = [_("Section"), _("Question"), _("Hint"), answer_header, CODE_HEADER]
    widest = max(
        (len(tables.layout(item).columns[:TABLE_COLUMNS]) for item in fields if item.kind == Kind.TABLE),
        default=1,
    )
    headers += [_("Column %(number)s") % {"number": number} for number in range(2, widest + 1)]
    fill = PatternFill("solid", fgColor="DDE6F0")
    for column, title in enumerate(headers, start=1):
        cell = _text_cell(sheet, header_row, column, title)
        cell.font = bold
        cell.fill = fill

    answer_fill = PatternFill("solid", fgColor="FFF8DC")
    wrap = Alignment(wrap_text=True, vertical="top")
    lists_column = 4  # options of choice questions go to the hidden sheet, from column D on
    yes_no = DataValidation(type="list", formula1=f'"{_("Yes")},{_("No")}"', allow_blank=True)
    validations = [yes_no]

    def open_cell(cell):
        cell.fill = answer_fill
        cell.protection = Protection(locked=False)
        return cell

    styles = {"bold": bold, "wrap": wrap, "open": open_cell, "validations": validations}
    row = header_row
    for item in fields:
        row += 1
        question = f"{item.label} *" if item.required else item.label
        _text_cell(sheet, row, 1, item.section.title if item.section_id else "").alignment = wrap
        _text_cell(sheet, row, 2, question).alignment = wrap
        _text_cell(sheet, row, 5, item.code)
        if item.kind == Kind.TABLE:
            _text_cell(sheet, row, 3, _table_hint(item)).alignment = wrap
            row = _table_block(sheet, row, item, submission.answers.get(item.code), styles)
            continue
        _text_cell(sheet, row, 3, _hint(item)).alignment = wrap
        answer = _text_cell(sheet, row, 4, _prefill(item, submission.answers.get(item.code)))
        answer.alignment = wrap
        if item.kind == Kind.FILE:
            continue
        answer.fill = answer_fill
        answer.protection = Protection(locked=False)
        if item.kind == Kind.DATE:
            answer.number_format = DATE_FORMAT
        elif item.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.CHOICE, Kind.MULTIPLE_CHOICE):
            answer.number_format = "@"
        rule = _validation_for(item, meta, lists_column)
        if item.kind == Kind.BOOLEAN:
            yes_no.add(answer.coordinate)
        elif rule is not None:
            rule.add(answer.coordinate)
            validations.append(rule)
            if item.kind == Kind.CHOICE:
                lists_column += 1
    for rule in validations:
        if rule.sqref:
            sheet.add_data_validation(rule)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions["D"].width = 30
    sheet.column_dimensions["E"].hidden = True
    for number in range(2, widest + 1):
        sheet.column_dimensions[
            sheet.cell(row=1, column=table_sheet_column(number - 1)).column_letter
        ].width = 14
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    # A guard against slips, not a lock: there is no password, and the answers stay editable.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _validation_for(item: Field, meta, lists_column: int) -> DataValidation | None:
    """Excel's own check of an answer cell, where Excel has one."""
    error_title = _("Check the answer")
    if item.kind == Kind.CHOICE and item.choices:
        for row, option in enumerate(item.choices, start=1):
            _text_cell(meta, row, lists_column, option)
        letter = meta.cell(row=1, column=lists_column).column_letter
        rule = DataValidation(
            type="list",
            formula1=f"'{META_SHEET}'!${letter}$1:${letter}${len(item.choices)}",
            allow_blank=True,
        )
    elif item.kind in Field.NUMERIC_KINDS:
        low = item.min_value if item.min_value is not None else Decimal("-1e12")
        high = item.max_value if item.max_value is not None else Decimal("1e12")
        rule = DataValidation(
            type="whole" if item.kind == Kind.INTEGER else "decimal",
            operator="between",
            formula1=validation.as_text(low),
            formula2=validation.as_text(high),
            allow_blank=True,
        )
    elif item.kind == Kind.DATE:
        rule = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    else:
        return None
    rule.error = _hint(item)
    rule.errorTitle = error_title
    rule.showErrorMessage = True
    return rule


# Reading a template back ------------------------------------------------------------------------


def _answer_text(item: Field, value: Any) -> Any:
    """A cell of the answer column as the web form would have sent it."""
    if value is None:
        return ""
    if item.kind == Kind.DATE and isinstance(value, datetime.datetime | datetime.date):
        day = value.date() if isinstance(value, datetime.datetime) else value
        return day.isoformat()
    if item.kind == Kind.BOOLEAN and isinstance(value, bool):
        return "yes" if value else "no"
    text = uploads.cell_text(value)
    if item.kind == Kind.MULTIPLE_CHOICE:
        return [" ".join(part.split()) for part in imports.OPTION_SEPARATOR.split(text) if part.strip()]
    if item.kind in (Kind.BOOLEAN, Kind.CHOICE) and text:
        # «Да» is stored as the web form stores it («yes»), an option as the form spells it; what
        # does not read stays as typed, for the check to name it.
        cleaned, problem = validation.clean_value(item, text)
        if problem is None:
            return validation.as_text(cleaned)
    return text


def _meta(workbook) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        return {}
    values = {}
    for row in workbook[META_SHEET].iter_rows(min_row=1, max_row=10, max_col=2, values_only=True):
        if row and row[0] is not None:
            values[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
    return values


def _is_template_header(cells: tuple[Any, ...]) -> bool:
    return CODE_HEADER in cells


def template_answers(content: bytes, submission: Submission) -> tuple[dict[str, Any], list[str]]:
    """(answers by question code, notes) read from an uploaded template of `submission`; see
    template_read."""
    answers, notes, _revision = template_read(content, submission)
    return answers, notes


@dataclass
class TableRead:
    """What the workbook holds of one table question: its cells and marks, and which of them it has
    a row for (a deleted row leaves its cells as they were)."""

    item: Field
    layout: tables.Layout
    cells: dict[str, str] = field(default_factory=dict)
    marks: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # cell keys and marks the workbook has rows for
    notes: list[str] = field(default_factory=list)

    def read_row(self, part: str, cells: tuple[Any, ...]) -> None:
        def at(column: int) -> Any:
            return cells[column - 1] if column - 1 < len(cells) else None

        columns = _table_columns(self.layout)
        if part.startswith(ROW_PART) and part[len(ROW_PART) :] in self.layout.row_keys:
            key = part[len(ROW_PART) :]
            mark = tables.na_key(tables.ROW, key)
            if mark in self.seen:
                return  # a row copied by hand: the first one counts
            self._mark(mark, at(3), dict(self.layout.rows)[key])
            for column, column_key, _label in columns:
                cell = tables.cell_key(key, column_key)
                self.seen.add(cell)
                text = uploads.cell_text(at(column))
                if text:
                    self.cells[cell] = text
        elif part == TABLE_MARKS_PART:
            for column, key, label in columns:
                mark = tables.na_key(tables.COLUMN, key)
                if mark not in self.seen:
                    self._mark(mark, at(column), label)

    def _mark(self, mark: str, value: Any, label: str) -> None:
        self.seen.add(mark)
        if is_na_marker(value):
            self.marks.add(mark)
        elif uploads.cell_text(value):
            self.notes.append(
                _(
                    "«%(question)s», «%(label)s»: «%(value)s» is no «not applicable» mark; write "
                    "«%(marker)s» or leave the cell empty."
                )
                % {
                    "question": self.item.label,
                    "label": label,
                    "value": uploads.cell_text(value),
                    "marker": na_marker(),
                }
            )

    def answer(self) -> dict[str, Any]:
        """The table's answer as the portal stores it: cells and marks in the table's order."""
        order = [tables.na_key(tables.ROW, key) for key in self.layout.row_keys] + [
            tables.na_key(tables.COLUMN, key) for key in self.layout.column_keys
        ]
        return {
            "cells": {key: self.cells[key] for key in self.layout.cell_keys if key in self.cells},
            "na": [mark for mark in order if mark in self.marks],
        }


def template_read(content: bytes, submission: Submission) -> tuple[dict[str, Any], list[str], int]:
    """(answers by question code, notes, the revision the template was downloaded at) read from an
    uploaded template of `submission`.

    ValidationError, writing nothing, when the file is no XLSX workbook, is too large or unsafe to
    open, or is not this submission's template. Rows are found by their hidden code, wherever
    they are; a question whose row is missing keeps its stored answer (a note says so)."""
    answers, notes, revision, _tables = _read(content, submission)
    return answers, notes, revision


def _read(
    content: bytes, submission: Submission
) -> tuple[dict[str, Any], list[str], int, dict[str, TableRead]]:
    """template_read, with what was read of every table question."""
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_TEMPLATE_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_TEMPLATE_BYTES // (1024 * 1024)}
        )
    workbook = imports.open_workbook(content)
    foreign = _(
        "The workbook is not a template of this portal: download the template of this form and fill it in."
    )
    try:
        meta = _meta(workbook)
        try:
            signed = signing.Signer(salt=SIGNER_SALT).unsign(meta.get("check", ""))
        except signing.BadSignature:
            raise ValidationError(foreign) from None
        if signed != f"{submission.pk}.{submission.campaign_id}":
            raise ValidationError(
                _(
                    "This workbook is the template of another organization's or collection's form. Download "
                    "the template on this form's page and fill it in."
                )
            )
        answer_header = meta.get("answer_header", "")
        revision = _revision_of(meta, submission)
        fields = {item.code: item for item in services.form_questions(submission.campaign.form)[0]}
        answers: dict[str, Any] = {}
        read_tables: dict[str, TableRead] = {}
        found = False
        for sheet in workbook.worksheets:
            if sheet.title == META_SHEET:
                continue
            code_column = answer_column = None
            # Read as wide as the template's header row (workbooks.rows): a stray cell far right
            # does not widen every row.
            rows = workbooks.rows(sheet, width=MAX_TEMPLATE_COLUMNS, header=_is_template_header)
            for number, cells in rows:
                if number > MAX_TEMPLATE_ROWS:
                    break
                if code_column is None:
                    if CODE_HEADER in cells:
                        code_column = cells.index(CODE_HEADER)
                        answer_column = cells.index(answer_header) if answer_header in cells else None
                        if answer_column is None:
                            answer_column = max(code_column - 1, 0)
                    continue
                code = cells[code_column] if code_column < len(cells) else None
                code = "" if code is None else str(code).strip()
                owner, _separator, part = code.partition(tables.SEPARATOR)
                item = fields.get(owner)
                if item is not None and item.kind == Kind.TABLE:
                    if item.code not in read_tables:
                        read_tables[item.code] = TableRead(item, tables.layout(item))
                    read_tables[item.code].read_row(part, cells)
                    continue
                if item is None or part or item.kind == Kind.FILE or item.code in answers:
                    continue
                value = cells[answer_column] if answer_column < len(cells) else None
                answers[item.code] = _answer_text(item, value)
            if code_column is not None:
                found = True
                break
    except ValidationError:
        raise
    except workbooks.TooManyColumns:
        raise ValidationError(
            _("The file has more than %(count)s columns.") % {"count": MAX_TEMPLATE_COLUMNS}
        ) from None
    except Exception:  # a sheet's XML may be broken past the first rows
        raise ValidationError(imports.unreadable_workbook()) from None
    finally:
        workbook.close()
    if not found:
        raise ValidationError(foreign)
    for code, read in read_tables.items():
        answers[code] = read.answer()
    missing = [item.label for code, item in fields.items() if item.kind != Kind.FILE and code not in answers]
    notes = []
    if missing:
        notes.append(
            _("The workbook has no row for %(questions)s; their answers stay as they were.")
            % {"questions": "; ".join(f"«{label}»" for label in missing)}
        )
    for read in read_tables.values():
        lost = [label for key, label in read.layout.rows if tables.na_key(tables.ROW, key) not in read.seen]
        if lost:
            notes.append(
                _(
                    "The table «%(question)s» has no rows %(rows)s in the workbook; their cells stay as they "
                    "were."
                )
                % {"question": read.item.label, "rows": ", ".join(f"«{label}»" for label in lost)}
            )
        notes += read.notes  # a cell that is no number is named by the check, as on the web form
    return answers, notes, revision, read_tables


@dataclass
class Conflict:
    """A question a colleague changed after the template was downloaded and the file changed too:
    the colleague's answer is kept, the file's is not saved."""

    label: str
    theirs: str
    yours: str

    def message(self) -> str:
        return _(
            "«%(question)s»: a colleague saved «%(theirs)s» after the template was downloaded, and the "
            "workbook has «%(yours)s». The colleague's answer is kept; if yours is right, enter it on "
            "the form's page."
        ) % {"question": self.label, "theirs": self.theirs or "—", "yours": self.yours or "—"}


@dataclass
class Uploaded:
    saved: services.Saved
    notes: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def problems(self) -> list[str]:
        fields, _rules = services.form_questions(self.saved.submission.campaign.form)
        return self.saved.check.messages(fields)


def template_upload(*, submission: Submission, content: bytes, by: User) -> Uploaded:
    """Save the answers of an uploaded template as the submission's draft, as the web form would:
    stored whatever the check says, the problems returned per question. Only a respondent or the
    head of the organization may (PermissionDenied); a submission that is not editable, or a file
    that is not its template, raises ValidationError and nothing changes."""
    if not access.can_fill(by, submission.organization):
        raise PermissionDenied(access.REFUSED_FILL)
    if not submission.is_editable or submission.campaign.state != Campaign.State.OPEN:
        raise ValidationError(_("The form cannot change now, so no workbook is accepted for it."))
    answers, notes, revision, read_tables = _read(content, submission)
    fields = {item.code: item for item in services.form_questions(submission.campaign.form)[0]}
    with transaction.atomic():
        # Held across both tries below, so no colleague's save slips between them.
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        base = entry.answers_at(current, revision)
        # Only what the file changed since its download is the person's input; a cell left as the
        # template wrote it is no answer of theirs and must not undo a colleague's.
        changed = {
            code: value
            for code, value in answers.items()
            if fields[code].kind != Kind.TABLE and not _unchanged(fields[code], value, base.get(code))
        }
        conflicts: list[Conflict] = []
        # A table merges cell by cell, as on the web form: the cells the file changed go over the
        # current answer; a cell a colleague changed too is a conflict and keeps theirs.
        for code, read in read_tables.items():
            table, clashes = table_merge(read, base.get(code), current.answers.get(code))
            conflicts += clashes
            if table is not None:
                changed[code] = table
        try:
            saved = services.submission_save(
                submission=submission, answers=changed, base_revision=revision, by=by
            )
        except services.EditConflict as clash:
            conflicts += [
                Conflict(
                    fields[code].label,
                    selectors.answer_text(fields[code], current.answers.get(code)),
                    selectors.answer_text(fields[code], changed.get(code)),
                )
                for code in clash.fields
            ]
            rest = {code: value for code, value in changed.items() if code not in clash.fields}
            saved = services.submission_save(
                submission=submission, answers=rest, base_revision=revision, by=by
            )
    saved.submission.campaign = submission.campaign
    return Uploaded(saved, notes, conflicts)


def table_merge(read: TableRead, base: Any, theirs: Any) -> tuple[dict[str, Any] | None, list[Conflict]]:
    """(the table's answer to save, conflicts): the current answer `theirs` with every cell and mark
    the workbook changed since the download (`base`) applied, except where a colleague changed it
    too, differently (a conflict, theirs kept). None when the workbook changed nothing."""
    base_answer, current = tables.parse_answer(base), tables.parse_answer(theirs)
    mine = read.answer()
    result = {"cells": dict(current["cells"]), "na": list(current["na"])}
    rows, columns = dict(read.layout.rows), dict(read.layout.columns)
    item = read.item
    conflicts: list[Conflict] = []
    changed = False
    for key in read.layout.cell_keys:
        if key not in read.seen:
            continue
        yours, was, now = mine["cells"].get(key), base_answer["cells"].get(key), current["cells"].get(key)
        if yours == was:
            continue
        if now not in (was, yours):
            row, column = key.split(tables.SEPARATOR, 1)
            conflicts.append(
                Conflict(table_label(item, read.layout, rows[row], columns[column]), now or "", yours or "")
            )
            continue
        changed = True
        if yours is None:
            result["cells"].pop(key, None)
        else:
            result["cells"][key] = yours
    marks = [tables.na_key(tables.ROW, key) for key in read.layout.row_keys] + [
        tables.na_key(tables.COLUMN, key) for key in read.layout.column_keys
    ]
    for mark in marks:
        if mark not in read.seen:
            continue
        yours, was = mark in mine["na"], mark in base_answer["na"]
        if yours == was:  # a mark is on or off: a colleague who changed it made it the file's
            continue
        changed = True
        if yours and mark not in result["na"]:
            result["na"].append(mark)
        elif not yours and mark in result["na"]:
            result["na"].remove(mark)
    return (result if changed else None), conflicts


def table_label(item: Field, layout: tables.Layout, row: str, column: str) -> str:
    """A cell of a table question named as the exports name its column: «Вопрос [строка, столбец]»,
    or «Вопрос [строка]» for a table of one column."""
    if layout.single_column:
        return f"{item.label} [{row}]"
    return f"{item.label} [{row}, {column}]"


def _unchanged(item: Field, value: Any, base: Any) -> bool:
    """Whether a cell read from the template still holds the answer the template was made with."""
    return entry.same_answer(value, base) or entry.same_answer(
        value, _answer_text(item, _prefill(item, base))
    )


# Exports ----------------------------------------------------------------------------------------


def _export_value(item: Field, raw: Any) -> exports.Cell:
    """An answer for a spreadsheet: numbers and dates as such, yes/no and options as text; an answer
    that does not read (a draft may hold one) as typed."""
    if validation.is_blank(raw):
        return None
    value, problem = validation.clean_value(item, raw)
    if problem:
        return "; ".join(str(v) for v in raw) if isinstance(raw, list | tuple) else str(raw)
    if item.kind in Field.NUMERIC_KINDS:
        return value if value != value.to_integral_value() else int(value)
    if item.kind == Kind.DATE:
        return value
    if item.kind == Kind.BOOLEAN:
        return _("yes") if value else _("no")
    if item.kind == Kind.MULTIPLE_CHOICE:
        return "; ".join(value)
    return str(value)


def _table_cell_export(text: str | None) -> exports.Cell:
    """A table cell for a spreadsheet: a number as such, anything else as typed."""
    if text is None:
        return None
    number = validation.parse_number(text)
    if number is None:
        return text
    return number if number != number.to_integral_value() else int(number)


@dataclass(frozen=True)
class ExportColumn:
    """A column of a collection's export: a question, or one cell of a table question."""

    item: Field
    header: str
    row: str = ""  # the cell's row and column keys, for a table
    column: str = ""

    @property
    def code(self) -> str:
        if not self.row:
            return self.item.code
        return f"{self.item.code}[{tables.cell_key(self.row, self.column)}]"

    def value(self, raw: Any) -> exports.Cell:
        if not self.row:
            return _export_value(self.item, raw)
        layout = tables.layout(self.item)
        answer = tables.parse_answer(raw)
        if tables.not_applicable(layout, answer, self.row, self.column):
            return _("not applicable")
        return _table_cell_export(answer["cells"].get(tables.cell_key(self.row, self.column)))


def export_columns(fields: list[Field]) -> list[ExportColumn]:
    """The columns of the answers: one per question, one per cell of a table question, named as
    Google Forms names a grid's: «Вопрос [строка, столбец]», «Вопрос [строка]» for one column."""
    columns = []
    for item in fields:
        if item.kind != Kind.TABLE:
            columns.append(ExportColumn(item, item.label))
            continue
        layout = tables.layout(item)
        for row, row_label in layout.rows:
            for column, column_label in layout.columns:
                columns.append(
                    ExportColumn(item, table_label(item, layout, row_label, column_label), row, column)
                )
    return columns


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def campaign_table(campaign: Campaign, layout: str) -> tuple[list[str], list[list[exports.Cell]]]:
    """(headers, rows) of the collection's answers.

    wide: one row per organization asked (organization, status, submitted at, then one column per
    question), «not started» for those without a submission; long: one row per answer given
    (organization, question code, question, answer, status). A table question gives a column (a
    row) per cell (export_columns); a cell of a «не применимо» row or column reads «не применимо».
    Three queries, whatever the size, and two more per table bound to a data element."""
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}")
    fields = export_columns(
        [item for item in services.form_questions(campaign.form)[0] if item.kind != Kind.FILE]
    )
    submissions = {
        s.organization_id: s
        for s in Submission.objects.filter(campaign=campaign).only(
            "organization_id", "status", "submitted_at", "answers"
        )
    }
    organizations = list(campaign.organizations.order_by("short_name"))
    asked = {o.pk for o in organizations}
    # An organization dropped from the list after answering still has its answers exported.
    extra = [pk for pk in submissions if pk not in asked]
    if extra:
        organizations += list(Organization.objects.filter(pk__in=extra).order_by("short_name"))
    statuses = dict(Submission.Status.choices)
    if layout == "wide":
        headers = [_("Organization"), _("Status"), _("Submitted at")] + [item.header for item in fields]
        rows = []
        for organization in organizations:
            submission = submissions.get(organization.pk)
            if submission is None:
                rows.append([organization.short_name, _("Not started"), None] + [None] * len(fields))
                continue
            rows.append(
                [
                    organization.short_name,
                    str(statuses[submission.status]),
                    _local(submission.submitted_at),
                    *(column.value(submission.answers.get(column.item.code)) for column in fields),
                ]
            )
        return headers, rows
    headers = [_("Organization"), _("Question code"), _("Question"), _("Answer"), _("Status")]
    rows = []
    for organization in organizations:
        submission = submissions.get(organization.pk)
        if submission is None:
            continue
        for column in fields:
            value = column.value(submission.answers.get(column.item.code))
            if value is not None:
                rows.append(
                    [
                        organization.short_name,
                        column.code,
                        column.header,
                        value,
                        str(statuses[submission.status]),
                    ]
                )
    return headers, rows


def campaign_export(campaign: Campaign, *, layout: str, fmt: str) -> bytes:
    """The collection's answers as an XLSX or CSV file (see campaign_table), safe from formula
    injection; numbers stay numbers in XLSX. Reads everything: the caller decides who may export."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}")
    headers, rows = campaign_table(campaign, layout)
    if fmt == "csv":
        return exports.csv_bytes(headers, rows)
    return exports.xlsx_bytes(_("Answers"), headers, rows)
