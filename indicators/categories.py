"""Disaggregated figures: the option references of formulas resolved to cells, the cells' sums and
the totals of a table.

A reference «vpr_pass[класс=5, предмет=математика]» names one cell of the element; one that names
fewer categories than the element is split by («vpr_pass[предмет=математика]») names the sum of the
cells that match. A sum has a value only when every one of its cells is filled; a cell marked «не
применимо» counts as filled and adds nothing; a sum of cells that are all «не применимо» has no value.
The same rule gives an element's total (indicators.services keeps it as the element's DataValue).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from indicators import formulas
from indicators.models import CategoryOption, DataElement, DataValueCell, OptionCombo


@dataclass(frozen=True)
class Reference:
    """What a code with options names: the element and the option combinations summed."""

    key: str
    element_id: int
    option_combo_ids: tuple[int, ...]


class Catalogue:
    """The municipality's disaggregated elements with their categories, options and option
    combinations, read in three queries."""

    def __init__(self, municipality_id: int):
        self.elements = {
            element.code: element
            for element in DataElement.objects.filter(
                municipality=municipality_id, category_combo__isnull=False
            ).select_related("category_combo__first", "category_combo__second")
        }
        combo_ids = {element.category_combo_id for element in self.elements.values()}
        self.option_combos: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
        for pk, combo_id, first, second in OptionCombo.objects.filter(combo__in=combo_ids).values_list(
            "pk", "combo_id", "first_id", "second_id"
        ):
            self.option_combos[combo_id].append((pk, {first} if second is None else {first, second}))
        categories = {
            category.pk
            for element in self.elements.values()
            for category in element.category_combo.categories
        }
        self.options: dict[int, list[CategoryOption]] = defaultdict(list)
        for option in CategoryOption.objects.filter(category__in=categories):
            self.options[option.category_id].append(option)

    def resolve(self, node: formulas.Code) -> Reference:
        """The cells a code with options names; FormulaError in Russian when it names none."""
        element = self.elements.get(node.code)
        if element is None:
            raise formulas.FormulaError(
                _("«%(code)s» is not split by categories: it takes no options in brackets.")
                % {"code": node.code}
            )
        combo = element.category_combo
        selected = set()
        for category_text, option_text in node.options:
            category = next(
                (
                    c
                    for c in combo.categories
                    if category_text in (formulas.fold(c.code), formulas.fold(c.name))
                ),
                None,
            )
            if category is None:
                raise formulas.FormulaError(
                    _("«%(code)s» is not split by «%(category)s»; its categories: %(known)s.")
                    % {
                        "code": node.code,
                        "category": category_text,
                        "known": ", ".join(c.name for c in combo.categories),
                    }
                )
            option = next(
                (
                    o
                    for o in self.options[category.pk]
                    if option_text in (formulas.fold(o.code), formulas.fold(o.name))
                ),
                None,
            )
            if option is None:
                raise formulas.FormulaError(
                    _("The category «%(category)s» has no option «%(option)s».")
                    % {"category": category.name, "option": option_text}
                )
            selected.add(option.pk)
        cells = tuple(pk for pk, options in self.option_combos[combo.pk] if selected <= options)
        return Reference(node.key, element.pk, cells)

    def references(self, *nodes: formulas.Node | None) -> dict[str, Reference]:
        """key → Reference for every code with options of the expressions; FormulaError on the first
        that names nothing."""
        found = {}
        for node in nodes:
            if node is not None:
                for code in formulas.references(node):
                    found[code.key] = self.resolve(code)
        return found


def cell_sum(cells: dict[int, tuple[Decimal | None, bool]], option_combo_ids) -> Decimal | None:
    """The sum of the cells named (option combination → (value, not applicable)): None unless every
    one is there, or when all are «не применимо»."""
    total, any_value = Decimal(0), False
    for option_combo_id in option_combo_ids:
        cell = cells.get(option_combo_id)
        if cell is None:
            return None
        if not cell[1]:
            total, any_value = total + cell[0], True
    return total if any_value else None


def cell_values(refs: dict[str, Reference], rows) -> dict[int | None, dict[str, Decimal]]:
    """{owner: {key: value}} of the references from cell rows (owner, element, option combination,
    value, not applicable); a reference whose cells are not all filled has no key."""
    cells: dict[tuple, dict[int, tuple]] = defaultdict(dict)
    for owner, element_id, option_combo_id, value, not_applicable in rows:
        cells[owner, element_id][option_combo_id] = (value, not_applicable)
    result: dict[int | None, dict[str, Decimal]] = defaultdict(dict)
    for (owner, element_id), filled in cells.items():
        for key, ref in refs.items():
            if ref.element_id == element_id:
                value = cell_sum(filled, ref.option_combo_ids)
                if value is not None:
                    result[owner][key] = value
    return result


def cell_rows(refs: dict[str, Reference], *, municipality, period, organization=None):
    """The cell rows the references need, in one query."""
    if not refs:
        return []
    rows = DataValueCell.objects.filter(
        municipality=municipality,
        period=period,
        data_element__in={ref.element_id for ref in refs.values()},
    )
    if organization is not None:
        rows = rows.filter(Q(organization=organization) | Q(organization__isnull=True))
    return rows.values_list(
        "organization_id", "data_element_id", "option_combo_id", "value", "not_applicable"
    )


@dataclass(frozen=True)
class Total:
    """An element's total for one owner and period, or why there is none («нет данных»)."""

    value: Decimal | None
    filled: int
    expected: int
    reason: str


