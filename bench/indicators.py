"""Benchmark of the indicator recompute on PostgreSQL: `make bench` (`python -m bench.indicators`).

Builds a synthetic region in one municipality (slug «bench-region», rebuilt on every run): 2,000
organizations of mixed kinds, 40 data elements, 60 indicators (ratios, values, growth rates) and 8
yearly periods with a value for every organization × element × period. For the latest period it
times, in one run:

- the full recompute, services.indicator_values_recompute (median of 3 after a warm-up run): with
  its inputs unchanged it rewrites no row, so this is the cost of computing and comparing;
- the same when every data value of the period changed before each run (median of 3), which
  rewrites every row: `recompute_full_all_changed_s`;
- one hand-written SQL statement computing the same per-organization terms and municipal Σ/Σ (for
  a growth rate, the growth of the municipal base ratio Σ/Σ), generated from the same synthetic
  spec, not from the portal's formula code (median of 3), under the server's settings and under
  the recompute's (indicators.sql.SETTINGS: no JIT, more memory for hashing); the faster is the
  baseline `sql_aggregate_s`;
- the incremental recompute of one organization after one of its values changed through
  services.data_values_write and services.recompute_pending (median of 5), in milliseconds;

- the same full recompute by the Python path (services.python_path(), SQLite's), which must leave
  exactly the rows the set-based path (indicators.sql) left: `recompute_python_full_s`,
  `results_match_python_path`;
- the cost curve: the full recompute and the hand-written statement again on the region rebuilt
  at each size of BENCH_SIZES (organizations; «500,2000,8000» by default, 32000 when asked),
  `recompute_full_s_<n>`, `sql_aggregate_s_<n>`, `bench_size_s_<n>` (how long the size took, its
  build included) and `recompute_scaling_exponent`, the slope of log time over log organizations;

- the disaggregated configuration, after the first, on the same region rebuilt at 2,000
  organizations: 8 of the 40 elements (the first of the «pupils» profile) split by a category
  «класс» of 11 options, every organization × element × period × class written as a cell
  (DataValueCell, through COPY) and the element's total as its data value, as the portal keeps it;
  a fifth of the indicators' terms name a class («el01[класс=5]») instead of the total. The full
  recompute and the hand-written statement (which pivots the cells of the classes named beside the
  data values) as above: `recompute_full_s_disaggregated`, `sql_aggregate_s_disaggregated`,
  `recompute_vs_sql_ratio_disaggregated`, `results_match_disaggregated` (every kind),
  `data_value_cells`. BENCH_ONLY=disaggregated runs it alone; BENCH_ONLY=base leaves it out;

checks that both ways give the same municipal values, and prints `name: value` lines. Before each
timed full recompute and before the incremental runs the indicator values are VACUUM ANALYZEd
(untimed, reported), as autovacuum would do in production: each full recompute deletes and
inserts every row, and a bench server may run with autovacuum off. Needs
PostgreSQL: DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/mcok_bench, a database
created when missing and kept between runs. Not a test: it asserts only that the results match.
"""

import math
import os
import random
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mcok_bench"
SLUG = "bench-region"
ORGANIZATIONS = 2000
PERIOD_YEARS = list(range(2017, 2025))  # 8 yearly periods; the latest is measured
SEED = 20250601
FULL_RUNS = 3
CHANGED_RUNS = 3
SQL_RUNS = 3
INCREMENTAL_RUNS = 5
PYTHON_RUNS = 2
DEFAULT_SIZES = "500,2000,8000"
TOLERANCE = Decimal("0.0001")  # both sides store four decimal places

# organization kind → share of the region
KIND_SHARES = [
    ("school", 0.45),
    ("kindergarten", 0.40),
    ("additional", 0.10),
    ("methodical", 0.03),
    ("other", 0.02),
]
# element profile → (how many, value type, low, high, decimals)
ELEMENT_PROFILES = [
    ("pupils", 16, "integer", 50, 1500, 0),
    ("staff", 10, "integer", 5, 150, 0),
    ("small", 10, "integer", 0, 40, 0),  # zeros happen: some denominators are zero
    ("share", 4, "percent", 0, 100, 1),
]
INDICATOR_KINDS = [("ratio", 44), ("value", 10), ("growth", 6)]
# The disaggregated configuration (BENCH_ONLY=disaggregated runs it alone): 8 of the 40 elements
# split by a category «класс» of 11 options, a fifth of the terms naming a class.
DISAGGREGATED_PROFILE = "pupils"
DISAGGREGATED_ELEMENTS = 8
CLASSES = 11
OPTION_TERMS_SHARE = 0.2


def _report(name: str, value) -> None:
    if isinstance(value, bool):
        value = "true" if value else "false"
    print(f"{name}: {value}", flush=True)


