"""The version for the visually impaired: switched by a link on every page of the tab, kept by every
address of the tab, without images, with its own static stylesheet and no script, in the frame too."""

import re
import uuid

import pytest
from django.urls import reverse

from reports import open_views, public
from reports.models import PublicPage
from tests.reports.test_public import make_tab, page_url

SWITCH_ON = "Версия для слабовидящих"
SWITCH_OFF = "Обычная версия"


@pytest.fixture(autouse=True)
def _cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def tab(world):
    made = make_tab(world)
    body = (
        '<p>Вступление <img src="/static/open/none.png" alt="Схема мониторинга"> и '
        f'<a href="{reverse("open:data", args=[made.municipality.slug])}">данные</a>, '
        '<a href="https://example.org/x?a=1">внешняя</a></p>'
    )
    public.page_save(made.page, user=made.operator, title=made.page.title, body=body)
    public.publish(made.page, user=made.operator)
    public.publish(made.home, user=made.operator)
    return made


def _tab_urls(tab) -> list[str]:
    slug = tab.municipality.slug
    return [
        page_url(tab, tab.home),
        page_url(tab),
        reverse("open:embed_home", args=[slug]),
        reverse("open:embed", args=[slug, tab.page.slug]),
        reverse("open:data", args=[slug]),
        reverse("open:data_set", args=[slug, "indicators"]),
    ]


def _links(body: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', body)


def test_every_page_of_the_tab_links_the_version_for_the_visually_impaired(client, tab):
    for url in _tab_urls(tab):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SWITCH_ON in body and SWITCH_OFF not in body, url
        assert f'href="{url}?vi=1"' in body
        assert "open/vi.css" not in body
        assert 'class="open' in body and " vi" not in re.search(r'<body class="([^"]*)"', body)[1]


def test_the_version_for_the_visually_impaired_keeps_itself_on_every_tab_link(client, tab):
    slug = tab.municipality.slug
    prefix = reverse("open:home", args=[slug])
    for url in _tab_urls(tab):
        response = client.get(url, {"vi": "1"})
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SWITCH_OFF in body and SWITCH_ON not in body, url
        assert f'href="{url}"' in body  # back to the regular version
        assert '<link rel="stylesheet" href="/static/open/vi.css">' in body
        assert re.search(r'<body class="[^"]*\bvi\b', body)
        assert "<script" not in body.lower() and "style=" not in body and "<style" not in body
        assert "<img" not in body and "<svg" not in body, url  # no images, no charts
        for link in _links(body):
            if link.startswith(prefix) and "/documents/" not in link and "/reports/" not in link:
                is_file = link.endswith(".csv") or link.endswith(".json")
                assert is_file or "vi=1" in link or link == url, (url, link)
        assert "set-cookie" not in {name.lower() for name in response.headers}


def test_charts_become_their_tables_in_the_version_for_the_visually_impaired(client, tab):
    regular = client.get(page_url(tab)).content.decode()
    assert regular.count("<svg") >= 3
    special = client.get(page_url(tab), {"vi": "1"}).content.decode()
    assert 'href="https://example.org/x?a=1"' in special  # a link out of the tab is left alone
    data = reverse("open:data", args=[tab.municipality.slug])
    assert f'href="{data}?vi=1"' in special  # a link of the text into the tab keeps the version
    assert special.count("<table") == regular.count("<table")  # the charts' figures stay as tables
    assert "<details>" not in special  # every table is open


def test_images_of_the_text_become_their_text_alternative(tab):
    prefix = reverse("open:home", args=[tab.municipality.slug])
    html = (
        '<p><img src="/open/x/documents/1/" alt="Схема &lt;мониторинга&gt;"> <img src="/a.png" alt="">'
        f'<a href="{prefix}page/?a=1&amp;b=2">страница</a> <a href="{prefix}?vi=1">уже</a></p>'
    )
    result = open_views._vi_body(html, tab.municipality)
    assert "<img" not in result
    assert '<span class="vi-image">Изображение: Схема &lt;мониторинга&gt;</span>' in result
    assert f'href="{prefix}page/?a=1&amp;b=2&amp;vi=1"' in result
    assert f'href="{prefix}?vi=1"' in result


def test_the_switch_stays_in_the_frame_of_the_department_site(client, tab):
    url = reverse("open:embed", args=[tab.municipality.slug, tab.page.slug])
    body = client.get(url).content.decode()
    assert '<base target="_top">' in body
    assert re.search(rf'<a class="vi-switch" href="{re.escape(url)}\?vi=1" target="_self">', body)
    response = client.get(url, {"vi": "1"})
    assert "frame-ancestors" not in response["Content-Security-Policy"]
    assert re.search(
        rf'<a class="vi-switch" href="{re.escape(url)}" target="_self">', response.content.decode()
    )


def test_each_version_is_cached_apart(client, tab):
    first = client.get(page_url(tab)).content.decode()
    special = client.get(page_url(tab), {"vi": "1"}).content.decode()
    again = client.get(page_url(tab)).content.decode()
    assert SWITCH_ON in first and SWITCH_ON in again and SWITCH_OFF in special
    assert client.get(page_url(tab), {"vi": "yes"}).content.decode() == again  # anything else: regular


def test_the_operator_previews_either_version(client, tab, world):
    page = PublicPage.objects.get(pk=tab.page.pk)
    client.force_login(tab.operator)
    url = reverse("reports:site_page_preview", args=[page.pk])
    assert SWITCH_ON in client.get(url).content.decode()
    assert SWITCH_OFF in client.get(url, {"vi": "1"}).content.decode()
