"""Writes on indicators: data values and the recomputation of indicator values from them.

The database is the source of truth and the queue only a doorbell: whoever writes data values also
writes a RecomputeRequest in the same transaction and rings the task after commit; the task (and
beat, every minute) claims the requests and recomputes. Recomputing is idempotent.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import categories, formulas, sql
from indicators.models import (
    CategoryCombo,
    DataElement,
    DataValue,
    DataValueCell,
    Indicator,
    IndicatorValue,
    OptionCombo,
    RecomputeRequest,
    Target,
)
from mcok import doorbell
from mcok.models import Municipality, Organization, Period, User

Reason = IndicatorValue.Reason
logger = logging.getLogger(__name__)


# Data values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One number to store: element × organization (None: the municipality's own) × period; for a
    disaggregated element, × option combination, and the value may be None with not_applicable
    («не применимо») or None alone (the cell emptied)."""

    element: DataElement
    organization: Organization | None
    period: Period
    value: Decimal | None
    option_combo: OptionCombo | None = None
    not_applicable: bool = False


@transaction.atomic
def data_values_write(*, entries: Iterable[Entry], source: str, by: User | None) -> int:
    """Store the numbers (insert or update) and ask for the affected indicator values to be recomputed
    after commit. A fixed number of queries for any number of entries of one municipality.

    Two writers of the same new value (two accepted forms feeding one element) may both find no row
    and insert: the loser's insert breaks the unique constraint, and it writes again, now updating."""
    entries = list(entries)
    if not entries:
        return 0
    _check_cells(entries)
    try:
        with transaction.atomic():
            return _write(entries, source, by)
    except IntegrityError:
        return _write(entries, source, by)


def _check_cells(entries: list[Entry]) -> None:
    for entry in entries:
        combo_id = entry.element.category_combo_id
        if entry.option_combo is None:
            if combo_id is not None:
                raise ValidationError(
                    _("«%(code)s» is split by categories: its figures are entered per option.")
                    % {"code": entry.element.code}
                )
            if entry.value is None:
                raise ValidationError(_("A figure has no value."))
        elif entry.option_combo.combo_id != combo_id:
            raise ValidationError(
                _("«%(code)s» has no cell «%(cell)s».")
                % {"code": entry.element.code, "cell": entry.option_combo}
            )


def _write(entries: list[Entry], source: str, by: User | None) -> int:
    cells = [entry for entry in entries if entry.option_combo is not None]
    plain = [entry for entry in entries if entry.option_combo is None]
    touched = _cells_write(cells, source, by) if cells else 0
    return touched + (_data_values_write(plain, source, by) if plain else 0)


