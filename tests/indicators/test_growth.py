"""Growth rates («темп роста»): a school's value is the growth of its base ratio, the municipality's
the growth of the municipal ratio Σ numerators / Σ denominators, never a sum of the schools' ratios."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from indicators import formulas, selectors, services
from indicators.forms import IndicatorForm
from indicators.models import Indicator, IndicatorValue, RecomputeRequest
from tests.factories import make_municipality, make_organization
from tests.indicators.factories import make_element, make_indicator, make_period, put

Reason = IndicatorValue.Reason
ALL = ("school", "kindergarten", "additional")
QUARTER = Decimal("0.0001")  # the stored scale

# Amursk's П1 in the demo (indicators/demo.py, years 2024 and 2025): the pedagogical staff's payroll
# and the whole payroll of each organization, as `load_demo` draws them.
AMURSK_P1 = {
    # short name, kind: ((payroll_ped, payroll_total) in 2024, the same in 2025)
    ("Демонстрационная СОШ", "school"): ((29, 51), (35, 49)),
    ("МБДОУ детский сад №1 (демо)", "kindergarten"): ((16, 47), (27, 45)),
    ("МБОУ СОШ №1 (демо)", "school"): ((30, 57), (28, 55)),
    ("МБОУ СОШ №2 (демо)", "school"): ((19, 60), (54, 58)),
    ("МБОУ сельская СОШ (демо)", "school"): ((13, 38), (22, 36)),
    ("МБУ ДО Центр внешкольной работы (демо)", "additional"): ((18, 65), (34, 63)),
}


def value(indicator, period, organization=None) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=indicator, period=period, organization=organization)


def q(number) -> Decimal:
    return Decimal(number).quantize(QUARTER)


@pytest.fixture
def amursk(db):
    """The Amursk municipality with П1 as the demo defines it and the demo's figures of 2024 and 2025."""
    municipality = make_municipality(name="Амурский муниципальный район", slug="amursk-growth")
    before, now = make_period("2024"), make_period("2025")
    ped = make_element(municipality, "payroll_ped", kinds=ALL)
    total = make_element(municipality, "payroll_total", kinds=ALL)
    p1 = make_indicator(
        municipality, "П1", "payroll_ped", "payroll_total", kind=Indicator.Kind.GROWTH, factor=100
    )
    organizations = {}
    for (name, kind), figures in AMURSK_P1.items():
        organization = make_organization(municipality, short_name=name, kind=kind)
        organizations[name] = organization
        for period, (part, whole) in zip((before, now), figures, strict=True):
            put(ped, organization, period, part)
            put(total, organization, period, whole)
    for period in (before, now):
        services.indicator_values_recompute(municipality=municipality, period=period)
    RecomputeRequest.objects.all().delete()  # done above; a test's own change then redoes only its scope
    return municipality, p1, before, now, ped, total, organizations


def test_amursk_p1_is_the_growth_of_the_municipal_ratio_not_a_sum_of_school_ratios(amursk):
    municipality, p1, before, now, *_rest = amursk
    ratio_now = Decimal(sum(n[0] for _b, n in AMURSK_P1.values())) / sum(n[1] for _b, n in AMURSK_P1.values())
    ratio_before = Decimal(sum(b[0] for b, _n in AMURSK_P1.values())) / sum(
        b[1] for b, _n in AMURSK_P1.values()
    )
    # The old rule: Σ of the schools' stored ratios now ÷ Σ of them before (164.7 for 2025 in the demo).
    old_rule = sum(q(Decimal(n[0]) / n[1]) for _b, n in AMURSK_P1.values()) / sum(
        q(Decimal(b[0]) / b[1]) for b, _n in AMURSK_P1.values()
    )

    municipal = value(p1, now)
    assert municipal.value == q(ratio_now / ratio_before * 100) == Decimal("166.2745")  # 200/306 ÷ 125/318
    assert q(old_rule * 100) == Decimal("164.7069")
    assert municipal.value != q(old_rule * 100)
    # The row explains itself: the municipal ratio now and before, and the sums they come from.
    assert (municipal.numerator, municipal.denominator) == (q(ratio_now), q(ratio_before))
    assert (
        municipal.base_numerator,
        municipal.base_denominator,
        municipal.previous_base_numerator,
        municipal.previous_base_denominator,
    ) == (200, 306, 125, 318)
    assert (municipal.reason, municipal.reported, municipal.expected) == ("", 6, 6)


