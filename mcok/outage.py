"""The database is away (restarted, failed over): the user gets a short «try again in a minute»
page with 503 and Retry-After, not a server error.

Django turns an exception into a 500 response wherever it is raised, in a view or in a middleware
(the session and the user are loaded lazily, deep inside the chain), before an outer middleware could
catch it. So the exception is recognised where Django reports it, on `got_request_exception`, and
the outermost middleware replaces that request's 500 with the 503. The next request after the
database is back gets a fresh connection (CONN_HEALTH_CHECKS), with nothing restarted.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 60
_MARK = "_mcok_database_unavailable"


@receiver(got_request_exception, dispatch_uid="mcok.outage.database_unavailable")
def _remember_database_unavailable(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        setattr(request, _MARK, error)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """A 503 in the request's own terms: JSON for the API, a page without the database for the rest.
    Rendered without the request: its context processors would ask the database for the user."""
    message = _("The service is temporarily unavailable. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        context = {"message": message, "reload": request.method in ("GET", "HEAD")}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE: it sees the response of every other layer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is None or response.status_code < 500:
            return response
        logger.warning(
            "Database unavailable, answered 503 for %s %s: %s", request.method, request.path, error
        )
        return database_unavailable_response(request)