def _cells_write(entries: list[Entry], source: str, by: User | None) -> int:
    """Store the cells, then each touched table's total as the element's DataValue (or remove it
    while the table is unfinished: the total is «нет данных» then)."""
    keys = {
        (e.element.pk, e.organization.pk if e.organization else None, e.period.pk, e.option_combo.pk): e
        for e in entries
    }
    existing = {
        (c.data_element_id, c.organization_id, c.period_id, c.option_combo_id): c
        for c in DataValueCell.objects.filter(
            data_element__in={e.element.pk for e in entries}, period__in={e.period.pk for e in entries}
        )
    }
    created, changed, emptied = [], [], []
    for key, entry in keys.items():
        value = None if entry.not_applicable else entry.value
        current = existing.get(key)
        if value is None and not entry.not_applicable:
            if current is not None:
                emptied.append(current.pk)
                existing.pop(key)
            continue
        if current is None:
            current = DataValueCell(
                data_element=entry.element,
                municipality_id=entry.element.municipality_id,
                organization=entry.organization,
                period=entry.period,
                option_combo=entry.option_combo,
                value=value,
                not_applicable=entry.not_applicable,
                source=source,
                entered_by=by,
            )
            created.append(current)
            existing[key] = current
        elif (current.value, current.not_applicable) != (value, entry.not_applicable):
            current.value, current.not_applicable = value, entry.not_applicable
            current.source, current.entered_by = source, by
            changed.append(current)
    DataValueCell.objects.filter(pk__in=emptied).delete()
    DataValueCell.objects.bulk_create(created)
    DataValueCell.objects.bulk_update(
        changed, ["value", "not_applicable", "source", "entered_by", "entered_at"]
    )
    if not (created or changed or emptied):
        return 0
    # The totals of the tables touched.
    tables = {(e.element.pk, e.organization.pk if e.organization else None, e.period.pk): e for e in entries}
    option_combos: dict[int, list[int]] = defaultdict(list)
    for pk, combo_id in OptionCombo.objects.filter(
        combo__in={e.element.category_combo_id for e in entries}
    ).values_list("pk", "combo_id"):
        option_combos[combo_id].append(pk)
    filled: dict[tuple, dict[int, tuple]] = defaultdict(dict)
    for (element_id, organization_id, period_id, option_combo_id), cell in existing.items():
        if (element_id, organization_id, period_id) in tables:
            filled[element_id, organization_id, period_id][option_combo_id] = (
                cell.value,
                cell.not_applicable,
            )
    totals, gone = [], []
    for key, entry in tables.items():
        result = categories.total(entry.element, filled[key], option_combos[entry.element.category_combo_id])
        if result.value is None:
            gone.append(key)
        else:
            totals.append(Entry(entry.element, entry.organization, entry.period, result.value))
    if gone:
        condition = Q()
        for element_id, organization_id, period_id in gone:
            condition |= Q(data_element=element_id, organization=organization_id, period=period_id)
        DataValue.objects.filter(condition).delete()
    if totals:
        _data_values_write(totals, source, by)
    scopes = {
        (e.element.municipality_id, e.period.pk, e.organization.pk if e.organization else None)
        for e in entries
    }
    _request_recompute(scopes)
    return len(created) + len(changed) + len(emptied)


def _data_values_write(entries: list[Entry], source: str, by: User | None) -> int:
    keys = {(e.element.pk, e.organization.pk if e.organization else None, e.period.pk): e for e in entries}
    existing = {
        (v.data_element_id, v.organization_id, v.period_id): v
        for v in DataValue.objects.filter(
            data_element__in={e.element.pk for e in entries}, period__in={e.period.pk for e in entries}
        )
    }
    changed, created, provenance = [], [], []
    for key, entry in keys.items():
        current = existing.get(key)
        if current is None:
            created.append(
                DataValue(
                    data_element=entry.element,
                    municipality_id=entry.element.municipality_id,
                    organization=entry.organization,
                    period=entry.period,
                    value=entry.value,
                    source=source,
                    entered_by=by,
                )
            )
        elif current.value != entry.value:
            current.value, current.source, current.entered_by = entry.value, source, by
            changed.append(current)
        elif current.source != source:
            # The same figure confirmed by another way (an accepted form after an import): it records
            # where it now comes from, and nothing needs recomputing.
            current.source, current.entered_by = source, by
            provenance.append(current)
    DataValue.objects.bulk_create(created)
    DataValue.objects.bulk_update(changed + provenance, ["value", "source", "entered_by", "entered_at"])
    touched = created + changed
    if touched:
        _request_recompute({(v.municipality_id, v.period_id, v.organization_id) for v in touched})
    return len(touched)


def data_value_set(
    *,
    element: DataElement,
    organization: Organization | None,
    period: Period,
    value: Decimal,
    by: User | None,
) -> int:
    if organization is not None and organization.municipality_id != element.municipality_id:
        raise ValidationError(_("The organization belongs to another municipality."))
    return data_values_write(
        entries=[Entry(element, organization, period, value)], source=DataValue.Source.MANUAL, by=by
    )


def target_set(*, indicator: Indicator, period: Period, value: Decimal | None, by: User) -> Target | None:
    """Set (or, with no value, remove) the indicator's target for the period. Those who edit the
    indicator only (indicators.access.can_edit_indicator): the executors and coordinators of its
    direction and the head of the department; with no direction, the municipality's coordinators and
    executors and the head."""
    from indicators.access import can_edit_indicator

    if not can_edit_indicator(by, indicator):
        raise PermissionDenied(
            _("Only the executors and coordinators of the indicator's direction and the head set targets.")
        )
    if value is None:
        Target.objects.filter(indicator=indicator, period=period).delete()
        return None
    if abs(value) >= 10**12:
        raise ValidationError(_("The number is too large."))
    target, _created = Target.objects.update_or_create(
        indicator=indicator, period=period, defaults={"value": value}
    )
    return target


