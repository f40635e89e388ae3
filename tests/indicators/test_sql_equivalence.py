"""The set-based recompute on PostgreSQL (indicators.sql) gives exactly the rows of the Python path.

Hypothesis builds a catalogue (data elements reported by some kinds of organization, indicators of
every kind with random formulas over them, unknown codes, broken and missing formulas, factors per N)
and the data of two periods (zeros, negatives, missing values, the department's own figures, an
organization that stops being active; elements split by one and by two categories, their cells
filled, missing or «не применимо», named in formulas by a cell, a group of cells or their total),
recomputes once, changes the data, and then compares both paths from that same state: the whole
municipality, one organization (the incremental recompute), and the set-based path rerun over the
Python path's rows, which must write no row at all.
"""

from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from indicators import services
from indicators.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    DataValue,
    DataValueCell,
    Indicator,
    IndicatorValue,
    OptionCombo,
)
from mcok.models import Period
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_period

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the set-based recompute runs on PostgreSQL only; SQLite keeps the Python path "
    "(set DATABASE_URL to a PostgreSQL database to run this suite)",
)

CODES = ["e0", "e1", "e2", "e3", "e4"]
SPLIT = ["t", "u"]  # t by k (a, b, c); u by k × s (x, y)
KINDS = ["school", "kindergarten", "additional"]
NUMBERS = [
    "numerator",
    "denominator",
    "value",
    "base_numerator",
    "base_denominator",
    "previous_base_numerator",
    "previous_base_denominator",
]
VALUES = st.sampled_from(
    [Decimal(v) for v in ("7", "3", "12.5", "0", "1", "2", "0", "5", "10", "-4", "0.3333", "40")]
)

code = st.sampled_from(CODES)
option_ref = st.sampled_from(
    ["t", "t[k=a]", "t[k=b]", "t[K = c]", "u", "u[s=x]", "u[k=a, s=y]", "u[k=b]", "t[k=zz]"]
)
leaf = st.one_of(
    code,
    code,
    code,
    option_ref,
    st.just("unknown_code"),  # not an element: no value, as a missing figure
    st.sampled_from(["0", "1", "2", "0,5", "3.5", "10"]),
)


def _extend(children):
    binary = st.tuples(
        children, st.sampled_from(["+", "-", "*", "/", "×", "÷", "−"]), children, st.booleans()
    )
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})" if t[3] else f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda child: f"-{child}"),
    )


formula = st.recursive(leaf, _extend, max_leaves=4)
indicator = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(list(Indicator.Kind.values)),
        # Mostly one figure over another, as the orders write them; also missing and broken ones.
        "numerator": st.one_of(code, code, option_ref, formula, formula, st.sampled_from(["", "e0 +"])),
        "denominator": st.one_of(code, option_ref, formula, st.just("")),
        "factor": st.sampled_from([1, 10, 100, 1000]),
    }
)


def _snapshot(municipality, period) -> list[tuple]:
    rows = IndicatorValue.objects.filter(municipality=municipality, period=period).values_list(
        "indicator__code", "organization_id", *NUMBERS, "reason", "reported", "expected"
    )
    return sorted(rows, key=repr)


def _versions(municipality, period) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ctid::text FROM indicators_indicatorvalue"
            " WHERE municipality_id = %s AND period_id = %s ORDER BY id",
            [municipality.pk, period.pk],
        )
        return cursor.fetchall()


def _run(python: bool, municipality, period, organization=None):
    """The rows after a recompute by one path, from the current state, which is then restored."""
    try:
        with transaction.atomic():
            if python:
                with services.python_path():
                    services.indicator_values_recompute(
                        municipality=municipality, period=period, organization=organization
                    )
            else:
                services.indicator_values_recompute(
                    municipality=municipality, period=period, organization=organization
                )
            rows = _snapshot(municipality, period)
            transaction.set_rollback(True)
    except DataError:  # a number beyond the column, on either path
        return "numeric overflow"
    return rows


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_set_based_recompute_gives_the_rows_of_the_python_path(world, data):
    draw = data.draw
    with transaction.atomic():
        _example(world, draw)
        transaction.set_rollback(True)


