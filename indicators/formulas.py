"""Indicator formulas: safe arithmetic over data-element codes, and the ratios built from them.

An expression holds codes of data elements, numbers, + − × ÷ and parentheses; it is parsed into a
small tree (never eval) and evaluated with Decimal. A missing value makes the result None. A code
of a disaggregated element names its total; with options in brackets it names a cell or the sum of
several, «vpr_pass[класс=5, предмет=математика]» or «vpr_pass[предмет=математика]» (all classes).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:[.,]\d+)?)|(?P<code>[A-Za-z_][A-Za-z0-9_]*(?:\s*\[[^\[\]]*\])?)"
    r"|(?P<op>[-+*/×÷−()]))",
    re.ASCII,
)
OPERATORS = {"×": "*", "÷": "/", "−": "-"}
MAX_LENGTH = 500


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Code:
    """A data element's code; with options, (category, option) pairs as written, folded."""

    code: str
    options: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The name of its value: the code, or the code with its options in a canonical spelling."""
        if not self.options:
            return self.code
        return f"{self.code}[{', '.join(f'{category}={option}' for category, option in self.options)}]"


@dataclass(frozen=True)
class Negative:
    operand: "Node"


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"


Node = Number | Code | Negative | Binary


class FormulaError(ValidationError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            rest = text[position:]
            raise FormulaError(
                _("Unexpected «%(text)s» at position %(position)d of the formula.")
                % {"text": rest.strip()[:10], "position": position + len(rest) - len(rest.lstrip()) + 1}
            )
        kind = match.lastgroup
        value = match.group(kind)
        tokens.append((kind, OPERATORS.get(value, value)))
        position = match.end()
    return tokens


def parse(text: str) -> Node:
    """The tree of an expression, or FormulaError with a Russian message: unbalanced parentheses, a
    missing operand, an unknown symbol."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula is longer than %(max)d characters.") % {"max": MAX_LENGTH})
    tokens = _tokens(text)
    if not tokens:
        raise FormulaError(_("The formula is empty."))
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        token = peek()
        if token is None:
            raise FormulaError(_("The formula ends where a number, a code or «(» is expected."))
        position += 1
        return token

    def expression(depth: int) -> Node:
        node = term(depth)
        while (token := peek()) and token[1] in "+-":
            take()
            node = Binary(token[1], node, term(depth))
        return node

    def term(depth: int) -> Node:
        node = factor(depth)
        while (token := peek()) and token[1] in "*/":
            take()
            node = Binary(token[1], node, factor(depth))
        return node

    def factor(depth: int) -> Node:
        if depth > 50:
            raise FormulaError(_("The formula nests parentheses too deeply."))
        kind, value = take()
        if kind == "number":
            return Number(Decimal(value.replace(",", ".")))
        if kind == "code":
            return _code(value)
        if value == "-":
            return Negative(factor(depth + 1))
        if value == "(":
            node = expression(depth + 1)
            if peek() is None or take()[1] != ")":
                raise FormulaError(_("A parenthesis is not closed."))
            return node
        raise FormulaError(
            _("«%(symbol)s» stands where a number, a code or «(» is expected.") % {"symbol": value}
        )

    node = expression(0)
    if position < len(tokens):
        symbol = tokens[position][1]
        if symbol == ")":
            raise FormulaError(_("A closing parenthesis has no opening one."))
        raise FormulaError(_("«%(symbol)s» stands where an operator is expected.") % {"symbol": symbol})
    return node


def fold(text: str) -> str:
    """A category's or an option's name as compared: lower case, ё as е, single spaces."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _code(text: str) -> Code:
    if "[" not in text:
        return Code(text)
    code, _bracket, inside = text.partition("[")
    options = []
    for part in inside.rstrip("]").split(","):
        category, equals, option = part.partition("=")
        if not equals or not fold(category) or not fold(option):
            raise FormulaError(
                _("«%(text)s»: options are written «code[category=option, category=option]».")
                % {"text": text.strip()[:60]}
            )
        options.append((fold(category), fold(option)))
    if len({category for category, _option in options}) < len(options):
        raise FormulaError(_("«%(text)s» names a category twice.") % {"text": text.strip()[:60]})
    return Code(code.strip(), tuple(options))


def references(node: Node) -> set[Code]:
    """The codes with options an expression uses."""
    if isinstance(node, Code):
        return {node} if node.options else set()
    if isinstance(node, Negative):
        return references(node.operand)
    if isinstance(node, Binary):
        return references(node.left) | references(node.right)
    return set()


def keys(node: Node) -> set[str]:
    """The names of every value an expression uses: codes, and codes with options."""
    if isinstance(node, Code):
        return {node.key}
    if isinstance(node, Negative):
        return keys(node.operand)
    if isinstance(node, Binary):
        return keys(node.left) | keys(node.right)
    return set()


def codes(node: Node) -> set[str]:
    """The data-element codes an expression uses."""
    if isinstance(node, Code):
        return {node.code}
    if isinstance(node, Negative):
        return codes(node.operand)
    if isinstance(node, Binary):
        return codes(node.left) | codes(node.right)
    return set()


def validate(text: str, known: set[str]) -> set[str]:
    """The codes of a valid expression; FormulaError naming unknown codes otherwise."""
    used = codes(parse(text))
    unknown = sorted(used - known)
    if unknown:
        raise FormulaError(_("Unknown data elements: %(codes)s.") % {"codes": ", ".join(unknown)})
    return used


def evaluate(node: Node, values: dict[str, Decimal]) -> Decimal | None:
    """The value with `values` for the codes; None when a code has no value or a division is by zero."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Code):
        return values.get(node.key)
    if isinstance(node, Negative):
        operand = evaluate(node.operand, values)
        return None if operand is None else -operand
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    if left is None or right is None:
        return None
    try:
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return left / right
    except (DivisionByZero, InvalidOperation):
        return None


