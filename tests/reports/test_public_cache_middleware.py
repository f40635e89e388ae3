"""A published page the cache holds is answered by reports.open_cache.PublishedPageMiddleware before
the session, the user and the rest of the chain: one read of the cache, no query, the same bytes and
headers as the view gives, and nothing served after a publication or a withdrawal that the view
would not serve."""

import uuid

import pytest
from django.core.cache import caches
from django.urls import reverse

from reports import open_views, public
from tests.reports.test_public import make_tab

# Headers the response carries whichever way it was served; Date and the like are left out.
COMPARED = (
    "Content-Type",
    "Content-Length",
    "Content-Language",
    "Cache-Control",
    "Last-Modified",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Vary",
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


@pytest.fixture
def served(monkeypatch):
    """Counts the answers cached_page gave and the reads of the cache."""
    counts = {"middleware": 0, "cache_reads": 0}
    original_page = open_views.cached_page
    backend = caches["default"]  # the test's own (the autouse fixture above)

    def cached_page(request):
        response = original_page(request)
        counts["middleware"] += response is not None
        return response

    def get(*args, **kwargs):
        counts["cache_reads"] += 1
        return type(backend).get(backend, *args, **kwargs)

    monkeypatch.setattr(open_views, "cached_page", cached_page)
    backend.get = get
    yield counts
    del backend.get


def _urls(tab) -> dict[str, str]:
    slug = tab.municipality.slug
    return {
        "home": reverse("open:home", args=[slug]),
        "page": reverse("open:page", args=[slug, tab.page.slug]),
        "page-vi": reverse("open:page", args=[slug, tab.page.slug]) + "?vi=1",
        "embed-home": reverse("open:embed_home", args=[slug]),
        "embed": reverse("open:embed", args=[slug, tab.page.slug]),
    }


@pytest.mark.parametrize("name", ["home", "page", "page-vi", "embed-home", "embed"])
def test_a_cached_page_costs_one_cache_read_and_no_query(
    client, tab, served, name, django_assert_num_queries
):
    url = _urls(tab)[name]
    first = client.get(url)  # the view renders and keeps it
    assert first.status_code == 200
    assert served["middleware"] == 0
    client.get(url)  # this process keeps it too
    served["cache_reads"] = 0
    with django_assert_num_queries(0):
        second = client.get(url)
    assert served["middleware"] == 2
    assert served["cache_reads"] == 1  # the generation
    assert second.status_code == 200
    assert second.content == first.content
    for header in COMPARED:
        assert second.get(header) == first.get(header), header
    assert "Cookie" not in second.get("Vary", "")
    assert not second.cookies


def test_the_frame_rule_and_the_visually_impaired_version_are_kept(client, tab):
    urls = _urls(tab)
    for name in ("page", "page-vi", "embed"):
        client.get(urls[name])
    page, vi, embedded = (client.get(urls[name]) for name in ("page", "page-vi", "embed"))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors" not in embedded["Content-Security-Policy"]
    assert vi.content != page.content
    assert "?vi=1" in vi.content.decode()


def test_a_publication_or_a_withdrawal_is_seen_at_once(client, tab, served):
    url = _urls(tab)["page"]
    public.page_save(tab.page, user=tab.operator, title="Название", body="<p>Версия один</p>")
    public.publish(tab.page, user=tab.operator)
    for _ in range(2):
        assert "Версия один" in client.get(url).content.decode()
    assert served["middleware"] == 1
    public.page_save(tab.page, user=tab.operator, title="Название", body="<p>Версия два</p>")
    public.publish(tab.page, user=tab.operator)
    assert "Версия два" in client.get(url).content.decode()
    public.withdraw(tab.page, user=tab.operator)
    assert client.get(url).status_code == 404
    assert client.get(_urls(tab)["embed"]).status_code == 404


def test_a_browser_with_the_page_gets_304_from_the_middleware(client, tab, served):
    url = _urls(tab)["page"]
    first = client.get(url)
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert served["middleware"] == 1
    assert response.status_code == 304


def test_other_requests_go_down_the_chain(client, tab, served, world):
    urls = _urls(tab)
    client.get(urls["page"])
    assert client.head(urls["page"]).status_code == 200
    assert client.post(urls["page"]).status_code == 405
    unknown = reverse("open:page", args=[f"x{uuid.uuid4().hex[:12]}", tab.page.slug])
    assert client.get(unknown).status_code == 404
    assert client.get(reverse("open:data", args=[tab.municipality.slug])).status_code == 200
    assert served["middleware"] == 0
