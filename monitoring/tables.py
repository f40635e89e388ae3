"""Table questions: a grid of numeric cells in a form, rows × columns, with row, column and grand totals.

A table question (`Field.Kind.TABLE`) takes its rows and columns either from the disaggregated data
element it is bound to (rows are the options of the element's first category, columns those of the
second; an element split by one category has one column, «Значение») or from labels typed in the
builder and kept in `Field.table` as `{"rows": ["label", ...], "columns": ["label", ...]}` (no columns:
one column «Значение»). `layout` turns either into a `Layout` of (key, label) pairs: the option codes
for a bound table, «r1», «r2»… and «c1», «c2»… for typed labels, «value» for the single column.

The answer of a table question, kept in `Submission.answers[code]`, is

    {"cells": {"<row>|<column>": "text as typed", ...}, "na": ["row:<key>", "col:<key>", ...]}

`cells` holds what was typed, by `cell_key(row, column)`; an empty cell is absent. `na` names the rows
and columns marked «не применимо» (a school without a 10th class): their cells are not asked, count
as filled and add nothing. `parse_answer` turns anything stored or sent (None, "", a list, a JSON
string) into that shape without raising.

A table has a total only when every cell is filled or lies in a «не применимо» row or column: then
`table_total` gives the sum; otherwise None and the reason, «нет данных: заполнено N из M ячеек»,
which the checks and the review show instead of a false mismatch. In a rule the table's code stands
for its total.

The entry page posts a cell as `answer-<code>__<row>|<column>` and the marks as `answer-<code>__na` (one
value per mark, «row:<key>» or «col:<key>»), with `present=<code>` so that a table cleared of everything
is sent too; `post_names` and `answer_from_post` read them back (given the prefixed name `answer-<code>`).

The checks (monitoring.validation) keep a checked table as a `Cleaned`: its numbers by cell, its total or
the reason it has none. Two people's saves of one table from the same revision merge cell by cell
(`merge`); only a cell both changed differently is a conflict (`conflicts`). `grid` is the table as the
entry, preview and review pages show it.

Pure functions over the field and the answer; only `layout` and `option_combos` of a bound field read
the element's options and option combinations (three queries, kept on the field instance).
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

VALUE = "value"  # the key of the one column of a single-category or column-less table
SEPARATOR = "|"  # between the row's and the column's key in a cell key
NA_NAME = "na"  # `<code>__na` in a POST
ROW, COLUMN = "row", "col"


@dataclass(frozen=True)
class Layout:
    """The rows and columns of a table question, each a (key, label) pair in order."""

    rows: tuple[tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _label in self.rows]

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _label in self.columns]

    @property
    def cell_keys(self) -> list[str]:
        """Every cell key, row by row."""
        return [cell_key(row, column) for row, _r in self.rows for column, _c in self.columns]

    @property
    def single_column(self) -> bool:
        return len(self.columns) == 1 and self.columns[0][0] == VALUE

    def __bool__(self) -> bool:
        return bool(self.rows and self.columns)


def cell_key(row: str, column: str) -> str:
    """The key of one cell in an answer's `cells` and in the POST name: «row|column»."""
    return f"{row}{SEPARATOR}{column}"


def na_key(axis: str, key: str) -> str:
    """A «не применимо» mark: «row:<key>» or «col:<key>»."""
    return f"{axis}:{key}"


def _labels(value: Any) -> list[str]:
    """Labels from the builder's JSON: a list of non-empty strings (a text is one label a line)."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        return []
    return [
        " ".join(str(item).split()) for item in value if isinstance(item, str | int) and str(item).strip()
    ]


def fixed_layout(table: Any) -> Layout:
    """The layout of typed labels (`Field.table`): rows r1…, columns c1… or the one column «value»."""
    table = table if isinstance(table, dict) else {}
    rows = tuple((f"r{index}", label) for index, label in enumerate(_labels(table.get("rows")), 1))
    labels = _labels(table.get("columns"))
    columns = tuple((f"c{index}", label) for index, label in enumerate(labels, 1)) or ((VALUE, _("Value")),)
    return Layout(rows, columns)


def _bound(field) -> tuple[Layout, dict[str, int]]:
    """The layout of a field bound to a disaggregated element and its cells' option combinations."""
    from indicators.models import CategoryOption, OptionCombo

    combo = field.data_element.category_combo
    first = [(o.pk, o.code, o.name) for o in CategoryOption.objects.filter(category=combo.first_id)]
    second = (
        [(o.pk, o.code, o.name) for o in CategoryOption.objects.filter(category=combo.second_id)]
        if combo.second_id
        else []
    )
    rows = tuple((code, name) for _pk, code, name in first)
    columns = tuple((code, name) for _pk, code, name in second) or ((VALUE, _("Value")),)
    codes = {pk: code for pk, code, _name in first + second}
    combos = {}
    for pk, first_id, second_id in OptionCombo.objects.filter(combo=combo).values_list(
        "pk", "first_id", "second_id"
    ):
        column = VALUE if second_id is None else codes.get(second_id)
        if first_id in codes and column is not None:
            combos[cell_key(codes[first_id], column)] = pk
    return Layout(rows, columns), combos