def _example(world, draw) -> None:
    municipality = world.municipality
    has_previous = draw(st.sampled_from([True, True, True, False]), label="has_previous")
    year = 2025 if has_previous else 2061  # 2060 is never made: no previous period
    period = make_period(str(year))
    before = make_period(str(year - 1)) if has_previous else None
    assert services.previous_period(period) == before

    elements = {
        code: make_element(
            municipality,
            code,
            kinds=draw(
                st.one_of(st.just(["school"]), st.lists(st.sampled_from(KINDS), unique=True, max_size=2)),
                label=f"kinds {code}",
            ),
        )
        for code in CODES
    }
    k = Category.objects.create(municipality=municipality, code="k", name="K")
    s = Category.objects.create(municipality=municipality, code="s", name="S")
    for category, names in ((k, "abc"), (s, "xy")):
        for order, name in enumerate(names):
            CategoryOption.objects.create(category=category, code=name, name=name, order=order)
    for element_code, second in (("t", None), ("u", s)):
        combo = CategoryCombo.objects.create(
            municipality=municipality, code=element_code, name=element_code, first=k, second=second
        )
        services.category_combo_sync(combo)
        elements[element_code] = make_element(
            municipality, element_code, kinds=draw(st.sampled_from([["school"], []])), category_combo=combo
        )
    option_combos = {
        code: list(OptionCombo.objects.filter(combo=elements[code].category_combo)) for code in SPLIT
    }
    specs = draw(st.lists(indicator, min_size=1, max_size=6), label="indicators")
    for number, spec in enumerate(specs):
        Indicator.objects.create(municipality=municipality, code=f"X{number}", name=f"X{number}", **spec)
    organizations = [world.school, world.other_school] + [
        make_organization(municipality, kind=kind)
        for kind in draw(st.lists(st.sampled_from(KINDS), max_size=3), label="more organizations")
    ]
    owners = [*organizations, None]  # None: the department's own figures

    def figures(periods: list[Period], label: str) -> dict:
        cells = {}
        for owner in owners:
            often = [True, False] if owner is None else [True, True, True, False]
            reports = draw(st.sampled_from(often), label=f"{label} reports {owner}")
            for when in periods:
                for code in CODES + SPLIT:
                    if reports:
                        cells[owner, when, code] = draw(st.one_of(VALUES, VALUES, st.none()), label=label)
                for code in SPLIT:
                    if reports or draw(st.booleans(), label=f"{label} cells only"):
                        for combo in option_combos[code]:
                            cells[owner, when, (code, combo)] = draw(
                                st.one_of(VALUES, VALUES, st.none(), st.just("na")), label=label
                            )
        return cells

    def store(cells: dict) -> None:
        # The totals are drawn apart from the cells: both paths must agree on any stored state.
        DataValue.objects.filter(municipality=municipality).delete()
        DataValueCell.objects.filter(municipality=municipality).delete()
        DataValue.objects.bulk_create(
            DataValue(
                data_element=elements[code],
                municipality=municipality,
                organization=owner,
                period=when,
                value=value,
            )
            for (owner, when, code), value in cells.items()
            if value is not None and isinstance(code, str)
        )
        DataValueCell.objects.bulk_create(
            DataValueCell(
                data_element=elements[key[0]],
                municipality=municipality,
                organization=owner,
                period=when,
                option_combo=key[1],
                value=None if value == "na" else value,
                not_applicable=value == "na",
            )
            for (owner, when, key), value in cells.items()
            if value is not None and not isinstance(key, str)
        )

    periods = [period, before] if before else [period]
    first = figures(periods, "first")
    store(first)
    with services.python_path():
        services.indicator_values_recompute(municipality=municipality, period=period)
    # The data change: new figures of the period for some, the rest kept; an organization may close.
    changed = figures([period], "changed")
    stored_now = {key: value for key, value in first.items() if key[1] != period} | changed
    store(stored_now)
    if draw(st.booleans(), label="one closes"):
        closing = draw(st.sampled_from(organizations), label="closing")
        type(closing).objects.filter(pk=closing.pk).update(is_active=False)

    python, set_based = _run(True, municipality, period), _run(False, municipality, period)
    assert set_based == python
    for row in python if python != "numeric overflow" else []:
        kind = Indicator.objects.get(municipality=municipality, code=row[0]).kind
        owner = "municipality" if row[1] is None else "organization"
        event(f"{owner} {kind}: {row[-3] or 'value'}")

    if python == "numeric overflow":
        return

    # Over the Python path's rows, the set-based path writes nothing: it stores what Python stores.
    with services.python_path():
        services.indicator_values_recompute(municipality=municipality, period=period)
    stored = _versions(municipality, period)
    services.indicator_values_recompute(municipality=municipality, period=period)
    assert _versions(municipality, period) == stored
    assert _snapshot(municipality, period) == python

    # From that state, one organization's figures of the period change: recomputed for it alone, by
    # either path, the rows are those a full recompute leaves (the set-based path redoes only the
    # municipal rows of the indicators whose organization rows changed).
    one = draw(st.sampled_from(organizations), label="incremental")
    kept = {key: value for key, value in stored_now.items() if not (key[0] == one and key[1] == period)}
    store(kept | {key: value for key, value in figures([period], "one").items() if key[0] == one})
    full = _run(True, municipality, period)
    assert _run(False, municipality, period, one) == full
    assert _run(True, municipality, period, one) == full


