"""The portal's own address, for the links in letters and the embed code.

SITE_URL, when set, is the address. When it is not (the embedded default of `make run`, on whatever
port), the address is the one the people are using: a page takes it from its request, and a letter
written without a request (a task, beat) takes the one the last request came to, remembered by
`SiteAddressMiddleware`; before any request, `FALLBACK`.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache

FALLBACK = "http://127.0.0.1:8000"
CACHE_KEY = "mcok:site-address"
_remembered: list[str] = [""]  # this process's copy, so the cache is written only on a change


def _configured() -> str:
    return (getattr(settings, "SITE_URL", "") or "").rstrip("/")


def base_url(request=None) -> str:
    """«scheme://host[:port]» of the portal, without a trailing slash."""
    if configured := _configured():
        return configured
    if request is not None:
        return remember(request)
    return cache.get(CACHE_KEY) or _remembered[0] or FALLBACK


def absolute(path: str, request=None) -> str:
    return base_url(request) + path


def remember(request) -> str:
    base = request.build_absolute_uri("/").rstrip("/")
    if base != _remembered[0]:
        _remembered[0] = base
        with contextlib.suppress(Exception):  # a cache outage costs a letter's link, never the page
            cache.set(CACHE_KEY, base, None)
    return base


class SiteAddressMiddleware:
    """With SITE_URL unset, remember the address the people use, for the letters written later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _configured():
            with contextlib.suppress(Exception):  # a disallowed host: Django answers 400 below
                remember(request)
        return self.get_response(request)
