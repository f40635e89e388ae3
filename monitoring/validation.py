"""Checking answers against a form: types, required fields, ranges, options and cross-field rules.

Pure functions over the form's fields and rules, so the web form, the XLSX template, the Google
Forms import and the API check answers in exactly one way. Answers come in as typed (strings, or
lists for multiple choice); the cleaned values come out as Decimal, date, bool, str or list.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from monitoring import tables
from monitoring.models import Field, Rule

Kind = Field.Kind

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)")
_MINUSES = str.maketrans({"−": "-", "–": "-", "—": "-"})
_YES = {"yes", "да", "true", "1", "y", "д", "on", "истина"}
_NO = {"no", "нет", "false", "0", "n", "н", "off", "ложь"}
# What a data value holds (16 digits, 4 of them after the point): a larger number cannot be stored.
NUMBER_LIMIT = Decimal(10) ** 12
# Longer than this is no number, date or option anybody types; not even looked at.
_SHORT = 1000


@dataclass
class Result:
    values: dict[str, Any] = field(default_factory=dict)  # cleaned, by field code; absent = no answer
    errors: dict[str, list[str]] = field(default_factory=dict)  # by field code
    form_errors: list[str] = field(default_factory=list)  # from the cross-field rules

    @property
    def ok(self) -> bool:
        return not self.errors and not self.form_errors

    def add(self, code: str, message: str) -> None:
        self.errors.setdefault(code, []).append(message)

    def messages(self, fields: list[Field]) -> list[str]:
        """Every problem as a sentence naming its question, in the order of the form."""
        labels = {f.code: f.label for f in fields}
        out = [
            f"{labels.get(code, code)}: {m}"
            for code in labels
            if code in self.errors
            for m in self.errors[code]
        ]
        return out + self.form_errors


def text_of(raw: Any) -> str:
    """`str(raw)` that never raises: a huge int is written through Decimal (str() refuses more than
    4300 digits), an object whose str() breaks becomes empty."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return format(Decimal(raw), "f")
    try:
        return str(raw)
    except Exception:  # an object with a broken __str__: nothing a person typed
        return ""


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, dict) and raw and set(raw) <= {"cells", "na"}:
        return tables.is_blank(raw)  # a table's answer
    if isinstance(raw, list | tuple):
        return not any(text_of(item).strip() for item in raw)
    return not text_of(raw).strip()


def parse_number(raw: Any) -> Decimal | None:
    """A number as people type it: «1 234,5», «1234.5», «-3», «−3»; None when it is not a finite
    number. Never raises."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, float):
        number = Decimal(repr(raw))
        return number if number.is_finite() else None
    if not isinstance(raw, str):
        return None
    if len(raw) > _SHORT:
        return None
    text = _SPACES.sub("", raw).replace(",", ".").translate(_MINUSES)
    if not text or not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def parse_date(raw: Any) -> datetime.date | None:
    """A date as «01.03.2026», «1.3.26», «01/03/2026» or ISO «2026-03-01»; None otherwise."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if not isinstance(raw, str) or len(raw) > _SHORT:
        return None
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    try:  # an ISO moment («2026-03-01T10:00:00») names its day
        return datetime.datetime.fromisoformat(text).date() if "-" in text[:5] else None
    except ValueError:
        return None


def _option(options: list[str], raw: Any) -> str | None:
    """The option `raw` names, ignoring case and spaces; None when it names none."""
    text = text_of(raw)
    if len(text) > _SHORT:
        return None
    wanted = " ".join(text.split()).casefold()
    return next(
        (option for option in options if " ".join(text_of(option).split()).casefold() == wanted), None
    )


def _limit(value: Any) -> Decimal | None:
    """A range limit of a question as a Decimal (an unsaved field may hold an int or a float)."""
    return None if value is None else parse_number(value)


