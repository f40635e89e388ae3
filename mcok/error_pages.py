"""The portal's own «page not found» on the embedded default too.

With DEBUG on (the embedded default of `make run`), Django answers an unknown address with its
technical page in English, listing every URL pattern of the portal. The people who first meet the
portal run it that way, so the technical page is replaced by templates/404.html, as with DEBUG off
(where Django renders that template itself). The API keeps its JSON answers.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string

# Django's technical pages carry this line; the portal's pages never do.
TECHNICAL_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


class NotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not request.path.startswith("/api/")
            and not getattr(response, "streaming", False)
            and TECHNICAL_MARK in response.content
        ):
            return HttpResponseNotFound(render_to_string("404.html", request=request))
        return response