def _database_setup() -> None:
    """DATABASE_URL must name PostgreSQL; its database is created when missing. Runs before Django."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: with DEBUG on, Django keeps (and formats) every query it runs.
    os.environ["DEBUG"] = "0"
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if config.get("ENGINE") != "django.db.backends.postgresql":
        sys.exit("bench: DATABASE_URL must be a PostgreSQL URL (postgres://…).")
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            _report("database_created", config["NAME"])


# The synthetic spec -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementSpec:
    code: str
    profile: str
    value_type: str
    low: int
    high: int
    decimals: int
    kinds: tuple[str, ...]


Terms = tuple[tuple[str, str], ...]  # ((sign, element code), …); the first sign is always "+"


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    kind: str
    numerator: Terms
    denominator: Terms
    factor: int

    @staticmethod
    def text(terms: Terms) -> str:
        parts = []
        for sign, code in terms:
            parts.append(code if not parts else f"{sign} {code}")
        return " ".join(parts)

    @staticmethod
    def sql(terms: Terms, prefix: str) -> str:
        parts = []
        for sign, code in terms:
            column = _column(code, prefix)
            parts.append(column if not parts else f"{sign} {column}")
        return "(" + " ".join(parts) + ")"


def _column(key: str, prefix: str) -> str:
    """The hand-written statement's column of a term: «c_el01» for a total, «c_el01_k5» for
    «el01[класс=5]»."""
    code, _bracket, option = key.partition("[")
    if not option:
        return f"{prefix}{code}"
    return f"{prefix}{code}_k{option.rstrip(']').partition('=')[2]}"


def _option(key: str) -> tuple[str, str | None]:
    """(element code, class) of a term: «el01[класс=5]» → ("el01", "5"); a total has no class."""
    code, _bracket, option = key.partition("[")
    return code, (option.rstrip("]").partition("=")[2] or None)


def _spec(rng: random.Random) -> tuple[list[ElementSpec], list[IndicatorSpec]]:
    educational = ("school", "kindergarten", "additional")
    elements = []
    for profile, count, value_type, low, high, decimals in ELEMENT_PROFILES:
        for _ in range(count):
            kinds = rng.choice([educational, educational, educational, ("school",), ("kindergarten",)])
            code = f"el{len(elements) + 1:02d}"
            elements.append(ElementSpec(code, profile, value_type, low, high, decimals, kinds))
    codes = [element.code for element in elements]

    def terms(low: int, high: int, minus: float) -> Terms:
        chosen = rng.sample(codes, rng.randint(low, high))
        return tuple(("-" if i and rng.random() < minus else "+", code) for i, code in enumerate(chosen))

    indicators = []
    for kind, count in INDICATOR_KINDS:
        for _ in range(count):
            code = f"B{len(indicators) + 1:02d}"
            if kind == "ratio":
                numerator, denominator = terms(1, 3, 0.15), terms(1, 2, 0.0)
                factor = 1000 if rng.random() < 0.25 else 100
            else:
                numerator, denominator, factor = terms(1, 2, 0.0), (), 100
            if kind == "growth" and len(indicators) % 3:
                # Two growth rates in three grow a base ratio, the third a quantity. Drawn apart, so
                # that the rest of the region (and its figures) stays what it was.
                base = random.Random(f"{SEED}:{code}")
                denominator = tuple(("+", c) for c in base.sample(codes, base.randint(1, 2)))
            indicators.append(IndicatorSpec(code, kind, numerator, denominator, factor))
    return elements, indicators


def _disaggregation(
    elements: list[ElementSpec], specs: list[IndicatorSpec]
) -> tuple[frozenset[str], list[IndicatorSpec]]:
    """The disaggregated configuration of the same region: the first DISAGGREGATED_ELEMENTS elements
    of the DISAGGREGATED_PROFILE split by class (CLASSES options), and OPTION_TERMS_SHARE of all the
    indicators' terms, drawn among the terms of those elements, naming one class of the element
    («el01[класс=5]») instead of its total; the other terms stay as they were."""
    codes = frozenset(
        [element.code for element in elements if element.profile == DISAGGREGATED_PROFILE][
            :DISAGGREGATED_ELEMENTS
        ]
    )
    places = [
        (index, part, position)
        for index, spec in enumerate(specs)
        for part in ("numerator", "denominator")
        for position, (_sign, code) in enumerate(getattr(spec, part))
        if code in codes
    ]
    every = sum(len(spec.numerator) + len(spec.denominator) for spec in specs)
    rng = random.Random(f"{SEED}:classes")
    chosen = rng.sample(places, min(len(places), round(every * OPTION_TERMS_SHARE)))
    changed = [{"numerator": list(spec.numerator), "denominator": list(spec.denominator)} for spec in specs]
    for index, part, position in sorted(chosen):
        sign, code = changed[index][part][position]
        changed[index][part][position] = (sign, f"{code}[класс={rng.randint(1, CLASSES)}]")
    return codes, [
        IndicatorSpec(
            spec.code,
            spec.kind,
            tuple(changed[index]["numerator"]),
            tuple(changed[index]["denominator"]),
            spec.factor,
        )
        for index, spec in enumerate(specs)
    ]


# Building the region ------------------------------------------------------------------------------


def _clean(municipality) -> None:
    """Remove everything of the bench municipality, by plain SQL: the ORM's delete would load 640k
    rows and write a history row for each."""
    from django.db import connection

    from indicators.models import (
        Category,
        CategoryCombo,
        CategoryOption,
        DataElement,
        DataValue,
        DataValueCell,
        Indicator,
        IndicatorValue,
        OptionCombo,
        RecomputeRequest,
        Target,
    )
    from mcok.models import Organization

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    indicators = f"SELECT id FROM {table(Indicator)} WHERE municipality_id = %s"
    combos = f"SELECT id FROM {table(CategoryCombo)} WHERE municipality_id = %s"
    categories = f"SELECT id FROM {table(Category)} WHERE municipality_id = %s"
    statements = [
        f"DELETE FROM {table(IndicatorValue)} WHERE municipality_id = %s",
        f"DELETE FROM {table(RecomputeRequest)} WHERE municipality_id = %s",
        f"DELETE FROM {table(DataValueCell)} WHERE municipality_id = %s",
        f"DELETE FROM {table(DataValue)} WHERE municipality_id = %s",
        f"DELETE FROM {table(Target)} WHERE indicator_id IN ({indicators})",
        f"DELETE FROM {table(Indicator.responsible.through)} WHERE indicator_id IN ({indicators})",
        f"DELETE FROM {table(Indicator)} WHERE municipality_id = %s",
        f"DELETE FROM {table(DataElement)} WHERE municipality_id = %s",
        f"DELETE FROM {table(OptionCombo)} WHERE combo_id IN ({combos})",
        f"DELETE FROM {table(CategoryCombo)} WHERE municipality_id = %s",
        f"DELETE FROM {table(CategoryOption)} WHERE category_id IN ({categories})",
        f"DELETE FROM {table(Category)} WHERE municipality_id = %s",
        f"DELETE FROM {table(Organization)} WHERE municipality_id = %s",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [municipality.pk])


def _periods() -> list:
    from mcok.models import Period, period_code, period_dates

    periods = []
    for year in PERIOD_YEARS:
        starts_on, ends_on = period_dates(Period.Kind.YEAR, year)
        period, _ = Period.objects.get_or_create(
            kind=Period.Kind.YEAR,
            year=year,
            number=0,
            defaults={
                "code": period_code(Period.Kind.YEAR, year),
                "starts_on": starts_on,
                "ends_on": ends_on,
            },
        )
        periods.append(period)
    return periods


def _kinds(rng: random.Random, count: int) -> list[str]:
    kinds = []
    for kind, share in KIND_SHARES:
        kinds += [kind] * round(count * share)
    kinds = (kinds + ["school"] * count)[:count]
    rng.shuffle(kinds)
    return kinds


def _copy_values(municipality, organizations, elements, element_ids, periods, rng, totals=None) -> int:
    """Every organization × element × period, through COPY; a disaggregated element's value is the
    total of its cells (`totals`: element code → (organization, period) → total), as the portal
    keeps it."""
    from django.db import connection

    from indicators.models import DataValue

    columns = "data_element_id, municipality_id, organization_id, period_id, value, source, entered_at"
    statement = f"COPY {connection.ops.quote_name(DataValue._meta.db_table)} ({columns}) FROM STDIN"
    entered_at = "2025-01-01 00:00:00+00"
    scale = {organization.pk: rng.uniform(0.3, 1.5) for organization in organizations}
    rows = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for index, period in enumerate(periods):
            trend = 0.9 + 0.02 * index
            lines = []
            for organization in organizations:
                size = scale[organization.pk] * trend
                for element in elements:
                    if element.decimals:
                        value = f"{rng.uniform(element.low, element.high):.{element.decimals}f}"
                    else:
                        value = str(round(rng.randint(element.low, element.high) * size))
                    if totals is not None and element.code in totals:
                        value = str(totals[element.code][organization.pk, period.pk])
                    lines.append(
                        f"{element_ids[element.code]}\t{municipality.pk}\t{organization.pk}\t{period.pk}"
                        f"\t{value}\timport\t{entered_at}\n"
                    )
            copy.write("".join(lines))
            rows += len(lines)
    return rows


def _copy_cells(
    municipality, organizations, elements, element_ids, periods, option_combos
) -> tuple[int, dict]:
    """Every organization × disaggregated element × period × class, through COPY, all filled; returns
    how many and the totals (element code → (organization, period) → the sum of its cells)."""
    from django.db import connection

    from indicators.models import DataValueCell

    columns = (
        "data_element_id, municipality_id, organization_id, period_id, option_combo_id, value,"
        " not_applicable, source, entered_at"
    )
    statement = f"COPY {connection.ops.quote_name(DataValueCell._meta.db_table)} ({columns}) FROM STDIN"
    entered_at = "2025-01-01 00:00:00+00"
    rng = random.Random(f"{SEED}:cells")
    scale = {organization.pk: rng.uniform(0.3, 1.5) for organization in organizations}
    totals: dict[str, dict] = {element.code: {} for element in elements}
    rows = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for index, period in enumerate(periods):
            trend = 0.9 + 0.02 * index
            lines = []
            for organization in organizations:
                size = scale[organization.pk] * trend / CLASSES
                for element in elements:
                    total = 0
                    for option_combo_id in option_combos.values():
                        value = round(rng.randint(element.low, element.high) * size)
                        total += value
                        lines.append(
                            f"{element_ids[element.code]}\t{municipality.pk}\t{organization.pk}\t{period.pk}"
                            f"\t{option_combo_id}\t{value}\tf\timport\t{entered_at}\n"
                        )
                    totals[element.code][organization.pk, period.pk] = total
            copy.write("".join(lines))
            rows += len(lines)
    return rows, totals


def _categories(municipality) -> tuple:
    """The category «класс» with its options 1–11 and its combination; returns the combination and
    class → option combination id."""
    from indicators import services
    from indicators.models import Category, CategoryCombo, CategoryOption, OptionCombo

    category = Category.objects.create(municipality=municipality, code="klass", name="Класс")
    CategoryOption.objects.bulk_create(
        CategoryOption(category=category, code=str(number), name=f"{number} класс", order=number)
        for number in range(1, CLASSES + 1)
    )
    combo = CategoryCombo.objects.create(
        municipality=municipality, code="klass", name="Класс", first=category
    )
    services.category_combo_sync(combo)
    option_combos = {
        code: pk
        for pk, code in OptionCombo.objects.filter(combo=combo)
        .order_by("first__order")
        .values_list("pk", "first__code")
    }
    return combo, option_combos


def _build(
    rng: random.Random,
    elements: list[ElementSpec],
    specs: list[IndicatorSpec],
    count: int = ORGANIZATIONS,
    disaggregated: frozenset[str] = frozenset(),
):
    """The region at `count` organizations; with `disaggregated` (element codes), those elements
    split by class, their cells written and their totals stored as their data values."""
    from django.db import transaction

    from indicators.models import (
        DataElement,
        DataValue,
        DataValueCell,
        Indicator,
        IndicatorValue,
        OptionCombo,
    )
    from mcok.models import Municipality, Organization

    municipality, _ = Municipality.objects.get_or_create(
        slug=SLUG, defaults={"name": "Синтетический регион (бенчмарк)", "region": "Бенчмарк"}
    )
    with transaction.atomic():
        _clean(municipality)
    _vacuum(DataValue, IndicatorValue, DataValueCell, full=True)
    with transaction.atomic():
        periods = _periods()
        combo, option_combos = _categories(municipality) if disaggregated else (None, {})
        Organization.objects.bulk_create(
            Organization(
                municipality=municipality,
                short_name=f"Организация {number:04d}",
                kind=kind,
                locality=rng.choice(["urban", "rural"]),
            )
            for number, kind in enumerate(_kinds(rng, count), start=1)
        )
        DataElement.objects.bulk_create(
            DataElement(
                municipality=municipality,
                code=element.code,
                name=f"Элемент {element.code} ({element.profile})",
                value_type=element.value_type,
                kinds=list(element.kinds),
                category_combo=combo if element.code in disaggregated else None,
            )
            for element in elements
        )
        Indicator.objects.bulk_create(
            Indicator(
                municipality=municipality,
                code=spec.code,
                name=f"Показатель {spec.code}",
                kind=spec.kind,
                numerator=IndicatorSpec.text(spec.numerator),
                denominator=IndicatorSpec.text(spec.denominator),
                factor=spec.factor,
            )
            for spec in specs
        )
    organizations = list(Organization.objects.filter(municipality=municipality).order_by("pk"))
    element_ids = dict(DataElement.objects.filter(municipality=municipality).values_list("code", "pk"))
    indicator_ids = dict(Indicator.objects.filter(municipality=municipality).values_list("code", "pk"))
    totals = None
    if disaggregated:
        split = [element for element in elements if element.code in disaggregated]
        _cells, totals = _copy_cells(municipality, organizations, split, element_ids, periods, option_combos)
    rows = _copy_values(municipality, organizations, elements, element_ids, periods, rng, totals)
    _vacuum(DataValue, IndicatorValue, Organization, DataElement, Indicator)
    if disaggregated:
        _vacuum(DataValueCell, OptionCombo)
    return municipality, periods, organizations, element_ids, indicator_ids, rows


# The hand-written aggregate -----------------------------------------------------------------------


def _aggregate_sql(
    specs: list[IndicatorSpec], element_ids: dict, indicator_ids: dict, option_combos: dict | None = None
) -> str:
    """One statement: pivot the organizations' data values of the period (and the one before, for
    growth rates), compute every indicator's terms per organization, and the municipal values: Σ
    numerators / Σ denominators × factor over the organizations that have a value; for a growth rate,
    (Σ numerators / Σ denominators now) ÷ (the same before) × 100 of its base ratio (Σ numerators
    alone for a quantity), over the organizations that have a rate, with the two municipal bases as
    the numerator and the denominator. A term naming a class («el01[класс=5]»; `option_combos`:
    class → option combination id) is that cell, pivoted from the cells of the classes named beside
    the data values."""
    from django.db import connection

    from indicators.models import DataValue, DataValueCell
    from mcok.models import Organization

    current, previous = set(), set()
    for spec in specs:
        current.update(code for _, code in spec.numerator + spec.denominator)
        if spec.kind == "growth":
            previous.update(code for _, code in spec.numerator + spec.denominator)
    columns = [
        f"MAX(v.value) FILTER (WHERE v.period_id = %(current)s AND v.data_element_id = {element_ids[c]})"
        f" AS c_{c}"
        for c in sorted(current)
        if "[" not in c
    ] + [
        f"MAX(v.value) FILTER (WHERE v.period_id = %(previous)s AND v.data_element_id = {element_ids[c]})"
        f" AS p_{c}"
        for c in sorted(previous)
        if "[" not in c
    ]
    cells = []
    for keys, period, prefix in ((current, "current", "c_"), (previous, "previous", "p_")):
        for key in sorted(k for k in keys if "[" in k):
            code, klass = _option(key)
            cells.append(
                f"MAX(c.value) FILTER (WHERE c.period_id = %({period})s"
                f" AND c.data_element_id = {element_ids[code]} AND c.option_combo_id = {option_combos[klass]}"
                f" AND NOT c.not_applicable) AS {_column(key, prefix)}"
            )
    terms = []
    for spec in specs:
        numerator, kind = IndicatorSpec.sql(spec.numerator, "c_"), f"'{spec.kind}'"
        before = denominator_before = "NULL"
        if spec.kind == "ratio":
            denominator, factor = IndicatorSpec.sql(spec.denominator, "c_"), str(spec.factor)
        elif spec.kind == "growth":
            before, factor = IndicatorSpec.sql(spec.numerator, "p_"), "100"
            if spec.denominator:
                denominator = IndicatorSpec.sql(spec.denominator, "c_")
                denominator_before = IndicatorSpec.sql(spec.denominator, "p_")
            else:  # a quantity: its base is the numerator itself
                denominator, denominator_before, kind = "1", "1", "'quantity'"
        else:
            denominator, factor = "NULL", "NULL"
        terms.append(
            f"({indicator_ids[spec.code]}, {kind}, {numerator}, {denominator}::numeric,"
            f" {before}::numeric, {denominator_before}::numeric, {factor}::integer)"
        )
    values = connection.ops.quote_name(DataValue._meta.db_table)
    organizations = connection.ops.quote_name(Organization._meta.db_table)
    newline = ",\n            "
    pivot = f"""pivot AS (
            SELECT v.organization_id,
            {newline.join(columns)}
            FROM {values} v
            JOIN {organizations} o ON o.id = v.organization_id AND o.is_active
            WHERE v.municipality_id = %(municipality)s
              AND v.period_id IN (%(current)s, %(previous)s)
            GROUP BY v.organization_id
        )"""
    if cells:
        named = {option_combos[_option(key)[1]] for key in current | previous if "[" in key}
        split = {element_ids[_option(key)[0]] for key in current | previous if "[" in key}
        pivot = f"""{pivot.replace("pivot AS", "totals AS", 1)},
        cells AS (
            SELECT c.organization_id,
            {newline.join(cells)}
            FROM {connection.ops.quote_name(DataValueCell._meta.db_table)} c
            WHERE c.municipality_id = %(municipality)s
              AND c.period_id IN (%(current)s, %(previous)s)
              AND c.organization_id IS NOT NULL
              AND c.data_element_id IN ({", ".join(map(str, sorted(split)))})
              AND c.option_combo_id IN ({", ".join(map(str, sorted(named)))})
            GROUP BY c.organization_id
        ),
        pivot AS (SELECT * FROM totals LEFT JOIN cells USING (organization_id))"""
    return f"""
        WITH {pivot},
        terms AS (
            SELECT t.indicator_id, t.kind, t.num, t.den, t.pnum, t.pden, t.factor,
                   CASE WHEN t.kind IN ('growth', 'quantity')
                        THEN t.num IS NOT NULL AND t.den <> 0 AND t.pden <> 0 AND t.pnum <> 0
                        ELSE t.num IS NOT NULL AND (t.factor IS NULL OR t.den <> 0)
                   END AS ok
            FROM pivot CROSS JOIN LATERAL (VALUES
            {newline.join(terms)}
            ) AS t(indicator_id, kind, num, den, pnum, pden, factor)
        ),
        sums AS (
            SELECT indicator_id, kind, factor,
                   SUM(num) FILTER (WHERE ok) AS num,
                   SUM(den) FILTER (WHERE ok) AS den,
                   SUM(pnum) FILTER (WHERE ok) AS pnum,
                   SUM(pden) FILTER (WHERE ok) AS pden,
                   COUNT(*) FILTER (WHERE ok) AS reported
            FROM terms
            GROUP BY indicator_id, kind, factor
        ),
        bases AS (
            SELECT indicator_id, kind, factor, num, den, reported,
                   CASE kind WHEN 'growth' THEN num / NULLIF(den, 0)
                             WHEN 'quantity' THEN num END AS base_now,
                   CASE kind WHEN 'growth' THEN pnum / NULLIF(pden, 0)
                             WHEN 'quantity' THEN pnum END AS base_before
            FROM sums
        )
        SELECT indicator_id,
               CASE WHEN kind IN ('growth', 'quantity') THEN ROUND(base_now, 4) ELSE num END,
               CASE WHEN kind IN ('growth', 'quantity') THEN ROUND(base_before, 4) ELSE den END,
               ROUND(CASE WHEN kind IN ('growth', 'quantity') THEN base_now / NULLIF(base_before, 0) * 100
                          WHEN factor IS NULL THEN num
                          ELSE num / NULLIF(den, 0) * factor END, 4),
               reported
        FROM bases
    """


def _aggregate(statement: str, params: dict, tuned: bool = False) -> dict[int, tuple]:
    """The hand-written statement's result; `tuned`: under the settings the recompute's transaction
    takes (indicators.sql.SETTINGS)."""
    from django.db import connection, transaction

    from indicators import sql

    with transaction.atomic(), connection.cursor() as cursor:
        if tuned:
            cursor.execute(sql.SETTINGS)
        cursor.execute(statement, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def _baseline(statement: str, params: dict) -> tuple[float, list[float], dict, float, float]:
    """The hand-written statement timed under the server's settings and under the recompute's; the
    faster of the two medians is the baseline, so the recompute's settings never favour it."""
    default_s, default_runs, aggregated = _timed(lambda: _aggregate(statement, params), SQL_RUNS)
    tuned_s, tuned_runs, _aggregated = _timed(lambda: _aggregate(statement, params, tuned=True), SQL_RUNS)
    best, runs = (default_s, default_runs) if default_s <= tuned_s else (tuned_s, tuned_runs)
    return best, runs, aggregated, default_s, tuned_s


