"""The recompute on PostgreSQL, set-based: the formulas compiled to SQL over the data values.

One statement for a municipality and period, whatever the number of organizations and indicators:

1. the organizations' rows: the data values pivoted per organization (one column per code the
   formulas use, in the period and in the one before), and for each kind of indicator (ratio,
   growth rate, single figure, no formula) its own relation of terms as SQL expressions over them,
   the row and its reason «why no value», typed as the columns hold them;
2. the difference from the stored rows, one FULL JOIN (by hash: a full join has no nested loop, so
   statistics that say the table is empty cannot make it rows × rows), and the writes of only what
   differs: UPDATE the rows changed (in place on their page, see migration 0006), INSERT the new
   ones, DELETE those no longer computed;
3. the municipality's rows from the organizations' rows just computed in one GROUP BY (Σ numerators
   / Σ denominators, the growth of the municipal base ratio, sums and means) and the department's
   own figures, written the same way.

One organization's change (recompute_pending's incremental scope) runs 1 and 2 for its rows, then 3
only for the indicators whose rows changed, from the stored rows, as a second statement; none when
nothing changed. What else changes the organizations expected asks for the whole municipality
(indicators.signals).

They compute exactly what the Python path (indicators.services, kept for SQLite) computes: the same
rows, numbers rounded to four places half away from zero, the same reasons. tests/indicators/
test_sql_equivalence.py asserts it on generated catalogues and data.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from indicators import formulas
from indicators.models import DataElement, DataValue, DataValueCell, Indicator, IndicatorValue
from mcok.models import Organization

Reason = IndicatorValue.Reason
Kind = Indicator.Kind

IV = IndicatorValue._meta.db_table
DV = DataValue._meta.db_table
CELLS = DataValueCell._meta.db_table
ORG = Organization._meta.db_table

_NUMBERS = (
    "numerator",
    "denominator",
    "value",
    "base_numerator",
    "base_denominator",
    "previous_base_numerator",
    "previous_base_denominator",
)
# For the recompute's transaction only. Compiling these one-off statements to machine code costs
# more than it saves (half a second of a two-second recompute): no JIT. The comparison of the rows
# computed with the rows stored is a full join by hash, in memory (about 40 MB for 2,000
# organizations × 60 indicators), not two sorts spilled to disk.
SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_mergejoin = off"

_NUMBER_TYPE = "numeric({}, {})".format(
    IndicatorValue._meta.get_field("value").max_digits, IndicatorValue._meta.get_field("value").decimal_places
)
_COLUMNS = (
    "indicator_id",
    "period_id",
    "municipality_id",
    "organization_id",
    *_NUMBERS,
    "reason",
    "reported",
    "expected",
    "computed_at",
)
_PREVIOUS_REASONS = ", ".join(
    f"'{reason}'" for reason in (Reason.NO_PREVIOUS, Reason.PREVIOUS_ZERO_DENOMINATOR, Reason.PREVIOUS_ZERO)
)
div = formulas.sql_divide


class _Params:
    """Named parameters collected while the statement is written."""

    def __init__(self) -> None:
        self.values: dict = {}

    def __call__(self, value, cast: str = "") -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s{'::' + cast if cast else ''}"


def _columns(items) -> dict[str, int]:
    """key → its index among the codes (and codes with options) the formulas use, in a stable order."""
    used: set[str] = set()
    for item in items:
        for node in (item.numerator, item.denominator):
            if node is not None:
                used |= formulas.keys(node)
    return {code: index for index, code in enumerate(sorted(used))}


def _source(refs: dict) -> str:
    """The rows pivoted: the data values, and with codes with options the cells beside them (a data
    value has no option combination)."""
    if not refs:
        return f"{DV} dv"
    fields = "organization_id, municipality_id, period_id, data_element_id"
    return (
        f"(SELECT {fields}, NULL::bigint AS option_combo_id, value FROM {DV}"
        f" UNION ALL SELECT {fields}, option_combo_id, value FROM {CELLS}) dv"
    )


def _pivots(p: _Params, element_ids: dict[str, int], refs: dict, columns: dict[str, int]) -> list[str]:
    """The column of each key: a code's data value; a code with options, the sum of its cells when
    every one is there (a «не применимо» cell, NULL, adds nothing; all of them, no sum), as
    indicators.categories.cell_sum."""
    plain = " AND dv.option_combo_id IS NULL" if refs else ""
    pivots = []
    for key, index in columns.items():
        if key in refs and len(refs[key].option_combo_ids) == 1:
            # One cell: its value, NULL when missing or «не применимо» (one cell, all of them).
            ref = refs[key]
            pivots.append(
                f"MAX(dv.value) FILTER (WHERE dv.data_element_id = {p(ref.element_id)}"
                f" AND dv.option_combo_id = {p(ref.option_combo_ids[0])}) AS c{index}"
            )
        elif key in refs:
            ref = refs[key]
            match = (
                f"dv.data_element_id = {p(ref.element_id)}"
                f" AND dv.option_combo_id = ANY({p(list(ref.option_combo_ids), 'bigint[]')})"
            )
            pivots.append(
                f"CASE WHEN count(*) FILTER (WHERE {match}) = {p(len(ref.option_combo_ids))}"
                f" THEN sum(dv.value) FILTER (WHERE {match}) END AS c{index}"
            )
        elif key in element_ids:
            pivots.append(
                f"MAX(dv.value) FILTER (WHERE dv.data_element_id = {p(element_ids[key])}{plain}) AS c{index}"
            )
    return pivots


def _pivot(name: str, p: _Params, s: "_Scope", where: str) -> str:
    """One row per organization with a column per code, for those with a data value."""
    selected = "".join(", " + pivot for pivot in _pivots(p, s.element_ids, s.refs, s.columns))
    having = " HAVING bool_or(dv.option_combo_id IS NULL)" if s.refs else ""
    return (
        f"{name} AS (SELECT dv.organization_id AS org{selected} FROM {_source(s.refs)}"
        f" WHERE {where} GROUP BY dv.organization_id{having})"
    )


def _terms(item, columns: dict[str, int], element_ids: dict[str, int], now: str, before: str) -> list[str]:
    """The SQL of the base terms: numerator and denominator now, then before. `now` and `before`
    are (relation, guard): a term is NULL unless the guard holds (the owner has figures in that
    period), as the Python path evaluates nothing, not even a constant, for an owner with none."""

    def sql(node, where: tuple[str, str | None]) -> str:
        relation, guard = where
        if node is None:
            return "NULL::numeric"
        mapping = {
            code: f"{relation}.c{index}"
            for code, index in columns.items()
            if code in element_ids or code in item.refs
        }
        expression = formulas.to_sql(node, mapping)
        return f"(CASE WHEN {guard} THEN {expression} END)" if guard else expression

    if item.numerator is None:  # no formula: nothing is computed, the denominator neither
        return ["NULL::numeric"] * 4
    growth = item.indicator.kind == Kind.GROWTH
    return [
        sql(item.numerator, now),
        sql(item.denominator, now),
        sql(item.numerator, before) if growth else "NULL::numeric",
        sql(item.denominator, before) if growth else "NULL::numeric",
    ]


def _spec_rows(items, p: _Params, columns, element_ids, now: tuple, before: tuple, kind_column: str) -> str:
    """VALUES: per indicator its constants and its terms over the pivoted columns."""
    rows = []
    for item in items:
        indicator = item.indicator
        n, d, pn, pd = _terms(item, columns, element_ids, now, before)
        rows.append(
            "("
            + ", ".join(
                [
                    p(indicator.pk, "bigint"),
                    p(str(indicator.kind), "text"),
                    p(Decimal(indicator.factor), "numeric"),
                    p(item.numerator is not None, "boolean"),
                    p(item.denominator is None, "boolean"),
                    f"({kind_column} = ANY({p(sorted(item.kinds), 'text[]')}))",
                    n,
                    d,
                    pn,
                    pd,
                ]
            )
            + ")"
        )
    return "VALUES " + ", ".join(rows)


_SPEC = "t(indicator_id, kind, factor, has_formula, quantity, expected, n, d, pn, pd)"


def _growth(n: str, d: str, pn: str, pd: str, q: str) -> tuple[str, str, str]:
    """(reason, current base, previous base) of a growth rate from its terms, as _growth_result."""
    reason = (
        f"CASE WHEN {n} IS NULL OR (NOT {q} AND {d} IS NULL) THEN '{Reason.NO_DATA}'"
        f" WHEN NOT {q} AND {d} = 0 THEN '{Reason.ZERO_DENOMINATOR}'"
        f" WHEN {pn} IS NULL OR (NOT {q} AND {pd} IS NULL) THEN '{Reason.NO_PREVIOUS}'"
        f" WHEN NOT {q} AND {pd} = 0 THEN '{Reason.PREVIOUS_ZERO_DENOMINATOR}'"
        f" WHEN (CASE WHEN {q} THEN {pn} ELSE {div(pn, pd)} END) = 0 THEN '{Reason.PREVIOUS_ZERO}'"
        " ELSE '' END"
    )
    current = f"CASE WHEN {q} THEN {n} ELSE {div(n, d)} END"
    previous = f"CASE WHEN {q} THEN {pn} ELSE {div(pn, pd)} END"
    return reason, current, previous


def _growth_fields(g: str, n: str, d: str, pn: str, pd: str, q: str) -> dict[str, str]:
    """The row of a growth rate from the lateral `g` (reason, cb, pb) and its terms; the value as
    one division of the terms, as formulas.base_growth makes it."""
    value = f"CASE WHEN {q} THEN {div(n, pn)} ELSE {div(f'{n} * {pd}', f'{d} * {pn}')} END * 100"
    return {
        "numerator": (
            f"CASE WHEN {g}.reason IN ('{Reason.NO_DATA}', '{Reason.ZERO_DENOMINATOR}') THEN NULL"
            f" ELSE {g}.cb END"
        ),
        "denominator": f"CASE WHEN {g}.reason IN ('', '{Reason.PREVIOUS_ZERO}') THEN {g}.pb END",
        "value": f"CASE WHEN {g}.reason = '' THEN {value} END",
        "base_numerator": n,
        "base_denominator": d,
        "previous_base_numerator": pn,
        "previous_base_denominator": pd,
    }


def _upsert(target_where: str, distinct: tuple[str, ...]) -> str:
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*distinct, "computed_at"))
    old = ", ".join(f"iv.{column}" for column in distinct)
    new = ", ".join(f"EXCLUDED.{column}" for column in distinct)
    return f"ON CONFLICT {target_where} DO UPDATE SET {updates} WHERE ({old}) IS DISTINCT FROM ({new})"


def recompute(*, municipality, period, previous, organization, items) -> int:
    """Rebuild the municipality's indicator values for the period on PostgreSQL (see the module).
    `items` are the compiled indicators (indicators.services._Compiled); `previous` the period before
    or None. Returns how many rows the recompute holds, as the Python path does."""
    if not items:
        stored = IndicatorValue.objects.filter(municipality=municipality, period=period)
        if organization is not None:
            stored = stored.filter(organization=organization)
        stored.delete()
        IndicatorValue.objects.filter(
            municipality=municipality, period=period, organization__isnull=True
        ).delete()
        return 0
    columns = _columns(items)
    element_ids = dict(
        DataElement.objects.filter(municipality=municipality, code__in=list(columns)).values_list(
            "code", "pk"
        )
    )
    needs_previous = previous is not None and any(item.indicator.kind == Kind.GROWTH for item in items)
    scope = _Scope(
        municipality.pk,
        period.pk,
        previous.pk if needs_previous else None,
        organization.pk if organization else None,
        items,
        columns,
        element_ids,
        timezone.now(),
        {key: ref for item in items for key, ref in item.refs.items()},
    )
    with connection.cursor() as cursor:
        cursor.execute(SETTINGS)
        cursor.execute(*_organizations_statement(scope, municipal=organization is None))
        organization_rows, changed = cursor.fetchone()
        if organization is not None:
            # One organization's figures changed: the municipal rows of the indicators whose
            # organization rows stayed the same stay the same (the department's own figures and the
            # organizations expected change in other scopes, which recompute every indicator).
            changed = set(changed)
            touched = [item for item in items if item.indicator.pk in changed]
            scope = replace(scope, items=touched, columns=_columns(touched))
            if scope.items:
                cursor.execute(*_municipal_statement(scope))
    # One municipal row per indicator, as the Python path counts them.
    return organization_rows + len(items)


@dataclass(frozen=True)
class _Scope:
    municipality_id: int
    period_id: int
    previous_id: int | None
    organization_id: int | None
    items: list
    columns: dict[str, int]
    element_ids: dict[str, int]
    now: datetime
    refs: dict  # key → indicators.categories.Reference of the codes with options


def _by_kind(items) -> dict[str, list]:
    """The compiled indicators by how a row is computed: no formula, ratio, growth rate, or a single
    figure (a value, a score, any other kind)."""
    groups: dict[str, list] = {"none": [], "ratio": [], "growth": [], "single": []}
    for item in items:
        if item.numerator is None:  # no formula: nothing is computed, the denominator neither
            groups["none"].append(item)
        elif item.indicator.kind == Kind.RATIO:
            groups["ratio"].append(item)
        elif item.indicator.kind == Kind.GROWTH:
            groups["growth"].append(item)
        else:
            groups["single"].append(item)
    return groups


def _kind_rows(
    items, p: _Params, s: "_Scope", terms: tuple[str, ...], *, factor=False, quantity=False
) -> str:
    """VALUES: per indicator its id, whether the organization's kind is expected to report it, its
    constants and the terms asked for (n, d now; pn, pd before) over the pivoted columns."""
    rows = []
    for item in items:
        n, d, pn, pd = _terms(item, s.columns, s.element_ids, ("cur", None), ("prev", "prev.org IS NOT NULL"))
        chosen = {"n": n, "d": d, "pn": pn, "pd": pd}
        fields = [p(item.indicator.pk, "bigint"), f"(orgs.kind = ANY({p(sorted(item.kinds), 'text[]')}))"]
        if factor:
            fields.append(p(Decimal(item.indicator.factor), "numeric"))
        if quantity:
            fields.append(p(item.denominator is None, "boolean"))
        fields += [chosen[name] for name in terms]
        rows.append("(" + ", ".join(fields) + ")")
    return "VALUES " + ", ".join(rows)


def _part(source: str, *, reason: str, keep: str, **numbers: str) -> str:
    """One kind's rows: the numbers as the columns hold them (four places, so that the comparison with
    the stored rows sees only real changes), NULL for those not given."""
    typed = ", ".join(f"({numbers.get(name, 'NULL')})::{_NUMBER_TYPE} AS {name}" for name in _NUMBERS)
    return (
        f"SELECT orgs.org, t.indicator_id, t.expected, {typed}, ({reason})::text AS reason"
        f" FROM {source} WHERE {keep}"
    )


def _organizations_statement(s: _Scope, *, municipal: bool = False) -> tuple[str, dict]:
    """The organizations' rows; with `municipal`, the municipal rows too, summed from the rows it
    computes rather than read back from the table."""
    p = _Params()

    def data(name: str, period_id: int | None) -> str:
        where = (
            f"dv.municipality_id = {p(s.municipality_id)} AND dv.period_id = {p(period_id, 'bigint')}"
            " AND dv.organization_id IS NOT NULL"
        )
        if s.organization_id:
            where += f" AND dv.organization_id = {p(s.organization_id)}"
        return _pivot(name, p, s, where)

    current, before = data("cur", s.period_id), data("prev", s.previous_id)
    only_org = f" AND o.id = {p(s.organization_id)}" if s.organization_id else ""
    organizations = (
        f"orgs AS (SELECT o.id AS org, o.kind FROM {ORG} o"
        f" WHERE o.municipality_id = {p(s.municipality_id)} AND o.is_active{only_org})"
    )
    # Each kind its own relation with only the terms it needs: a ratio is one division per row, not
    # the growth rate's conditions evaluated and thrown away. A row is kept when the organization is
    # expected to report the indicator, or reports figures and has a value by it.
    joined = "orgs LEFT JOIN cur ON cur.org = orgs.org"
    has_values = "cur.org IS NOT NULL"
    parts = []
    groups = _by_kind(s.items)
    if groups["ratio"]:
        spec = _kind_rows(groups["ratio"], p, s, ("n", "d"), factor=True)
        value = f"{div('t.n', 't.d')} * t.factor"
        parts.append(
            _part(
                f"{joined} CROSS JOIN LATERAL ({spec}) AS t(indicator_id, expected, factor, n, d)",
                numerator="t.n",
                denominator="t.d",
                value=value,
                reason=(
                    f"CASE WHEN t.n IS NULL OR t.d IS NULL THEN '{Reason.NO_DATA}'"
                    f" WHEN t.d = 0 THEN '{Reason.ZERO_DENOMINATOR}' ELSE '' END"
                ),
                keep=f"t.expected OR ({has_values} AND t.n IS NOT NULL AND t.d <> 0)",
            )
        )
    if groups["single"]:
        spec = _kind_rows(groups["single"], p, s, ("n",))
        parts.append(
            _part(
                f"{joined} CROSS JOIN LATERAL ({spec}) AS t(indicator_id, expected, n)",
                numerator="t.n",
                value="t.n",
                reason=f"CASE WHEN t.n IS NULL THEN '{Reason.NO_DATA}' ELSE '' END",
                keep=f"t.expected OR ({has_values} AND t.n IS NOT NULL)",
            )
        )
    if groups["growth"]:
        spec = _kind_rows(groups["growth"], p, s, ("n", "d", "pn", "pd"), quantity=True)
        reason, cb, pb = _growth("t.n", "t.d", "t.pn", "t.pd", "t.quantity")
        growth = _growth_fields("g", "t.n", "t.d", "t.pn", "t.pd", "t.quantity")
        parts.append(
            _part(
                f"{joined} LEFT JOIN prev ON prev.org = orgs.org"
                f" CROSS JOIN LATERAL ({spec}) AS t(indicator_id, expected, quantity, n, d, pn, pd)"
                f" CROSS JOIN LATERAL (SELECT {reason} AS reason, {cb} AS cb, {pb} AS pb) g",
                reason="g.reason",
                keep=f"t.expected OR ({has_values} AND g.reason = '')",
                **{name: growth[name] for name in _NUMBERS},
            )
        )
    if groups["none"]:
        spec = _kind_rows(groups["none"], p, s, ())
        parts.append(
            _part(
                f"{joined} CROSS JOIN LATERAL ({spec}) AS t(indicator_id, expected)",
                reason=f"'{Reason.NO_FORMULA}'",
                keep="t.expected",
            )
        )
    rows = "rows AS (" + " UNION ALL ".join(parts) + ")"
    only_iv = f" AND iv.organization_id = {p(s.organization_id)}" if s.organization_id else ""
    kept = ", ".join(f"iv.{name}" for name in (*_NUMBERS, "reason"))
    stored = (
        f"stored AS (SELECT iv.id, iv.indicator_id, iv.organization_id, {kept} FROM {IV} iv"
        f" WHERE iv.municipality_id = {p(s.municipality_id)} AND iv.period_id = {p(s.period_id)}"
        f" AND iv.organization_id IS NOT NULL{only_iv})"
    )
    # The difference between the rows computed and the rows stored, as one FULL JOIN: PostgreSQL
    # joins it by hash or merge whatever its statistics say (a full join has no nested loop), so a
    # table analysed while it was empty cannot turn the comparison into rows × rows.
    new_terms = ", ".join(f"r.{name}" for name in (*_NUMBERS, "reason"))
    old_terms = ", ".join(f"x.{name}" for name in (*_NUMBERS, "reason"))
    changes = (
        "changes AS (SELECT * FROM (SELECT x.id AS stored_id, r.*,"
        " coalesce(r.indicator_id, x.indicator_id) AS changed_indicator,"
        " CASE WHEN r.indicator_id IS NULL THEN 'delete' WHEN x.id IS NULL THEN 'insert'"
        f" WHEN ({old_terms}) IS DISTINCT FROM ({new_terms}) THEN 'update' END AS action"
        " FROM rows r FULL JOIN stored x ON x.indicator_id = r.indicator_id AND x.organization_id = r.org) d"
        " WHERE d.action IS NOT NULL)"
    )
    deleted = (
        f"deleted AS (DELETE FROM {IV} iv USING changes c WHERE c.action = 'delete' AND iv.id = c.stored_id)"
    )
    assignments = ", ".join(f"{name} = c.{name}" for name in (*_NUMBERS, "reason"))
    updated = (
        f"updated AS (UPDATE {IV} iv SET {assignments}, computed_at = {p(s.now, 'timestamptz')}"
        " FROM changes c WHERE c.action = 'update' AND iv.id = c.stored_id)"
    )
    inserted = (
        f"inserted AS (INSERT INTO {IV} AS iv ({', '.join(_COLUMNS)})"
        f" SELECT c.indicator_id, {p(s.period_id, 'bigint')}, {p(s.municipality_id, 'bigint')}, c.org,"
        f" {', '.join('c.' + name for name in _NUMBERS)}, c.reason, 0, 0, {p(s.now, 'timestamptz')}"
        " FROM changes c WHERE c.action = 'insert' "
        + _upsert(
            "(indicator_id, period_id, organization_id) WHERE organization_id IS NOT NULL",
            (*_NUMBERS, "reason"),
        )
        + ")"
    )
    ctes = [
        current,
        before,
        organizations,
        rows,
        stored,
        changes,
        deleted,
        updated,
        inserted,
    ]
    if municipal:
        ctes += _municipal_ctes(s, p, rows="rows")
    return (
        "WITH " + ", ".join(ctes) + " SELECT (SELECT count(*) FROM rows),"
        " ARRAY(SELECT DISTINCT changed_indicator FROM changes)",
        p.values,
    )


def _municipal_statement(s: _Scope) -> tuple[str, dict]:
    """The municipal rows from the organizations' stored rows (after one organization's change)."""
    p = _Params()
    return "WITH " + ", ".join(_municipal_ctes(s, p)) + " SELECT count(*) FROM computed", p.values


def _municipal_ctes(s: _Scope, p: _Params, rows: str | None = None) -> list[str]:
    """The municipal rows' CTEs: Σ over the organizations' rows, those stored or, in the statement
    that computes them all, the CTE `rows` of the rows it writes (the same numbers: they are typed
    as the columns hold them)."""

    def own(name: str, period_id: int | None) -> str:
        """The department's own figures: one row when it has any data value in the period, else none."""
        pivots = "".join(", " + pivot for pivot in _pivots(p, s.element_ids, s.refs, s.columns))
        present = "count(*) FILTER (WHERE dv.option_combo_id IS NULL)" if s.refs else "count(*)"
        return (
            f"{name} AS (SELECT TRUE AS present{pivots} FROM {_source(s.refs)}"
            f" WHERE dv.municipality_id = {p(s.municipality_id)} AND dv.period_id = {p(period_id, 'bigint')}"
            f" AND dv.organization_id IS NULL HAVING {present} > 0)"
        )

    has_value = "FILTER (WHERE iv.value IS NOT NULL)"
    ids = [item.indicator.pk for item in s.items]
    sums = ", ".join(
        f"sum(iv.{name}) {has_value} AS {name}" for name in ("numerator", "denominator", *_NUMBERS[3:])
    )
    aggregated = (
        f"agg AS (SELECT iv.indicator_id, {sums}, sum(iv.value) AS total, avg(iv.value) AS mean,"
        f" count(*) {has_value} AS reported,"
        f" count(*) FILTER (WHERE iv.reason IN ({_PREVIOUS_REASONS})) AS waiting"
        + (
            f" FROM {rows} iv"
            if rows
            else f" FROM {IV} iv WHERE iv.municipality_id = {p(s.municipality_id)}"
            f" AND iv.period_id = {p(s.period_id)} AND iv.organization_id IS NOT NULL"
            f" AND iv.indicator_id = ANY({p(ids, 'bigint[]')})"
        )
        + " GROUP BY iv.indicator_id)"
    )
    counts = (
        f"counts AS (SELECT o.kind, count(*) AS n FROM {ORG} o"
        f" WHERE o.municipality_id = {p(s.municipality_id)} AND o.is_active GROUP BY o.kind)"
    )
    # `expected` of the spec rows is unused here: the kinds go in as an array for the count.
    spec = _spec_rows(
        s.items,
        p,
        s.columns,
        s.element_ids,
        ("own", "own.present"),
        ("ownprev", "ownprev.present"),
        "NULL::text",
    )
    kinds = "kinds AS (SELECT * FROM (" + _kinds_rows(s.items, p) + ") AS k(indicator_id, kinds))"
    terms = (
        "terms AS (SELECT t.*, (own.present IS TRUE) AS has_own,"
        " coalesce(a.reported, 0) AS reported, coalesce(a.waiting, 0) AS waiting,"
        " a.numerator AS num, a.denominator AS den, a.total, a.mean,"
        " a.base_numerator AS bn, a.base_denominator AS bd,"
        " a.previous_base_numerator AS pbn, a.previous_base_denominator AS pbd,"
        " (SELECT coalesce(sum(c.n), 0) FROM counts c, kinds k"
        "  WHERE k.indicator_id = t.indicator_id AND c.kind = ANY(k.kinds)) AS expected_count"
        " FROM (SELECT 1) one LEFT JOIN own ON TRUE LEFT JOIN ownprev ON TRUE"
        f" CROSS JOIN LATERAL ({spec}) AS {_SPEC}"
        " LEFT JOIN agg a ON a.indicator_id = t.indicator_id)"
    )
    # A ratio: Σ/Σ over the organizations; with none reporting, the department's own figures.
    own_ratio = "t.reported = 0 AND t.has_own"
    rn = f"CASE WHEN {own_ratio} THEN t.n ELSE t.num END"
    rd = f"CASE WHEN {own_ratio} THEN t.d ELSE t.den END"
    ratio_reason = (
        f"CASE WHEN {own_ratio} THEN (CASE WHEN t.n IS NULL OR t.d IS NULL THEN '{Reason.NO_DATA}'"
        f" WHEN t.d = 0 THEN '{Reason.ZERO_DENOMINATOR}' ELSE '' END)"
        f" WHEN t.num IS NOT NULL AND t.den IS NOT NULL AND t.den <> 0 THEN ''"
        f" WHEN t.den = 0 THEN '{Reason.ZERO_DENOMINATOR}' ELSE '{Reason.NO_DATA}' END"
    )
    # A growth rate: of Σ base terms when organizations have one; else of the department's own
    # figures when they give more than «no data»; else no value, waiting for the previous period
    # when organizations wait for it.
    gn, gd, gpn, gpd = (
        f"CASE WHEN t.reported > 0 THEN t.{agg} ELSE t.{own} END"
        for agg, own in (("bn", "n"), ("bd", "d"), ("pbn", "pn"), ("pbd", "pd"))
    )
    reason, cb, pb = _growth("x.gn", "x.gd", "x.gpn", "x.gpd", "t.quantity")
    growth = _growth_fields("g", "x.gn", "x.gd", "x.gpn", "x.gpd", "t.quantity")
    fallback = f"t.kind = 'growth' AND t.reported = 0 AND NOT (t.has_own AND g.reason <> '{Reason.NO_DATA}')"
    growth_reason = (
        f"CASE WHEN {fallback} THEN (CASE WHEN t.waiting > 0 THEN '{Reason.NO_PREVIOUS}'"
        f" ELSE '{Reason.NO_DATA}' END) ELSE g.reason END"
    )
    single = "coalesce(t.n, CASE WHEN t.kind = 'score' THEN t.mean ELSE t.total END)"

    def pick(ratio: str, growth_field: str, single_field: str) -> str:
        return (
            f"CASE WHEN NOT t.has_formula THEN NULL WHEN t.kind = 'ratio' THEN {ratio}"
            f" WHEN t.kind = 'growth' THEN (CASE WHEN {fallback} THEN NULL ELSE {growth_field} END)"
            f" ELSE {single_field} END"
        )

    fields = {
        "numerator": pick("r.rn", growth["numerator"], "r.single"),
        "denominator": pick("r.rd", growth["denominator"], "NULL"),
        "value": pick(
            f"CASE WHEN r.ratio_reason = '' THEN {div('r.rn', 'r.rd')} * t.factor END",
            growth["value"],
            "r.single",
        ),
        **{name: pick("NULL", growth[name], "NULL") for name in _NUMBERS[3:]},
        "reason": (
            f"CASE WHEN NOT t.has_formula THEN '{Reason.NO_FORMULA}'"
            " WHEN t.kind = 'ratio' THEN r.ratio_reason"
            f" WHEN t.kind = 'growth' THEN {growth_reason}"
            f" WHEN r.single IS NULL THEN '{Reason.NO_DATA}' ELSE '' END"
        ),
    }
    computed = (
        "computed AS (SELECT t.indicator_id, t.reported, t.expected_count, "
        + ", ".join(f"{expression} AS {name}" for name, expression in fields.items())
        + f" FROM terms t CROSS JOIN LATERAL (SELECT {rn} AS rn, {rd} AS rd, {ratio_reason} AS ratio_reason,"
        f" {single} AS single) r"
        f" CROSS JOIN LATERAL (SELECT {gn} AS gn, {gd} AS gd, {gpn} AS gpn, {gpd} AS gpd) x"
        f" CROSS JOIN LATERAL (SELECT {reason} AS reason, {cb} AS cb, {pb} AS pb) g)"
    )
    written = (
        f"written AS (INSERT INTO {IV} AS iv ({', '.join(_COLUMNS)})"
        f" SELECT c.indicator_id, {p(s.period_id, 'bigint')}, {p(s.municipality_id, 'bigint')}, NULL,"
        f" {', '.join('c.' + name for name in _NUMBERS)}, c.reason, c.reported, c.expected_count,"
        f" {p(s.now, 'timestamptz')} FROM computed c "
        + _upsert(
            "(indicator_id, period_id) WHERE organization_id IS NULL",
            (*_NUMBERS, "reason", "reported", "expected"),
        )
        + ")"
    )
    ctes = [
        own("own", s.period_id),
        own("ownprev", s.previous_id),
        aggregated,
        counts,
        kinds,
        terms,
        computed,
        written,
    ]
    return ctes


def _kinds_rows(items, p: _Params) -> str:
    return "VALUES " + ", ".join(
        f"({p(item.indicator.pk, 'bigint')}, {p(sorted(item.kinds), 'text[]')})" for item in items
    )
