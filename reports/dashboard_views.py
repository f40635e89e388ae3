"""The dashboard of the department's staff and its head: what needs attention in a municipality for a
period, in five sections (reports.dashboard).

Read by the municipality's staff roles and the instance's administrators; a school's respondent or
head is refused (403), another municipality answers 404 as an absent one does.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from mcok import params
from mcok.models import Municipality, Period
from mcok.periods import municipality_periods
from reports import access
from reports import dashboard as selectors


def _municipality(request: HttpRequest) -> Municipality:
    """?municipality=slug among those the user works for as staff (404 for any other), or the first.
    403 for a user who is staff nowhere: a school's user."""
    candidates = access.staff_municipalities(request.user)
    first = candidates.first()
    if first is None:
        raise PermissionDenied(_("The dashboard is for the education department's staff."))
    slug = params.query(request.GET, "municipality")
    if not slug:
        return first
    municipality = candidates.filter(slug=slug).first()
    if municipality is None:
        raise Http404
    return municipality


def _period(request: HttpRequest, municipality: Municipality) -> tuple[Period | None, str]:
    """?period=code or id, or the default period; with a message when the one asked for is unknown."""
    asked = params.query(request.GET, "period", "").strip()
    if asked:
        period = selectors.period_named(asked)
        if period is not None:
            return period, ""
    period = selectors.default_period(municipality, timezone.localdate())
    if not asked:
        return period, ""
    if period is None:
        return None, _("There is no period «%(period)s».") % {"period": asked[:40]}
    return period, _("There is no period «%(period)s»; %(default)s is shown.") % {
        "period": asked[:40],
        "default": period.label,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    period, problem = _period(request, municipality)
    context = {
        "municipality": municipality,
        "municipalities": access.staff_municipalities(request.user),
        "period": period,
        "periods": municipality_periods(municipality, include=[period]),
        "problem": problem,
        "board": selectors.dashboard(request.user, municipality, period) if period else None,
        "overdue_shown": selectors.OVERDUE_SHOWN,
    }
    return render(request, "reports/dashboard.html", context)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
]