def _totals(municipality, period) -> dict[int, tuple]:
    from indicators.models import IndicatorValue

    rows = IndicatorValue.objects.filter(
        municipality=municipality, period=period, organization__isnull=True
    ).values_list("indicator_id", "numerator", "denominator", "value", "reported")
    return {row[0]: tuple(row[1:]) for row in rows}


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(a) - Decimal(b)) <= TOLERANCE


def _compare(recomputed: dict, aggregated: dict, ids: list[int]) -> list[str]:
    mismatches = []
    for indicator_id in ids:
        ours = recomputed.get(indicator_id, (None, None, None, 0))
        theirs = aggregated.get(indicator_id, (None, None, None, 0))
        if not all(_close(a, b) for a, b in zip(ours[:3], theirs[:3], strict=True)) or ours[3] != theirs[3]:
            mismatches.append(f"{indicator_id}: recompute {ours} ≠ sql {theirs}")
    return mismatches


# Timing -------------------------------------------------------------------------------------------


def _vacuum(*models, full: bool = False) -> float:
    """VACUUM ANALYZE, as autovacuum would between recomputes (it may be off on a bench server);
    FULL compacts what earlier runs left, so that every run starts from tables of the same size."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"VACUUM {'FULL ' if full else ''}ANALYZE {table}")
    return time.perf_counter() - started


def _timed(function, runs: int, warmup: int = 1, before=None) -> tuple[float, list[float], object]:
    """Median of `runs` timed calls after `warmup` ones (their times come first in the list, not in
    the median); `before` runs untimed before each timed call."""
    result, times = None, []
    for _ in range(warmup):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    warmups, times = times, []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), warmups + times, result


def _claim_by_hand(municipality, period, recompute) -> None:
    """What recompute_pending does for one scope, for when it fails (see the error it reports)."""
    from indicators.models import RecomputeRequest

    requests = RecomputeRequest.objects.filter(municipality=municipality)
    for target in {r.period for r in requests.select_related("period")}:
        same = requests.filter(period=target)
        organizations = set(same.values_list("organization_id", flat=True))
        only = None
        if len(organizations) == 1 and None not in organizations:
            only = same.select_related("organization").first().organization
        recompute(municipality=municipality, period=target, organization=only)
        same.delete()


def _incremental(municipality, period, organization, element, runs: int):
    """Change one value through data_values_write, then recompute_pending in the same transaction;
    time the recompute of that organization (the call recompute_pending makes). Returns the median,
    the times, and recompute_pending's error if it failed (then the requests are claimed by hand)."""
    from django.db import DatabaseError, transaction

    from indicators import services
    from indicators.models import DataValue, RecomputeRequest

    calls: list[tuple] = []
    original = services.indicator_values_recompute
    original_ring = services._ring

    def recompute(**kwargs):
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            calls.append((kwargs.get("organization"), kwargs["period"], time.perf_counter() - started))

    RecomputeRequest.objects.filter(municipality=municipality).delete()
    base = DataValue.objects.get(data_element=element, organization=organization, period=period).value
    times, error = [], None
    services.indicator_values_recompute = recompute
    services._ring = lambda: None  # recompute_pending is called here; no task to ring
    try:
        for run in range(runs + 1):  # the first is a warm-up
            calls.clear()
            with transaction.atomic():
                services.data_values_write(
                    entries=[services.Entry(element, organization, period, base + run + 1)],
                    source=DataValue.Source.MANUAL,
                    by=None,
                )
                try:
                    with transaction.atomic():
                        services.recompute_pending()
                except DatabaseError as failure:
                    error = str(failure).strip()
                    _claim_by_hand(municipality, period, recompute)
            ours = [c for c in calls if c[1].pk == period.pk]
            if len(ours) != 1 or ours[0][0] is None or ours[0][0].pk != organization.pk:
                raise AssertionError(f"recompute_pending did not recompute only the organization: {calls}")
            if run:
                times.append(ours[0][2])
    finally:
        services.indicator_values_recompute = original
        services._ring = original_ring
    return statistics.median(times), times, error


