"""Open data of the public tab: made of the published versions only, as CSV and JSON."""

import csv
import io
import json
import re
import uuid
from decimal import Decimal

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from indicators.models import IndicatorValue
from reports import open_data, public
from reports.models import PublicPage
from tests.reports.test_public import add_event, add_indicator, make_tab


@pytest.fixture(autouse=True)
def _cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def tab(world):
    return make_tab(world)


def _url(tab, table: str, format: str) -> str:
    return reverse("open:data_file", args=[tab.municipality.slug, table, format])


def _csv(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # a Russian header with the machine name beside it: «Код показателя (indicator)»
    names = [re.fullmatch(r"[А-ЯЁ№][^()]* \(([a-z_]+)\)", title) for title in header]
    assert all(names), header
    return [dict(zip([name[1] for name in names], row, strict=True)) for row in rows]


def _json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def _publish(tab) -> None:
    public.publish(tab.page, user=tab.operator)
    public.publish(tab.home, user=tab.operator)


def test_the_open_data_holds_exactly_the_published_values(client, tab):
    stored = {
        (v.indicator.code, v.period.code): v.value
        for v in IndicatorValue.objects.filter(
            indicator__direction=tab.direction, indicator__is_published=True, organization=None
        ).select_related("indicator", "period")
    }
    _publish(tab)
    frozen = PublicPage.objects.get(pk=tab.page.pk).published.content

    rows = _csv(client, _url(tab, "indicators", "csv"))
    assert [list(row) for row in rows[:1]] == [
        ["municipality", "direction", "indicator", "name", "unit", "period", "value", "target", "preliminary"]
    ]
    from_csv = {(row["indicator"], row["period"]): Decimal(row["value"].replace(",", ".")) for row in rows}
    assert from_csv == stored
    from_content = {
        (item["code"], row["period"]["code"]): Decimal(row["value"])
        for item in frozen["indicators"]
        for row in item["dynamics"]
    }
    assert from_csv == from_content
    target = next(row for row in rows if row["indicator"] == "1.1.1" and row["period"] == "2025")
    assert target["target"] == "65" and target["municipality"] == tab.municipality.name
    assert all(row["direction"] == "1.1" for row in rows)

    document = _json(client, _url(tab, "indicators", "json"))
    assert document["table"] == "indicators"
    assert document["municipality"]["slug"] == tab.municipality.slug
    assert document["updated"]
    names = [column["name"] for column in document["columns"]]
    from_json = {
        (row[names.index("indicator")], row[names.index("period")]): Decimal(str(row[names.index("value")]))
        for row in document["rows"]
    }
    assert from_json == stored


def test_a_value_changed_after_publication_reaches_the_open_data_only_when_republished(client, tab):
    _publish(tab)
    IndicatorValue.objects.filter(indicator=tab.indicator, period__code="2025", organization=None).update(
        value=Decimal("99.9")
    )
    public.bump(tab.municipality)  # even with nothing cached, the published version is what counts
    for format in ("csv", "json"):
        content = client.get(_url(tab, "indicators", format)).content.decode("utf-8-sig")
        kept, changed = ("62,5", "99,9") if format == "csv" else ("62.5", "99.9")
        assert kept in content and changed not in content
    assert (
        "99,9"
        not in client.get(reverse("open:page", args=[tab.municipality.slug, tab.page.slug])).content.decode()
    )

    public.publish(tab.page, user=tab.operator)
    rows = _csv(client, _url(tab, "indicators", "csv"))
    latest = next(row for row in rows if row["indicator"] == "1.1.1" and row["period"] == "2025")
    assert latest["value"] == "99,9"  # the decimal comma Russian Excel reads


def test_organization_values_only_of_indicators_that_publish_them(client, tab, world):
    _publish(tab)
    rows = _csv(client, _url(tab, "organization-values", "csv"))
    assert {(row["indicator"], row["organization"], row["value"]) for row in rows} == {
        ("1.1.1", world.school.short_name, "55,25"),
        ("1.1.1", world.other_school.short_name, "70"),
    }
    assert all(row["period"] == "2025" for row in rows)
    document = _json(client, _url(tab, "organization-values", "json"))
    values = {(row[2], row[-1]) for row in document["rows"]}
    assert values == {("1.1.1", 55.25), ("1.1.1", 70)}  # nothing of 1.1.2, whose values stay private


def test_unpublished_pages_and_indicators_give_no_rows(client, tab):
    public.publish(tab.home, user=tab.operator)  # the direction's page stays a draft
    for table in open_data.TABLES:
        document = _json(client, _url(tab, table, "json"))
        if table == "indices":
            assert [row[2] for row in document["rows"]] == [""]  # only the municipal index of the home page
        else:
            assert document["rows"] == [], table
    public.publish(tab.page, user=tab.operator)
    body = "".join(client.get(_url(tab, t, "csv")).content.decode("utf-8-sig") for t in open_data.TABLES)
    body += "".join(
        json.dumps(_json(client, _url(tab, t, "json"))["rows"], ensure_ascii=False) for t in open_data.TABLES
    )
    assert "1.1.2" in body  # published, so the check below reads real content
    assert "1.1.3" not in body and "Секретный показатель" not in body and "13.7" not in body


def test_events_and_indices_tables(client, tab):
    add_event(tab.direction, "1.2", due_days=30)
    _publish(tab)
    events = _csv(client, _url(tab, "events", "csv"))
    assert [row["number"] for row in events] == ["1.1", "1.2"]
    assert events[0]["deadline"] == "Ежегодно (сентябрь)"
    assert events[0]["roadmap"] == "Дорожная карта направления"
    assert events[0]["state"] != events[1]["state"]  # overdue, planned
    indices = _csv(client, _url(tab, "indices", "csv"))
    assert [(row["direction"], row["percent"]) for row in indices] == [("", "75"), ("1.1", "75")]
    assert all(row["period"] == "2024" for row in indices)


def test_csv_text_that_would_run_as_a_formula_is_quoted(client, tab):
    add_indicator(tab, "1.1.9", {"2025": "-3.5"}, name='=HYPERLINK("http://evil")', unit="ед.")
    _publish(tab)
    content = client.get(_url(tab, "indicators", "csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    assert ";-3,5;" in content  # numbers stay numbers, even negative ones, with a decimal comma


def test_the_data_page_lists_the_tables_with_formats_sizes_and_update(client, tab):
    assert (
        client.get(reverse("open:data", args=[tab.municipality.slug])).status_code == 404
    )  # nothing published
    _publish(tab)
    response = client.get(reverse("open:data", args=[tab.municipality.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    for table in open_data.TABLES:
        for format in ("csv", "json"):
            assert f'href="{_url(tab, table, format)}"' in body
    size = len(client.get(_url(tab, "indicators", "csv")).content)
    assert str(filesizeformat(size)) in body
    assert "<script" not in body and not response.cookies


def test_unknown_tables_formats_and_places_answer_404(client, tab, world):
    _publish(tab)
    assert client.get(_url(tab, "indicators", "xlsx")).status_code == 404
    assert client.get(_url(tab, "secrets", "csv")).status_code == 404
    assert (
        client.get(reverse("open:data_file", args=["no-such-place", "indicators", "csv"])).status_code == 404
    )
    assert (
        client.get(reverse("open:data_file", args=[world.elsewhere.slug, "indicators", "csv"])).status_code
        == 404
    )