def test_a_schools_value_is_its_ratio_now_over_its_ratio_before(amursk):
    _municipality, p1, _before, now, *_rest, organizations = amursk
    school = value(p1, now, organizations["Демонстрационная СОШ"])
    # (35 / 49) ÷ (29 / 51) × 100
    assert school.value == q(Decimal(35) / 49 / (Decimal(29) / 51) * 100) == Decimal("125.6158")
    assert (school.numerator, school.denominator) == (q(Decimal(35) / 49), q(Decimal(29) / 51))
    assert (school.base_numerator, school.base_denominator) == (35, 49)
    assert (school.previous_base_numerator, school.previous_base_denominator) == (29, 51)
    assert school.reason == ""


def test_the_first_period_has_no_previous_one(amursk):
    _municipality, p1, before, *_rest, organizations = amursk
    # 2024 is the first year: no period before it exists.
    school = value(p1, before, organizations["Демонстрационная СОШ"])
    assert (school.value, school.reason) == (None, Reason.NO_PREVIOUS)
    assert (school.base_numerator, school.base_denominator) == (29, 51)
    municipal = value(p1, before)
    assert (municipal.value, municipal.reason, municipal.reported) == (None, Reason.NO_PREVIOUS, 0)


def test_a_school_missing_the_previous_period_says_so_and_stays_out_of_both_sums(
    amursk, django_capture_on_commit_callbacks
):
    municipality, p1, _before, now, ped, total, organizations = amursk
    newcomer = make_organization(municipality, short_name="Новая школа", kind="school")
    with django_capture_on_commit_callbacks(execute=True):
        put(ped, newcomer, now, 90)
        put(total, newcomer, now, 100)
    row = value(p1, now, newcomer)
    assert (row.value, row.reason) == (None, Reason.NO_PREVIOUS)
    assert row.numerator == q(Decimal("0.9"))  # its ratio now is known, the one before is not
    municipal = value(p1, now)
    # Only the schools with both periods: a newcomer reads neither as a rise nor as a fall.
    assert municipal.value == Decimal("166.2745")
    assert (municipal.base_numerator, municipal.base_denominator) == (200, 306)
    assert (municipal.reported, municipal.expected) == (6, 7)


def test_zero_denominators_now_and_before_and_a_zero_base_before_give_their_reasons(
    amursk, django_capture_on_commit_callbacks
):
    municipality, p1, before, now, ped, total, organizations = amursk
    with django_capture_on_commit_callbacks(execute=True):
        put(total, organizations["МБОУ СОШ №1 (демо)"], now, 0)
        put(total, organizations["МБОУ СОШ №2 (демо)"], before, 0)
        put(ped, organizations["МБОУ сельская СОШ (демо)"], before, 0)
    zero_now = value(p1, now, organizations["МБОУ СОШ №1 (демо)"])
    assert (zero_now.value, zero_now.reason) == (None, Reason.ZERO_DENOMINATOR)
    zero_before = value(p1, now, organizations["МБОУ СОШ №2 (демо)"])
    assert (zero_before.value, zero_before.reason) == (None, Reason.PREVIOUS_ZERO_DENOMINATOR)
    zero_base = value(p1, now, organizations["МБОУ сельская СОШ (демо)"])
    assert (zero_base.value, zero_base.reason) == (None, Reason.PREVIOUS_ZERO)

    # The other three: (35 + 27 + 34) / (49 + 45 + 63) ÷ (29 + 16 + 18) / (51 + 47 + 65) × 100.
    municipal = value(p1, now)
    expected = Decimal(96) / 157 / (Decimal(63) / 163) * 100
    assert municipal.value == q(expected)
    assert (municipal.base_numerator, municipal.base_denominator) == (96, 157)
    assert (municipal.previous_base_numerator, municipal.previous_base_denominator) == (63, 163)
    assert municipal.reported == 3


def test_no_school_with_data_now_gives_no_data(amursk, django_capture_on_commit_callbacks):
    municipality, p1, _before, _now, ped, total, _organizations = amursk
    later = make_period("2026")
    services.indicator_values_recompute(municipality=municipality, period=later)
    municipal = value(p1, later)
    assert (municipal.value, municipal.reason, municipal.reported) == (None, Reason.NO_DATA, 0)


def test_one_changed_school_updates_the_municipal_rate_from_the_others_stored_terms(
    amursk, django_capture_on_commit_callbacks
):
    """The task recomputes only the changed school's rows; the municipal rate still sums everyone's."""
    _municipality, p1, _before, now, ped, _total, organizations = amursk
    with django_capture_on_commit_callbacks(execute=True):
        put(ped, organizations["МБОУ СОШ №2 (демо)"], now, 4)  # 54 → 4
    assert not RecomputeRequest.objects.exists()
    assert value(p1, now).value == q(Decimal(150) / 306 / (Decimal(125) / 318) * 100)