def test_both_paths_agree_on_every_reason_and_kind(world):
    """A fixed catalogue that reaches every reason «why no value», per N, negative denominators
    summing to zero, and the department's own figures for a ratio and a growth rate."""
    municipality = world.municipality
    before, period = make_period("2024"), make_period("2025")
    elements = {code: make_element(municipality, code) for code in ("a", "b", "c")}
    elements |= {code: make_element(municipality, code, kinds=()) for code in ("m1", "m2")}
    growth, ratio = Indicator.Kind.GROWTH, Indicator.Kind.RATIO
    for code, kind, numerator, denominator, factor in [
        ("R1", ratio, "a", "b", 100),
        ("R2", ratio, "a + 1", "b", 1000),
        ("G1", growth, "a", "b", 100),
        ("G2", growth, "a", "", 100),
        ("V1", Indicator.Kind.VALUE, "a", "", 100),
        ("S1", Indicator.Kind.SCORE, "a", "", 100),
        ("N1", ratio, "", "b", 100),
        ("Z1", ratio, "a", "c", 100),
        ("O1", ratio, "m1", "m2", 100),
        ("O2", growth, "m1", "m2", 100),
    ]:
        Indicator.objects.create(
            municipality=municipality,
            code=code,
            name=code,
            kind=kind,
            numerator=numerator,
            denominator=denominator,
            factor=factor,
        )
    s3, s4, s5 = (make_organization(municipality) for _ in range(3))
    kindergarten = make_organization(municipality, kind="kindergarten")
    figures = {
        period: {
            world.school: {"a": 3, "b": 4, "c": 5},
            world.other_school: {"a": 0, "b": 0, "c": -5},
            s3: {"a": 2, "b": 7},
            s4: {"a": 1, "b": 1},
            s5: {"a": 6, "b": 3},
            kindergarten: {"a": 1},
            None: {"m1": 12, "m2": 80},
        },
        before: {
            world.school: {"a": 3, "b": 0},
            s3: {"a": 0, "b": 5},
            s5: {"a": 2, "b": 2},
            None: {"m1": 10, "m2": 80},
        },
    }
    DataValue.objects.bulk_create(
        DataValue(
            data_element=elements[code],
            municipality=municipality,
            organization=owner,
            period=when,
            value=Decimal(number),
        )
        for when, owners in figures.items()
        for owner, values in owners.items()
        for code, number in values.items()
    )
    python = _run(True, municipality, period)
    assert _run(False, municipality, period) == python
    assert {row[-3] for row in python} == {"", *IndicatorValue.Reason.values}
    # One organization's recompute, from the rows a full recompute left, leaves them as they are.
    with services.python_path():
        services.indicator_values_recompute(municipality=municipality, period=period)
    for organization in (world.school, s3, kindergarten):
        assert _run(False, municipality, period, organization) == python
        assert _run(True, municipality, period, organization) == python
