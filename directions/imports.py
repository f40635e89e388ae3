"""The evaluation-position catalogue of a municipality for a period: an XLSX import (a dry run,
then an all-or-nothing write) and the save of one position, with the rules both share.

Rules of the catalogue, whoever writes it:
- only a coordinator or an administrator of the municipality writes it (can_manage_directions);
- a position belongs to a direction of the municipality in force in the period; its code is unique
  in the direction for the period;
- its maximum never falls below a score already given to it (the indices could not be computed);
- a position scored in a finished evaluation keeps its direction, component and maximum, so the
  stored results and their explanation keep matching the catalogue;
- every open evaluation of the municipality and period gets an empty score for a new position
  (services.evaluation_open adds what is missing) and is recomputed after commit.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import translation
from django.utils.translation import gettext as _

from directions import access, fioko, services
from directions.models import Component, Direction, Evaluation, Position, Score
from mcok import workbooks
from mcok.models import Municipality, Period, User
from mcok.uploads import archive_problem
from mcok.uploads import cell_text as _text

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100  # of the header; the columns the import knows are the first few
MAX_SCORE = Decimal("9999.99")  # Position.max_score: 6 digits, 2 after the point

# Field → the headers that name its column, compared lower-cased with ё read as е.
HEADERS: dict[str, tuple[str, ...]] = {
    "direction": ("направление", "direction", "код направления"),
    "component": ("компонент", "component"),
    "code": ("код", "code", "код позиции"),
    "text": ("текст", "text", "позиция", "позиция оценивания"),
    "max": ("максимум", "max", "maximum", "максимальный балл"),
    "track": ("трек", "track"),
}
REQUIRED = ("direction", "component", "code", "text", "max")
CODE_LENGTH = Position._meta.get_field("code").max_length
TRACK_LENGTH = Position._meta.get_field("track").max_length

Row = dict[str, Any]  # one parsed row, JSON-ready so that it can wait in the session


# Reading the file ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Decimal | None:
    """A cell as an exact Decimal (a float through its shortest repr, a text with a comma or a
    point); None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _components() -> dict[str, str]:
    """What a cell may say for a component → its key: the key, the number 1–9 of the cycle, and
    the name in Russian or English."""
    names: dict[str, str] = {}
    for number, (key, label) in enumerate(Component.choices, start=1):
        names[key] = key
        names[str(number)] = key
        for language in ("ru", "en"):
            with translation.override(language):
                names[_fold(str(label))] = key
    return names