def _request_recompute(scopes: set[tuple[int, int, int | None]]) -> None:
    """Ring the doorbell: one row per municipality, period (and the next one, for growth rates) and
    organization; when several organizations of one municipality changed, one row for all of them."""
    by_scope: dict[tuple[int, int], set[int | None]] = defaultdict(set)
    for municipality_id, period_id, organization_id in scopes:
        by_scope[municipality_id, period_id].add(organization_id)
    rows = []
    for (municipality_id, period_id), organizations in by_scope.items():
        single = organizations.pop() if len(organizations) == 1 else None
        period = Period.objects.get(pk=period_id)
        for target in [period, *_next_periods(period)]:
            rows.append(
                RecomputeRequest(municipality_id=municipality_id, period=target, organization_id=single)
            )
    RecomputeRequest.objects.bulk_create(rows)
    transaction.on_commit(_ring)


def _ring() -> None:
    from indicators import tasks

    doorbell.ring(tasks.indicator_values_recompute_pending, what="Recompute")


def recompute_all_later(municipality: Municipality) -> int:
    """Ask for every period of the municipality that has figures or values to be recomputed after
    commit (a changed formula changes them all); the same doorbell as data_values_write. Returns the
    number of periods asked for."""
    periods = set(
        DataValue.objects.filter(municipality=municipality).values_list("period", flat=True).distinct()
    ) | set(
        IndicatorValue.objects.filter(municipality=municipality).values_list("period", flat=True).distinct()
    )
    if not periods:
        return 0
    RecomputeRequest.objects.bulk_create(
        [RecomputeRequest(municipality=municipality, period_id=period_id) for period_id in sorted(periods)]
    )
    transaction.on_commit(_ring)
    return len(periods)


# The catalogue ----------------------------------------------------------------------------------


@transaction.atomic
def indicator_save(
    *,
    indicator: Indicator,
    municipality: Municipality,
    responsible=None,
    responsible_organizations=None,
    formula_changed: bool = False,
) -> Indicator:
    """Store an indicator as its form built it (unsaved), with the officials and the organizations
    responsible for it. A new indicator, or one whose formula changed, has every period of the
    municipality recomputed."""
    creating = indicator.pk is None
    indicator.municipality = municipality
    indicator.save()
    if responsible is not None:
        indicator.responsible.set(responsible)
    if responsible_organizations is not None:
        indicator.responsible_organizations.set(responsible_organizations)
    if creating or formula_changed:
        recompute_all_later(municipality)
    return indicator


@transaction.atomic
def category_combo_sync(combo: CategoryCombo) -> int:
    """Make the combination's cells (option combinations) match its categories' options: one per
    option, or per pair of options; the cells of removed options go with them. Returns how many
    were made."""
    first = list(combo.first.options.values_list("pk", flat=True))
    second = list(combo.second.options.values_list("pk", flat=True)) if combo.second_id else [None]
    wanted = {(a, b) for a in first for b in second}
    existing = {
        (a, b): pk
        for pk, a, b in OptionCombo.objects.filter(combo=combo).values_list("pk", "first_id", "second_id")
    }
    OptionCombo.objects.filter(pk__in=[pk for key, pk in existing.items() if key not in wanted]).delete()
    made = [
        OptionCombo(combo=combo, first_id=a, second_id=b) for a, b in sorted(wanted - set(existing), key=str)
    ]
    OptionCombo.objects.bulk_create(made)
    return len(made)


def data_element_save(*, element: DataElement) -> DataElement:
    """Store a data element as its form built it (unsaved)."""
    element.save()
    return element


def previous_period(period: Period) -> Period | None:
    """The period of the same kind just before: a year before, or the quarter or half-year before."""
    if period.kind in (Period.Kind.YEAR, Period.Kind.ACADEMIC_YEAR):
        return Period.objects.filter(kind=period.kind, year=period.year - 1).first()
    count = 2 if period.kind == Period.Kind.HALF_YEAR else 4
    year, number = (period.year, period.number - 1) if period.number > 1 else (period.year - 1, count)
    return Period.objects.filter(kind=period.kind, year=year, number=number).first()