def is_bound(field) -> bool:
    """A table question bound to a disaggregated element (its cells are written as the element's cells)."""
    element = getattr(field, "data_element", None) if field.data_element_id else None
    return element is not None and element.category_combo_id is not None


def layout(field) -> Layout:
    """The rows and columns of a table question; empty for a table with no rows."""
    cached = getattr(field, "_table_layout", None)
    if cached is not None:
        return cached
    if is_bound(field):
        result, combos = _bound(field)
    else:
        result, combos = fixed_layout(field.table), {}
    field._table_layout, field._table_combos = result, combos
    return result


def option_combos(field) -> dict[str, int]:
    """cell key → OptionCombo id of a bound table question ({} for typed labels)."""
    layout(field)
    return field._table_combos


def option_combo_for(field, row: str, column: str) -> int | None:
    """The OptionCombo id of one cell of a bound table question, None when there is none."""
    return option_combos(field).get(cell_key(row, column))


def _text(value: Any) -> str | None:
    """A cell's text as typed, or None for nothing typed (None, "", spaces, a list, a dict…)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        from monitoring.validation import text_of

        value = text_of(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:1000] if value else None


def parse_answer(raw: Any, table: Layout | None = None) -> dict:
    """Anything stored or sent as a table's answer in the shape {"cells": {...}, "na": [...]}; never
    raises. With a layout, cells and marks it does not have are dropped."""
    if isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        raw = {}
    cells_in = raw.get("cells")
    cells: dict[str, str] = {}
    if isinstance(cells_in, dict):
        known = set(table.cell_keys) if table is not None else None
        for key, value in cells_in.items():
            text = _text(value)
            if (
                isinstance(key, str)
                and SEPARATOR in key
                and text is not None
                and (known is None or key in known)
            ):
                cells[key] = text
    marks_in = raw.get("na")
    marks: list[str] = []
    if isinstance(marks_in, str):
        marks_in = [marks_in]
    if isinstance(marks_in, list | tuple):
        allowed = None
        if table is not None:
            allowed = {na_key(ROW, k) for k in table.row_keys} | {
                na_key(COLUMN, k) for k in table.column_keys
            }
        for mark in marks_in:
            if (
                isinstance(mark, str)
                and mark.split(":", 1)[0] in (ROW, COLUMN)
                and ":" in mark
                and mark not in marks
                and (allowed is None or mark in allowed)
            ):
                marks.append(mark)
    return {"cells": cells, "na": marks}


def is_blank(raw: Any) -> bool:
    """Nothing typed and nothing marked."""
    answer = parse_answer(raw)
    return not answer["cells"] and not answer["na"]


def not_applicable(table: Layout, answer: dict, row: str, column: str) -> bool:
    """Whether the cell lies in a row or column marked «не применимо»."""
    marks = answer.get("na", [])
    return na_key(ROW, row) in marks or na_key(COLUMN, column) in marks


def _number(text: str | None) -> Decimal | None:
    from monitoring.validation import parse_number

    return None if text is None else parse_number(text)


def cell_numbers(table: Layout, answer: Any) -> dict[str, Decimal | None]:
    """cell key → the number typed (None when empty, not a number, or «не применимо»)."""
    answer = parse_answer(answer)
    return {
        cell_key(row, column): None
        if not_applicable(table, answer, row, column)
        else _number(answer["cells"].get(cell_key(row, column)))
        for row, _r in table.rows
        for column, _c in table.columns
    }


def _sum(table: Layout, answer: dict, cells: list[tuple[str, str]]) -> tuple[Decimal | None, int, int]:
    """(the sum or None, cells filled, cells expected) over the cells named."""
    total, filled, any_value = Decimal(0), 0, False
    for row, column in cells:
        if not_applicable(table, answer, row, column):
            filled += 1
            continue
        number = _number(answer["cells"].get(cell_key(row, column)))
        if number is not None:
            filled += 1
            total += number
            any_value = True
    complete = filled == len(cells) and any_value
    return (total if complete else None), filled, len(cells)


def table_total(table: Layout, answer: Any) -> tuple[Decimal | None, str]:
    """The table's total and "" when every cell is filled (or «не применимо»); else None and the reason
    in Russian («нет данных: заполнено N из M ячеек»)."""
    answer = parse_answer(answer)
    cells = [(row, column) for row, _r in table.rows for column, _c in table.columns]
    total, filled, expected = _sum(table, answer, cells)
    if total is not None:
        return total, ""
    if expected and filled == expected:
        return None, _("no data: every cell is «not applicable»")
    return None, _("no data: %(filled)d of %(expected)d cells are filled") % {
        "filled": filled,
        "expected": expected,
    }


def progress(table: Layout, answer: Any) -> tuple[int, int]:
    """(cells filled or «не применимо», cells in all)."""
    answer = parse_answer(answer)
    cells = [(row, column) for row, _r in table.rows for column, _c in table.columns]
    return _sum(table, answer, cells)[1], len(cells)


@dataclass(frozen=True)
class Cleaned:
    """A table's answer once checked: its numbers by cell (None: empty or «не применимо»), the marks,
    and its total or why it has none."""

    cells: dict[str, Decimal | None]
    na: tuple[str, ...]
    total: Decimal | None
    reason: str


def row_totals(table: Layout, answer: Any) -> dict[str, Decimal | None]:
    """row key → the row's sum once its cells are all filled (None before, or for a «не применимо» row)."""
    answer = parse_answer(answer)
    return {
        row: _sum(table, answer, [(row, column) for column in table.column_keys])[0] for row in table.row_keys
    }


