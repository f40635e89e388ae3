"""An indicator by the options of a category: a ratio per class, per subject.

For each option, every code of the formulas that names an element split by the category is read as
that option's group of cells («vpr_pass» becomes «vpr_pass[класс=5]»; a code that already names the
category keeps its option); codes of other elements keep their totals. Each organization's row is
then the recompute's own (indicators.services), and the municipality's value per option is
Σ numerators / Σ denominators over the organizations with a value (the sum, or the mean of a score),
never a mean of the schools' ratios. Risk groups follow the indicator's threshold per option.
Computed on read from the stored cells; growth rates are not broken down. `breakdowns` reads many
indicators of a municipality at once (the indicator's page, the analytic report, the public tab)
in a fixed number of queries.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from indicators import categories, formulas, services
from indicators.models import Category, CategoryOption, DataElement, Indicator, IndicatorValue
from mcok.models import Organization, Period

Reason = IndicatorValue.Reason


@dataclass(frozen=True)
class Row:
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    reason: str


@dataclass
class OptionValues:
    option: CategoryOption
    municipal: Row
    organizations: dict[int, Row] = field(default_factory=dict)
    at_risk: list[int] = field(default_factory=list)


def _split(node: formulas.Node, codes: set[str], category: Category, option: CategoryOption) -> formulas.Node:
    if isinstance(node, formulas.Code):
        if node.code not in codes:
            return node
        names = {formulas.fold(category.code), formulas.fold(category.name)}
        if any(named in names for named, _option in node.options):
            return node
        return formulas.Code(
            node.code, (*node.options, (formulas.fold(category.code), formulas.fold(option.code)))
        )
    if isinstance(node, formulas.Negative):
        return formulas.Negative(_split(node.operand, codes, category, option))
    if isinstance(node, formulas.Binary):
        return formulas.Binary(
            node.op, _split(node.left, codes, category, option), _split(node.right, codes, category, option)
        )
    return node


def _parsed(indicator: Indicator) -> tuple[formulas.Node, formulas.Node | None] | None:
    """The indicator's formulas parsed, or None when it cannot be broken down (a growth rate, no
    formula, a formula that does not parse)."""
    if indicator.kind == Indicator.Kind.GROWTH or not indicator.numerator.strip():
        return None
    try:
        numerator = formulas.parse(indicator.numerator)
        denominator = formulas.parse(indicator.denominator) if indicator.denominator.strip() else None
    except formulas.FormulaError:
        return None
    return numerator, denominator


def _used(parsed: tuple[formulas.Node, formulas.Node | None]) -> set[str]:
    numerator, denominator = parsed
    return formulas.codes(numerator) | (formulas.codes(denominator) if denominator else set())


def _code_nodes(node: formulas.Node | None) -> list[formulas.Code]:
    if isinstance(node, formulas.Code):
        return [node]
    if isinstance(node, formulas.Negative):
        return _code_nodes(node.operand)
    if isinstance(node, formulas.Binary):
        return _code_nodes(node.left) + _code_nodes(node.right)
    return []


def _open_categories(
    parsed: tuple[formulas.Node, formulas.Node | None], elements: dict[str, DataElement]
) -> list[Category]:
    """The categories of the split elements the formulas name without choosing an option of them:
    «vpr_pass[класс=5]» can be shown by subject, not by class (every class would read the 5th)."""
    found: dict[int, Category] = {}
    for node in _code_nodes(parsed[0]) + _code_nodes(parsed[1]):
        element = elements.get(node.code)
        if element is None:
            continue
        for category in element.category_combo.categories:
            names = {formulas.fold(category.code), formulas.fold(category.name)}
            if not any(named in names for named, _option in node.options):
                found[category.pk] = category
    return sorted(found.values(), key=lambda category: category.name)


def splittable(indicator: Indicator) -> list[Category]:
    """The categories the indicator can be shown by: those of the split elements its formulas use,
    unless every use of them names an option of the category."""
    parsed = _parsed(indicator)
    if parsed is None:
        return []
    elements = {
        element.code: element
        for element in DataElement.objects.filter(
            municipality=indicator.municipality_id, code__in=_used(parsed), category_combo__isnull=False
        ).select_related("category_combo__first", "category_combo__second")
    }
    return _open_categories(parsed, elements)


def _prepare(
    indicator: Indicator,
    parsed: tuple[formulas.Node, formulas.Node | None],
    category: Category,
    options: list[CategoryOption],
    catalogue: categories.Catalogue,
    element_kinds: dict[str, list[str]],
) -> list[tuple[CategoryOption, services._Compiled]] | None:
    """Each option's formulas compiled, or None when no element of the formulas is split by the
    category or an option names no cells."""
    numerator, denominator = parsed
    codes = {
        code
        for code, element in catalogue.elements.items()
        if category.pk in {c.pk for c in element.category_combo.categories}
    }
    used = _used(parsed)
    if not used & codes:
        return None
    kinds = {kind for code in used for kind in element_kinds.get(code, [])}
    items = []
    try:
        for option in options:
            top = _split(numerator, codes, category, option)
            bottom = _split(denominator, codes, category, option) if denominator else None
            refs = catalogue.references(top, bottom)
            items.append((option, services._Compiled(indicator, top, bottom, kinds, refs)))
    except formulas.FormulaError:
        return None
    return items


def _evaluate(
    indicator: Indicator,
    items: list[tuple[CategoryOption, services._Compiled]],
    values: dict,
    organizations: dict[int, str],
) -> list[OptionValues]:
    """The options' rows from the figures read (see the module)."""
    result = []
    for option, item in items:
        rows: dict[int, Row] = {}
        for organization_id, kind in organizations.items():
            own = values.get(organization_id, {})
            if kind not in item.kinds and not own:
                continue
            computed = services._organization_row(item, own, None)
            if kind not in item.kinds and computed.value is None:
                continue
            rows[organization_id] = Row(
                *(services._stored(n) for n in (computed.numerator, computed.denominator, computed.value)),
                computed.reason,
            )
        reported = [row for row in rows.values() if row.value is not None]
        department = values.get(None, {})
        if not reported and department:
            own = services._organization_row(item, department, None)
            municipal = Row(
                *(services._stored(n) for n in (own.numerator, own.denominator, own.value)), own.reason
            )
        elif indicator.kind == Indicator.Kind.RATIO:
            top = sum((row.numerator for row in reported), Decimal(0)) if reported else None
            bottom = sum((row.denominator for row in reported), Decimal(0)) if reported else None
            value = formulas.ratio(top, bottom, indicator.factor)
            reason = "" if value is not None else (Reason.ZERO_DENOMINATOR if bottom == 0 else Reason.NO_DATA)
            municipal = Row(top, bottom, services._stored(value), reason)
        else:
            numbers = [row.value for row in reported]
            value = None
            if numbers:
                value = sum(numbers, Decimal(0))
                if indicator.kind == Indicator.Kind.SCORE:
                    value = value / len(numbers)
            municipal = Row(value, None, services._stored(value), "" if value is not None else Reason.NO_DATA)
        at_risk = [pk for pk, row in rows.items() if indicator.is_at_risk(row.value)]
        result.append(OptionValues(option, municipal, rows, at_risk))
    return result


