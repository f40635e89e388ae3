"""Disaggregated figures: categories, cells, totals, «не применимо», and formulas over options."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from indicators import categories, formulas, services
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
)
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_indicator, make_period


def make_category(municipality, code: str, name: str, options: list[tuple[str, str]]) -> Category:
    category = Category.objects.create(municipality=municipality, code=code, name=name)
    for order, (option_code, option_name) in enumerate(options):
        CategoryOption.objects.create(category=category, code=option_code, name=option_name, order=order)
    return category


def make_combo(municipality, code: str, first: Category, second: Category | None = None) -> CategoryCombo:
    combo = CategoryCombo.objects.create(
        municipality=municipality, code=code, name=code, first=first, second=second
    )
    services.category_combo_sync(combo)
    return combo


def cell(element, *option_codes: str) -> OptionCombo:
    """The option combination of an element's table named by its options' codes."""
    for combo in OptionCombo.objects.filter(combo=element.category_combo_id).select_related(
        "first", "second"
    ):
        codes = {combo.first.code} | ({combo.second.code} if combo.second_id else set())
        if codes == set(option_codes):
            return combo
    raise LookupError(option_codes)


def put_cells(element, organization, period, values: dict) -> int:
    """values: (option codes) → number, None (emptied) or "na" («не применимо»)."""
    return services.data_values_write(
        entries=[
            services.Entry(
                element,
                organization,
                period,
                None if value in (None, "na") else Decimal(str(value)),
                option_combo=cell(element, *options),
                not_applicable=value == "na",
            )
            for options, value in values.items()
        ],
        source="manual",
        by=None,
    )


def total_of(element, organization, period) -> Decimal | None:
    row = DataValue.objects.filter(data_element=element, organization=organization, period=period).first()
    return row.value if row else None


@pytest.fixture
def vpr(world):
    """Pupils who wrote the ВПР and passed it, by subject × class (5, 6, 7), and pupils by class."""
    municipality = world.municipality
    klass = make_category(
        municipality, "klass", "Класс", [("5", "5 класс"), ("6", "6 класс"), ("7", "7 класс")]
    )
    subject = make_category(
        municipality, "predmet", "Предмет", [("math", "Математика"), ("rus", "Русский язык")]
    )
    by_subject_class = make_combo(municipality, "subject_class", subject, klass)
    by_class = make_combo(municipality, "class", klass)
    return {
        "klass": klass,
        "subject": subject,
        "wrote": make_element(municipality, "vpr_wrote", category_combo=by_subject_class),
        "passed": make_element(municipality, "vpr_pass", category_combo=by_subject_class),
        "pupils": make_element(municipality, "pupils", category_combo=by_class),
        "period": make_period("2025"),
    }


def full(value_of) -> dict:
    return {(s, k): value_of(s, k) for s in ("math", "rus") for k in ("5", "6", "7")}


# Models and totals


def test_a_combination_has_a_cell_per_pair_of_options_and_follows_its_options(world, vpr):
    assert OptionCombo.objects.filter(combo=vpr["wrote"].category_combo).count() == 6
    assert OptionCombo.objects.filter(combo=vpr["pupils"].category_combo).count() == 3
    CategoryOption.objects.create(category=vpr["klass"], code="8", name="8 класс", order=3)
    assert services.category_combo_sync(vpr["wrote"].category_combo) == 2
    assert services.category_combo_sync(vpr["wrote"].category_combo) == 0
    CategoryOption.objects.filter(category=vpr["klass"], code="8").delete()
    assert OptionCombo.objects.filter(combo=vpr["wrote"].category_combo).count() == 6


def test_the_total_is_no_data_until_every_cell_is_filled_and_not_applicable_counts(world, vpr):
    wrote, period, school = vpr["wrote"], vpr["period"], world.school
    values = full(lambda s, k: 10)
    del values["rus", "7"]
    put_cells(wrote, school, period, values)
    assert total_of(wrote, school, period) is None
    status = categories.element_total(wrote, school, period)
    assert (status.value, status.filled, status.expected) == (None, 5, 6)
    assert "5" in status.reason and "6" in status.reason
    put_cells(wrote, school, period, {("rus", "7"): "na"})
    assert total_of(wrote, school, period) == Decimal(50)
    assert categories.element_total(wrote, school, period).reason == ""
    assert DataValueCell.objects.get(
        data_element=wrote, organization=school, option_combo=cell(wrote, "rus", "7")
    ).not_applicable
    put_cells(wrote, school, period, {("math", "5"): 12})
    assert total_of(wrote, school, period) == Decimal(52)
    put_cells(wrote, school, period, {("math", "5"): None})  # emptied: the total goes again
    assert total_of(wrote, school, period) is None
    assert DataValueCell.objects.filter(data_element=wrote, organization=school).count() == 5


def test_an_element_without_a_total_keeps_its_cells_only(world, vpr):
    wrote = vpr["wrote"]
    wrote.has_total = False
    wrote.save()
    put_cells(wrote, world.school, vpr["period"], full(lambda s, k: 3))
    assert total_of(wrote, world.school, vpr["period"]) is None
    assert categories.element_total(wrote, world.school, vpr["period"]).reason
    assert DataValueCell.objects.filter(data_element=wrote).count() == 6


def test_a_disaggregated_element_refuses_a_bare_figure_and_a_foreign_cell(world, vpr):
    with pytest.raises(ValidationError):
        services.data_values_write(
            entries=[services.Entry(vpr["wrote"], world.school, vpr["period"], Decimal(5))],
            source="manual",
            by=None,
        )
    with pytest.raises(ValidationError):
        services.data_values_write(
            entries=[
                services.Entry(
                    vpr["wrote"],
                    world.school,
                    vpr["period"],
                    Decimal(5),
                    option_combo=cell(vpr["pupils"], "5"),
                )
            ],
            source="manual",
            by=None,
        )


def test_single_value_elements_are_unchanged(world):
    element = make_element(world.municipality, "plain")
    period = make_period("2025")
    assert (
        services.data_values_write(
            entries=[services.Entry(element, world.school, period, Decimal(7))], source="manual", by=None
        )
        == 1
    )
    assert total_of(element, world.school, period) == Decimal(7)


# Formulas over options


def test_formulas_parse_options_and_keep_a_canonical_key():
    node = formulas.parse("vpr_pass[Класс = 5, предмет=Математика] / vpr_wrote[ПРЕДМЕТ=математика] × 100")
    assert {code.key for code in formulas.references(node)} == {
        "vpr_pass[класс=5, предмет=математика]",
        "vpr_wrote[предмет=математика]",
    }
    assert formulas.codes(node) == {"vpr_pass", "vpr_wrote"}
    for broken in ("vpr_pass[класс]", "vpr_pass[класс=5, класс=6]", "vpr_pass[класс=5"):
        with pytest.raises(formulas.FormulaError):
            formulas.parse(broken)


def test_the_indicator_check_resolves_options_by_code_or_name(world, vpr):
    ok = Indicator(municipality=world.municipality, code="OK", kind="ratio")
    ok.numerator, ok.denominator = "vpr_pass[класс=5, предмет=математика]", "vpr_wrote[predmet=math]"
    services.indicator_check(ok)
    for numerator, _problem in [
        ("vpr_pass[пол=м]", "not split by «пол»"),
        ("vpr_pass[класс=12]", "no option «12»"),
    ]:
        bad = Indicator(municipality=world.municipality, code="B", kind="value", numerator=numerator)
        with pytest.raises(ValidationError) as error:
            services.indicator_check(bad)
        assert "numerator" in error.value.message_dict
    make_element(world.municipality, "plain")
    bad = Indicator(municipality=world.municipality, code="B", kind="value", numerator="plain[класс=5]")
    with pytest.raises(ValidationError):
        services.indicator_check(bad)
    vpr["wrote"].has_total = False
    vpr["wrote"].save()
    bad = Indicator(municipality=world.municipality, code="B", kind="value", numerator="vpr_wrote")
    with pytest.raises(ValidationError):
        services.indicator_check(bad)


def _fill(world, vpr, other_school_done: bool = True):
    period = vpr["period"]
    put_cells(vpr["wrote"], world.school, period, full(lambda s, k: 20))
    put_cells(vpr["passed"], world.school, period, full(lambda s, k: {"5": 15, "6": 10, "7": 5}[k]))
    put_cells(vpr["pupils"], world.school, period, {("5",): 25, ("6",): 25, ("7",): "na"})
    other = full(lambda s, k: 10)
    if not other_school_done:
        del other["math", "7"]
    put_cells(vpr["wrote"], world.other_school, period, other)
    put_cells(vpr["passed"], world.other_school, period, full(lambda s, k: 8))


def _indicators(world):
    municipality = world.municipality
    make_indicator(
        municipality, "P5M", "vpr_pass[класс=5, предмет=математика]", "vpr_wrote[класс=5, predmet=math]"
    )
    make_indicator(municipality, "PM", "vpr_pass[предмет=математика]", "vpr_wrote[предмет=математика]")
    make_indicator(municipality, "PALL", "vpr_pass", "vpr_wrote")
    make_indicator(municipality, "P7", "vpr_pass[класс=7]", "pupils[класс=7]")
    make_indicator(municipality, "W", "vpr_wrote[класс=6] + pupils")


def _rows(world, period) -> dict:
    return {
        (row.indicator.code, row.organization_id): (row.value, row.reason)
        for row in IndicatorValue.objects.filter(
            municipality=world.municipality, period=period
        ).select_related("indicator")
    }


def test_formulas_on_options_and_totals_in_the_python_path(world, vpr):
    _fill(world, vpr, other_school_done=False)
    _indicators(world)
    period = vpr["period"]
    with services.python_path():
        services.indicator_values_recompute(municipality=world.municipality, period=period)
    rows = _rows(world, period)
    school, other = world.school.pk, world.other_school.pk
    assert rows["P5M", school] == (Decimal("75.0000"), "")
    assert rows["PM", school] == (Decimal("50.0000"), "")  # (15 + 10 + 5) / 60
    assert rows["PALL", school] == (Decimal("50.0000"), "")
    assert rows["P7", school] == (None, "no_data")  # 7th class «не применимо»
    assert rows["W", school] == (Decimal("90.0000"), "")  # 40 + 50
    # The other school's table misses a cell of math: its math share and total are «no data».
    assert rows["P5M", other] == (Decimal("80.0000"), "")
    assert rows["PM", other] == (None, "no_data")
    assert rows["PALL", other] == (None, "no_data")
    # The municipality: Σ numerators / Σ denominators of the organizations with a value.
    assert rows["P5M", None] == ((Decimal(23) / Decimal(30) * 100).quantize(Decimal("0.0001")), "")
    assert rows["PM", None] == (Decimal("50.0000"), "")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path runs on PostgreSQL")
def test_formulas_on_options_and_totals_give_the_same_rows_in_both_paths(world, vpr):
    from tests.indicators.test_sql_equivalence import _run

    _fill(world, vpr, other_school_done=False)
    _indicators(world)
    period = vpr["period"]
    python = _run(True, world.municipality, period)
    assert _run(False, world.municipality, period) == python
    assert _run(False, world.municipality, period, world.other_school) == _run(
        True, world.municipality, period, world.other_school
    )
    third = make_organization(world.municipality)
    put_cells(vpr["wrote"], third, period, {("math", "5"): 4})  # cells only, no total: not reporting
    assert _run(False, world.municipality, period) == _run(True, world.municipality, period)


# The API


def test_the_api_writes_and_reads_cells_by_option_codes(client, world, vpr):
    client.force_login(world.coordinator)
    wrote, period = vpr["wrote"], vpr["period"]
    entries = [
        {
            "element": wrote.pk,
            "organization": world.school.pk,
            "period": period.code,
            "options": {"predmet": subject, "Класс": klass},  # a code or a name
            "value": "10",
        }
        for subject in ("math", "Русский язык")
        for klass in ("5", "6")
    ]
    entries.append(
        {
            "element": wrote.pk,
            "organization": world.school.pk,
            "period": period.code,
            "options": {"predmet": "math", "klass": "7"},
            "value": None,
            "not_applicable": True,
        }
    )
    response = client.post(reverse("api:data-value-bulk"), entries, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"written": 5}
    assert total_of(wrote, world.school, period) is None  # rus 7 is missing
    cells = client.get(reverse("api:data-value-cells"), {"element": "vpr_wrote", "period": period.code})
    assert cells.status_code == 200
    rows = cells.json()["results"]
    assert len(rows) == 5
    assert {(tuple(sorted(r["options"].items())), r["value"], r["not_applicable"]) for r in rows} >= {
        ((("klass", "7"), ("predmet", "math")), None, True),
        ((("klass", "5"), ("predmet", "rus")), "10.0000", False),
    }
    last = dict(entries[0], options={"predmet": "rus", "klass": "7"}, value="5")
    assert (
        client.post(reverse("api:data-value-bulk"), [last], content_type="application/json").status_code
        == 200
    )
    assert total_of(wrote, world.school, period) == Decimal(45)
    element = client.get(reverse("api:data-element-detail", args=[wrote.pk])).json()
    assert [c["code"] for c in element["categories"]] == ["predmet", "klass"]
    assert [o["code"] for o in element["categories"][1]["options"]] == ["5", "6", "7"]


def test_the_api_refuses_a_cell_that_does_not_exist_and_a_bare_figure(client, world, vpr):
    client.force_login(world.coordinator)
    base = {"element": vpr["wrote"].pk, "organization": world.school.pk, "period": "2025", "value": "1"}
    for entry in (
        base,
        dict(base, options={"predmet": "math"}),
        dict(base, options={"predmet": "math", "klass": "9"}),
    ):
        response = client.post(reverse("api:data-value-bulk"), [entry], content_type="application/json")
        assert response.status_code == 400, entry
        assert "options" in response.json()["0"], response.json()
    assert not DataValueCell.objects.exists()


def test_another_school_reads_no_cells_of_a_school(client, world, vpr):
    put_cells(vpr["wrote"], world.school, vpr["period"], {("math", "5"): 3})
    client.force_login(world.other_respondent)
    rows = client.get(reverse("api:data-value-cells")).json()["results"]
    assert rows == []


# The import


def test_the_import_takes_a_cell_column_and_not_applicable(world, vpr):
    from indicators import imports
    from tests.indicators.test_imports import csv_file, parse

    wrote, period = vpr["wrote"], vpr["period"]
    rows = [["организация", "период", "элемент", "разрез", "значение"]]
    for subject in ("математика", "rus"):
        for klass in ("5", "6", "7"):
            value = "не применимо" if (subject, klass) == ("rus", "7") else "4"
            rows.append(
                [world.school.short_name, "2025", "vpr_wrote", f"предмет={subject}; класс={klass}", value]
            )
    rows.append([world.school.short_name, "2025", "pupils", "", "3"])  # a split element without its cell
    rows.append([world.school.short_name, "2025", "vpr_wrote", "предмет=физика; класс=5", "3"])
    result = parse(world, csv_file(rows))
    assert len(result.errors) == 2
    assert "Row 8" in result.errors[0] and "Row 9" in result.errors[1]
    result = parse(world, csv_file(rows[:-2]))
    assert result.errors == []
    summary = imports.import_data_values(result, by=world.coordinator, dry_run=False)
    assert (summary.created, summary.updated, summary.unchanged) == (6, 0, 0)
    assert total_of(wrote, world.school, period) == Decimal(20)
    assert DataValueCell.objects.filter(data_element=wrote, not_applicable=True).count() == 1
    again = imports.import_data_values(parse(world, csv_file(rows[:-2])), by=world.coordinator, dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


# An indicator by the options of a category


def test_an_indicator_by_option_is_sum_over_sum_per_option_with_its_risk_group(world, vpr):
    from indicators import breakdown

    _fill(world, vpr)
    share = make_indicator(world.municipality, "PALL", "vpr_pass", "vpr_wrote", risk_threshold=Decimal(50))
    assert [c.code for c in breakdown.splittable(share)] == ["klass", "predmet"]
    by_class = {row.option.code: row for row in breakdown.by_option(share, vpr["klass"], vpr["period"])}
    school, other = world.school.pk, world.other_school.pk
    assert by_class["5"].organizations[school].value == Decimal("75.0000")
    assert by_class["5"].organizations[other].value == Decimal("80.0000")
    # (30 + 16) / (40 + 20), not the mean of 75 and 80
    assert by_class["5"].municipal == breakdown.Row(Decimal(46), Decimal(60), Decimal("76.6667"), "")
    assert by_class["7"].municipal.value == Decimal("43.3333")
    assert by_class["7"].at_risk == [school]
    by_subject = {row.option.code: row for row in breakdown.by_option(share, vpr["subject"], vpr["period"])}
    assert by_subject["math"].municipal.value == Decimal("60.0000")  # 54 / 90
    # A code that names the category keeps its option; other elements keep their totals.
    fifth = make_indicator(world.municipality, "P5", "vpr_pass[класс=5]", "vpr_wrote")
    rows = breakdown.by_option(fifth, vpr["subject"], vpr["period"])
    assert rows[0].organizations[school].value == Decimal("25.0000")  # 15 / 60 of math
    growth = make_indicator(world.municipality, "G", "vpr_pass", kind=Indicator.Kind.GROWTH)
    assert breakdown.by_option(growth, vpr["klass"], vpr["period"]) == []


# The demo


def test_the_demo_has_vpr_by_subject_and_class(db, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    from indicators import breakdown

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())
    services.recompute_pending()
    share = Indicator.objects.get(municipality__slug="ishimbay", code="ВПР-1")
    period = make_period("2025")
    subject = Category.objects.get(municipality__slug="ishimbay", code="predmet")
    rows = {row.option.code: row for row in breakdown.by_option(share, subject, period)}
    assert set(rows) == {"rus", "math", "okr"}
    for row in rows.values():
        assert row.municipal.value is not None and 0 < row.municipal.value < 100
    total = IndicatorValue.objects.get(indicator=share, period=period, organization=None)
    assert total.value is not None and total.reported > 0
    fifth = IndicatorValue.objects.get(
        indicator__code="ВПР-2", indicator__municipality__slug="amursk", period=period, organization=None
    )
    assert fifth.value is not None
    assert DataValueCell.objects.filter(not_applicable=True, data_element__code="vpr_wrote").exists()


# The data element's form


def test_the_department_makes_a_split_element_with_a_combination_of_its_own_municipality(client, world, vpr):
    client.force_login(world.coordinator)
    url = reverse("indicators:element_new")
    combo = vpr["wrote"].category_combo
    foreign_first = Category.objects.create(municipality=world.elsewhere, code="k", name="K")
    foreign = CategoryCombo.objects.create(
        municipality=world.elsewhere, code="k", name="K", first=foreign_first
    )
    data = {
        "code": "gia",
        "name": "ГИА",
        "value_type": "integer",
        "kinds": ["school"],
        "category_combo": foreign.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "category_combo" in response.context["form"].errors
    assert client.post(url, dict(data, category_combo=combo.pk)).status_code == 302
    element = DataElement.objects.get(municipality=world.municipality, code="gia")
    assert element.category_combo == combo and element.has_total is False  # the box left unticked
    assert client.post(url, dict(data, code="plain", category_combo="")).status_code == 302
    assert DataElement.objects.get(municipality=world.municipality, code="plain").has_total  # one number


def test_the_api_shows_an_indicator_by_option(client, world, vpr):
    _fill(world, vpr)
    share = make_indicator(world.municipality, "PALL", "vpr_pass", "vpr_wrote", risk_threshold=Decimal(50))
    client.force_login(world.coordinator)
    url = reverse("api:indicator-breakdown", args=[share.pk])
    assert [c["code"] for c in client.get(url).json()["categories"]] == ["klass", "predmet"]
    body = client.get(url, {"category": "klass", "period": "2025"}).json()
    fifth = body["options"][0]
    assert (fifth["code"], fifth["municipal"]["value"]) == ("5", "76.6667")
    seventh = {row["organization"]: row for row in body["options"][2]["organizations"]}
    assert seventh[world.school.pk]["at_risk"] and not seventh[world.other_school.pk]["at_risk"]
    assert client.get(url, {"category": "pol", "period": "2025"}).status_code == 400
    assert client.get(url, {"category": "klass", "period": "1999"}).status_code == 400
    client.force_login(world.outsider)
    assert client.get(url, {"category": "klass", "period": "2025"}).status_code == 404


def test_a_formula_in_words_keeps_the_options(world):
    from indicators import selectors

    share = Indicator(
        municipality=world.municipality,
        code="S",
        kind="ratio",
        numerator="vpr_pass[Класс=5]",
        denominator="vpr_wrote",
    )
    words = selectors.formula_in_words(share, {"vpr_pass": "Выполнили", "vpr_wrote": "Писали"})
    assert "Выполнили (класс=5)" in words and "Писали" in words