def total(element: DataElement, cells: dict[int, tuple[Decimal | None, bool]], option_combo_ids) -> Total:
    """The total of a disaggregated element from its cells (option combination → (value, not
    applicable)): the sum once every cell is filled, else no value and the reason."""
    option_combo_ids = list(option_combo_ids)
    filled = sum(1 for pk in option_combo_ids if pk in cells)
    expected = len(option_combo_ids)
    if not element.has_total:
        return Total(None, filled, expected, _("The element has no total."))
    if filled < expected:
        return Total(
            None,
            filled,
            expected,
            _("No data: %(filled)d of %(expected)d cells are filled.")
            % {"filled": filled, "expected": expected},
        )
    value = cell_sum(cells, option_combo_ids)
    if value is None:
        return Total(None, filled, expected, _("No data: every cell is «not applicable»."))
    return Total(value, filled, expected, "")


def element_total(element: DataElement, organization, period) -> Total:
    """The total of one table (an organization's, or the municipality's own with None), two queries."""
    option_combo_ids = OptionCombo.objects.filter(combo=element.category_combo_id).values_list(
        "pk", flat=True
    )
    cells = {
        pk: (value, not_applicable)
        for pk, value, not_applicable in DataValueCell.objects.filter(
            data_element=element, organization=organization, period=period
        ).values_list("option_combo_id", "value", "not_applicable")
    }
    return total(element, cells, option_combo_ids)


class CellFinder:
    """The option combination of an element's table named by {category: option} (codes or names,
    compared folded), for the API and the imports; the combinations of all the elements in one query."""

    def __init__(self, elements):
        combo_ids = {element.category_combo_id for element in elements if element.category_combo_id}
        self.cells: dict[int, list[tuple[OptionCombo, list]]] = defaultdict(list)
        for combo in OptionCombo.objects.filter(combo__in=combo_ids).select_related(
            "first__category", "second__category"
        ):
            options = [combo.first] if combo.second_id is None else [combo.first, combo.second]
            self.cells[combo.combo_id].append((combo, options))

    @staticmethod
    def _names(record) -> tuple[str, str]:
        return formulas.fold(record.code), formulas.fold(record.name)

    def find(self, element: DataElement, options: dict[str, str]) -> tuple[OptionCombo | None, str]:
        """(the cell, "") or (None, a Russian message)."""
        if element.category_combo_id is None:
            return None, _("«%(code)s» is not split by categories: it takes no options.") % {
                "code": element.code
            }
        wanted = {
            formulas.fold(str(category)): formulas.fold(str(option)) for category, option in options.items()
        }
        for combo, cell_options in self.cells[element.category_combo_id]:
            if len(wanted) != len(cell_options):
                continue
            if all(
                any(
                    category in self._names(option.category) and wanted_option in self._names(option)
                    for option in cell_options
                )
                for category, wanted_option in wanted.items()
            ):
                return combo, ""
        given = ", ".join(f"{category}={option}" for category, option in options.items()) or "—"
        return None, _("«%(code)s» has no cell «%(options)s»: name an option of each of its categories.") % {
            "code": element.code,
            "options": given,
        }
