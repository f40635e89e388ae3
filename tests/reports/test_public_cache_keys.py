"""The public tab keeps cache keys only for municipalities that exist: an anonymous visitor asking for
made-up addresses under /open/ gets 404 and leaves nothing in the cache (issue 18, item 9: each such
request used to leave a 24-hour generation key in Redis, without bound)."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from reports import open_views, public
from tests.reports.test_public import make_tab

REQUESTS = 50


@pytest.fixture(autouse=True)
def _cache(settings):
    """A local-memory cache of the test's own, so its keys can be counted."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def _keys() -> set[str]:
    return set(cache._cache)  # LocMemCache's own store: every key written, expired or not


def _random_slug() -> str:
    return f"x{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    "name",
    ["open:home", "open:embed_home", "open:data", "open:page", "open:embed", "open:data_file"],
)
def test_addresses_of_a_municipality_that_does_not_exist_write_no_cache_key(client, world, name):
    before = _keys()
    local_before = dict(open_views._local)
    for _ in range(REQUESTS):
        slug = _random_slug()
        args = {
            "open:page": [slug, "page"],
            "open:embed": [slug, "page"],
            "open:data_file": [slug, "indicators", "csv"],
        }.get(name, [slug])
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404
    assert _keys() == before
    assert open_views._local == local_before


def test_made_up_pages_of_a_real_municipality_write_no_key_beyond_its_generation(client, world):
    tab = make_tab(world)
    public.publish(tab.home, user=tab.operator)
    slug = tab.municipality.slug
    assert client.get(reverse("open:home", args=[slug])).status_code == 200
    before = _keys()
    for _ in range(REQUESTS):
        page = _random_slug()
        assert client.get(reverse("open:page", args=[slug, page])).status_code == 404
        assert client.get(reverse("open:embed", args=[slug, page])).status_code == 404
    assert _keys() == before


def test_a_municipality_that_exists_still_gets_its_generation(world):
    slug = world.municipality.slug
    first = public.generation(slug)
    assert first and public.generation(slug) == first
    assert public.generation(_random_slug()) is None