def _next_periods(period: Period) -> list[Period]:
    if period.kind in (Period.Kind.YEAR, Period.Kind.ACADEMIC_YEAR):
        return list(Period.objects.filter(kind=period.kind, year=period.year + 1))
    count = 2 if period.kind == Period.Kind.HALF_YEAR else 4
    year, number = (period.year, period.number + 1) if period.number < count else (period.year + 1, 1)
    return list(Period.objects.filter(kind=period.kind, year=year, number=number))


# Indicators ----------------------------------------------------------------------------------------


def indicator_check(indicator: Indicator) -> None:
    """Validate the formula against the municipality's data elements; ValidationError in Russian."""
    elements = {
        code: has_total or combo is None
        for code, has_total, combo in DataElement.objects.filter(
            municipality=indicator.municipality_id
        ).values_list("code", "has_total", "category_combo")
    }
    errors = {}
    catalogue = None
    for name in ("numerator", "denominator"):
        text = getattr(indicator, name).strip()
        if not text:
            continue
        try:
            formulas.validate(text, set(elements))
            node = formulas.parse(text)
            bare = {code.code for code in _bare_codes(node)}
            no_total = sorted(code for code in bare if not elements.get(code, True))
            if no_total:
                raise formulas.FormulaError(
                    _("%(codes)s: no total; name a cell or a group of cells in brackets.")
                    % {"codes": ", ".join(no_total)}
                )
            if formulas.references(node):
                catalogue = catalogue or categories.Catalogue(indicator.municipality_id)
                catalogue.references(node)
        except formulas.FormulaError as error:
            errors[name] = error.messages
    if (
        indicator.kind == Indicator.Kind.RATIO
        and indicator.numerator.strip()
        and not indicator.denominator.strip()
    ):
        errors.setdefault("denominator", []).append(_("A ratio needs a denominator."))
    if (
        indicator.kind == Indicator.Kind.GROWTH
        and "numerator" not in errors
        and not indicator.denominator.strip()
        and _divides_by_element(formulas.parse(indicator.numerator) if indicator.numerator.strip() else None)
    ):
        # «a / b» in the numerator alone would make the municipality's value a sum of the schools'
        # ratios; written apart, it is the growth of Σ a / Σ b.
        errors.setdefault("denominator", []).append(
            _(
                "The growth of a ratio needs its numerator and denominator in separate fields: "
                "the municipality's value is the growth of Σ numerators / Σ denominators."
            )
        )
    if errors:
        raise ValidationError(errors)


def _bare_codes(node: formulas.Node) -> set[formulas.Code]:
    if isinstance(node, formulas.Code):
        return set() if node.options else {node}
    if isinstance(node, formulas.Negative):
        return _bare_codes(node.operand)
    if isinstance(node, formulas.Binary):
        return _bare_codes(node.left) | _bare_codes(node.right)
    return set()


def _divides_by_element(node: formulas.Node | None) -> bool:
    """Whether the expression divides by something that holds a data element (a ratio of figures)."""
    if isinstance(node, formulas.Negative):
        return _divides_by_element(node.operand)
    if isinstance(node, formulas.Binary):
        if node.op == "/" and formulas.codes(node.right):
            return True
        return _divides_by_element(node.left) or _divides_by_element(node.right)
    return False


# Recomputation -------------------------------------------------------------------------------------


@dataclass
class _Compiled:
    indicator: Indicator
    numerator: formulas.Node | None
    denominator: formulas.Node | None
    kinds: set[str]
    refs: dict = field(default_factory=dict)  # key → categories.Reference of its codes with options