def column_totals(table: Layout, answer: Any) -> dict[str, Decimal | None]:
    """column key → the column's sum once its cells are all filled (None before, or for a «не применимо»
    column)."""
    answer = parse_answer(answer)
    return {
        column: _sum(table, answer, [(row, column) for row in table.row_keys])[0]
        for column in table.column_keys
    }


def post_names(code: str, table: Layout) -> dict[str, str]:
    """cell key → the name of its input on the entry page: «<code>__<row>|<column>»."""
    return {key: f"{code}__{key}" for key in table.cell_keys}


def na_name(code: str) -> str:
    """The name of the «не применимо» checkboxes of a table: «<code>__na»."""
    return f"{code}__{NA_NAME}"


def answer_from_post(code: str, table: Layout, data) -> dict | None:
    """A table's answer from a POST (a QueryDict or a dict of lists); None when the POST carries none of
    its inputs (the table was not on the page sent)."""
    names = post_names(code, table)
    getlist = data.getlist if hasattr(data, "getlist") else (lambda name: _as_list(data.get(name)))
    present = any(name in data for name in names.values()) or na_name(code) in data
    if not present:
        return None
    cells = {}
    for key, name in names.items():
        values = getlist(name)
        text = _text(values[-1]) if values else None
        if text is not None:
            cells[key] = text
    return parse_answer({"cells": cells, "na": getlist(na_name(code))}, table)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def merge(base: Any, mine: Any, theirs: Any) -> dict:
    """Two edits of one table made from the same `base`, cell by cell: a cell (or mark) one side changed
    takes that side's state; where both changed it, `mine` wins."""
    base, mine, theirs = parse_answer(base), parse_answer(mine), parse_answer(theirs)
    cells = dict(theirs["cells"])
    for key in set(base["cells"]) | set(mine["cells"]):
        if mine["cells"].get(key) != base["cells"].get(key):
            if key in mine["cells"]:
                cells[key] = mine["cells"][key]
            else:
                cells.pop(key, None)
    marks = list(theirs["na"])
    for mark in set(base["na"]) | set(mine["na"]):
        in_mine, in_base = mark in mine["na"], mark in base["na"]
        if in_mine != in_base:
            if in_mine and mark not in marks:
                marks.append(mark)
            elif not in_mine and mark in marks:
                marks.remove(mark)
    return {"cells": cells, "na": marks}


def conflicts(base: Any, mine: Any, theirs: Any) -> list[str]:
    """The cells and marks both edits changed, each differently: what `merge` cannot decide."""
    base, mine, theirs = parse_answer(base), parse_answer(mine), parse_answer(theirs)
    out = []
    for key in sorted(set(base["cells"]) | set(mine["cells"]) | set(theirs["cells"])):
        was, one, other = base["cells"].get(key), mine["cells"].get(key), theirs["cells"].get(key)
        if one != was and other != was and one != other:
            out.append(key)
    return out


