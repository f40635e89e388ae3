"""Caching and the headers of the public tab: a hit reads no database, publication and withdrawal
discard the cached pages at once, framing only for the embeddable copies, no cookies."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import public
from reports.models import PublicPage
from tests.reports.test_public import add_event, add_indicator, make_tab


@pytest.fixture(autouse=True)
def _cache(settings):
    """A real cache backend of the test's own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def tab(world):
    return make_tab(world)


def _urls(tab) -> dict[str, str]:
    slug = tab.municipality.slug
    return {
        "home": reverse("open:home", args=[slug]),
        "page": reverse("open:page", args=[slug, tab.page.slug]),
        "embed-home": reverse("open:embed_home", args=[slug]),
        "embed": reverse("open:embed", args=[slug, tab.page.slug]),
        "data": reverse("open:data", args=[slug]),
        "data-file": reverse("open:data_file", args=[slug, "indicators", "csv"]),
    }


def _publish(tab) -> None:
    public.publish(tab.page, user=tab.operator)
    public.publish(tab.home, user=tab.operator)


@pytest.mark.parametrize("name", ["home", "page", "embed-home", "embed", "data", "data-file"])
def test_a_second_request_reads_the_cache_only(client, tab, name, django_assert_num_queries):
    _publish(tab)
    url = _urls(tab)[name]
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content


def test_publication_and_withdrawal_discard_the_cached_page_at_once(client, tab):
    url = _urls(tab)["page"]
    public.page_save(tab.page, user=tab.operator, title="Название", body="<p>Версия один</p>")
    public.publish(tab.page, user=tab.operator)
    assert "Версия один" in client.get(url).content.decode()

    public.page_save(tab.page, user=tab.operator, title="Название", body="<p>Версия два</p>")
    assert "Версия один" in client.get(url).content.decode()  # a draft changes nothing
    public.publish(tab.page, user=tab.operator)
    assert "Версия два" in client.get(url).content.decode()

    home = _urls(tab)["home"]
    public.publish(tab.home, user=tab.operator)
    assert f'href="{url}"' in client.get(home).content.decode()
    public.withdraw(tab.page, user=tab.operator)
    assert client.get(url).status_code == 404
    assert client.get(_urls(tab)["embed"]).status_code == 404
    assert f'href="{url}"' not in client.get(home).content.decode()  # the home page follows at once


def test_the_generation_is_bumped_again_after_commit(tab, django_capture_on_commit_callbacks):
    slug = tab.municipality.slug
    before = public.generation(slug)
    assert public.generation(slug) == before  # stable between publications
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        public.publish(tab.page, user=tab.operator)
        during = public.generation(slug)
    assert during != before
    assert len(callbacks) == 1
    assert public.generation(slug) not in (before, during)


def test_a_cache_miss_costs_the_same_queries_whatever_the_rows(client, tab, world):
    url = _urls(tab)["page"]

    def misses() -> int:
        public.publish(tab.page, user=tab.operator)  # a new version: the next request misses
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = misses()
    for number in range(2, 8):
        add_indicator(
            tab, f"1.1.{10 + number}", {"2024": "40", "2025": str(40 + number)},
            organizations={world.school: "33"}, publish_organization_values=True,
        )  # fmt: skip
        add_event(tab.direction, f"1.{number}")
    many = misses()
    body = client.get(url).content.decode()
    assert "1.1.17" in body and "Мероприятие 1.7" in body
    assert many == few


def test_compose_costs_the_same_queries_whatever_the_rows(tab, world):
    def composing() -> int:
        page = PublicPage.objects.get(pk=tab.page.pk)
        with CaptureQueriesContext(connection) as queries:
            public.compose(page)
        return len(queries)

    few = composing()
    for number in range(2, 8):
        add_indicator(tab, f"1.1.{10 + number}", {"2025": "50"}, organizations={world.school: "1"},
                      publish_organization_values=True)  # fmt: skip
        add_event(tab.direction, f"1.{number}")
    assert composing() == few


def test_embeddable_copies_may_be_framed_the_pages_may_not(client, tab):
    _publish(tab)
    urls = _urls(tab)
    for name in ("home", "page"):
        response = client.get(urls[name])
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    for name in ("embed-home", "embed"):
        for _attempt in (1, 2):  # the cache miss and the hit alike
            response = client.get(urls[name])
            assert response.status_code == 200
            assert "X-Frame-Options" not in response
            assert "frame-ancestors" not in response["Content-Security-Policy"]
        body = response.content.decode()
        assert '<base target="_top">' in body
        assert 'class="open-header"' not in body and 'class="open-footer"' not in body


def test_public_responses_are_shareable_no_cookie_and_dated(client, tab):
    _publish(tab)
    version = PublicPage.objects.get(pk=tab.page.pk).published
    for name, url in _urls(tab).items():
        for _attempt in (1, 2):
            response = client.get(url)
            assert response.status_code == 200, name
            assert not response.cookies, name
            assert "Set-Cookie" not in response, name
            assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"], name
            assert response["Last-Modified"], name
            assert "Cookie" not in response.get("Vary", ""), name
    response = client.get(_urls(tab)["page"])
    from django.utils.http import http_date

    assert response["Last-Modified"] == http_date(version.published_at.timestamp())
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none' forbids scripts
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_browser_with_the_page_gets_304(client, tab):
    _publish(tab)
    url = _urls(tab)["page"]
    first = client.get(url)
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert response.status_code == 304
    assert response.content == b""


def test_a_signed_in_user_gets_the_same_bytes_as_a_visitor(client, tab, world):
    _publish(tab)
    url = _urls(tab)["page"]
    anonymous = client.get(url).content
    client.force_login(world.coordinator)
    public.bump(tab.municipality)  # rendered anew for the signed-in user
    signed_in = client.get(url)
    assert signed_in.content == anonymous
    assert world.coordinator.username.encode() not in signed_in.content
    assert not signed_in.cookies
