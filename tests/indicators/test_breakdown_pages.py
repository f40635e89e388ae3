"""An indicator over disaggregated figures shown by option: the indicator's page («Разрез»: the
municipal value per option, the organizations, a chart and the risk group of each option), the
analytic report of its direction (page, PDF, XLSX) and the public tab."""

import io
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators import services
from indicators.models import CategoryOption, Indicator
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_indicator, make_period
from tests.indicators.test_categories import _fill, make_category, make_combo, put_cells


@pytest.fixture
def vpr(world):
    """As in test_categories: pupils who wrote and passed the ВПР by subject × class (5, 6, 7), and
    pupils by class."""
    municipality = world.municipality
    klass = make_category(
        municipality, "klass", "Класс", [("5", "5 класс"), ("6", "6 класс"), ("7", "7 класс")]
    )
    subject = make_category(
        municipality, "predmet", "Предмет", [("math", "Математика"), ("rus", "Русский язык")]
    )
    by_subject_class = make_combo(municipality, "subject_class", subject, klass)
    return {
        "klass": klass,
        "subject": subject,
        "wrote": make_element(municipality, "vpr_wrote", category_combo=by_subject_class),
        "passed": make_element(municipality, "vpr_pass", category_combo=by_subject_class),
        "pupils": make_element(
            municipality, "pupils", category_combo=make_combo(municipality, "class", klass)
        ),
        "period": make_period("2025"),
    }


@pytest.fixture
def share(world, vpr):
    """«Доля выполнивших ВПР»: Σ passed / Σ wrote, risk threshold 50 %, in the world's direction 1.1.
    By class: 5 — 75 % and 80 %, 6 — 50 % and 80 %, 7 — 25 % and 80 % (the school's 7th class in the
    risk group); by subject: 50 % and 80 % in both."""
    _fill(world, vpr)
    return make_indicator(
        world.municipality,
        "ВПР-1",
        "vpr_pass",
        "vpr_wrote",
        name="Доля обучающихся, выполнивших ВПР",
        risk_threshold=Decimal(50),
        direction=world.direction,
    )


def page_url(indicator: Indicator, **query) -> str:
    url = reverse("indicators:indicator", args=[indicator.pk])
    return url + "?" + "&".join(f"{key}={value}" for key, value in {"period": "2025", **query}.items())


def breakdown_section(html: str) -> str:
    start = html.index('id="breakdown-heading"')
    return html[start : html.index('id="dynamics-heading"', start)]


# The indicator's page


def test_the_page_shows_the_indicator_by_class_with_a_chart_and_the_risk_group_of_each_option(
    client, world, share
):
    client.force_login(world.coordinator)
    response = client.get(page_url(share))
    assert response.status_code == 200
    table = response.context["breakdown"]
    assert table.category.code == "klass"  # «Класс» before «Предмет»
    assert [item.option.code for item in table.options] == ["5", "6", "7"]
    assert [item.municipal.value for item in table.options] == [
        Decimal("76.6667"),
        Decimal("60.0000"),
        Decimal("43.3333"),
    ]
    section = breakdown_section(response.content.decode())
    assert "Разрез: Класс, 2025 год" in section
    assert "<svg" in section and "5 класс" in section and "76,7" in section
    # each organization per option, the school's 7th class marked
    assert world.school.short_name in section and world.other_school.short_name in section
    assert [[cell.value for cell in row.cells] for row in table.organizations] == [
        [Decimal("75.0000"), Decimal("50.0000"), Decimal("25.0000")],
        [Decimal("80.0000"), Decimal("80.0000"), Decimal("80.0000")],
    ]
    assert [[cell.at_risk for cell in row.cells] for row in table.organizations] == [
        [False, False, True],
        [False, False, False],
    ]
    # the risk group per option: only the 7th class, only the school
    assert [(entry.option.code, [member[0] for member in entry.organizations]) for entry in table.risk] == [
        ("7", [world.school.pk])
    ]
    risk = section[section.index("breakdown-risk") :]
    assert "7 класс" in risk and world.school.short_name in risk and world.other_school.short_name not in risk


def test_the_picker_shows_the_indicator_by_subject(client, world, share):
    client.force_login(world.coordinator)
    html = client.get(page_url(share)).content.decode()
    section = breakdown_section(html)
    assert 'name="category"' in section and 'value="predmet"' in section
    response = client.get(page_url(share, category="predmet"))
    table = response.context["breakdown"]
    assert table.category.code == "predmet"
    assert [(item.option.code, item.municipal.value) for item in table.options] == [
        ("math", Decimal("60.0000")),  # (15 + 10 + 5 + 24) / (60 + 30)
        ("rus", Decimal("60.0000")),
    ]
    assert "Разрез: Предмет, 2025 год" in response.content.decode()
    # an unknown category shows the first one, never an error
    assert client.get(page_url(share, category="pol\x00")).context["breakdown"].category.code == "klass"


