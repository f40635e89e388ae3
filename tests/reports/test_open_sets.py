"""Open data sets as official sites publish them: a passport (meta.csv), a structure file and data
files named by the date of the data and of the structure, and the list of the sets on one page."""

import csv
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indicators.models import IndicatorValue
from reports import open_data, open_sets, public
from tests.reports.test_public import add_event, add_indicator, make_tab

REQUIRED = (
    "standardversion",
    "identifier",
    "title",
    "description",
    "creator",
    "format",
    "subject",
    "created",
    "modified",
    "structure",
    "version",
    "publishername",
)


@pytest.fixture(autouse=True)
def _cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def tab(world):
    made = make_tab(world)
    public.publish(made.page, user=made.operator)
    public.publish(made.home, user=made.operator)
    return made


def _rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert not response.content.startswith("\ufeff".encode())  # machine-readable: no BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def _meta(client, tab, name: str) -> dict[str, str]:
    header, *rows = _rows(
        client, reverse("open:data_set_file", args=[tab.municipality.slug, name, "meta.csv"])
    )
    assert header == ["property", "title", "value"]
    assert all(title for _property, title, _value in rows)  # every field has its Russian title
    return {row[0]: row[2] for row in rows}


def _validate(client, tab, name: str) -> dict[str, str]:
    """The passport has its fields, names its files by its dates, and the data file matches the
    structure: the same columns in the same order, every value parses as its column's type."""
    meta = _meta(client, tab, name)
    for field in REQUIRED:
        assert meta[field], (name, field)
    assert meta["identifier"] == f"{tab.municipality.slug}-{name}"
    assert meta["format"] == "csv"
    assert re.fullmatch(r"\d{8}", meta["modified"]) and re.fullmatch(r"\d{8}", meta["structure"])
    data_name = f"data-{meta['modified']}-structure-{meta['structure']}"
    structure_name = f"structure-{meta['structure']}"
    assert meta["version"] == data_name
    assert meta[data_name].endswith(f"/open/{tab.municipality.slug}/data/{name}/{data_name}.csv")
    assert meta[structure_name].endswith(f"/open/{tab.municipality.slug}/data/{name}/{structure_name}.csv")
    assert meta[data_name].startswith("http://testserver/")

    base = f"/open/{tab.municipality.slug}/data/{name}/"
    header, *fields = _rows(client, f"{base}{structure_name}.csv")
    assert header == ["field name", "russian description", "format"]
    assert fields
    for field_name, description, type_name in fields:
        assert re.fullmatch(r"[a-z_]+", field_name)
        assert re.search(r"[А-Яа-яЁё]", description), description  # described in Russian
        assert type_name in open_sets.TYPES
    columns, *data = _rows(client, f"{base}{data_name}.csv")
    assert columns == [field[0] for field in fields]  # every column described, in order
    types = [field[2] for field in fields]
    for row in data:
        assert len(row) == len(columns)
        for value, type_name in zip(row, types, strict=True):
            assert open_sets.parses_as(value, type_name), (name, value, type_name)
    return meta


def test_every_set_is_valid_against_its_passport_and_structure(client, tab):
    for spec in open_data.SPECS:
        _validate(client, tab, spec.name)


def test_the_data_file_holds_the_published_values_with_a_decimal_point(client, tab):
    meta = _meta(client, tab, "indicators")
    _header, *data = _rows(client, meta[meta["version"]].removeprefix("http://testserver"))
    found = {(row[2], row[5]): Decimal(row[6]) for row in data}
    stored = {
        (value.indicator.code, value.period.code): value.value
        for value in IndicatorValue.objects.filter(
            indicator__direction=tab.direction, indicator__is_published=True, organization=None
        ).select_related("indicator", "period")
    }
    assert found == stored
    assert any(row[6] == "62.5" for row in data)


def test_the_data_date_follows_the_publication_and_an_old_name_is_not_found(client, tab):
    meta = _meta(client, tab, "indicators")
    published = tab.page.__class__.objects.get(pk=tab.page.pk).published.published_at
    assert meta["modified"] == timezone.localdate(published).strftime("%Y%m%d")
    base = f"/open/{tab.municipality.slug}/data/indicators/"
    other = f"data-19990101-structure-{meta['structure']}.csv"
    assert client.get(base + other).status_code == 404
    assert client.get(base + "structure-19990101.csv").status_code == 404
    assert client.get(base + "meta.json").status_code == 404
    assert client.get(f"/open/{tab.municipality.slug}/data/nothing/meta.csv").status_code == 404
    assert client.get(f"/open/{tab.municipality.slug}/data/nothing/").status_code == 404