def _compile(
    indicators: list[Indicator],
    elements: dict[str, list[str]],
    catalogue: "categories.Catalogue | None" = None,
) -> list[_Compiled]:
    compiled = []
    for indicator in indicators:
        refs = {}
        try:
            numerator = formulas.parse(indicator.numerator) if indicator.numerator.strip() else None
            denominator = formulas.parse(indicator.denominator) if indicator.denominator.strip() else None
            if catalogue is not None:
                refs = catalogue.references(numerator, denominator)
            elif any(formulas.references(node) for node in (numerator, denominator) if node is not None):
                raise formulas.FormulaError("options need the catalogue")
        except formulas.FormulaError:
            numerator = denominator = None  # a broken formula computes nothing; the form refuses one
        used = (formulas.codes(numerator) if numerator else set()) | (
            formulas.codes(denominator) if denominator else set()
        )
        kinds = {kind for code in used for kind in elements.get(code, [])}
        compiled.append(_Compiled(indicator, numerator, denominator, kinds, refs))
    return compiled


def _values(
    municipality: Municipality,
    period: Period | None,
    organization: Organization | None,
    refs: dict | None = None,
):
    """{organization id (None: the municipality's own): {code: value}} in one query; with `refs`
    (codes with options), their sums of cells too, in one more, for the owners that have figures
    (a data value: a finished table's total counts, an unfinished one does not)."""
    result: dict[int | None, dict[str, Decimal]] = defaultdict(dict)
    if period is None:
        return result
    rows = DataValue.objects.filter(municipality=municipality, period=period)
    if organization is not None:
        rows = rows.filter(Q(organization=organization) | Q(organization__isnull=True))
    for organization_id, code, value in rows.values_list("organization_id", "data_element__code", "value"):
        result[organization_id][code] = value
    if refs:
        cells = categories.cell_values(
            refs,
            categories.cell_rows(refs, municipality=municipality, period=period, organization=organization),
        )
        for owner, values in cells.items():
            if owner in result:
                result[owner].update(values)
    return result


Terms = tuple[Decimal | None, Decimal | None]  # (numerator, denominator) of a base ratio


@dataclass(frozen=True)
class _Result:
    """What one row of an indicator holds; `base` only for a growth rate: its base ratio's
    (numerator, denominator) in the period, then in the previous period."""

    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    reason: str
    base: tuple[Decimal | None, ...] = (None, None, None, None)


# Why a growth rate has no value, when the current period's terms are there but the previous one's
# are not usable: the municipality's row says «no value for the previous period» then.
PREVIOUS_REASONS = (Reason.NO_PREVIOUS, Reason.PREVIOUS_ZERO_DENOMINATOR, Reason.PREVIOUS_ZERO)


def _growth_result(now: Terms, before: Terms, *, quantity: bool) -> _Result:
    """The growth rate from the base ratio's terms now and before: of one organization, or of the
    municipality with Σ terms over the organizations. The reasons follow the ratio's: missing terms
    now give «no data», a zero denominator «the denominator is zero»; missing or unusable terms of
    the previous period say so."""
    base = (*now, *before)
    (numerator, denominator), (numerator_before, denominator_before) = now, before
    if numerator is None or (not quantity and denominator is None):
        return _Result(None, None, None, Reason.NO_DATA, base)
    if not quantity and not denominator:
        return _Result(None, None, None, Reason.ZERO_DENOMINATOR, base)
    current = formulas.base(numerator, denominator, quantity=quantity)
    if numerator_before is None or (not quantity and denominator_before is None):
        return _Result(current, None, None, Reason.NO_PREVIOUS, base)
    if not quantity and not denominator_before:
        return _Result(current, None, None, Reason.PREVIOUS_ZERO_DENOMINATOR, base)
    previous = formulas.base(numerator_before, denominator_before, quantity=quantity)
    if not previous:
        return _Result(current, previous, None, Reason.PREVIOUS_ZERO, base)
    return _Result(current, previous, formulas.base_growth(now, before, quantity=quantity), "", base)


def _base_terms(item: _Compiled, values: dict | None) -> Terms:
    """The base ratio's (numerator, denominator) with `values`; the denominator None for a quantity."""
    if values is None:
        return None, None
    numerator = formulas.evaluate(item.numerator, values)
    denominator = formulas.evaluate(item.denominator, values) if item.denominator is not None else None
    return numerator, denominator