def test_one_category_needs_no_picker_and_a_plain_indicator_shows_no_breakdown(client, world, vpr):
    _fill(world, vpr)
    by_class = make_indicator(world.municipality, "П7", "vpr_pass[класс=7]", "pupils")
    plain = make_indicator(world.municipality, "П", "100")
    client.force_login(world.coordinator)
    response = client.get(page_url(by_class))
    assert [c.code for c in response.context["breakdown"].categories] == ["klass", "predmet"]
    pupils_only = make_indicator(world.municipality, "У", "pupils")
    section = breakdown_section(client.get(page_url(pupils_only)).content.decode())
    assert 'name="category"' not in section
    response = client.get(page_url(plain))
    assert response.context["breakdown"] is None
    assert 'id="breakdown-heading"' not in response.content.decode()


def test_a_category_every_code_chooses_an_option_of_is_no_breakdown(client, world, vpr):
    _fill(world, vpr)
    cell = make_indicator(
        world.municipality,
        "ВПР-2",
        "vpr_pass[класс=5, предмет=математика]",
        "vpr_wrote[класс=5, predmet=math]",
    )
    fifth = make_indicator(world.municipality, "ВПР-5", "vpr_pass[класс=5]", "vpr_wrote[класс=5]")
    client.force_login(world.coordinator)
    assert client.get(page_url(cell)).context["breakdown"] is None
    table = client.get(page_url(fifth)).context["breakdown"]
    assert [c.code for c in table.categories] == ["predmet"]
    assert [item.municipal.value for item in table.options] == [Decimal("76.6667"), Decimal("76.6667")]


def test_no_threshold_says_so_and_no_one_at_risk_says_so(client, world, share):
    client.force_login(world.coordinator)
    share.risk_threshold = Decimal(20)
    share.save()
    section = breakdown_section(client.get(page_url(share)).content.decode())
    assert "Ни одна организация не входит в группу риска ни по одному варианту" in section
    share.risk_threshold = None
    share.save()
    section = breakdown_section(client.get(page_url(share)).content.decode())
    assert "breakdown-risk" not in section and "порог" in section


def test_the_pages_queries_do_not_grow_with_options_and_organizations(
    client, world, vpr, share, count_queries
):
    client.force_login(world.coordinator)
    few = count_queries(client, page_url(share), warm=True)
    # An 8th class and three more schools that reported every cell.
    CategoryOption.objects.create(category=vpr["klass"], code="8", name="8 класс", order=3)
    for element in (vpr["wrote"], vpr["passed"], vpr["pupils"]):
        services.category_combo_sync(element.category_combo)
    period = vpr["period"]
    everything = {(s, k): None for s in ("math", "rus") for k in ("5", "6", "7", "8")}
    for _number in range(3):
        school = make_organization(world.municipality)
        put_cells(vpr["wrote"], school, period, dict.fromkeys(everything, 10))
        put_cells(vpr["passed"], school, period, dict.fromkeys(everything, 3))
    response = client.get(page_url(share))
    table = response.context["breakdown"]
    assert len(table.options) == 4 and len(table.organizations) == 5
    assert table.options[3].municipal.value == Decimal("30.0000")  # 18 / 60: the new schools only
    assert len(table.risk) == 4  # the new schools fall below 50 % in every class
    many = count_queries(client, page_url(share), warm=True)
    assert many == few


def test_the_breakdown_keeps_to_the_organizations_the_reader_sees(client, world, share):
    from indicators import selectors

    client.force_login(world.outsider)
    assert client.get(page_url(share)).status_code == 404  # another municipality's coordinator
    # A reader of one organization: the municipal values per option, and only their own rows.
    table = selectors.breakdown_table(
        user=world.respondent, indicator=share, period=make_period("2025"), category="klass"
    )
    assert [row.organization_id for row in table.organizations] == [world.school.pk]
    assert [item.municipal.value for item in table.options][0] == Decimal("76.6667")
    other = selectors.breakdown_table(
        user=world.other_respondent, indicator=share, period=make_period("2025"), category="klass"
    )
    assert world.school.pk not in {row.organization_id for row in other.organizations}
    assert other.risk == []  # the school's 7th class is not theirs to read


# The analytic report of the direction


@pytest.fixture
def report(world, share):
    from reports.models import Report

    return Report.objects.create(
        municipality=world.municipality,
        kind=Report.Kind.DIRECTION,
        direction=world.direction,
        period=make_period("2025"),
        title="Справка по направлению 1.1 за 2025 год",
        created_by=world.coordinator,
    )