def test_a_change_in_the_previous_period_reaches_the_growth_rate(amursk, django_capture_on_commit_callbacks):
    _municipality, p1, before, now, _ped, total, organizations = amursk
    with django_capture_on_commit_callbacks(execute=True):
        put(total, organizations["Демонстрационная СОШ"], before, 58)  # 51 → 58
    assert value(p1, now).value == q(Decimal(200) / 306 / (Decimal(125) / 325) * 100)


def test_the_growth_of_a_quantity_is_the_growth_of_its_sum(db):
    municipality = make_municipality(name="Ишимбайский район", slug="ishim-growth")
    first, second = make_organization(municipality), make_organization(municipality)
    before, now = make_period("2024"), make_period("2025")
    graduates = make_element(municipality, "graduates")
    rate = make_indicator(municipality, "Т1", "graduates", kind=Indicator.Kind.GROWTH)
    for organization, figures in ((first, (50, 60)), (second, (10, 30))):
        for period, number in zip((before, now), figures, strict=True):
            put(graduates, organization, period, number)
    services.indicator_values_recompute(municipality=municipality, period=now)
    assert value(rate, now, second).value == Decimal(300)
    municipal = value(rate, now)
    assert municipal.value == Decimal(150)  # 90 / 60, not (120 + 300) / 2
    assert (municipal.numerator, municipal.denominator) == (90, 60)


def test_the_departments_own_figures_give_the_rate_when_no_school_reports(db):
    municipality = make_municipality(name="Амурский район", slug="amur-own")
    make_organization(municipality)
    before, now = make_period("2024"), make_period("2025")
    served = make_element(municipality, "services_electronic", kinds=())
    offered = make_element(municipality, "services_total", kinds=())
    rate = make_indicator(
        municipality, "Т9", "services_electronic", "services_total", kind=Indicator.Kind.GROWTH
    )
    for period, (part, whole) in ((before, (10, 40)), (now, (30, 60))):
        put(served, None, period, part)
        put(offered, None, period, whole)
    services.indicator_values_recompute(municipality=municipality, period=now)
    assert value(rate, now).value == Decimal(200)  # (30 / 60) ÷ (10 / 40) × 100


def test_growth_recompute_queries_do_not_grow_with_organizations(db):
    municipality = make_municipality(name="Амурский район", slug="amur-queries")
    before, now = make_period("2024"), make_period("2025")
    part = make_element(municipality, "part")
    whole = make_element(municipality, "whole")
    make_indicator(municipality, "G1", "part", "whole", kind=Indicator.Kind.GROWTH)

    def queries_for(schools: int) -> int:
        while municipality.organizations.count() < schools:
            organization = make_organization(municipality)
            for period in (before, now):
                put(whole, organization, period, 10)
                put(part, organization, period, 4)
        with CaptureQueriesContext(connection) as context:
            services.indicator_values_recompute(municipality=municipality, period=now)
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(20)


# The formula -----------------------------------------------------------------------------------------


def test_a_ratio_written_in_the_numerator_alone_is_refused_for_a_growth_rate(db):
    municipality = make_municipality(name="Амурский район", slug="amur-check")
    make_element(municipality, "payroll_ped")
    make_element(municipality, "payroll_total")

    def check(numerator: str, denominator: str = "") -> None:
        services.indicator_check(
            Indicator(
                municipality=municipality,
                kind=Indicator.Kind.GROWTH,
                numerator=numerator,
                denominator=denominator,
            )
        )

    with pytest.raises(ValidationError) as error:
        check("payroll_ped / payroll_total")
    assert "denominator" in error.value.message_dict
    with pytest.raises(ValidationError):
        check("(payroll_ped + 1) * 100 / payroll_total")
    check("payroll_ped", "payroll_total")
    check("payroll_ped")  # the growth of a quantity
    check("payroll_ped / 2")  # a constant divides nothing apart


def test_the_formula_in_words_names_the_base_ratio():
    names = {"a": "ФОТ педагогов", "b": "Общий ФОТ"}
    text = selectors.formula_in_words(Indicator(kind="growth", numerator="a", denominator="b"), names)
    assert text.startswith("((ФОТ педагогов) / (Общий ФОТ)")
    assert text.count("(ФОТ педагогов) / (Общий ФОТ)") == 2


def test_growth_of_base_terms():
    assert formulas.base(Decimal(3), Decimal(4)) == Decimal("0.75")
    assert formulas.base(Decimal(3), None, quantity=True) == Decimal(3)
    assert formulas.base(Decimal(3), Decimal(0)) is None
    assert formulas.base_growth((Decimal(200), Decimal(306)), (Decimal(125), Decimal(318))).quantize(
        QUARTER
    ) == Decimal("166.2745")
    assert formulas.base_growth((Decimal(1), Decimal(2)), (Decimal(0), Decimal(2))) is None