def _organization_row(item: _Compiled, current: dict, previous: dict | None) -> _Result:
    """The row of one organization (or of the department's own figures): `previous` holds the
    figures of the period before, for a growth rate."""
    indicator = item.indicator
    if item.numerator is None:
        return _Result(None, None, None, Reason.NO_FORMULA)
    if indicator.kind == Indicator.Kind.GROWTH:
        return _growth_result(
            _base_terms(item, current), _base_terms(item, previous), quantity=item.denominator is None
        )
    numerator = formulas.evaluate(item.numerator, current)
    if indicator.kind == Indicator.Kind.RATIO:
        denominator = formulas.evaluate(item.denominator, current) if item.denominator else None
        if numerator is None or denominator is None:
            return _Result(numerator, denominator, None, Reason.NO_DATA)
        if not denominator:
            return _Result(numerator, denominator, None, Reason.ZERO_DENOMINATOR)
        return _Result(numerator, denominator, formulas.ratio(numerator, denominator, indicator.factor), "")
    return _Result(numerator, None, numerator, "" if numerator is not None else Reason.NO_DATA)


def _indicator_value(
    item: _Compiled, period: Period, municipality: Municipality, organization_id: int | None, result: _Result
) -> IndicatorValue:
    return IndicatorValue(
        indicator=item.indicator,
        period=period,
        municipality=municipality,
        organization_id=organization_id,
        numerator=result.numerator,
        denominator=result.denominator,
        value=result.value,
        reason=result.reason,
        **dict(zip(_BASE_TERMS, result.base, strict=True)),
    )


@transaction.atomic
def indicator_values_recompute(
    *, municipality: Municipality, period: Period, organization: Organization | None = None
) -> int:
    """Rebuild the values of every indicator of the municipality for the period: per organization
    (only `organization`'s when given) and the municipality's totals, which are ratios of sums over
    the organizations' stored terms (Σ numerators / Σ denominators × factor), never means of
    percentages. A fixed number of queries, whatever the number of organizations. Idempotent.

    On PostgreSQL the formulas are compiled to SQL and the whole recompute is two set-based
    statements that write only the rows that change (indicators.sql); on SQLite it runs in Python.
    Both give the same rows (tests/indicators/test_sql_equivalence.py).

    Two workers recomputing one municipality and period at once would both insert the same new rows;
    on PostgreSQL a transaction-scoped advisory lock makes the second wait for the first (SQLite
    serialises writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [municipality.pk, period.pk])
    indicators = list(Indicator.objects.filter(municipality=municipality))
    elements = dict(DataElement.objects.filter(municipality=municipality).values_list("code", "kinds"))
    uses_options = any("[" in f"{i.numerator}{i.denominator}" for i in indicators)
    compiled = _compile(indicators, elements, categories.Catalogue(municipality.pk) if uses_options else None)
    if connection.vendor == "postgresql" and not _PYTHON_PATH:
        needs_previous = any(item.indicator.kind == Indicator.Kind.GROWTH for item in compiled)
        return sql.recompute(
            municipality=municipality,
            period=period,
            previous=previous_period(period) if needs_previous else None,
            organization=organization,
            items=compiled,
        )
    return _python_recompute(municipality, period, organization, compiled)


# The set-based path (indicators.sql) runs on PostgreSQL; the Python one on SQLite, and on
# PostgreSQL when forced (python_path()) to compare both.
_PYTHON_PATH = False


class python_path:
    """Within it, the recompute takes the Python path on any database: for the equivalence suite and
    the bench."""

    def __enter__(self):
        global _PYTHON_PATH
        self._before, _PYTHON_PATH = _PYTHON_PATH, True

    def __exit__(self, *exc):
        global _PYTHON_PATH
        _PYTHON_PATH = self._before


def _python_recompute(
    municipality: Municipality, period: Period, organization: Organization | None, compiled: list[_Compiled]
) -> int:
    """The recompute in Python: every data value read, each formula evaluated per organization."""
    organizations = Organization.objects.filter(municipality=municipality, is_active=True)
    if organization is not None:
        organizations = organizations.filter(pk=organization.pk)
    kinds_of = dict(organizations.values_list("pk", "kind"))
    refs = {key: ref for item in compiled for key, ref in item.refs.items()}
    current = _values(municipality, period, organization, refs)
    needs_previous = any(item.indicator.kind == Indicator.Kind.GROWTH for item in compiled)
    previous = _values(municipality, previous_period(period) if needs_previous else None, organization, refs)

    rows = []
    for item in compiled:
        for organization_id, kind in kinds_of.items():
            values = current.get(organization_id, {})
            expected = kind in item.kinds
            if not expected and not values:
                continue
            result = _organization_row(item, values, previous.get(organization_id))
            if not expected and result.value is None:
                continue  # neither expected nor reported: no row
            rows.append(_indicator_value(item, period, municipality, organization_id, result))
    stored = IndicatorValue.objects.filter(
        municipality=municipality, period=period, organization__isnull=False
    )
    if organization is not None:
        stored = stored.filter(organization=organization)
    _sync(stored, rows)
    return len(rows) + _totals_recompute(
        municipality=municipality,
        period=period,
        compiled=compiled,
        current=current.get(None, {}),
        previous=previous.get(None),
    )


_PLACES = Decimal("0.0001")  # the scale of IndicatorValue's decimal fields
_BASE_TERMS = ("base_numerator", "base_denominator", "previous_base_numerator", "previous_base_denominator")
_NUMBERS = ("numerator", "denominator", "value", *_BASE_TERMS)
_TERMS = (*_NUMBERS, "reason")


def _stored(number: Decimal | None) -> Decimal | None:
    """Four places, half away from zero: as PostgreSQL rounds a number into the column (the municipal
    rows and the set-based path) and as the portal's numbers are shown (mcok/numbers.py)."""
    return None if number is None else number.quantize(_PLACES, rounding=ROUND_HALF_UP)


