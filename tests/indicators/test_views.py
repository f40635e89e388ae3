import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from directions.models import Block, Direction, Duty
from indicators.models import DataElement, DataValue, Indicator, IndicatorValue
from tests.factories import assign, make_official, make_organization
from tests.indicators.factories import make_element, put
from tests.indicators.test_selectors import Catalogue, make_catalogue, recompute


@pytest.fixture
def catalogue(world) -> Catalogue:
    """The catalogue, its direction 2.3 assigned as an order would: `world.coordinator` coordinates it
    and `world.executor` executes it; `world.other_coordinator` coordinates the world's own 2.3."""
    catalogue = make_catalogue(world)
    assign(world.coordinator, catalogue.direction, Duty.COORDINATOR)
    assign(world.executor, catalogue.direction, Duty.EXECUTOR)
    return catalogue


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


def add_schools(catalogue: Catalogue, count: int) -> None:
    """More schools of the first municipality with figures for 2025, the values recomputed."""
    world = catalogue.world
    while world.municipality.organizations.count() < count:
        school = make_organization(world.municipality)
        put(catalogue.total, school, catalogue.now, 20)
        put(catalogue.trained, school, catalogue.now, 10)
    recompute(catalogue)


def ru(message: str) -> str:
    with translation.override("ru"):
        return gettext(message)


def refusal(caplog) -> str:
    """The message of the last PermissionDenied a page answered 403 with (Django logs it)."""
    denied = [
        record.exc_info[1]
        for record in caplog.records
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied)
    ]
    assert denied, "no refusal was logged"
    return str(denied[-1])


# The catalogue