def test_a_new_publication_renames_the_data_file(client, tab, monkeypatch):
    before = _meta(client, tab, "events")
    later = timezone.now() + timezone.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    add_event(tab.direction, "2.1")
    public.publish(tab.page, user=tab.operator)
    after = _meta(client, tab, "events")
    assert after["modified"] > before["modified"]
    assert after["version"] != before["version"]
    assert after["structure"] == before["structure"]  # the structure did not change
    assert client.get(after[after["version"]].removeprefix("http://testserver")).status_code == 200


def test_the_list_page_shows_every_set_with_its_passport_and_files(client, tab):
    response = client.get(reverse("open:data", args=[tab.municipality.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    for spec in open_data.SPECS:
        assert f"{tab.municipality.slug}-{spec.name}" in body
        assert reverse("open:data_set", args=[tab.municipality.slug, spec.name]) in body
        assert reverse("open:data_set_file", args=[tab.municipality.slug, spec.name, "meta.csv"]) in body
    assert reverse("open:data_list", args=[tab.municipality.slug]) in body
    assert "<script" not in body.lower()
    header, *rows = _rows(client, reverse("open:data_list", args=[tab.municipality.slug]))
    assert header == ["property", "title", "value", "format"]
    assert [row[0] for row in rows] == [f"{tab.municipality.slug}-{spec.name}" for spec in open_data.SPECS]
    assert all(row[2].endswith("/meta.csv") and row[3] == "csv" for row in rows)


def test_the_passport_page_describes_the_set_and_its_structure(client, tab):
    response = client.get(reverse("open:data_set", args=[tab.municipality.slug, "indicators"]))
    assert response.status_code == 200
    body = response.content.decode()
    for column in open_data.TABLES["indicators"].columns:
        assert f"<code>{column.name}</code>" in body
    assert f"{tab.municipality.slug}-indicators" in body
    assert 'scope="row"' in body and "<caption" in body


def test_no_official_contact_reaches_a_passport(client, tab):
    from tests.reports.test_public import COORDINATOR_EMAIL, COORDINATOR_PHONE, EXECUTOR_EMAIL, EXECUTOR_PHONE

    for spec in open_data.SPECS:
        meta = client.get(reverse("open:data_set_file", args=[tab.municipality.slug, spec.name, "meta.csv"]))
        page = client.get(reverse("open:data_set", args=[tab.municipality.slug, spec.name]))
        for secret in (COORDINATOR_EMAIL, COORDINATOR_PHONE, EXECUTOR_EMAIL, EXECUTOR_PHONE):
            assert secret not in meta.content.decode() and secret not in page.content.decode()


def test_the_sets_are_not_served_while_the_tab_is_closed(client, world):
    made = make_tab(world)
    slug = made.municipality.slug
    assert client.get(reverse("open:data_set", args=[slug, "indicators"])).status_code == 404
    assert client.get(reverse("open:data_list", args=[slug])).status_code == 404
    assert client.get(reverse("open:data_set_file", args=[slug, "indicators", "meta.csv"])).status_code == 404


def test_the_list_page_costs_the_same_queries_with_more_rows(client, tab, settings):
    def count() -> int:
        public.bump(tab.municipality)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("open:data", args=[tab.municipality.slug])).status_code == 200
        return len(queries)

    first = count()
    for number in range(5):
        add_indicator(tab.direction, f"1.1.{number + 4}", {"2024": "10", "2025": "11"})
        add_event(tab.direction, f"3.{number + 1}")
    public.publish(tab.page, user=tab.operator)
    assert count() == first


def test_the_data_file_marks_a_preliminary_value_as_the_public_tab_does(client, world):
    made = make_tab(world)
    indicator = add_indicator(made, "1.1.9", {"2024": "40", "2025": "55"})
    IndicatorValue.objects.filter(indicator=indicator, period__code="2025").update(expected=5, reported=1)
    public.publish(made.page, user=made.operator)
    public.publish(made.home, user=made.operator)
    meta = _validate(client, made, "indicators")  # the new column is in the structure too
    header, *data = _rows(client, meta[meta["version"]].removeprefix("http://testserver"))
    column = header.index("preliminary")
    marks = {(row[2], row[5]): row[column] for row in data}
    assert marks[("1.1.9", "2025")] == "1"  # 1 of 5 organizations: below the threshold
    assert marks[("1.1.9", "2024")] == "0"
    assert set(marks.values()) == {"0", "1"}
    structure = _rows(client, meta[f"structure-{meta['structure']}"].removeprefix("http://testserver"))
    description = next(row[1] for row in structure if row[0] == "preliminary")
    assert "предварительн" in description.lower()
