"""The portal's addresses plus the baseline of the public-page benchmark.

`bench/bare/` answers a two-byte text without touching the database, the cache or a template: on
the same server, through the same middleware, it is the most any page could do.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *portal_urlpatterns]