def _sheet_rows(file: IO[bytes]) -> list[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of every row of the first sheet; ValidationError when the
    workbook cannot be read."""
    from openpyxl import load_workbook

    unreadable = _("The workbook cannot be read. Open it in Excel, save it as .xlsx and try again.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML and key errors alike for a broken file
        raise ValidationError(unreadable) from None
    try:
        if not workbook.worksheets:
            raise ValidationError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        rows = []
        # Every row is read as wide as the header (workbooks.rows), and counted by the row number
        # Excel shows: the reader fills the rows a file skips.
        for number, cells in workbooks.rows(sheet, width=MAX_COLUMNS, blank=True):
            if number > MAX_ROWS:
                raise ValidationError(
                    _("The sheet has more than %(count)s rows; split it into several files.")
                    % {"count": MAX_ROWS}
                )
            if not all(_blank(cell) for cell in cells):
                rows.append((number, tuple(cells)))
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


def _columns(header: tuple[Any, ...]) -> tuple[dict[str, int], dict[str, str]]:
    """(field → column index, field → the header as written) from the header row."""
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(header):
        title = _text(cell)
        for field, names in HEADERS.items():
            if _fold(title) in names and field not in columns:
                columns[field] = index
                labels[field] = title
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        raise ValidationError(
            _("The first row lacks the columns %(columns)s.")
            % {"columns": ", ".join(f"«{HEADERS[field][0]}»" for field in missing)}
        )
    return columns, labels


# The rules of the catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """What the evaluations already hold of a position: its highest score, and whether a finished
    evaluation counts it."""

    top_score: Decimal | None
    in_finished: bool


def _recorded(position_ids) -> dict[int, Recorded]:
    rows = (
        Score.objects.filter(position__in=position_ids)
        .values("position")
        .annotate(
            top=Max("score"),
            finished=Count("pk", filter=Q(evaluation__state=Evaluation.State.FINISHED)),
        )
    )
    return {row["position"]: Recorded(row["top"], row["finished"] > 0) for row in rows}


def _directions_in_force(municipality: Municipality, period: Period) -> dict[str, Direction]:
    """Code → the municipality's direction in force in the period (the latest, should two be)."""
    directions = (
        Direction.objects.filter(municipality=municipality)
        .valid_in(period)
        .select_related("block")
        .order_by("valid_from__starts_on")
    )
    return {direction.code: direction for direction in directions}


def _change_problems(
    existing: Position | None,
    recorded: Recorded | None,
    *,
    direction_id: int,
    component: str,
    maximum: Decimal,
) -> list[str]:
    """The catalogue rules a change of `existing` would break, as sentences without a subject:
    the caller says which row or position they are about."""
    if existing is None or recorded is None:
        return []
    problems = []
    frozen = (existing.direction_id, existing.component, existing.max_score) != (
        direction_id,
        component,
        maximum,
    )
    if recorded.in_finished and frozen:
        problems.append(
            _(
                "it is scored in a finished evaluation, so its direction, component and maximum no "
                "longer change"
            )
        )
    if recorded.top_score is not None and maximum < recorded.top_score:
        problems.append(
            _("the maximum %(max)s is below the score %(score)s already given to it")
            % {"max": _plain(maximum), "score": _plain(recorded.top_score)}
        )
    return problems


def _plain(value: Decimal) -> str:
    """1.50 → «1,5», 2.00 → «2»: a number as a Russian reader writes it."""
    return format(value.normalize(), "f").replace(".", ",")


def _scores_sync(municipality: Municipality, period: Period, by: User) -> None:
    """Every open evaluation of the catalogue gets an empty score for each new position and is
    recomputed after commit; finished ones keep what they counted."""
    open_kinds = Evaluation.objects.filter(
        municipality=municipality, period=period, state=Evaluation.State.OPEN
    ).values_list("kind", flat=True)
    for kind in open_kinds:
        services.evaluation_open(municipality=municipality, period=period, kind=kind, by=by)


# The import ------------------------------------------------------------------------------------


def file_digest(file: IO[bytes]) -> str:
    """The SHA-256 of the upload: names the parsed preview that waits for confirmation."""
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def positions_parse(file, *, municipality: Municipality, period: Period) -> tuple[list[Row], list[str]]:
    """Read an uploaded XLSX catalogue and check every row against the catalogue's rules, writing
    nothing: a dry run.

    The first sheet's first non-empty row names the columns (направление, компонент, код, текст,
    максимум; optional трек; English names too); a component is its key, its number 1–9 or its
    name. Returns (rows, errors): each row a JSON-ready dict with its Excel row number and what
    importing it would do («new», «changed», «same»); each error a Russian sentence naming the
    Excel row. Rows are meant to be imported only when there is no error.
    """
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size > MAX_FILE_BYTES:
        return [], [_("The file is larger than 5 MB.")]
    problem = archive_problem(file)
    if problem:
        return [], [problem]
    try:
        sheet = _sheet_rows(file)
        if not sheet:
            raise ValidationError(_("The first sheet is empty."))
        columns, labels = _columns(sheet[0][1])
    except ValidationError as error:
        return [], error.messages
    if len(sheet) == 1:
        return [], [_("The sheet has no positions under its first row.")]

    directions = _directions_in_force(municipality, period)
    components = _components()
    existing = {
        (position.direction_id, position.code): position
        for position in Position.objects.filter(municipality=municipality, period=period)
    }
    recorded = _recorded([position.pk for position in existing.values()])
    rows: list[Row] = []
    errors: list[tuple[int, str]] = []  # (row, sentence)
    checked: list[fioko.PositionScore] = []
    names: list[str] = []
    for number, cells in sheet[1:]:
        values = {field: cells[index] if index < len(cells) else None for field, index in columns.items()}
        code = _text(values["code"])
        where = (
            _("Row %(row)s (position %(code)s)") % {"row": number, "code": code}
            if code
            else _("Row %(row)s") % {"row": number}
        )
        found: list[str] = []
        for field in REQUIRED:
            if _blank(values[field]):
                found.append(_("%(where)s: «%(field)s» is empty.") % {"where": where, "field": labels[field]})
        direction_code = _text(values["direction"])
        direction = directions.get(direction_code)
        if direction_code and direction is None:
            found.append(
                _("%(where)s: %(municipality)s has no direction %(code)s in force in %(period)s.")
                % {"where": where, "municipality": municipality, "code": direction_code, "period": period}
            )
        component_text = _text(values["component"])
        component = components.get(_fold(component_text))
        if component_text and component is None:
            found.append(
                _("%(where)s: unknown component «%(value)s»; write one of: %(components)s.")
                % {
                    "where": where,
                    "value": component_text,
                    "components": "; ".join(str(label) for _key, label in Component.choices),
                }
            )
        if len(code) > CODE_LENGTH:
            found.append(
                _("%(where)s: «%(field)s» is longer than %(limit)s characters.")
                % {"where": where, "field": labels["code"], "limit": CODE_LENGTH}
            )
        track = _text(values.get("track"))
        if len(track) > TRACK_LENGTH:
            found.append(
                _("%(where)s: «%(field)s» is longer than %(limit)s characters.")
                % {"where": where, "field": labels["track"], "limit": TRACK_LENGTH}
            )
        maximum = None if _blank(values["max"]) else _number(values["max"])
        if not _blank(values["max"]):
            if maximum is None:
                found.append(
                    _("%(where)s: «%(field)s» must be a number, not «%(value)s».")
                    % {"where": where, "field": labels["max"], "value": values["max"]}
                )
            elif maximum < 0:
                found.append(
                    _("%(position)s: the maximum %(value)s is negative.")
                    % {"position": where, "value": _plain(maximum)}
                )
            elif maximum > MAX_SCORE or maximum != maximum.quantize(Decimal("0.01")):
                found.append(
                    _("%(where)s: the maximum must be at most 9999.99 with at most two decimals.")
                    % {"where": where}
                )
        if found or direction is None or component is None or maximum is None:
            errors += [(number, message) for message in found]
            continue
        old = existing.get((direction.pk, code))
        found += [
            _("%(where)s: %(problem)s.") % {"where": where, "problem": problem}
            for problem in _change_problems(
                old,
                recorded.get(old.pk) if old else None,
                direction_id=direction.pk,
                component=component,
                maximum=maximum,
            )
        ]
        text = _text(values["text"])
        if old is None:
            action = "new"
        elif (old.component, old.max_score, old.text, old.track) == (component, maximum, text, track):
            action = "same"
        else:
            action = "changed"
        errors += [(number, message) for message in found]
        checked.append(
            fioko.PositionScore(
                block=direction.block.code,
                direction=direction.code,
                component=component,
                code=code,
                max=maximum,
                score=None,
            )
        )
        names.append(where)
        rows.append(
            {
                "row": number,
                "municipality": municipality.pk,
                "period": period.pk,
                "direction": direction.pk,
                "direction_code": direction.code,
                "component": component,
                "code": code,
                "text": text,
                "max": str(maximum),
                "track": track,
                "action": action,
            }
        )
    # The rules of the arithmetic itself: a code twice in a direction, above all. Each sentence
    # starts with the name of its row, as position_problems names it.
    row_of = {name: row["row"] for name, row in zip(names, rows, strict=True)}
    for problem in fioko.position_problems(checked, names=names):
        name = next(name for name in row_of if problem.startswith(f"{name}:"))
        errors.append((row_of[name], problem))
    errors.sort(key=lambda error: error[0])  # stable: a row's own sentences keep their order
    return rows, [message for _row, message in errors]


@transaction.atomic
def positions_import(rows: list[Row], *, by: User) -> int:
    """Write the rows of a dry run (positions_parse without errors) into the catalogue: all or
    nothing, update_or_create by (period, direction, code). Returns how many rows were written.

    Only a coordinator or an administrator of the municipality may import (PermissionDenied).
    The rules are checked again against the catalogue as it is now, since it may have changed
    after the dry run: ValidationError listing every broken rule, and nothing written.
    """
    if not rows:
        return 0
    pairs = {(row["municipality"], row["period"]) for row in rows}
    if len(pairs) != 1:
        raise ValidationError(_("An import covers one municipality and one period."))
    ((municipality_id, period_id),) = pairs
    municipality = Municipality.objects.get(pk=municipality_id)
    period = Period.objects.get(pk=period_id)
    if not access.can_manage_directions(by, municipality):
        raise PermissionDenied
    in_force = {direction.pk for direction in _directions_in_force(municipality, period).values()}
    existing = {
        (position.direction_id, position.code): position
        for position in Position.objects.select_for_update().filter(municipality=municipality, period=period)
    }
    recorded = _recorded([position.pk for position in existing.values()])
    problems = []
    for row in rows:
        where = _("Row %(row)s (position %(code)s)") % {"row": row["row"], "code": row["code"]}
        if row["direction"] not in in_force:
            problems.append(
                _("%(where)s: %(municipality)s has no direction %(code)s in force in %(period)s.")
                % {
                    "where": where,
                    "municipality": municipality,
                    "code": row["direction_code"],
                    "period": period,
                }
            )
            continue
        old = existing.get((row["direction"], row["code"]))
        problems += [
            _("%(where)s: %(problem)s.") % {"where": where, "problem": problem}
            for problem in _change_problems(
                old,
                recorded.get(old.pk) if old else None,
                direction_id=row["direction"],
                component=row["component"],
                maximum=Decimal(row["max"]),
            )
        ]
    if problems:
        raise ValidationError(problems)
    for row in rows:
        Position.objects.update_or_create(
            period=period,
            direction_id=row["direction"],
            code=row["code"],
            defaults={
                "municipality": municipality,
                "component": row["component"],
                "text": row["text"],
                "max_score": Decimal(row["max"]),
                "track": row["track"],
            },
        )
    _scores_sync(municipality, period, by)
    return len(rows)


# One position ----------------------------------------------------------------------------------


@transaction.atomic
def position_save(*, position: Position, by: User) -> Position:
    """Create or change one position of the catalogue (its municipality and period set by the
    caller), under the catalogue's rules: PermissionDenied for anyone but a coordinator or an
    administrator of the municipality, ValidationError (by field) for a broken rule."""
    municipality, period = position.municipality, position.period
    if not access.can_manage_directions(by, municipality):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    in_force = _directions_in_force(municipality, period)
    if position.direction_id not in {direction.pk for direction in in_force.values()}:
        errors.setdefault("direction", []).append(
            _("Choose a direction of %(municipality)s in force in %(period)s.")
            % {"municipality": municipality, "period": period}
        )
    taken = Position.objects.filter(period=period, direction_id=position.direction_id, code=position.code)
    if position.pk:
        taken = taken.exclude(pk=position.pk)
    if taken.exists():
        errors.setdefault("code", []).append(
            _("The direction already has a position %(code)s in this period.") % {"code": position.code}
        )
    if position.pk:
        old = Position.objects.select_for_update().get(pk=position.pk)
        for problem in _change_problems(
            old,
            _recorded([old.pk]).get(old.pk),
            direction_id=position.direction_id,
            component=position.component,
            maximum=Decimal(position.max_score),
        ):
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Position %(code)s: %(problem)s.") % {"code": old.code, "problem": problem}
            )
    if errors:
        raise ValidationError(errors)
    position.save()
    _scores_sync(municipality, period, by)
    return position
