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

from monitoring.models import Field, Rule

Kind = Field.Kind

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_YES = {"yes", "да", "true", "1", "y", "д", "on", "истина"}
_NO = {"no", "нет", "false", "0", "n", "н", "off", "ложь"}


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


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, list | tuple):
        return not any(str(item).strip() for item in raw)
    return not str(raw).strip()


def parse_number(raw: Any) -> Decimal | None:
    """A number as people type it: «1 234,5», «1234.5», «-3»; None when it is not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    text = _SPACES.sub("", str(raw)).replace(",", ".").replace("−", "-")
    if not text or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_date(raw: Any) -> datetime.date | None:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _option(options: list[str], raw: str) -> str | None:
    wanted = " ".join(str(raw).split()).casefold()
    return next((option for option in options if " ".join(option.split()).casefold() == wanted), None)


def clean_value(item: Field, raw: Any) -> tuple[Any, str | None]:
    """The cleaned value of one answer and the problem with it, if any. `raw` is not blank."""
    if item.kind in Field.NUMERIC_KINDS:
        number = parse_number(raw)
        if number is None:
            return None, _("Enter a number.")
        if item.kind == Kind.INTEGER and number != number.to_integral_value():
            return None, _("Enter a whole number.")
        if item.min_value is not None and number < item.min_value:
            return None, _("The value must be at least %(limit)s.") % {"limit": _number(item.min_value)}
        if item.max_value is not None and number > item.max_value:
            return None, _("The value must be at most %(limit)s.") % {"limit": _number(item.max_value)}
        return (number.to_integral_value() if item.kind == Kind.INTEGER else number), None
    if item.kind == Kind.DATE:
        value = parse_date(raw)
        return (value, None) if value else (None, _("Enter a date as DD.MM.YYYY."))
    if item.kind == Kind.BOOLEAN:
        text = str(raw).strip().casefold()
        if text in _YES:
            return True, None
        if text in _NO:
            return False, None
        return None, _("Answer «yes» or «no».")
    if item.kind == Kind.CHOICE:
        option = _option(item.choices, raw)
        return (option, None) if option else (None, _("Choose one of the options."))
    if item.kind == Kind.MULTIPLE_CHOICE:
        parts = raw if isinstance(raw, list | tuple) else re.split(r"[;\n]|,\s", str(raw))
        chosen, unknown = [], []
        for part in (p for p in parts if str(p).strip()):
            option = _option(item.choices, part)
            (chosen if option else unknown).append(option or str(part).strip())
        if unknown:
            return None, _("Not among the options: %(values)s.") % {"values": "; ".join(unknown)}
        return [option for option in item.choices if option in chosen], None
    if item.kind == Kind.TEXT and len(str(raw)) > 1000:
        return None, _("At most 1000 characters.")
    if item.kind == Kind.LONG_TEXT and len(str(raw)) > 20000:
        return None, _("At most 20000 characters.")
    return str(raw).strip(), None


def _number(value: Decimal) -> str:
    return number_format(
        int(value) if value == value.to_integral_value() else value.normalize(), use_l10n=True
    )


def check(fields: list[Field], rules: list[Rule], answers: dict[str, Any], *, complete: bool) -> Result:
    """Check `answers`. With `complete`, required questions must be answered (a submit); without, only
    what is filled in is checked (a draft, which is saved whatever this says)."""
    result = Result()
    by_code = {f.code: f for f in fields}
    for item in fields:
        raw = answers.get(item.code)
        if is_blank(raw):
            if complete and item.required:
                result.add(item.code, _("This question must be answered."))
            continue
        value, problem = clean_value(item, raw)
        if problem:
            result.add(item.code, problem)
        else:
            result.values[item.code] = value
    for rule in rules:
        problem = rule_problem(rule, by_code, result.values)
        if problem:
            result.form_errors.append(problem)
    return result


def rule_problem(rule: Rule, fields: dict[str, Field], values: dict[str, Any]) -> str | None:
    """The rule's message when the values break it; None when they keep it or are not all there."""
    codes = [code for code in rule.fields if code in fields]
    if len(codes) < 2 or len(codes) != len(rule.fields):
        return None
    labels = [f"«{fields[code].label}»" for code in codes]
    if rule.kind == Rule.Kind.BOTH_OR_NEITHER:
        given = [code in values for code in codes]
        if any(given) and not all(given):
            return rule.message or _("%(first)s and %(second)s are answered both or neither.") % {
                "first": labels[0],
                "second": labels[1],
            }
        return None
    if any(code not in values for code in codes):
        return None
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
    }[rule.kind]
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
    if len(codes) < 2:
        return _("A rule needs at least two questions.")
    missing = [code for code in codes if code not in fields]
    if missing:
        return _("No such questions in the form: %(codes)s.") % {"codes": ", ".join(missing)}
    if rule_kind != Rule.Kind.BOTH_OR_NEITHER:
        if rule_kind != Rule.Kind.SUM and len(codes) != 2:
            return _("This rule compares exactly two questions.")
        if any(not fields[code].is_numeric for code in codes):
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
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    return str(value)