# Main ---------------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    _database_setup()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F

    from indicators import services
    from indicators.models import DataElement, DataValue, Indicator, IndicatorValue

    call_command("migrate", verbosity=0, interactive=False)
    _report("database", connection.settings_dict["NAME"])
    _report("postgresql", connection.pg_version)
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        _report("postgresql_autovacuum", cursor.fetchone()[0])

    only = os.environ.get("BENCH_ONLY", "").strip()
    if only not in ("", "base", "disaggregated"):
        sys.exit("bench: BENCH_ONLY is «base» or «disaggregated» (both when unset).")
    if only == "disaggregated":
        disaggregated_ok = _disaggregated()
        _report("peak_rss_mb_all_sizes", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
        return 0 if disaggregated_ok else 1

    rng = random.Random(SEED)
    elements, specs = _spec(rng)
    built = time.perf_counter()
    municipality, periods, organizations, element_ids, indicator_ids, rows = _build(rng, elements, specs)
    _report("organizations", len(organizations))
    _report("data_elements", len(elements))
    _report("indicators", len(specs))
    _report("periods", len(periods))
    _report("data_values", rows)
    _report("setup_s", f"{time.perf_counter() - built:.1f}")

    period, previous = periods[-1], periods[-2]
    _report("period", period.code)

    vacuums = []
    full_s, full_runs, written = _timed(
        lambda: services.indicator_values_recompute(municipality=municipality, period=period),
        FULL_RUNS,
        before=lambda: vacuums.append(_vacuum(IndicatorValue)),
    )
    vacuums.append(_vacuum(IndicatorValue))
    _report("indicator_values_written", written)

    # The same full recompute when every input of the period changed (a new data load): every row
    # is rewritten. The reruns above, with the inputs unchanged, write only what differs: nothing.
    def change_everything():
        DataValue.objects.filter(municipality=municipality, period=period).update(value=F("value") + 1)
        vacuums.append(_vacuum(DataValue, IndicatorValue))

    changed_s, changed_runs, _written = _timed(
        lambda: services.indicator_values_recompute(municipality=municipality, period=period),
        CHANGED_RUNS,
        warmup=0,
        before=change_everything,
    )
    DataValue.objects.filter(municipality=municipality, period=period).update(value=F("value") - CHANGED_RUNS)
    services.indicator_values_recompute(municipality=municipality, period=period)
    _vacuum(DataValue, IndicatorValue)

    statement = _aggregate_sql(specs, element_ids, indicator_ids)
    params = {"municipality": municipality.pk, "current": period.pk, "previous": previous.pk}
    sql_s, sql_runs, aggregated, sql_default_s, sql_tuned_s = _baseline(statement, params)

    # The Python path (SQLite's) on the same data, for comparison: it must leave the same rows.
    set_based_rows = _rows(municipality, period)
    with services.python_path():
        python_s, _python_runs, _written = _timed(
            lambda: services.indicator_values_recompute(municipality=municipality, period=period),
            PYTHON_RUNS,
            before=lambda: vacuums.append(_vacuum(IndicatorValue)),
        )
    paths_match = _rows(municipality, period) == set_based_rows
    services.indicator_values_recompute(municipality=municipality, period=period)
    _vacuum(IndicatorValue)

    ratio_ids = [indicator_ids[spec.code] for spec in specs if spec.kind == "ratio"]
    all_ids = [indicator_ids[spec.code] for spec in specs]
    recomputed = _totals(municipality, period)
    mismatches = _compare(recomputed, aggregated, all_ids)
    ratio_match = not _compare(recomputed, aggregated, ratio_ids)

    organization = next(o for o in organizations[len(organizations) // 2 :] if o.kind == "school")
    ratio_spec = next(spec for spec in specs if spec.kind == "ratio")
    element = DataElement.objects.get(municipality=municipality, code=ratio_spec.numerator[0][1])
    incremental_s, incremental_runs, pending_error = _incremental(
        municipality, period, organization, element, INCREMENTAL_RUNS
    )
    after = _compare(_totals(municipality, period), _aggregate(statement, params), all_ids)

    _report("recompute_full_s", f"{full_s:.3f}")
    _report("sql_aggregate_s", f"{sql_s:.3f}")
    _report("sql_aggregate_server_settings_s", f"{sql_default_s:.3f}")
    _report("sql_aggregate_recompute_settings_s", f"{sql_tuned_s:.3f}")
    _report("recompute_vs_sql_ratio", f"{full_s / sql_s:.2f}")
    _report("recompute_incremental_ms", f"{incremental_s * 1000:.1f}")
    _report("recompute_full_first_s", f"{full_runs[0]:.3f}")  # the warm-up: every row written anew
    _report("recompute_full_all_changed_s", f"{changed_s:.3f}")
    _report("recompute_all_changed_vs_sql_ratio", f"{changed_s / sql_s:.2f}")
    _report("recompute_full_runs_s", ", ".join(f"{t:.3f}" for t in full_runs[1:]))
    _report("vacuum_after_full_recompute_s", f"{statistics.median(vacuums):.3f}")
    _report("sql_aggregate_runs_s", ", ".join(f"{t:.3f}" for t in sql_runs[1:]))
    _report("recompute_incremental_runs_ms", ", ".join(f"{t * 1000:.1f}" for t in incremental_runs))
    _report("recompute_pending_ok", pending_error is None)
    if pending_error:
        _report("recompute_pending_error", pending_error)
    _report("results_match", ratio_match)
    _report("results_match_all_kinds", not mismatches)
    _report("results_match_after_incremental", not after)
    for line in (mismatches + after)[:10]:
        _report("mismatch", line)
    _report("recompute_python_full_s", f"{python_s:.3f}")
    _report("recompute_python_vs_sql_ratio", f"{python_s / sql_s:.2f}")
    _report("results_match_python_path", paths_match)
    _report("target_full_within_1_5x", full_s <= 1.5 * sql_s)
    _report("target_all_changed_within_2x", changed_s <= 2.0 * sql_s)
    _report("target_incremental_under_50ms", incremental_s < 0.05)
    _report(
        "indicator_values_stored",
        IndicatorValue.objects.filter(municipality=municipality, period=period).count(),
    )
    _report("data_values_stored", DataValue.objects.filter(municipality=municipality).count())
    _report("indicators_stored", Indicator.objects.filter(municipality=municipality).count())
    _report("peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    _report(f"bench_size_s_{ORGANIZATIONS}", f"{time.perf_counter() - started:.1f}")

    curve = {ORGANIZATIONS: (full_s, sql_s)}
    curve_ok = True
    for size in _sizes():
        if size != ORGANIZATIONS:
            curve[size], matched = _cost_at(size)
            curve_ok = curve_ok and matched
    for size in sorted(curve):
        _report(f"recompute_full_s_{size}", f"{curve[size][0]:.3f}")
        _report(f"sql_aggregate_s_{size}", f"{curve[size][1]:.3f}")
    if len(curve) > 1:
        exponent = _slope([(size, times[0]) for size, times in curve.items()])
        _report("recompute_scaling_exponent", f"{exponent:.2f}")
        _report("sql_scaling_exponent", f"{_slope([(size, times[1]) for size, times in curve.items()]):.2f}")
        _report("target_scaling_exponent_within_1_1", exponent <= 1.1)
        _report("results_match_every_size", curve_ok)
    disaggregated_ok = only == "base" or _disaggregated()
    _report("peak_rss_mb_all_sizes", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
    ok = not mismatches and not after and pending_error is None and paths_match and curve_ok
    return 0 if ok and disaggregated_ok else 1


def _disaggregated() -> bool:
    """The same region at ORGANIZATIONS organizations with 8 of its 40 elements split by class
    (_disaggregation): the full recompute (inputs unchanged, median of FULL_RUNS after the first) and
    the hand-written aggregate over the data values and the cells; whether both give the same
    municipal values of every indicator."""
    from indicators import services
    from indicators.models import DataValueCell, IndicatorValue, OptionCombo

    started = time.perf_counter()
    rng = random.Random(SEED)
    elements, base_specs = _spec(rng)
    split, specs = _disaggregation(elements, base_specs)
    municipality, periods, _organizations, element_ids, indicator_ids, rows = _build(
        rng, elements, specs, ORGANIZATIONS, split
    )
    option_combos = dict(
        OptionCombo.objects.filter(combo__municipality=municipality).values_list("first__code", "pk")
    )
    every = [code for spec in specs for _sign, code in spec.numerator + spec.denominator]
    _report("disaggregated_elements", f"{len(split)} of {len(elements)} ({', '.join(sorted(split))})")
    _report("option_terms_disaggregated", f"{sum('[' in code for code in every)} of {len(every)}")
    _report(
        "indicators_naming_an_option_disaggregated",
        sum(any("[" in code for _sign, code in spec.numerator + spec.denominator) for spec in specs),
    )
    _report("data_values_disaggregated", rows)
    _report("data_value_cells", DataValueCell.objects.filter(municipality=municipality).count())
    _report("setup_s_disaggregated", f"{time.perf_counter() - started:.1f}")

    period, previous = periods[-1], periods[-2]
    full_s, full_runs, written = _timed(
        lambda: services.indicator_values_recompute(municipality=municipality, period=period),
        FULL_RUNS,
        before=lambda: _vacuum(IndicatorValue),
    )
    _vacuum(IndicatorValue)
    statement = _aggregate_sql(specs, element_ids, indicator_ids, option_combos)
    params = {"municipality": municipality.pk, "current": period.pk, "previous": previous.pk}
    sql_s, sql_runs, aggregated, sql_default_s, sql_tuned_s = _baseline(statement, params)
    mismatches = _compare(_totals(municipality, period), aggregated, [indicator_ids[s.code] for s in specs])

    _report("indicator_values_written_disaggregated", written)
    _report("recompute_full_s_disaggregated", f"{full_s:.3f}")
    _report("sql_aggregate_s_disaggregated", f"{sql_s:.3f}")
    _report("sql_aggregate_server_settings_s_disaggregated", f"{sql_default_s:.3f}")
    _report("sql_aggregate_recompute_settings_s_disaggregated", f"{sql_tuned_s:.3f}")
    _report("recompute_vs_sql_ratio_disaggregated", f"{full_s / sql_s:.2f}")
    _report("recompute_full_first_s_disaggregated", f"{full_runs[0]:.3f}")
    _report("recompute_full_runs_s_disaggregated", ", ".join(f"{t:.3f}" for t in full_runs[1:]))
    _report("sql_aggregate_runs_s_disaggregated", ", ".join(f"{t:.3f}" for t in sql_runs[1:]))
    _report("results_match_disaggregated", not mismatches)
    for line in mismatches[:10]:
        _report("mismatch_disaggregated", line)
    _report("target_full_within_1_5x_disaggregated", full_s <= 1.5 * sql_s)
    _report("bench_disaggregated_s", f"{time.perf_counter() - started:.1f}")
    return not mismatches


def _sizes() -> list[int]:
    """BENCH_SIZES: organizations per size, «500,2000,8000» by default; 32000 (about Russia's
    40,000 schools) only when asked for."""
    text = os.environ.get("BENCH_SIZES", DEFAULT_SIZES)
    return [int(part) for part in text.replace(" ", "").split(",") if part]


def _cost_at(size: int) -> tuple[tuple[float, float], bool]:
    """The full recompute (inputs unchanged, median of 3 after the first, which writes every row)
    and the hand-written aggregate at `size` organizations, on a region rebuilt to that size."""
    from indicators import services
    from indicators.models import IndicatorValue

    started = time.perf_counter()
    rng = random.Random(SEED)
    elements, specs = _spec(rng)
    municipality, periods, _organizations, element_ids, indicator_ids, _rows_copied = _build(
        rng, elements, specs, size
    )
    period, previous = periods[-1], periods[-2]
    full_s, _runs, _written = _timed(
        lambda: services.indicator_values_recompute(municipality=municipality, period=period),
        FULL_RUNS,
        before=lambda: _vacuum(IndicatorValue),
    )
    statement = _aggregate_sql(specs, element_ids, indicator_ids)
    params = {"municipality": municipality.pk, "current": period.pk, "previous": previous.pk}
    sql_s, _runs, aggregated, _default_s, _tuned_s = _baseline(statement, params)
    matched = not _compare(_totals(municipality, period), aggregated, [indicator_ids[s.code] for s in specs])
    _report(f"bench_size_s_{size}", f"{time.perf_counter() - started:.1f}")
    return (full_s, sql_s), matched


def _slope(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of log time over log organizations."""
    xs = [math.log(size) for size, _seconds in points]
    ys = [math.log(seconds) for _size, seconds in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )


def _rows(municipality, period) -> list[tuple]:
    from indicators.models import IndicatorValue

    return sorted(
        IndicatorValue.objects.filter(municipality=municipality, period=period).values_list(
            "indicator_id",
            "organization_id",
            "numerator",
            "denominator",
            "value",
            "base_numerator",
            "base_denominator",
            "previous_base_numerator",
            "previous_base_denominator",
            "reason",
            "reported",
            "expected",
        ),
        key=repr,
    )


if __name__ == "__main__":
    sys.exit(main())
