"""The page of the analysis of the effectiveness of a direction's measures for a period, and its draft
into the cycle's component «analysis of the effectiveness of the measures».

The page is read by whoever reads the direction (directions.access: the municipality's staff; 404
for everyone else, as for an absent direction). The draft is written by those roadmaps.access allows
(the direction's executors and coordinators and the head; other staff get 403 with the reason),
always through roadmaps.effectiveness.component_draft: an approved or published component is left as
it is, and a component holding another text is overwritten only after a confirmation that shows it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from directions import access as direction_access
from directions.models import Cycle, Direction
from mcok import params
from mcok.models import Period
from mcok.periods import municipality_periods
from roadmaps import access
from roadmaps import effectiveness as analysis
from roadmaps.models import Decision


def _default_period(direction: Direction) -> Period | None:
    """The latest period of the direction's cycles, else of its decisions, else the latest year begun."""
    cycle = (
        Cycle.objects.filter(direction=direction)
        .select_related("period")
        .order_by("-period__ends_on")
        .first()
    )
    if cycle is not None:
        return cycle.period
    decided = (
        Decision.objects.filter(direction=direction, period__isnull=False)
        .order_by("-period__ends_on")
        .values_list("period", flat=True)
        .first()
    )
    if decided:
        return Period.objects.filter(pk=decided).first()
    return (
        Period.objects.filter(kind=Period.Kind.YEAR, starts_on__lte=timezone.localdate())
        .order_by("-starts_on")
        .first()
    )


def _period(data, direction: Direction) -> Period | None:
    """?period=code (404 for an unknown one), else the default."""
    code = params.query(data, "period")
    if code:
        period = Period.objects.filter(code=code).first()
        if period is None:
            raise Http404
        return period
    return _default_period(direction)


def _page(request: HttpRequest, direction: Direction, period: Period | None, draft=None) -> HttpResponse:
    result = analysis.direction_analysis(direction, period) if period else None
    component = analysis.effectiveness_component(direction, period) if period else None
    context = {
        "direction": direction,
        "period": period,
        "periods": municipality_periods(direction.municipality, include=[period]),
        "result": result,
        "component": component,
        "may_draft": period is not None
        and access.can_draft_direction_effectiveness(request.user, direction, period),
        "draft": draft,
        "seen": analysis.digest(draft.current) if draft else "",
    }
    return render(request, "roadmaps/effectiveness/direction.html", context)


@require_safe
@login_required
def direction_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    direction = direction_access.get_direction_for(request.user, pk)
    return _page(request, direction, _period(request.GET, direction))


@require_POST
@login_required
def direction_effectiveness_draft(request: HttpRequest, pk: int) -> HttpResponse:
    direction = direction_access.get_direction_for(request.user, pk)
    # Refused before anything is read from the form: the right does not hang on what was posted.
    if not access.can_draft_direction_effectiveness(request.user, direction):
        raise PermissionDenied(access.REFUSED_DIRECTION_EFFECTIVENESS)
    code = params.query(request.POST, "period")
    period = Period.objects.filter(code=code).first() if code else None
    page = reverse("roadmaps:direction_effectiveness", args=[direction.pk])
    if period is None:
        messages.error(request, _("Choose the period to analyse."))
        return redirect(page)
    page += "?" + urlencode({"period": period.code})
    try:
        draft = analysis.component_draft(
            direction=direction,
            period=period,
            by=request.user,
            confirm=request.POST.get("confirm") == "1",
            seen=params.query(request.POST, "seen", "") or "",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(page)
    outcome = draft.outcome
    if outcome == analysis.Outcome.CONFIRM:
        return _page(request, direction, period, draft=draft)
    label = draft.component.get_component_display()
    if outcome == analysis.Outcome.LOCKED:
        messages.warning(
            request,
            _(
                "The component «%(component)s» is %(state)s, so its text was left as it is: the "
                "coordinator reopens it for a new draft."
            )
            % {"component": label, "state": draft.component.get_state_display()},
        )
    elif outcome == analysis.Outcome.UNCHANGED:
        messages.info(
            request, _("The component «%(component)s» already holds this analysis.") % {"component": label}
        )
    else:
        messages.success(
            request, _("The analysis is written into the component «%(component)s».") % {"component": label}
        )
    return redirect(page)


urlpatterns = [
    path("directions/<int:pk>/effectiveness/", direction_effectiveness, name="direction_effectiveness"),
    path(
        "directions/<int:pk>/effectiveness/draft/",
        direction_effectiveness_draft,
        name="direction_effectiveness_draft",
    ),
]