def _sync(stored, rows: list[IndicatorValue]) -> None:
    """Make the stored rows equal `rows`, writing only what changed: a rerun with the same inputs
    writes nothing, and one changed organization rewrites its rows alone. When most rows change
    (a new formula), deleting and inserting them all is cheaper than updating them one by one."""
    existing = {
        (indicator_id, organization_id): (pk, terms)
        for pk, indicator_id, organization_id, *terms in stored.values_list(
            "pk", "indicator_id", "organization_id", *_TERMS
        )
    }
    created, updated, now = [], [], timezone.now()
    for row in rows:
        for name in _NUMBERS:
            setattr(row, name, _stored(getattr(row, name)))
        old = existing.pop((row.indicator_id, row.organization_id), None)
        if old is None:
            created.append(row)
        elif old[1] != [getattr(row, name) for name in _TERMS]:
            row.pk, row.computed_at = old[0], now
            updated.append(row)
    if len(updated) + len(existing) > max(1000, len(rows) // 4):
        stored.delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=2000)
        return
    if existing:
        IndicatorValue.objects.filter(pk__in=[pk for pk, _terms in existing.values()]).delete()
    IndicatorValue.objects.bulk_update(updated, [*_TERMS, "computed_at"], batch_size=500)
    IndicatorValue.objects.bulk_create(created, batch_size=2000)


def _municipal_growth(
    item: _Compiled, agg: dict, current: dict[str, Decimal], previous: dict[str, Decimal] | None
) -> _Result:
    """The municipality's growth rate from the sums of its organizations' base terms; with no
    organization having one, from the department's own figures when they give something, else the
    reason: «no value for the previous period» when organizations reported this period but not the
    one before, «no data» otherwise."""
    if agg["reported"]:
        numerator, denominator, numerator_before, denominator_before = (agg[term] for term in _BASE_TERMS)
        return _growth_result(
            (numerator, denominator),
            (numerator_before, denominator_before),
            quantity=item.denominator is None,
        )
    if current:
        own = _organization_row(item, current, previous)
        if own.reason != Reason.NO_DATA:
            return own
    return _Result(None, None, None, Reason.NO_PREVIOUS if agg["waiting_previous"] else Reason.NO_DATA)