def by_option(indicator: Indicator, category: Category, period: Period) -> list[OptionValues]:
    """The indicator per option of the category in the period (see the module); [] when it cannot be
    broken down by it (a growth rate, no formula, no element of its formulas split by the category)."""
    parsed = _parsed(indicator)
    if parsed is None:
        return []
    catalogue = categories.Catalogue(indicator.municipality_id)
    element_kinds = dict(
        DataElement.objects.filter(municipality=indicator.municipality_id).values_list("code", "kinds")
    )
    items = _prepare(indicator, parsed, category, list(category.options.all()), catalogue, element_kinds)
    if items is None:
        return []
    refs = {key: ref for _option, item in items for key, ref in item.refs.items()}
    values = services._values(indicator.municipality_id, period, None, refs)
    organizations = dict(
        Organization.objects.filter(municipality=indicator.municipality_id, is_active=True).values_list(
            "pk", "kind"
        )
    )
    return _evaluate(indicator, items, values, organizations)


@dataclass
class Breakdown:
    """An indicator by the options of one category in a period; `names` are the short names of the
    municipality's active organizations."""

    indicator: Indicator
    category: Category
    categories: list[Category]  # every category the indicator can be shown by
    options: list[OptionValues]
    names: dict[int, str] = field(default_factory=dict)

    @property
    def has_values(self) -> bool:
        return any(item.municipal.value is not None for item in self.options)

    @property
    def organizations_at_risk(self) -> int:
        """The organizations in the risk group of at least one option, each counted once."""
        return len({pk for item in self.options for pk in item.at_risk})


def breakdowns(
    indicators: list[Indicator], period: Period, *, category: str | None = None
) -> dict[int, list[Breakdown]]:
    """indicator id → its breakdowns in the period, one per category it can be shown by (only the
    category with the code `category`, when given), for those that can be broken down. A fixed
    number of queries per municipality, whatever the number of indicators, options and
    organizations."""
    result: dict[int, list[Breakdown]] = {}
    by_municipality: dict[int, list[tuple[Indicator, tuple]]] = {}
    for indicator in indicators:
        parsed = _parsed(indicator)
        if parsed is not None:
            by_municipality.setdefault(indicator.municipality_id, []).append((indicator, parsed))
    for municipality_id, parsed_ones in by_municipality.items():
        catalogue = categories.Catalogue(municipality_id)
        if not catalogue.elements:
            continue
        planned = []
        for indicator, parsed in parsed_ones:
            found = _open_categories(parsed, catalogue.elements)
            chosen = [c for c in found if category is None or c.code == category]
            if chosen:
                planned.append((indicator, parsed, found, chosen))
        if not planned:
            continue
        element_kinds = dict(
            DataElement.objects.filter(municipality=municipality_id).values_list("code", "kinds")
        )
        prepared = []
        for indicator, parsed, found, chosen in planned:
            for shown in chosen:
                items = _prepare(
                    indicator, parsed, shown, catalogue.options[shown.pk], catalogue, element_kinds
                )
                if items is not None:
                    prepared.append((indicator, found, shown, items))
        if not prepared:
            continue
        refs = {
            key: ref for _i, _f, _c, items in prepared for _o, item in items for key, ref in item.refs.items()
        }
        values = services._values(municipality_id, period, None, refs)
        kinds, names = {}, {}
        for pk, kind, name in Organization.objects.filter(
            municipality=municipality_id, is_active=True
        ).values_list("pk", "kind", "short_name"):
            kinds[pk], names[pk] = kind, name
        for indicator, found, shown, items in prepared:
            result.setdefault(indicator.pk, []).append(
                Breakdown(indicator, shown, found, _evaluate(indicator, items, values, kinds), names)
            )
    return result