def clean_value(item: Field, raw: Any) -> tuple[Any, str | None]:
    """The cleaned value of one answer and the problem with it, if any. `raw` is not blank. Never raises,
    whatever `raw` is."""
    if item.kind != Kind.MULTIPLE_CHOICE:
        # One answer is expected; a list of one (an import, an API client) is that answer.
        if isinstance(raw, list | tuple):
            given = [part for part in raw if not is_blank(part)]
            if len(given) != 1:
                return None, _("Give one answer, not a list.")
            raw = given[0]
        if isinstance(raw, dict | set | frozenset):
            return None, _("Give one answer, not a list.")
    if item.kind in Field.NUMERIC_KINDS:
        number = parse_number(raw)
        if number is None:
            return None, _("Enter a number.")
        if abs(number) >= NUMBER_LIMIT:
            return None, _("The number is too large.")
        if item.kind == Kind.INTEGER and number != number.to_integral_value():
            return None, _("Enter a whole number.")
        low, high = _limit(item.min_value), _limit(item.max_value)
        if low is not None and number < low:
            return None, _("The value must be at least %(limit)s.") % {"limit": _number(low)}
        if high is not None and number > high:
            return None, _("The value must be at most %(limit)s.") % {"limit": _number(high)}
        return (number.to_integral_value() if item.kind == Kind.INTEGER else number), None
    if item.kind == Kind.DATE:
        value = parse_date(raw)
        return (value, None) if value else (None, _("Enter a date as DD.MM.YYYY."))
    if item.kind == Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw, None
        text = text_of(raw).strip().casefold()
        if text in _YES:
            return True, None
        if text in _NO:
            return False, None
        return None, _("Answer «yes» or «no».")
    if item.kind == Kind.CHOICE:
        option = _option(item.choices, raw)
        return (option, None) if option is not None else (None, _("Choose one of the options."))
    if item.kind == Kind.MULTIPLE_CHOICE:
        return _multiple(item, raw)
    text = text_of(raw).strip()
    if item.kind == Kind.TEXT and len(text) > 1000:
        return None, _("At most 1000 characters.")
    if item.kind == Kind.LONG_TEXT and len(text) > 20000:
        return None, _("At most 20000 characters.")
    return text, None


def _multiple(item: Field, raw: Any) -> tuple[list[str] | None, str | None]:
    """The options chosen, in the form's order. A text names them separated by «;», a line end or «, »;
    a piece between «;» naming one option (which may hold «, » itself) is that option."""
    if isinstance(raw, dict | set | frozenset):
        return None, _("Choose among the options.")
    if isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        parts = []
        for piece in re.split(r"[;\n]", text_of(raw)):
            whole = _option(item.choices, piece)
            parts.extend([whole] if whole is not None else re.split(r",\s", piece))
    chosen, unknown = [], []
    for part in (p for p in parts if not is_blank(p)):
        option = _option(item.choices, part)
        if option is not None:
            chosen.append(option)
        else:
            unknown.append(text_of(part).strip()[:100])
    if unknown:
        return None, _("Not among the options: %(values)s.") % {"values": "; ".join(unknown[:10])}
    return [option for option in item.choices if option in chosen], None


