"""The monitoring pages' answer to a right one lacks: 403 with the reason in words (the refusal of
monitoring.access), never a bare «403 Forbidden»."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def forbidden(
    request: HttpRequest, message: str, *, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """The 403 page with `message`, and a link back (to the data collections when none is given)."""
    context = {"message": message, "back_url": back_url, "back_label": back_label}
    return render(request, "monitoring/review/forbidden.html", context, status=403)


def refusals_as_pages(view):
    """A PermissionDenied raised by the view (or a service it calls) becomes the 403 page with the
    refusal's message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refusal:
            return forbidden(request, str(refusal) or _("You may not do this."))

    return wrapper