def _totals_recompute(
    *,
    municipality: Municipality,
    period: Period,
    compiled: list[_Compiled],
    current: dict[str, Decimal],
    previous: dict[str, Decimal] | None,
) -> int:
    """The municipality's row of every indicator, from the organizations' rows in one GROUP BY.

    A ratio is Σ numerators / Σ denominators × factor. A growth rate is the growth of the municipal
    base ratio: (Σ numerators / Σ denominators now) ÷ (Σ numerators / Σ denominators before) × 100,
    both sums over the organizations that have a growth rate (both periods reported), so that a
    school missing from one period reads neither as a fall nor as a rise. `current` and `previous`
    are the department's own figures of the period and of the one before: they stand in when no
    organization reports."""
    expected_by_kind = dict(
        Organization.objects.filter(municipality=municipality, is_active=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    has_value = Q(value__isnull=False)
    sums = {
        row["indicator"]: row
        for row in IndicatorValue.objects.filter(
            municipality=municipality, period=period, organization__isnull=False
        )
        .values("indicator")
        .annotate(
            num=Sum("numerator", filter=has_value),
            den=Sum("denominator", filter=has_value),
            total=Sum("value"),
            mean=Avg("value"),
            reported=Count("pk", filter=has_value),
            **{term: Sum(term, filter=has_value) for term in _BASE_TERMS},
            waiting_previous=Count("pk", filter=Q(reason__in=PREVIOUS_REASONS)),
        )
    }
    empty = dict.fromkeys(("num", "den", "total", "mean", *_BASE_TERMS)) | {
        "reported": 0,
        "waiting_previous": 0,
    }
    rows = []
    for item in compiled:
        indicator = item.indicator
        agg = sums.get(indicator.pk, empty)
        expected = sum(expected_by_kind.get(kind, 0) for kind in item.kinds)
        if item.numerator is None:
            result = _Result(None, None, None, Reason.NO_FORMULA)
        elif indicator.kind == Indicator.Kind.RATIO and not agg["reported"] and current:
            # No organization reports its terms: the department's own figures give the ratio.
            result = _organization_row(item, current, None)
        elif indicator.kind == Indicator.Kind.RATIO:
            numerator, denominator = agg["num"], agg["den"]
            value = formulas.ratio(numerator, denominator, indicator.factor)
            reason = (
                "" if value is not None else (Reason.ZERO_DENOMINATOR if denominator == 0 else Reason.NO_DATA)
            )
            result = _Result(numerator, denominator, value, reason)
        elif indicator.kind == Indicator.Kind.GROWTH:
            result = _municipal_growth(item, agg, current, previous)
        else:
            own = formulas.evaluate(item.numerator, current) if current else None
            if own is not None:  # the department entered the municipality's figure itself
                value = own
            else:
                value = agg["mean"] if indicator.kind == Indicator.Kind.SCORE else agg["total"]
            result = _Result(value, None, value, "" if value is not None else Reason.NO_DATA)
        row = _indicator_value(item, period, municipality, None, result)
        row.reported, row.expected = agg["reported"], expected
        rows.append(row)
    IndicatorValue.objects.filter(
        municipality=municipality, period=period, organization__isnull=True
    ).delete()
    IndicatorValue.objects.bulk_create(rows)
    return len(rows)


def recompute_pending(*, limit: int = 100) -> int:
    """Claim waiting requests (skipping those another worker holds), recompute, delete them. Returns
    how many scopes were recomputed."""
    done = 0
    for _attempt in range(limit):
        with transaction.atomic():
            request = (
                RecomputeRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("municipality", "period", "organization")
                .order_by("pk")
                .first()
            )
            if request is None:
                break
            # The requests of the same scope that no other worker holds; deleted by their ids at the
            # end, never by the filter again: a DELETE by the filter would wait on the rows another
            # worker claimed (a deadlock once both write the same totals) and drop requests written
            # after this claim.
            claimed = dict(
                RecomputeRequest.objects.select_for_update(skip_locked=True)
                .filter(municipality=request.municipality_id, period=request.period_id)
                .values_list("pk", "organization_id")
            )
            organizations = set(claimed.values())
            # One organization's change redoes its rows and the totals; more than one, the whole scope.
            only = (
                request.organization
                if organizations == {request.organization_id} and request.organization_id
                else None
            )
            indicator_values_recompute(
                municipality=request.municipality, period=request.period, organization=only
            )
            RecomputeRequest.objects.filter(pk__in=claimed).delete()
            done += 1
    return done