def ratio(numerator: Decimal | None, denominator: Decimal | None, factor: int = 100) -> Decimal | None:
    """numerator / denominator × factor; None when there is nothing to divide by."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator * factor


def growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The growth rate («темп роста») in per cent: current / previous × 100."""
    return ratio(current, previous, 100)


def base(numerator: Decimal | None, denominator: Decimal | None, *, quantity: bool = False) -> Decimal | None:
    """The base of a growth rate in one period: numerator / denominator, with no factor (it would
    cancel in the growth); the numerator itself when the base is a quantity (no denominator formula).
    None when a term is missing or the denominator is zero."""
    if quantity:
        return numerator
    return ratio(numerator, denominator, 1)


def base_growth(
    now: tuple[Decimal | None, Decimal | None],
    before: tuple[Decimal | None, Decimal | None],
    *,
    quantity: bool = False,
) -> Decimal | None:
    """The growth of a base ratio, (numerator, denominator) now against before: base now ÷ base
    before × 100. For the municipality the terms are Σ over the organizations, so this is the growth
    of the municipal ratio, not a sum or a mean of the schools' ratios.

    Computed as one division, (numerator now × denominator before) ÷ (denominator now × numerator
    before) × 100: exact whenever the growth is a finite decimal, so that it rounds the same here
    and in the SQL of the recompute on PostgreSQL (indicators.sql), whose quotients have other
    precision than Decimal's."""
    if base(*now, quantity=quantity) is None or not base(*before, quantity=quantity):
        return None
    if quantity:
        return growth(now[0], before[0])
    return ratio(now[0] * before[1], now[1] * before[0], 100)


def growth_of(
    numerator: Node, denominator: Node | None, current: dict[str, Decimal], previous: dict[str, Decimal]
) -> Decimal | None:
    """One organization's growth rate from its figures now and before: the base ratio numerator /
    denominator (the numerator alone with no denominator) now ÷ the same before × 100, as the
    recompute makes it. For a preview beside a form; the municipality's rate comes from sums."""

    def terms(values: dict[str, Decimal]) -> tuple[Decimal | None, Decimal | None]:
        return evaluate(numerator, values), evaluate(denominator, values) if denominator is not None else None

    return base_growth(terms(current), terms(previous), quantity=denominator is None)


# SQL ---------------------------------------------------------------------------------------------

# The scale a quotient is computed at on PostgreSQL: PostgreSQL's own default keeps about 16
# significant digits, Python's Decimal 28; with 30 decimal places both round to the same four.
SQL_DIVISION_SCALE = 30


def sql_divide(left: str, right: str) -> str:
    """left ÷ right in SQL: NULL when right is zero (as evaluate gives None)."""
    return f"(({left})::numeric(1000, {SQL_DIVISION_SCALE}) / NULLIF({right}, 0))"


def to_sql(node: Node, column: "dict[str, str]") -> str:
    """The expression as SQL over the columns that hold the codes' values (`column`: code → SQL
    column; a code with options by its key); a code with no column is NULL. NULL propagates through
    + − × ÷ as None does in evaluate,
    and a division by zero is NULL. Numbers are literals of the parsed tree, never the user's text."""
    if isinstance(node, Number):
        return f"{format(node.value, 'f')}::numeric"
    if isinstance(node, Code):
        return column.get(node.key, "NULL::numeric")
    if isinstance(node, Negative):
        return f"(-{to_sql(node.operand, column)})"
    left, right = to_sql(node.left, column), to_sql(node.right, column)
    if node.op == "/":
        return sql_divide(left, right)
    return f"({left} {node.op} {right})"