def test_catalogue_shows_the_municipal_values_of_the_latest_year(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    page = body(client.get(reverse("indicators:catalogue")))
    assert "Доля педагогов, прошедших КПК" in page
    assert "62,0" in page  # Σ 31 / Σ 50 × 100 for 2025
    assert "50,0" in page  # П1: 40 + 10 teachers
    assert "2 из 2" in page
    assert "Чужой показатель" not in page
    page = body(client.get(reverse("indicators:catalogue"), {"period": "2024"}))
    assert "50,0" in page and "62,0" not in page


def test_catalogue_filters_by_kind_direction_unit_and_search(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    url = reverse("indicators:catalogue")
    page = body(client.get(url, {"kind": "value"}))
    assert "Число педагогов" in page and "Доля педагогов" not in page
    page = body(client.get(url, {"direction": catalogue.direction.pk}))
    assert "Доля педагогов" in page and ">П1<" not in page
    page = body(client.get(url, {"unit": "чел."}))
    assert ">П1<" in page and "Доля педагогов" not in page
    page = body(client.get(url, {"q": "КПК"}))
    assert "Доля педагогов" in page and ">П1<" not in page


def test_catalogue_downloads_as_xlsx_with_the_values(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    rows = sheet(client.get(reverse("indicators:catalogue"), {"format": "xlsx", "period": "2025"}))
    assert rows[0][0] == "Код"
    assert rows[1][:2] == ("П1", "Число педагогов")
    assert rows[2][0] == "2.3.1"
    assert rows[2][2] == "2.3 Система повышения квалификации педагогов"
    assert rows[2][6:] == (62, 2, 2)
    assert len(rows) == 3


def test_catalogue_queries_do_not_grow_with_organizations(client, catalogue, count_queries):
    client.force_login(catalogue.world.coordinator)
    url = reverse("indicators:catalogue")
    add_schools(catalogue, 2)
    few = count_queries(client, url, warm=True)
    add_schools(catalogue, 10)
    assert count_queries(client, url, warm=True) == few


@pytest.mark.parametrize("actor", ["respondent", "head"])
def test_schools_do_not_read_the_catalogue(client, catalogue, actor):
    client.force_login(getattr(catalogue.world, actor))
    assert client.get(reverse("indicators:catalogue")).status_code == 404
    assert client.get(reverse("indicators:elements")).status_code == 404
    assert client.get(reverse("indicators:indicator", args=[catalogue.share.pk])).status_code == 404


def test_another_municipality_gets_404(client, catalogue):
    world = catalogue.world
    client.force_login(world.outsider)
    assert client.get(reverse("indicators:indicator", args=[catalogue.share.pk])).status_code == 404
    assert client.get(reverse("indicators:indicator_edit", args=[catalogue.share.pk])).status_code == 404
    assert client.get(reverse("indicators:catalogue"), {"municipality": "ishim"}).status_code == 404
    page = body(client.get(reverse("indicators:catalogue")))
    assert "Чужой показатель" in page and "Доля педагогов" not in page


# An indicator


def test_indicator_page_shows_the_formula_values_risk_group_and_dynamics(client, catalogue):
    world = catalogue.world
    client.force_login(world.executor)
    page = body(client.get(reverse("indicators:indicator", args=[catalogue.share.pk])))
    assert "(Число педагогов, прошедших КПК) / (Общее число педагогов) × 100" in page
    assert "Google Форма" in page and "Отчёты ОО" in page
    assert "62,0 %" in page  # the municipality, 2025
    assert "2 из 2" in page
    assert "31 / 50" in page
    assert "70 %" in page  # the target
    # Per organization, the worst first: 1 of 10 (10 %) before 30 of 40 (75 %).
    table = page[page.index('id="organizations-heading"') :]
    assert table.index(world.other_school.short_name) < table.index(world.school.short_name)
    assert "75,0" in table and "10,0" in table
    assert 'class="at-risk"' in table
    assert "<svg" in page and "<title" in page
    risk = page[page.index('id="risk-heading"') : page.index('id="dynamics-heading"')]
    assert world.other_school.short_name in risk and world.school.short_name not in risk
    dynamics = page[page.index('id="dynamics-heading"') :]
    assert "2024 год" in dynamics and "50,0" in dynamics and "62,0" in dynamics


def test_indicator_page_of_an_earlier_period(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    page = body(client.get(reverse("indicators:indicator", args=[catalogue.share.pk]), {"period": "2024"}))
    table = page[page.index('id="organizations-heading"') : page.index('id="risk-heading"')]
    assert "50,0" in table and "75,0" not in table
    assert (
        client.get(reverse("indicators:indicator", args=[catalogue.share.pk]), {"period": "1900"}).status_code
        == 404
    )


def test_indicator_tables_download_as_xlsx(client, catalogue):
    world = catalogue.world
    client.force_login(world.coordinator)
    url = reverse("indicators:indicator", args=[catalogue.share.pk])
    rows = sheet(client.get(url, {"period": "2025", "format": "xlsx"}))
    assert rows == [
        ("Организация", "Числитель", "Знаменатель", "Значение", "Почему нет значения", "В группе риска"),
        (world.other_school.short_name, 1, 10, 10, None, "да"),
        (world.school.short_name, 30, 40, 75, None, "нет"),
    ]
    rows = sheet(client.get(url, {"period": "2025", "format": "dynamics-xlsx"}))
    assert rows[0][0] == "Период"
    assert rows[1:] == [("2024 год", 25, 50, 50, None, 2, 2, None), ("2025 год", 31, 50, 62, None, 2, 2, 70)]


def test_indicator_page_queries_do_not_grow_with_organizations(client, catalogue, count_queries):
    client.force_login(catalogue.world.coordinator)
    url = reverse("indicators:indicator", args=[catalogue.share.pk])
    add_schools(catalogue, 2)
    few = count_queries(client, url, warm=True)
    add_schools(catalogue, 10)
    assert IndicatorValue.objects.filter(indicator=catalogue.share, period=catalogue.now).count() == 11
    assert count_queries(client, url, warm=True) == few


# The catalogue's forms


def indicator_data(**fields) -> dict:
    return {
        "code": "2.3.2",
        "name": "Доля педагогов с высшей категорией",
        "unit": "%",
        "kind": "ratio",
        "numerator": "teachers_dpo",
        "denominator": "teachers_total",
        "factor": "100",
        "periodicity": "yearly",
        "higher_is_better": "on",
        "risk_threshold": "",
        **fields,
    }


@pytest.mark.parametrize(
    ("numerator", "message"),
    [
        ("teachers_dpo + nope", "Неизвестные элементы данных: nope."),
        ("(teachers_dpo + 1", "Скобка не закрыта."),
        ("teachers_dpo)", "Закрывающей скобке нет открывающей."),
    ],
)
def test_a_bad_formula_is_shown_beside_its_field(client, catalogue, numerator, message):
    client.force_login(catalogue.world.coordinator)
    response = client.post(
        f"{reverse('indicators:indicator_new')}?municipality=ishim", indicator_data(numerator=numerator)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["numerator"] == [message]
    page = response.content.decode()
    field = page[page.index('id="id_numerator"') : page.index('id="id_denominator"')]
    assert message in field
    assert not Indicator.objects.filter(code="2.3.2").exists()


def test_coordinator_creates_an_indicator_and_its_values_are_computed(
    client, catalogue, django_capture_on_commit_callbacks
):
    world = catalogue.world
    official = make_official(world.municipality, full_name="Петрова Е.В.")
    foreign_official = make_official(world.elsewhere, full_name="Чужой В.В.")
    client.force_login(world.coordinator)
    url = f"{reverse('indicators:indicator_new')}?municipality=ishim"
    page = body(client.get(url))
    assert "teachers_dpo" in page and "Число педагогов, прошедших КПК" in page  # the codes beside
    assert "Петрова Е.В." in page and "Чужой В.В." not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            indicator_data(
                direction=catalogue.direction.pk, responsible=[official.pk], numerator="teachers_dpo*2"
            ),
        )
    indicator = Indicator.objects.get(municipality=world.municipality, code="2.3.2")
    assert response.status_code == 302
    assert response.url == reverse("indicators:indicator", args=[indicator.pk])
    assert list(indicator.responsible.all()) == [official]
    total = IndicatorValue.objects.get(indicator=indicator, period=catalogue.now, organization=None)
    assert total.value == Decimal(124)  # 2 × 31 / 50 × 100
    response = client.post(url, indicator_data(responsible=[foreign_official.pk], code="2.3.3"))
    assert "responsible" in response.context["form"].errors


def test_the_code_is_unique_and_directions_are_the_municipalitys(client, catalogue):
    world = catalogue.world
    block = Block.objects.get(code="2")
    foreign = Direction.objects.create(
        municipality=world.elsewhere, block=block, code="9.9", name="Чужое", valid_from=catalogue.now
    )
    client.force_login(world.coordinator)
    url = f"{reverse('indicators:indicator_new')}?municipality=ishim"
    response = client.post(url, indicator_data(code="2.3.1", direction=foreign.pk))
    errors = response.context["form"].errors
    assert set(errors) == {"code", "direction"}


def test_editing_a_formula_recomputes_the_values(client, catalogue, django_capture_on_commit_callbacks):
    client.force_login(catalogue.world.coordinator)
    url = reverse("indicators:indicator_edit", args=[catalogue.share.pk])
    page = body(client.get(url))
    assert 'value="teachers_dpo"' in page
    data = indicator_data(code="2.3.1", name="Доля", direction=catalogue.direction.pk, factor="10")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    total = IndicatorValue.objects.get(indicator=catalogue.share, period=catalogue.now, organization=None)
    assert total.value == Decimal("6.2")


@pytest.mark.parametrize(
    ("actor", "new_indicator", "edit_indicator", "new_element"),
    [
        ("coordinator", 200, 200, 200),  # of the indicator's direction
        ("executor", 200, 200, 403),  # of the indicator's direction: proposes indicators, not elements
        ("chief", 200, 200, 200),  # the head of the department
        ("other_coordinator", 200, 403, 200),  # of another direction: unbound indicators, elements
        ("administrator", 403, 403, 200),  # keeps the data elements, not the indicators of a direction
        ("operator", 403, 403, 403),
        ("expert", 403, 403, 403),
    ],
)
def test_who_keeps_the_catalogue(client, catalogue, actor, new_indicator, edit_indicator, new_element):
    client.force_login(getattr(catalogue.world, actor))
    assert client.get(reverse("indicators:indicator_new")).status_code == new_indicator
    assert client.get(reverse("indicators:indicator_edit", args=[catalogue.share.pk])).status_code == (
        edit_indicator
    )
    assert client.get(reverse("indicators:element_new")).status_code == new_element
    page = body(client.get(reverse("indicators:indicator", args=[catalogue.share.pk])))
    assert (reverse("indicators:indicator_edit", args=[catalogue.share.pk]) in page) is (
        edit_indicator == 200
    )


def test_the_coordinator_of_another_direction_cannot_change_its_indicator(client, catalogue, caplog):
    world = catalogue.world
    client.force_login(world.other_coordinator)
    url = reverse("indicators:indicator_edit", args=[catalogue.share.pk])
    data = indicator_data(code="2.3.1", name="Чужая правка", direction=catalogue.direction.pk, factor="10")
    assert client.post(url, data).status_code == 403
    assert refusal(caplog) == ru(
        "Only the executors and coordinators of the indicator's direction and the head of the department "
        "edit an indicator of a direction; an indicator of no direction is edited by the municipality's "
        "coordinators and executors."
    )
    catalogue.share.refresh_from_db()
    assert (catalogue.share.name, catalogue.share.factor) == ("Доля педагогов, прошедших КПК", 100)
    # Nor add one to it: the form offers their own direction only.
    new = f"{reverse('indicators:indicator_new')}?municipality=ishim"
    offered = client.get(new).context["form"].fields["direction"].queryset
    assert list(offered) == [world.other_direction]
    response = client.post(new, indicator_data(direction=catalogue.direction.pk))
    assert response.status_code == 200 and "direction" in response.context["form"].errors
    assert not Indicator.objects.filter(code="2.3.2").exists()
    # An indicator of no direction follows the municipal roles: any coordinator of the municipality.
    assert client.post(new, indicator_data()).status_code == 302
    assert Indicator.objects.get(code="2.3.2").direction is None


def test_the_executor_proposes_an_indicator_of_their_direction(client, catalogue):
    client.force_login(catalogue.world.executor)
    url = reverse("indicators:indicator_edit", args=[catalogue.share.pk])
    data = indicator_data(code="2.3.1", name="Доля (предложение)", direction=catalogue.direction.pk)
    assert client.post(url, {**data, "risk_threshold": "55"}).status_code == 302
    catalogue.share.refresh_from_db()
    assert (catalogue.share.name, catalogue.share.risk_threshold) == ("Доля (предложение)", Decimal(55))


def test_a_direction_is_required_of_whoever_writes_only_a_directions_indicators(client, catalogue, world):
    from tests.factories import make_user_with_role

    # An operator the order names executor of 2.3: they write 2.3's indicators, not unbound ones.
    operator = make_user_with_role("operator", municipality=world.municipality)
    assign(operator, catalogue.direction, Duty.EXECUTOR)
    client.force_login(operator)
    url = f"{reverse('indicators:indicator_new')}?municipality=ishim"
    response = client.post(url, indicator_data())
    assert response.status_code == 200 and "direction" in response.context["form"].errors
    assert client.post(url, indicator_data(direction=catalogue.direction.pk)).status_code == 302


# Data elements


def test_data_elements_list_filters_and_downloads(client, catalogue):
    client.force_login(catalogue.world.expert)
    page = body(client.get(reverse("indicators:elements")))
    assert "teachers_dpo" in page and "Школа" in page and "pupils" not in page
    page = body(client.get(reverse("indicators:elements"), {"q": "КПК"}))
    assert "teachers_dpo" in page and "teachers_total" not in page
    rows = sheet(client.get(reverse("indicators:elements"), {"format": "xlsx"}))
    assert rows[1:] == [
        ("Ишимбайский район", "teachers_dpo", "Число педагогов, прошедших КПК", "Целое число", None, "Школа"),
        ("Ишимбайский район", "teachers_total", "Общее число педагогов", "Целое число", None, "Школа"),
    ]


def test_coordinator_adds_a_data_element_once(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    url = reverse("indicators:element_new")
    data = {"code": "pupils_total", "name": "Число обучающихся", "value_type": "integer", "kinds": ["school"]}
    response = client.post(url, data)
    assert response.status_code == 302
    element = DataElement.objects.get(municipality=catalogue.world.municipality, code="pupils_total")
    assert element.kinds == ["school"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert DataElement.objects.filter(code="pupils_total").count() == 1


# The department's entry of figures


def values_url(**query) -> str:
    from django.utils.http import urlencode

    return f"{reverse('indicators:values')}?{urlencode({'municipality': 'ishim', 'period': '2025', **query})}"


def test_the_entry_form_is_prefilled_and_saves_manual_values(
    client, catalogue, django_capture_on_commit_callbacks
):
    world = catalogue.world
    client.force_login(world.executor)
    url = values_url(organization=world.other_school.pk)
    page = body(client.get(url))
    total_field = f"element_{catalogue.total.pk}"
    trained_field = f"element_{catalogue.trained.pk}"
    assert f'name="{total_field}" value="10"' in page
    assert f'name="{trained_field}" value="1"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {total_field: "10", trained_field: "4"})
    assert response.status_code == 302 and response.url == url
    stored = DataValue.objects.get(
        data_element=catalogue.trained, organization=world.other_school, period=catalogue.now
    )
    assert (stored.value, stored.source, stored.entered_by) == (4, "manual", world.executor)
    total = IndicatorValue.objects.get(indicator=catalogue.share, period=catalogue.now, organization=None)
    assert total.value == Decimal(68)  # (30 + 4) / 50 × 100
    assert "Сохранено 1 значение." in body(client.get(url))


def test_a_bad_number_is_shown_beside_its_row_and_nothing_is_saved(client, catalogue):
    world = catalogue.world
    client.force_login(world.coordinator)
    url = values_url(organization=world.school.pk)
    total_field = f"element_{catalogue.total.pk}"
    trained_field = f"element_{catalogue.trained.pk}"
    response = client.post(url, {total_field: "сорок", trained_field: "35"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[total_field] == ["Введите целое число."]
    assert trained_field not in form.errors
    page = response.content.decode()
    start = page.index(f'id="id_{total_field}"')
    assert "Введите целое число." in page[start : page.index("</tr>", start)]
    assert 'class="has-error"' in page
    response = client.post(url, {total_field: "-3", trained_field: "35"})
    assert total_field in response.context["form"].errors
    assert (
        DataValue.objects.get(
            data_element=catalogue.trained, organization=world.school, period=catalogue.now
        ).value
        == 30
    )


def test_the_municipalitys_own_figure(client, catalogue, django_capture_on_commit_callbacks):
    world = catalogue.world
    client.force_login(world.coordinator)
    url = values_url()
    page = body(client.get(url))
    assert "Ишимбайский район в целом" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {f"element_{catalogue.total.pk}": "60"})
    stored = DataValue.objects.get(data_element=catalogue.total, organization=None, period=catalogue.now)
    assert stored.value == 60
    teachers = IndicatorValue.objects.get(
        indicator=catalogue.teachers, period=catalogue.now, organization=None
    )
    assert teachers.value == 60  # the department's own figure wins over the sum of the schools' 50


def test_an_organization_sees_only_the_elements_of_its_kind(client, catalogue):
    world = catalogue.world
    garden = make_organization(world.municipality, short_name="Детский сад № 1", kind="kindergarten")
    kids = make_element(world.municipality, "kids_total", kinds=("kindergarten",))
    client.force_login(world.coordinator)
    page = body(client.get(values_url(organization=garden.pk)))
    assert f"element_{kids.pk}" in page and f"element_{catalogue.total.pk}" not in page
    assert client.get(values_url(organization=world.elsewhere_school.pk)).status_code == 404


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("executor", 200),
        ("other_coordinator", 200),  # figures are the municipality's, not a direction's
        ("chief", 200),
        ("administrator", 200),
        ("respondent", 403),
        ("operator", 403),
        ("expert", 403),
    ],
)
def test_only_the_department_enters_figures(client, catalogue, actor, status):
    client.force_login(getattr(catalogue.world, actor))
    assert client.get(values_url()).status_code == status
    client.force_login(catalogue.world.outsider)
    assert client.get(values_url()).status_code == 404


# The menu


def test_the_menu_shows_indicators_after_directions_to_staff(client, catalogue):
    client.force_login(catalogue.world.coordinator)
    page = body(client.get(reverse("mcok:home")))
    assert page.index(reverse("directions:overview")) < page.index(reverse("indicators:catalogue"))
    assert "Показатели" in page
    client.force_login(catalogue.world.respondent)
    assert reverse("indicators:catalogue") not in body(client.get(reverse("mcok:home")))


# The charts the page draws


def test_bars_of_other_units_are_scaled_to_the_largest_value_and_escaped():
    from indicators import charts

    svg = charts.bar_chart(
        [("<b>СОШ</b>", Decimal(5)), ("Лицей", Decimal(10)), ("Гимназия", None)],
        title="П8 на 1000",
        unit="на 1000",
    )
    assert 'role="img"' in svg and "<title" in svg and "aria-labelledby" in svg
    assert "&lt;b&gt;СОШ&lt;/b&gt;: 5,0 на 1000; Лицей: 10,0 на 1000; Гимназия: —" in svg
    assert "<b>" not in svg
    assert 'width="180"' in svg and 'width="360"' in svg  # half and the whole of the plot
    # Percentages within 0–100 go to the directions' chart, on its fixed 0–100 scale with ticks.
    assert ">100</text>" in charts.bar_chart([("СОШ", Decimal("62.5"))], title="Доля", unit="%")


def test_the_line_breaks_where_a_period_has_no_value():
    from indicators import charts

    svg = charts.line_chart(
        [("2022", Decimal(40)), ("2023", Decimal(50)), ("2024", None), ("2025", Decimal(62))],
        title="Динамика",
        unit="%",
    )
    assert svg.count("<polyline") == 1  # 2022–2023; 2025 stands alone
    assert svg.count("<circle") == 3
    assert "2022: 40,0 %; 2023: 50,0 %; 2024: —; 2025: 62,0 %" in svg
    assert ">80</text>" in svg  # the axis ends at a round number above 62


def test_the_coordinator_sets_and_removes_a_target_and_others_may_not(client, world):
    from indicators.models import Target
    from tests.indicators.factories import make_indicator, make_period

    period = make_period("2025")
    indicator = make_indicator(world.municipality, "1.1.1", "a", "b", direction=world.direction)
    url = reverse("indicators:target_set", args=[indicator.pk])

    client.force_login(world.coordinator)
    client.post(url, {"period": "2025", "value": "72,5"})
    assert Target.objects.get(indicator=indicator, period=period).value == Decimal("72.5")
    page = client.get(reverse("indicators:indicator", args=[indicator.pk]), {"period": "2025"})
    assert 'name="value" value="72,5"' in page.content.decode()
    response = client.post(url, {"period": "2025", "value": "много"}, follow=True)
    assert Target.objects.get(indicator=indicator, period=period).value == Decimal("72.5")
    assert "число" in response.content.decode()
    client.post(url, {"period": "2025", "value": ""})
    assert not Target.objects.filter(indicator=indicator).exists()

    for refused in (world.other_coordinator, world.administrator, world.operator):
        client.force_login(refused)
        assert client.post(url, {"period": "2025", "value": "80"}).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url, {"period": "2025", "value": "80"}).status_code == 404
    assert not Target.objects.filter(indicator=indicator).exists()

    # The executor of 1.1 proposes a target; the head sets one too.
    client.force_login(world.executor)
    assert client.post(url, {"period": "2025", "value": "75"}).status_code == 302
    assert Target.objects.get(indicator=indicator, period=period).value == Decimal(75)
    client.force_login(world.chief)
    assert client.post(url, {"period": "2025", "value": "78"}).status_code == 302
    assert Target.objects.get(indicator=indicator, period=period).value == Decimal(78)


def test_the_target_service_refuses_the_coordinator_of_another_direction(world):
    from django.core.exceptions import PermissionDenied

    from indicators import services
    from indicators.models import Target
    from tests.indicators.factories import make_indicator, make_period

    period = make_period("2025")
    indicator = make_indicator(world.municipality, "1.1.1", "a", "b", direction=world.direction)
    with pytest.raises(PermissionDenied):
        services.target_set(indicator=indicator, period=period, value=Decimal(80), by=world.other_coordinator)
    assert not Target.objects.exists()
    services.target_set(indicator=indicator, period=period, value=Decimal(80), by=world.executor)
    assert Target.objects.get().value == Decimal(80)


def test_an_indicator_of_no_direction_follows_the_municipal_roles(client, world):
    from indicators.models import Target
    from tests.indicators.factories import make_indicator, make_period

    make_period("2025")
    indicator = make_indicator(world.municipality, "П9", "a", "b")
    url = reverse("indicators:target_set", args=[indicator.pk])
    for allowed in (world.coordinator, world.executor, world.other_coordinator, world.chief):
        client.force_login(allowed)
        assert client.post(url, {"period": "2025", "value": "60"}).status_code == 302
    client.force_login(world.administrator)
    assert client.post(url, {"period": "2025", "value": "99"}).status_code == 403
    assert Target.objects.get(indicator=indicator).value == Decimal(60)
