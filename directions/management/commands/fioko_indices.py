"""python manage.py fioko_indices FILE: the FIOKO indices of the positions in a JSON or XLSX file."""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directions import fioko
from mcok import workbooks

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_POSITIONS = 10_000
MAX_COLUMNS = 100  # of the header; the columns the command knows are the first few
SHOWN_PROBLEMS = 20
XLSX_SUFFIXES = (".xlsx", ".xlsm")

# Field → the headers that name its column, English or Russian, compared lower-cased with ё as е.
HEADERS: dict[str, tuple[str, ...]] = {
    "block": ("block", "блок"),
    "direction": ("direction", "направление"),
    "component": ("component", "компонент"),
    "code": ("code", "код"),
    "max": ("max", "maximum", "максимум"),
    "score": ("score", "балл"),
    "partial": ("partial", "частичный цикл"),
}
REQUIRED = ("block", "direction", "component", "code", "max", "score")
TEXT_FIELDS = ("block", "direction", "component", "code")
YES = {"да", "yes", "true", "1", "+", "x", "х"}
NO = {"", "нет", "no", "false", "0", "-"}


class Command(BaseCommand):
    help = (
        "Print the FIOKO indices (components, directions, blocks, total) as JSON for the evaluation "
        "positions in FILE: JSON {'positions': [{block, direction, component, code, max, score}], "
        "'partial': [direction codes]} or XLSX (first sheet, header row block, direction, component, "
        "code, max, score, optional partial; Russian headers accepted). An empty score is not yet "
        "scored. Refuses a wrong file with the row or position and the problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .json or .xlsx file of positions")

    def handle(self, *args, **options):
        path = Path(options["file"])
        positions, partial, names = read_positions(path)
        try:
            fioko.check_positions(positions, names=names)
        except ValidationError as error:
            raise CommandError(problems_text(error.messages)) from None
        indices = fioko.compute(positions, partial=partial)
        self.stdout.write(json.dumps(indices.as_json(), ensure_ascii=False, indent=2))


def problems_text(problems: list[str]) -> str:
    """The problems one a line, the first SHOWN_PROBLEMS of them."""
    lines = problems[:SHOWN_PROBLEMS]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(_("…and %(count)s more problems.") % {"count": len(problems) - SHOWN_PROBLEMS})
    return "\n".join(lines)