def _plain(value: Decimal) -> str:
    """A finite Decimal in positional notation without trailing zeros, every digit kept («2.50» → «2.5»,
    «1E+3» → «1000»); unlike normalize(), which rounds to the context's 28 digits."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(value: Decimal) -> str:
    """A number as the messages show it: «1 000», «0,5»."""
    return number_format(Decimal(_plain(value)), use_l10n=True, force_grouping=True)


def check(fields: list[Field], rules: list[Rule], answers: dict[str, Any], *, complete: bool) -> Result:
    """Check `answers`. With `complete`, required questions must be answered (a submit); without, only
    what is filled in is checked (a draft, which is saved whatever this says)."""
    result = Result()
    by_code = {f.code: f for f in fields}
    if not isinstance(answers, dict):
        answers = {}
    for item in fields:
        raw = answers.get(item.code)
        if item.kind == Kind.TABLE:
            _check_table(item, raw, result, complete=complete)
            continue
        if is_blank(raw):
            if complete and item.required:
                result.add(item.code, _("This question must be answered."))
            continue
        value, problem = clean_value(item, raw)
        if problem:
            result.add(item.code, problem)
        else:
            result.values[item.code] = value
    answered = {
        item.code
        for item in fields
        if not (
            tables.is_blank(answers.get(item.code)) if item.is_table else is_blank(answers.get(item.code))
        )
    }
    for rule in rules:
        problem = rule_problem(rule, by_code, result.values, answered=answered)
        if problem:
            result.form_errors.append(problem)
    return result


def _check_table(item: Field, raw: Any, result: Result, *, complete: bool) -> None:
    """A table question: every cell typed is a number within the question's limits (whole when its data
    element holds whole numbers); a required table, on a submit, has every cell filled or marked «не
    применимо». A table without problems goes into `result.values` as a tables.Cleaned."""
    table = tables.layout(item)
    answer = tables.parse_answer(raw, table)
    if not answer["cells"] and not answer["na"]:
        if complete and item.required:
            result.add(item.code, _("This question must be answered."))
        return
    whole = bool(item.data_element_id) and item.data_element.value_type == "integer"
    probe = Field(
        kind=Kind.INTEGER if whole else Kind.DECIMAL, min_value=item.min_value, max_value=item.max_value
    )
    rows, columns = dict(table.rows), dict(table.columns)
    numbers: dict[str, Decimal | None] = {}
    problems = []
    for row, column in ((r, c) for r in table.row_keys for c in table.column_keys):
        key = tables.cell_key(row, column)
        text = answer["cells"].get(key)
        numbers[key] = None
        if text is None or tables.not_applicable(table, answer, row, column):
            continue
        value, problem = clean_value(probe, text)
        if problem:
            label = rows[row] if table.single_column else f"{rows[row]}, {columns[column]}"
            problems.append(f"{label}: {problem}")
        else:
            numbers[key] = value
    for problem in problems:
        result.add(item.code, problem)
    filled, expected = tables.progress(table, answer)
    if complete and item.required and filled < expected:
        result.add(
            item.code,
            _(
                "Fill every cell or mark its row or column «not applicable»: "
                "%(filled)d of %(expected)d are filled."
            )
            % {"filled": filled, "expected": expected},
        )
    if problems:
        return
    total, reason = tables.table_total(table, answer)
    result.values[item.code] = tables.Cleaned(numbers, tuple(answer["na"]), total, reason)


def _table_totals(
    codes: list[str], fields: dict[str, Field], values: dict[str, Any]
) -> tuple[dict, str | None]:
    """The values a numeric rule compares, a table standing for its total; and the «нет данных» message
    of the first table named that has no total yet."""
    out = dict(values)
    for code in codes:
        value = values.get(code)
        if isinstance(value, tables.Cleaned):
            if value.total is None:
                return out, _("«%(label)s» has no total yet (%(reason)s): the check cannot be made.") % {
                    "label": fields[code].label,
                    "reason": value.reason,
                }
            out[code] = value.total
    return out, None


def rule_problem(
    rule: Rule, fields: dict[str, Field], values: dict[str, Any], *, answered: set[str] | None = None
) -> str | None:
    """The rule's message when the values break it; None when they keep it or are not all there.

    The comparisons and the sum apply only when every value named is a valid number; both-or-neither
    looks at which questions are `answered` (valid or not; by default those in `values`)."""
    codes = rule.fields if isinstance(rule.fields, list) else []
    if not all(isinstance(code, str) and code in fields for code in codes) or len(codes) < 2:
        return None
    labels = [f"«{fields[code].label}»" for code in codes]
    if rule.kind == Rule.Kind.BOTH_OR_NEITHER:
        present = set(values) if answered is None else answered
        given = [code in present for code in codes]
        if any(given) and not all(given):
            return rule.message or _("%(first)s and %(second)s are answered both or neither.") % {
                "first": labels[0],
                "second": labels[1],
            }
        return None
    if any(not isinstance(values.get(code), Decimal | tables.Cleaned) for code in codes):
        return None
    values, no_total = _table_totals(codes, fields, values)
    if no_total:
        return no_total
    left = values[codes[0]]
    if rule.kind == Rule.Kind.SUM:
        total = sum((values[code] for code in codes[1:]), Decimal(0))
        if left != total:
            return rule.message or _("%(total)s must equal the sum of %(parts)s (now %(sum)s).") % {
                "total": labels[0],
                "parts": ", ".join(labels[1:]),
                "sum": _number(total),
            }
        return None
    right = values[codes[1]]
    broken = {
        Rule.Kind.LESS_OR_EQUAL: left > right,
        Rule.Kind.EQUAL: left != right,
        Rule.Kind.GREATER_OR_EQUAL: left < right,
    }.get(rule.kind)
    if not broken:
        return None
    default = {
        Rule.Kind.LESS_OR_EQUAL: _("%(left)s cannot be greater than %(right)s."),
        Rule.Kind.EQUAL: _("%(left)s must equal %(right)s."),
        Rule.Kind.GREATER_OR_EQUAL: _("%(left)s cannot be less than %(right)s."),
    }[rule.kind]
    return rule.message or default % {"left": labels[0], "right": labels[1]}


def rule_check_definition(rule_kind: str, codes: list[str], fields: dict[str, Field]) -> str | None:
    """What is wrong with a rule as the builder defines it, or None."""
    if rule_kind not in Rule.Kind.values:
        return _("Choose what the rule checks.")
    if len(codes) < 2:
        return _("A rule needs at least two questions.")
    if len(set(codes)) != len(codes):
        return _("A rule names each question once.")
    missing = [code for code in codes if code not in fields]
    if missing:
        return _("No such questions in the form: %(codes)s.") % {"codes": ", ".join(missing)}
    if rule_kind != Rule.Kind.BOTH_OR_NEITHER:
        if rule_kind != Rule.Kind.SUM and len(codes) != 2:
            return _("This rule compares exactly two questions.")
        if any(not fields[code].is_numeric and not fields[code].is_table for code in codes):
            return _("Only numeric questions can be compared.")
        if rule_kind == Rule.Kind.SUM and len(codes) < 3:
            return _("A sum needs a total and at least two parts.")
    elif len(codes) != 2:
        return _("This rule compares exactly two questions.")
    return None


def as_text(value: Any) -> str:
    """A cleaned value back as the text a form shows and an answer stores."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else ""
    if isinstance(value, list | tuple):
        return "; ".join(as_text(item) for item in value)
    return text_of(value)
