"""The monitoring pages' answer to a right one lacks: the project's 403 page (templates/403.html)
with the reason in words (the refusal of monitoring.access) and a way back, never a bare «403
Forbidden». A PermissionDenied raised by a view reaches the same page through Django's handler."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(
    request: HttpRequest, message: str, *, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """The 403 page with `message`, and a link back when one is given."""
    context = {"exception": str(message), "back_url": back_url, "back_label": back_label}
    return render(request, "403.html", context, status=403)