# The migration ---------------------------------------------------------------------------------------

migration = importlib.import_module("indicators.migrations.0003_growth_base_ratio")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("payroll_ped / payroll_total", ("payroll_ped", "payroll_total")),
        ("pupils_total÷staff_total", ("pupils_total", "staff_total")),
        ("(a + b) / (c - d)", ("a + b", "c - d")),
        ("a * b / c", ("a * b", "c")),
        ("-a / b", ("-a", "b")),
        ("a / -b", ("a", "-b")),
        ("(a / b)", None),  # one parenthesised factor: kept whole
        ("a / b * 100", None),  # the last operation is ×
        ("a / b + c", None),
        ("graduates", None),
        ("a − b / c", None),
        ("a / b $", None),
    ],
)
def test_the_migration_splits_a_quotient_at_its_top_level(text, parts):
    assert migration.split_quotient(text) == parts


def test_the_migration_moves_a_growth_rate_into_its_base_ratio_and_asks_for_a_recompute(amursk):
    municipality, p1, before, now, *_rest = amursk
    # The shape before the migration, with the values the old rule stored.
    Indicator.objects.filter(pk=p1.pk).update(numerator="payroll_ped / payroll_total", denominator="")
    IndicatorValue.objects.filter(indicator=p1, period=now, organization=None).update(
        value=Decimal("164.7069"), base_numerator=None
    )
    quantity = make_indicator(municipality, "Т1", "payroll_total", kind=Indicator.Kind.GROWTH)
    RecomputeRequest.objects.all().delete()

    migration.forwards(apps, None)

    p1.refresh_from_db()
    quantity.refresh_from_db()
    assert (p1.numerator, p1.denominator) == ("payroll_ped", "payroll_total")
    assert (quantity.numerator, quantity.denominator) == ("payroll_total", "")
    scopes = set(RecomputeRequest.objects.values_list("municipality", "period", "organization"))
    assert scopes == {(municipality.pk, before.pk, None), (municipality.pk, now.pk, None)}

    services.recompute_pending()
    assert value(p1, now).value == Decimal("166.2745")
    assert not RecomputeRequest.objects.exists()

    migration.backwards(apps, None)
    p1.refresh_from_db()
    assert (p1.numerator, p1.denominator) == ("(payroll_ped) / (payroll_total)", "")


def test_one_organizations_growth_from_its_figures():
    numerator, denominator = formulas.parse("payroll_ped"), formulas.parse("payroll_total")
    now = {"payroll_ped": Decimal(35), "payroll_total": Decimal(49)}
    before = {"payroll_ped": Decimal(29), "payroll_total": Decimal(51)}
    assert formulas.growth_of(numerator, denominator, now, before).quantize(QUARTER) == Decimal("125.6158")
    assert formulas.growth_of(numerator, None, now, before).quantize(QUARTER) == Decimal("120.6897")
    assert formulas.growth_of(numerator, denominator, now, {}) is None


# The form ----------------------------------------------------------------------------------------------


def growth_form(municipality, **fields) -> IndicatorForm:
    data = {
        "code": "П1",
        "name": "Темп роста доли фонда оплаты труда педагогических работников",
        "unit": "%",
        "kind": "growth",
        "numerator": "payroll_ped",
        "denominator": "payroll_total",
        "factor": "100",
        "periodicity": "half_year",
        "higher_is_better": "on",
        **fields,
    }
    return IndicatorForm(data, instance=Indicator(municipality=municipality), municipality=municipality)


def test_the_indicator_form_sets_a_growth_rates_base_ratio_and_says_so_in_russian(db):
    municipality = make_municipality(name="Амурский район", slug="amur-form")
    make_element(municipality, "payroll_ped")
    make_element(municipality, "payroll_total")
    with translation.override("ru"):
        form = growth_form(municipality, numerator="payroll_ped / payroll_total", denominator="")
        assert not form.is_valid()
        assert form.errors["denominator"] == [
            "Для темпа роста отношения укажите его числитель и знаменатель в отдельных полях: "
            "значение по муниципалитету — это темп роста Σ числителей / Σ знаменателей."
        ]
        assert "знаменатель базового отношения" in str(form["denominator"].help_text)
        assert "числитель базового отношения" in str(form["numerator"].help_text)

        form = growth_form(municipality)
        assert form.is_valid(), form.errors
    saved = form.save(commit=False)
    saved.municipality = municipality
    saved.save()
    assert (saved.kind, saved.numerator, saved.denominator) == ("growth", "payroll_ped", "payroll_total")
