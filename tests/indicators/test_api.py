from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import DataValue, IndicatorValue
from tests.factories import make_organization
from tests.indicators.factories import make_element
from tests.indicators.test_selectors import Catalogue, make_catalogue


@pytest.fixture
def catalogue(world) -> Catalogue:
    return make_catalogue(world)


def listed(client, name: str, **query) -> list[dict]:
    response = client.get(reverse(f"api:{name}-list"), query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def bulk(client, entries):
    return client.post(reverse("api:data-value-bulk"), entries, content_type="application/json")


# Reading


def test_staff_read_the_catalogue_and_every_value_of_their_municipality(client, catalogue):
    world = catalogue.world
    client.force_login(world.expert)
    assert [i["code"] for i in listed(client, "indicator", ordering="code")] == ["2.3.1", "П1"]
    assert {e["code"] for e in listed(client, "data-element")} == {"teachers_total", "teachers_dpo"}
    assert len(listed(client, "data-value")) == 8
    shares = listed(client, "indicator-value", indicator="2.3.1", period="2025")
    assert {(row["organization"], row["value"]) for row in shares} == {
        (world.school.pk, "75.0000"),
        (world.other_school.pk, "10.0000"),
        (None, "62.0000"),
    }
    total = listed(client, "indicator-value", indicator="2.3.1", period="2025", municipal="true")
    assert [(row["reported"], row["expected"], row["indicator_code"]) for row in total] == [(2, 2, "2.3.1")]


def test_filters_by_direction_organization_period_and_municipality(client, catalogue):
    world = catalogue.world
    client.force_login(world.coordinator)
    by_direction = listed(client, "indicator-value", direction="2.3", period="2024")
    assert {row["indicator_code"] for row in by_direction} == {"2.3.1"}
    assert len(by_direction) == 3
    mine = listed(client, "data-value", organization=world.school.pk, period="2024", element="teachers_dpo")
    assert [(row["element_code"], row["value"]) for row in mine] == [("teachers_dpo", "20.0000")]
    assert [i["code"] for i in listed(client, "indicator", direction="2.3")] == ["2.3.1"]
    assert listed(client, "indicator", municipality="amur") == []
    assert listed(client, "data-element", municipality="ishim", q="КПК")[0]["code"] == "teachers_dpo"


def test_a_school_reads_only_its_own_values_and_the_totals(client, catalogue):
    world = catalogue.world
    client.force_login(world.respondent)
    values = listed(client, "data-value")
    assert {row["organization"] for row in values} == {world.school.pk}
    assert len(values) == 4
    computed = listed(client, "indicator-value", period="2025")
    assert {row["organization"] for row in computed} == {world.school.pk, None}
    assert listed(client, "indicator") == []  # schools do not read the catalogue
    assert listed(client, "data-element") == []
    other = IndicatorValue.objects.get(
        indicator=catalogue.share, period=catalogue.now, organization=world.other_school
    )
    assert client.get(reverse("api:indicator-value-detail", args=[other.pk])).status_code == 404


def test_another_municipality_reads_nothing_here(client, catalogue):
    client.force_login(catalogue.world.outsider)
    assert [i["code"] for i in listed(client, "indicator")] == ["E1"]
    assert listed(client, "data-value") == []
    assert all(row["municipality"] == "amur" for row in listed(client, "indicator-value"))
    assert client.get(reverse("api:indicator-detail", args=[catalogue.share.pk])).status_code == 404


def test_value_list_queries_do_not_grow_with_rows(client, catalogue):
    client.force_login(catalogue.world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            listed(client, "indicator-value")
            listed(client, "data-value")
            listed(client, "indicator")
        return len(context.captured_queries)

    few = queries()
    for _ in range(5):
        make_organization(catalogue.world.municipality)
    from tests.indicators.test_views import add_schools

    add_schools(catalogue, 8)
    assert queries() == few


# Writing in bulk


def test_bulk_write_stores_the_figures_and_the_indicator_follows(
    client, catalogue, django_capture_on_commit_callbacks
):
    world = catalogue.world
    client.force_login(world.executor)
    entries = [
        {
            "element": catalogue.trained.pk,
            "organization": world.other_school.pk,
            "period": "2025",
            "value": "9",
        },
        {"element": catalogue.total.pk, "organization": world.other_school.pk, "period": "2025", "value": 10},
        {"element": catalogue.total.pk, "organization": None, "period": "2025", "value": "51"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(client, entries)
    assert response.status_code == 200, response.content
    assert response.json() == {"written": 2}  # the unchanged total of 10 is not rewritten
    stored = DataValue.objects.get(
        data_element=catalogue.trained, organization=world.other_school, period=catalogue.now
    )
    assert (stored.value, stored.source, stored.entered_by) == (9, "import", world.executor)
    share = IndicatorValue.objects.get(indicator=catalogue.share, period=catalogue.now, organization=None)
    assert share.value == Decimal(78)  # (30 + 9) / 50 × 100
    teachers = IndicatorValue.objects.get(
        indicator=catalogue.teachers, period=catalogue.now, organization=None
    )
    assert teachers.value == 51  # the department's own figure


@pytest.mark.parametrize("actor", ["respondent", "head", "operator", "expert"])
def test_bulk_write_is_refused_without_the_right_to_enter_figures(client, catalogue, actor):
    client.force_login(getattr(catalogue.world, actor))
    entry = {
        "element": catalogue.total.pk,
        "organization": catalogue.world.school.pk,
        "period": "2025",
        "value": 1,
    }
    response = bulk(client, [entry])
    assert response.status_code == 403
    assert response.json()["detail"] == "Значения вводит только Управление образования."
    assert (
        DataValue.objects.get(
            data_element=catalogue.total, organization=catalogue.world.school, period=catalogue.now
        ).value
        == 40
    )


@pytest.mark.parametrize("actor", ["chief", "other_coordinator", "administrator"])
def test_figures_are_the_municipalitys_not_a_directions(client, catalogue, actor):
    """The head and any coordinator of the municipality enter figures, whatever directions they hold."""
    world = catalogue.world
    client.force_login(getattr(world, actor))
    entry = {"element": catalogue.total.pk, "organization": world.school.pk, "period": "2025", "value": 41}
    response = bulk(client, [entry])
    assert response.status_code == 200, response.content
    stored = DataValue.objects.get(
        data_element=catalogue.total, organization=world.school, period=catalogue.now
    )
    assert (stored.value, stored.entered_by) == (41, getattr(world, actor))


def test_bulk_write_refuses_bad_entries_with_russian_messages_and_writes_nothing(client, catalogue):
    world = catalogue.world
    make_element(world.municipality, "pupils_total")
    client.force_login(world.coordinator)
    good = {"element": catalogue.total.pk, "organization": world.school.pk, "period": "2025", "value": 41}
    response = bulk(
        client,
        [
            good,
            {
                "element": catalogue.total.pk,
                "organization": world.elsewhere_school.pk,
                "period": "2025",
                "value": 1,
            },
            {"element": 987654, "organization": None, "period": "1900", "value": 1},
        ],
    )
    assert response.status_code == 400
    assert response.json() == {
        "1": {"organization": [f"Организации {world.elsewhere_school.pk} нет."]},
        "2": {"element": ["Элемента данных 987654 нет."], "period": ["Периода «1900» нет."]},
    }
    response = bulk(client, [good, {**good, "value": "сорок"}])
    assert response.status_code == 400
    assert response.json() == {"1": {"value": ["Требуется численное значение."]}}
    assert bulk(client, []).status_code == 400
    assert bulk(client, {"element": 1}).status_code == 400
    assert (
        DataValue.objects.get(
            data_element=catalogue.total, organization=world.school, period=catalogue.now
        ).value
        == 40
    )


def test_an_organization_of_another_municipality_is_refused_for_an_administrator(client, catalogue):
    from mcok.models import Role
    from tests.factories import make_user_with_role

    root = make_user_with_role(Role.Kind.ADMINISTRATOR)  # of the whole instance: sees every organization
    client.force_login(root)
    entry = {
        "element": catalogue.total.pk,
        "organization": catalogue.world.elsewhere_school.pk,
        "period": "2025",
        "value": 1,
    }
    response = bulk(client, [entry])
    assert response.status_code == 400
    assert response.json() == {"0": {"organization": ["Организация относится к другому муниципалитету."]}}


def test_the_outsider_cannot_write_into_another_municipality(client, catalogue):
    client.force_login(catalogue.world.outsider)  # a coordinator, but of the second municipality
    entry = {"element": catalogue.total.pk, "organization": None, "period": "2025", "value": 1}
    response = bulk(client, [entry])
    assert response.status_code == 400  # the element does not exist for them
    assert not DataValue.objects.filter(organization=None, data_element=catalogue.total).exists()