def changes_text(table: Layout, before: Any, after: Any) -> tuple[str, str]:
    """What changed between two answers of a table, as two lines naming only the cells (and marks) that
    differ: («5 А / математика: 12», «5 А / математика: 14»)."""
    before, after = parse_answer(before, table), parse_answer(after, table)
    keys = [key for key in table.cell_keys if before["cells"].get(key) != after["cells"].get(key)]
    marks_before = [mark for mark in before["na"] if mark not in after["na"]]
    marks_after = [mark for mark in after["na"] if mark not in before["na"]]

    def side(answer: dict, marks: list[str]) -> str:
        only = {"cells": {k: v for k, v in answer["cells"].items() if k in keys}, "na": marks}
        return as_text(table, only)

    return side(before, marks_before), side(after, marks_after)


def as_text(table: Layout, answer: Any) -> str:
    """The answer as one line for a list or a letter: «5 А / математика: 12; …; не применимо: …»."""
    answer = parse_answer(answer, table)
    row_labels, column_labels = dict(table.rows), dict(table.columns)
    parts = []
    for row, column in ((r, c) for r in table.row_keys for c in table.column_keys):
        text = answer["cells"].get(cell_key(row, column))
        if text is not None and not not_applicable(table, answer, row, column):
            label = row_labels[row] if table.single_column else f"{row_labels[row]} / {column_labels[column]}"
            parts.append(f"{label}: {text}")
    marked = [
        row_labels.get(mark[4:], "") if mark.startswith("row:") else column_labels.get(mark[4:], "")
        for mark in answer["na"]
    ]
    if marked:
        parts.append(_("not applicable: %(labels)s") % {"labels": ", ".join(marked)})
    return "; ".join(parts)


# As pages show it ----------------------------------------------------------------------------------


@dataclass
class GridCell:
    key: str
    row: str
    column: str
    name: str  # of its input: answer-<code>__<row>|<column>
    input_id: str
    label: str  # «row, column», for the input's accessible name and the card of a phone
    column_label: str
    value: str  # as typed
    not_applicable: bool
    previous: str  # the previous period's figure, as read; «не применимо»; or ""


@dataclass
class GridRow:
    key: str
    label: str
    not_applicable: bool
    cells: list[GridCell]
    total: str  # the row's sum once complete, else ""


@dataclass
class GridColumn:
    key: str
    label: str
    not_applicable: bool
    total: str


@dataclass
class TableGrid:
    """A table question as the entry page, the preview and the review show it."""

    code: str
    na_name: str  # of the «не применимо» check boxes: answer-<code>__na
    single_column: bool
    rows: list[GridRow]
    columns: list[GridColumn]
    total: str  # the grand total once every cell is filled, else ""
    reason: str  # why there is no total yet («нет данных: заполнено N из M ячеек»), or ""
    has_previous: bool
    filled: int
    expected: int

    @property
    def is_empty(self) -> bool:
        return self.filled == 0


def _figure(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value, use_l10n=True, force_grouping=True)


def grid(item, raw: Any, previous: dict[str, Decimal | None] | None = None, *, prefix: str = "") -> TableGrid:
    """The rows × columns of a table question with the answer `raw`, its totals and the previous period's
    cells; input names start with `prefix` (answer-<code> on the entry page)."""
    table = layout(item)
    answer = parse_answer(raw, table)
    previous = previous or {}
    rows_total, columns_total = row_totals(table, answer), column_totals(table, answer)
    total, reason = table_total(table, answer)
    filled, expected = progress(table, answer)
    marks = answer["na"]
    names = post_names(prefix or item.code, table)
    grid_rows = []
    for row, row_label in table.rows:
        cells = []
        for column, column_label in table.columns:
            key = cell_key(row, column)
            if key in previous:
                before = _figure(previous[key]) if previous[key] is not None else _("not applicable")
            else:
                before = ""
            cells.append(
                GridCell(
                    key=key,
                    row=row,
                    column=column,
                    name=names[key],
                    input_id=f"id-{names[key]}".replace("|", "-"),
                    label=row_label if table.single_column else f"{row_label}, {column_label}",
                    column_label=column_label,
                    value=answer["cells"].get(key, ""),
                    not_applicable=not_applicable(table, answer, row, column),
                    previous=before,
                )
            )
        grid_rows.append(GridRow(row, row_label, na_key(ROW, row) in marks, cells, _figure(rows_total[row])))
    grid_columns = [
        GridColumn(column, label, na_key(COLUMN, column) in marks, _figure(columns_total[column]))
        for column, label in table.columns
    ]
    return TableGrid(
        code=item.code,
        na_name=na_name(prefix or item.code),
        single_column=table.single_column,
        rows=grid_rows,
        columns=grid_columns,
        total=_figure(total),
        reason=reason,
        has_previous=bool(previous),
        filled=filled,
        expected=expected,
    )