def test_the_report_shows_the_breakdown_with_its_chart_and_risk_group(client, world, report, share):
    from reports import analytics

    data = analytics.draw_charts(analytics.gather(report))
    item = next(item for item in data.indicators if item.indicator == share)
    assert [shown.category for shown in item.breakdowns] == ["Класс", "Предмет"]
    by_class = item.breakdowns[0]
    assert [(line.name, line.value) for line in by_class.lines] == [
        ("5 класс", Decimal("76.6667")),
        ("6 класс", Decimal("60.0000")),
        ("7 класс", Decimal("43.3333")),
    ]
    assert [row.name for row in by_class.lines[2].at_risk] == [world.school.short_name]
    assert by_class.chart is not None and "5 класс" in by_class.chart
    client.force_login(world.coordinator)
    html = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert "ВПР-1 в разрезе: Класс, 2025 год" in html and "43,3 %" in html


def test_the_reports_queries_do_not_grow_with_split_indicators(world, vpr, report, share, count_queries):
    from reports import analytics

    def gather():
        analytics.draw_charts(analytics.gather(report))

    few = count_queries(gather)
    for number in range(3):
        make_indicator(
            world.municipality, f"ВПР-{number + 2}", "vpr_pass", "pupils", direction=world.direction
        )
    make_organization(world.municipality)
    data = analytics.gather(report)
    assert sum(len(item.breakdowns) for item in data.indicators) == 2 + 3 * 2
    assert count_queries(gather) == few


def test_the_reports_pdf_and_xlsx_hold_the_breakdown(world, report, share):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from reports import analytics, pdf, xlsx

    data = analytics.draw_charts(analytics.gather(report))
    content = pdf.report_pdf(report, data)
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "ВПР-1 в разрезе: Класс, 2025 год" in text
    assert "7 класс" in text and "43,3 %" in text and "Русский язык" in text
    book = load_workbook(io.BytesIO(xlsx.report_xlsx(report, data)))
    sheet = book["По вариантам"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    seventh = next(row for row in rows if row[2] == "Класс" and row[3] == "7 класс")
    assert seventh[0] == "ВПР-1" and seventh[4:8] == [26, 60, pytest.approx(43.3333), 1]
    assert seventh[8] == world.school.short_name


# The public tab


@pytest.fixture
def locmem(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def test_the_public_page_shows_the_breakdown_and_the_version_for_the_visually_impaired_the_table(
    client, world, vpr, locmem
):
    from indicators.models import IndicatorValue
    from reports import public
    from tests.reports.test_public import make_tab, page_url

    tab = make_tab(world)
    _fill(world, vpr)
    shown = make_indicator(
        world.municipality,
        "ВПР-1",
        "vpr_pass",
        "vpr_wrote",
        name="Доля выполнивших ВПР",
        direction=tab.direction,
        is_published=True,
    )
    IndicatorValue.objects.create(
        indicator=shown, period=vpr["period"], municipality=world.municipality, value=Decimal("60")
    )
    public.publish(tab.page, user=tab.operator)
    response = client.get(page_url(tab))
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    html = response.content.decode()
    part = html[html.index("Разрез: Класс, 2025 год") :]
    part = part[: part.index("</table>")]
    assert "<svg" in part and "76,7 %" in part and "ВПР-1 в разрезе: Класс" in part
    assert "Разрез: Предмет, 2025 год" in html
    assert world.school.short_name not in part  # the indicator does not publish the organizations
    special = client.get(page_url(tab), {"vi": "1"}).content.decode()
    part = special[special.index("Разрез: Класс, 2025 год") :]
    part = part[: part.index("</table>")]
    assert "<svg" not in part and "76,7" in part and "<table" in part
    # a draft indicator's breakdown never reaches the tab
    assert "Секретный показатель черновика" not in html


def test_the_public_breakdown_names_the_organizations_when_the_indicator_publishes_them(world, vpr):
    from indicators.models import IndicatorValue
    from reports import public
    from tests.reports.test_public import make_tab

    tab = make_tab(world)
    _fill(world, vpr)
    shown = make_indicator(
        world.municipality,
        "ВПР-1",
        "vpr_pass",
        "vpr_wrote",
        direction=tab.direction,
        is_published=True,
        publish_organization_values=True,
    )
    IndicatorValue.objects.create(
        indicator=shown, period=vpr["period"], municipality=world.municipality, value=Decimal("60")
    )
    item = next(item for item in public.compose(tab.page)["indicators"] if item["code"] == "ВПР-1")
    by_class = item["breakdowns"][0]
    assert by_class["category"] == "Класс"
    assert [option["value"] for option in by_class["options"]] == ["76.6667", "60", "43.3333"]
    assert {row["name"]: row["values"] for row in by_class["organizations"]} == {
        world.school.short_name: ["75", "50", "25"],
        world.other_school.short_name: ["80", "80", "80"],
    }
