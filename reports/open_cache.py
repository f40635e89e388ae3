"""The published pages of the public tab answered from the cache before the rest of the chain.

A published page is fixed content: its rendered bytes sit in the cache under the municipality's
generation (reports.open_views), which every publication and withdrawal replaces. This middleware
stands below the Content-Security-Policy, the outage guard, the security headers, the static files
and the site's address, and above the session, the language, CSRF, the user, messages, the second
factor and the rest: for a page the cache holds it answers with one read of the cache (the
generation) and nothing else; any other request, and a page not in the cache, goes down the chain
to the view, which renders and keeps the page as before.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from reports import open_views


class PublishedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._prefix: str | None = None

    def _open_prefix(self) -> str | None:
        """The tab's addresses begin with it: «/open/» as config/urls.py mounts the tab; None where
        the addresses mount no tab (then every request goes down the chain)."""
        if self._prefix is None:
            try:
                self._prefix = reverse("open:home", args=["x"]).removesuffix("x/")
            except NoReverseMatch:
                return None
        return self._prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        prefix = self._open_prefix() if request.method == "GET" else None
        if prefix and request.path.startswith(prefix):
            response = open_views.cached_page(request)
            if response is not None:
                return response
        return self.get_response(request)
