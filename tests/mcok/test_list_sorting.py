"""Lists sort by a clicked column header, keep the filter, and ignore an unknown order."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_document, make_official, make_organization
from tests.monitoring.factories import make_form


def _names(body: str, names: list[str]) -> list[str]:
    return sorted(names, key=body.index)


def test_organizations_sort_by_name_both_ways(client, world):
    make_organization(world.municipality, short_name="Аист")
    make_organization(world.municipality, short_name="Яблонька")
    client.force_login(world.coordinator)
    names = ["Аист", "Яблонька"]
    body = client.get(reverse("mcok:organizations"), {"sort": "name"}).content.decode()
    assert _names(body, names) == ["Аист", "Яблонька"]
    assert 'aria-sort="ascending"' in body
    assert "sort=-name" in body  # a second click reverses
    body = client.get(reverse("mcok:organizations"), {"sort": "-name"}).content.decode()
    assert _names(body, names) == ["Яблонька", "Аист"]
    assert 'aria-sort="descending"' in body


def test_sorting_keeps_the_filter_and_the_filter_keeps_the_order(client, world):
    make_organization(world.municipality, short_name="Детский сад Аист", kind="kindergarten")
    make_organization(world.municipality, short_name="Детский сад Вишенка", kind="kindergarten")
    client.force_login(world.coordinator)
    body = client.get(
        reverse("mcok:organizations"), {"kind": "kindergarten", "sort": "-name"}
    ).content.decode()
    assert world.school.short_name not in body
    assert _names(body, ["Детский сад Аист", "Детский сад Вишенка"]) == [
        "Детский сад Вишенка",
        "Детский сад Аист",
    ]
    assert "kind=kindergarten&amp;sort=name" in body  # the header link keeps the filter
    assert '<input type="hidden" name="sort" value="-name">' in body  # the filter form keeps the order


@pytest.mark.parametrize("value", ["nonsense", "-", "--name", "pk", "head__password", "x" * 500])
def test_an_unknown_order_is_ignored(client, world, value):
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:organizations"), {"sort": value})
    assert response.status_code == 200
    assert "aria-sort" not in response.content.decode()


def test_the_download_follows_the_order(client, world):
    make_organization(world.municipality, short_name="Аист")
    make_organization(world.municipality, short_name="Яблонька")
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:organizations"), {"sort": "-name", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(
    ("route", "sort"),
    [
        ("mcok:organizations", "-head"),
        ("mcok:officials", "workplace"),
        ("mcok:documents", "-organization"),
        ("monitoring:forms", "-questions"),
    ],
)
def test_sorted_lists_do_not_grow_in_queries(client, world, route, sort):
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse(route), {"sort": sort})
            assert response.status_code == 200
            assert 'aria-sort="' in response.content.decode()
        return len(context.captured_queries)

    def rows() -> None:
        organization = make_organization(world.municipality)
        organization.head = make_official(world.municipality, organization=organization)
        organization.save()
        make_document(world.municipality, organization=organization)
        make_form(world.municipality, title=f"Анкета {organization.pk}", elements=False)

    rows()
    queries()  # the first request warms the caches (session, roles, periods)
    before = queries()
    for _ in range(6):
        rows()
    assert queries() == before


def test_documents_and_officials_sort(client, world):
    first = make_official(world.municipality, full_name="Алексеева Анна")
    last = make_official(world.municipality, full_name="Яковлев Яков")
    client.force_login(world.coordinator)
    body = client.get(reverse("mcok:officials"), {"sort": "-name"}).content.decode()
    assert body.index(last.full_name) < body.index(first.full_name)
    make_document(world.municipality, title="Аа приказ")
    make_document(world.municipality, title="Яя приказ")
    body = client.get(reverse("mcok:documents"), {"sort": "title"}).content.decode()
    assert body.index("Аа приказ") < body.index("Яя приказ")


# Codes in their natural order ------------------------------------------------------------------------


def test_codes_sort_naturally_both_ways_across_pages(client, world, monkeypatch):
    from mcok import lists
    from tests.indicators.factories import make_element

    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    for code in ("e2_3_10", "e2_3_2", "e2_3_1", "e2_10", "e2_9"):
        make_element(world.municipality, code)
    client.force_login(world.coordinator)
    url = reverse("indicators:elements")

    def codes(**query) -> list[str]:
        found = []
        for page in (1, 2):
            response = client.get(url, {**query, "page": page})
            found += [e.code for e in response.context["page"].object_list]
        return found

    order = ["e2_3_1", "e2_3_2", "e2_3_10", "e2_9", "e2_10"]
    assert codes(sort="code") == order
    assert codes(sort="-code") == order[::-1]
    response = client.get(url, {"sort": "code", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == order


def test_a_natural_order_reads_the_page_in_a_fixed_number_of_queries(client, world):
    from tests.indicators.factories import make_element

    make_element(world.municipality, "a1")
    client.force_login(world.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("indicators:elements"), {"sort": "code"})
            assert 'aria-sort="ascending"' in response.content.decode()
        return len(context.captured_queries)

    queries()
    before = queries()
    for n in range(2, 30):
        make_element(world.municipality, f"a{n}")
    assert queries() == before


def test_the_indicator_catalogue_sorts_its_codes_naturally(client, world):
    from tests.indicators.factories import make_element, make_indicator

    make_element(world.municipality, "x")
    for code in ("2.3.10", "2.3.2", "2.3.1"):
        make_indicator(world.municipality, code, "x")
    client.force_login(world.coordinator)
    response = client.get(reverse("indicators:catalogue"), {"sort": "-code"})
    assert response.status_code == 200
    assert [i.code for i in response.context["page"].object_list] == ["2.3.10", "2.3.2", "2.3.1"]