def read_positions(path: Path) -> tuple[list[fioko.PositionScore], set[str], list[str]]:
    """(positions, partial directions, a name for each position naming its row or number) read
    from a JSON or XLSX file; CommandError naming the place and the problem when the file is wrong.
    """
    if not path.exists():
        raise CommandError(_("File %(path)s does not exist.") % {"path": path})
    if not path.is_file():
        raise CommandError(_("%(path)s is not a file.") % {"path": path})
    try:
        size = path.stat().st_size
    except OSError as error:
        raise CommandError(_("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error}) from None
    if size > MAX_FILE_SIZE:
        raise CommandError(_("%(path)s is larger than 10 MB.") % {"path": path})
    if path.suffix.lower() in XLSX_SUFFIXES:
        rows, partial = read_xlsx(path)
    else:
        rows, partial = read_json(path)
    if not rows:
        raise CommandError(_("%(path)s holds no positions.") % {"path": path})
    if len(rows) > MAX_POSITIONS:
        raise CommandError(
            _("%(path)s holds more than %(count)s positions.") % {"path": path, "count": MAX_POSITIONS}
        )
    positions: list[fioko.PositionScore] = []
    names: list[str] = []
    problems: list[str] = []
    for row in rows:
        position, name, row_problems = parse_row(row)
        problems += row_problems
        if position is not None:
            positions.append(position)
            names.append(name)
            if row.partial:
                partial.add(position.direction)
    if problems:
        raise CommandError(problems_text(problems))
    return positions, partial, names


class Row:
    """One position as read, before its values are checked: `place` says where it is (a row of
    the sheet or a number in the list), `labels` how the file names each field."""

    def __init__(self, *, place: tuple[str, int], values: dict[str, Any], labels: dict[str, str]):
        self.place = place
        self.values = values
        self.labels = labels
        self.partial = False


def where(place: tuple[str, int], code: str | None) -> str:
    kind, number = place
    if kind == "row":
        if code:
            return _("Row %(row)s (position %(code)s)") % {"row": number, "code": code}
        return _("Row %(row)s") % {"row": number}
    if code:
        return _("Position no. %(number)s (%(code)s)") % {"number": number, "code": code}
    return _("Position no. %(number)s") % {"number": number}


def parse_row(row: Row) -> tuple[fioko.PositionScore | None, str, list[str]]:
    """(the position or None, its name, the problems of its values)."""
    texts: dict[str, str] = {}
    bad_texts: list[str] = []
    for field in TEXT_FIELDS:
        text = as_text(row.values.get(field))
        if text is None:
            bad_texts.append(field)
        else:
            texts[field] = text
    name = where(row.place, texts.get("code"))
    problems = [
        _("%(where)s: «%(field)s» must be text, not «%(value)s».")
        % {"where": name, "field": row.labels[field], "value": row.values[field]}
        for field in bad_texts
    ]
    problems += [
        _("%(where)s: «%(field)s» is empty.") % {"where": name, "field": row.labels[field]}
        for field in TEXT_FIELDS
        if texts.get(field) == ""
    ]
    numbers: dict[str, int | Decimal | None] = {}
    for field in ("max", "score"):
        if field not in row.values:
            problems.append(
                _("%(where)s: «%(field)s» is missing; write null for a position not yet scored.")
                % {"where": name, "field": row.labels[field]}
                if field == "score"
                else _("%(where)s: «%(field)s» is missing.") % {"where": name, "field": row.labels[field]}
            )
            continue
        value = row.values[field]
        if is_blank(value):
            if field == "max":
                problems.append(
                    _("%(where)s: «%(field)s» is empty.") % {"where": name, "field": row.labels[field]}
                )
            numbers[field] = None
            continue
        number = as_number(value)
        if number is None:
            problems.append(
                _("%(where)s: «%(field)s» must be a number, not «%(value)s».")
                % {"where": name, "field": row.labels[field], "value": value}
            )
        numbers[field] = number
    if problems:
        return None, name, problems
    maximum = numbers["max"]
    assert maximum is not None  # a blank maximum is a problem above
    position = fioko.PositionScore(
        block=texts["block"],
        direction=texts["direction"],
        component=texts["component"].lower(),
        code=texts["code"],
        max=maximum,
        score=numbers["score"],
    )
    return position, name, []


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str | None:
    """A code or a name as text ("" when empty); None when it is something else (a date, a
    boolean). Numbers are accepted, as a sheet stores a block «1» typed in a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def as_number(value: Any) -> int | Decimal | None:
    """An int or a Decimal read exactly (a float cell through its shortest repr, a text with a
    comma or a point); None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except InvalidOperation:
            return None
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def read_json(path: Path) -> tuple[list[Row], set[str]]:
    def refuse_constant(name: str) -> None:
        raise ValueError(_("%(name)s is not a number") % {"name": name})

    try:
        text = path.read_bytes().decode("utf-8-sig")
        data = json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
    except OSError as error:
        raise CommandError(_("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error}) from None
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CommandError(
            _("%(path)s is not a JSON file (%(error)s).") % {"path": path, "error": error}
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("positions"), list):
        raise CommandError(
            _("%(path)s: the JSON must be an object with a list «positions».") % {"path": path}
        )
    partial = data.get("partial", [])
    if not isinstance(partial, list) or not all(isinstance(code, str) and code.strip() for code in partial):
        raise CommandError(_("%(path)s: «partial» must be a list of direction codes.") % {"path": path})
    rows: list[Row] = []
    for number, item in enumerate(data["positions"], start=1):
        if not isinstance(item, dict):
            raise CommandError(
                _(
                    "%(where)s: a position must be an object with block, direction, component, code, "
                    "max and score."
                )
                % {"where": where(("position", number), None)}
            )
        values = {field: item[field] for field in REQUIRED if field in item}
        # A missing text field reads as empty; a missing number is told apart from a null score.
        values.update({field: None for field in TEXT_FIELDS if field not in item})
        rows.append(Row(place=("position", number), values=values, labels={f: f for f in REQUIRED}))
    return rows, {code.strip() for code in partial}


def read_xlsx(path: Path) -> tuple[list[Row], set[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, XML and key errors alike for a broken file
        raise CommandError(
            _("%(path)s is not a readable XLSX file (%(error)s).") % {"path": path, "error": error}
        ) from None
    try:
        if not workbook.worksheets:
            raise CommandError(_("%(path)s: the first sheet is empty.") % {"path": path})
        # Every row as wide as the header at most (workbooks.rows), numbered as Excel shows it.
        sheet_rows = workbooks.rows(workbook.worksheets[0], width=MAX_COLUMNS, blank=True)
        first = next(sheet_rows, None)
        header = first[1] if first else None
        if not header:
            raise CommandError(_("%(path)s: the first sheet is empty.") % {"path": path})
        columns, labels = xlsx_columns(path, header)
        rows: list[Row] = []
        for number, cells in sheet_rows:
            if all(is_blank(cell) for cell in cells):
                continue
            if len(rows) >= MAX_POSITIONS:
                raise CommandError(
                    _("%(path)s holds more than %(count)s positions.")
                    % {"path": path, "count": MAX_POSITIONS}
                )
            values = {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
            row = Row(place=("row", number), values=values, labels=labels)
            row.partial = xlsx_partial(row)
            rows.append(row)
    except CommandError:
        raise
    except workbooks.TooManyColumns:
        raise CommandError(_("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}) from None
    except Exception as error:  # a sheet's XML may be broken past the header
        raise CommandError(
            _("%(path)s is not a readable XLSX file (%(error)s).") % {"path": path, "error": error}
        ) from None
    finally:
        workbook.close()
    problems = [xlsx_partial_problem(row) for row in rows]
    if any(problems):
        raise CommandError(problems_text([p for p in problems if p]))
    return rows, set()


def xlsx_columns(path: Path, header: tuple[Any, ...]) -> tuple[dict[str, int], dict[str, str]]:
    """(field → column index, field → the header as written) from the header row."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(header):
        title = str(cell).strip() if cell is not None else ""
        key = title.lower().replace("ё", "е")
        for field, names in HEADERS.items():
            if key in names:
                if field in columns:
                    raise CommandError(
                        _("%(path)s: the column «%(column)s» appears twice in the first row.")
                        % {"path": path, "column": title}
                    )
                columns[field] = index
                labels[field] = title
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        raise CommandError(
            _("%(path)s: the first row of the first sheet lacks the columns %(columns)s.")
            % {"path": path, "columns": ", ".join(f"«{HEADERS[f][-1]}» / «{HEADERS[f][0]}»" for f in missing)}
        )
    return columns, labels


def xlsx_partial(row: Row) -> bool:
    value = row.values.get("partial")
    if value is None or isinstance(value, bool):
        return bool(value)
    return str(value).strip().lower() in YES


def xlsx_partial_problem(row: Row) -> str | None:
    value = row.values.get("partial")
    if value is None or isinstance(value, bool) or str(value).strip().lower() in YES | NO:
        return None
    code = as_text(row.values.get("code"))
    return _("%(where)s: write «да» or «yes» in «%(field)s», or leave it empty.") % {
        "where": where(row.place, code or None),
        "field": row.labels["partial"],
    }
