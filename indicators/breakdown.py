"""An indicator by the options of a category: a ratio per class, per subject.

For each option, every code of the formulas that names an element split by the category is read as
that option's group of cells («vpr_pass» becomes «vpr_pass[класс=5]»; a code that already names the
category keeps its option); codes of other elements keep their totals. Each organization's row is
then the recompute's own (indicators.services), and the municipality's value per option is
Σ numerators / Σ denominators over the organizations with a value (the sum, or the mean of a score),
never a mean of the schools' ratios. Risk groups follow the indicator's threshold per option.
Computed on read from the stored cells; growth rates are not broken down.
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


def splittable(indicator: Indicator) -> list[Category]:
    """The categories the indicator can be shown by: those of the split elements its formulas use."""
    if indicator.kind == Indicator.Kind.GROWTH or not indicator.numerator.strip():
        return []
    try:
        used = formulas.codes(formulas.parse(indicator.numerator))
        if indicator.denominator.strip():
            used |= formulas.codes(formulas.parse(indicator.denominator))
    except formulas.FormulaError:
        return []
    found: dict[int, Category] = {}
    for element in DataElement.objects.filter(
        municipality=indicator.municipality_id, code__in=used, category_combo__isnull=False
    ).select_related("category_combo__first", "category_combo__second"):
        for category in element.category_combo.categories:
            found[category.pk] = category
    return sorted(found.values(), key=lambda category: category.name)


def by_option(indicator: Indicator, category: Category, period: Period) -> list[OptionValues]:
    """The indicator per option of the category in the period (see the module); [] when it cannot be
    broken down by it (a growth rate, no formula, no element of its formulas split by the category)."""
    if indicator.kind == Indicator.Kind.GROWTH or not indicator.numerator.strip():
        return []
    try:
        numerator = formulas.parse(indicator.numerator)
        denominator = formulas.parse(indicator.denominator) if indicator.denominator.strip() else None
    except formulas.FormulaError:
        return []
    catalogue = categories.Catalogue(indicator.municipality_id)
    codes = {
        code
        for code, element in catalogue.elements.items()
        if category.pk in {c.pk for c in element.category_combo.categories}
    }
    used = formulas.codes(numerator) | (formulas.codes(denominator) if denominator else set())
    if not used & codes:
        return []
    elements = dict(
        DataElement.objects.filter(municipality=indicator.municipality_id).values_list("code", "kinds")
    )
    kinds = {kind for code in used for kind in elements.get(code, [])}
    items = []
    try:
        for option in category.options.all():
            top = _split(numerator, codes, category, option)
            bottom = _split(denominator, codes, category, option) if denominator else None
            refs = catalogue.references(top, bottom)
            items.append((option, services._Compiled(indicator, top, bottom, kinds, refs)))
    except formulas.FormulaError:
        return []
    refs = {key: ref for _option, item in items for key, ref in item.refs.items()}
    municipality = indicator.municipality
    values = services._values(municipality, period, None, refs)
    organizations = dict(
        Organization.objects.filter(municipality=municipality, is_active=True).values_list("pk", "kind")
    )
    result = []
    for option, item in items:
        rows: dict[int, Row] = {}
        for organization_id, kind in organizations.items():
            own = values.get(organization_id, {})
            if kind not in kinds and not own:
                continue
            computed = services._organization_row(item, own, None)
            if kind not in kinds and computed.value is None:
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
