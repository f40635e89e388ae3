"""Targeted recommendations and the organizations' answers; management decisions and the analysis of
their effectiveness.

The department's staff read all of their municipality's recommendations and decisions; a school reads
the issued recommendations addressed to it (and answers them) and the decisions, without the other
organizations' figures. Records are found through roadmaps.access (404 alike for absent and not
yours), which also decides who may write (403 with the reason for the staff it refuses); every write
goes through roadmaps.recommendations.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators import access as indicator_access
from indicators.models import IndicatorValue
from mcok import params
from mcok.lists import PAGE_SIZE
from mcok.models import Municipality, Period
from mcok.periods import default_period, municipality_periods
from roadmaps import access
from roadmaps import effectiveness as analysis
from roadmaps import recommendations as services
from roadmaps.models import Decision, Recommendation, Response
from roadmaps.recommendation_forms import DecisionForm, RecommendationForm, ResponseForm
from roadmaps.roadmap_forms import direction_refused

State = Recommendation.State


# Helpers --------------------------------------------------------------------------------------------------


def _municipality_for_new(request: HttpRequest) -> Municipality:
    """?municipality=slug among those where the user may write recommendations and decisions, else the
    first; 404 for a municipality not among them, 403 for staff who may write none."""
    municipalities = access.drafting_municipalities(request.user)
    if not municipalities:
        if access.is_staff(request.user):
            raise PermissionDenied(access.REFUSED_RECOMMENDATION)
        raise Http404
    slug = params.query(request.GET, "municipality") or params.query(request.POST, "municipality")
    if slug:
        chosen = next((m for m in municipalities if m.slug == slug), None)
        if chosen is None:
            raise Http404
        return chosen
    return municipalities[0]


def _require(request: HttpRequest, municipality: Municipality, allowed: bool, refusal) -> None:
    """Staff who may not do it get 403 with the reason; a school or a stranger got 404 already from
    access, or gets it here."""
    if not access.is_staff_of(request.user, municipality):
        raise Http404
    if not allowed:
        raise PermissionDenied(refusal)


def _posted(request: HttpRequest, form, municipality: Municipality) -> bool:
    """A valid posted form. A direction the form does not offer the user (one of the municipality's,
    not theirs) is a write they have no right to: 403 with the reason, not a slip to correct."""
    if request.method != "POST":
        return False
    if form.is_valid():
        return True
    if direction_refused(form, municipality):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    return False


def _error(request: HttpRequest, error: Exception) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text or _("This action is not allowed."))


def _period_from(code: str | None) -> Period | None:
    return Period.objects.filter(code=code).first() if code else None


# Recommendations ----------------------------------------------------------------------------------------


@require_GET
@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_staff = access.is_staff(user)
    own = access.own_organization_ids(user)
    rows = services.with_answer_counts(access.recommendations_visible_to(user)).select_related(
        "municipality", "direction", "indicator", "period"
    )
    state = request.GET.get("state")
    if state in State.values:
        rows = rows.filter(state=state)
    if is_staff:
        rows = rows.prefetch_related("organizations")
    if own:
        rows = rows.annotate(
            my_answer=Exists(Response.objects.filter(recommendation=OuterRef("pk"), organization__in=own))
        )
    rows = rows.order_by("-created_at", "-pk")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "is_staff": is_staff,
        "is_school": bool(own),
        "may_create": bool(access.drafting_municipalities(user)) if is_staff else False,
        "states": State.choices,
        "state": state,
        "query": query.urlencode(),
    }
    return render(request, "roadmaps/recommendations/recommendation_list.html", context)


def _form_kwargs(data) -> dict:
    return {
        "title": data["title"],
        "text": data["text"],
        "level": data["level"],
        "organizations": list(data["organizations"]),
        "direction": data["direction"],
        "period": data["period"],
        "indicator": data["indicator"],
        "due_on": data["due_on"],
    }


@login_required
def recommendation_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality_for_new(request)
    initial: dict = {}
    indicator_id = request.GET.get("indicator")
    if indicator_id:
        if (indicator_pk := params.as_id(indicator_id)) is None:
            raise Http404
        indicator = indicator_access.get_indicator_for(request.user, indicator_pk)
        municipality = indicator.municipality
        period = _period_from(params.query(request.GET, "period"))
        if period is None:
            raise Http404
        allowed = access.can_draft_recommendation(request.user, municipality, indicator.direction, period)
        _require(request, municipality, allowed, access.REFUSED_RECOMMENDATION)
        initial = services.risk_group_prefill(indicator, period, request.user)
        if not initial["organizations"]:
            messages.warning(request, _("No organization is in the risk group for this period."))
    initial.setdefault("period", default_period(municipality))  # the pages' rule (mcok.periods)
    form = RecommendationForm(
        request.POST or None, initial=initial, municipality=municipality, user=request.user
    )
    if _posted(request, form, municipality):
        try:
            recommendation = services.recommendation_create(
                municipality=municipality, by=request.user, **_form_kwargs(form.cleaned_data)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The recommendation is saved as a draft."))
            return redirect("roadmaps:recommendation", pk=recommendation.pk)
    context = {"form": form, "municipality": municipality, "recommendation": None}
    return render(request, "roadmaps/recommendations/recommendation_form.html", context)


@require_GET
@login_required
def recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_recommendation_for(request.user, pk)
    is_staff = access.is_staff_of(request.user, item.municipality)
    context: dict = {"recommendation": item, "is_staff": is_staff}
    if is_staff:
        answers = {r.organization_id: r for r in item.responses.select_related("answered_by")}
        addressees = list(item.organizations.order_by("short_name"))
        context |= {
            "addressees": [(o, answers.get(o.pk)) for o in addressees],
            "answered": sum(1 for o in addressees if o.pk in answers),
            "may_edit": access.can_edit_recommendation(request.user, item) and item.state != State.CLOSED,
            "may_issue": access.can_issue(request.user, item),
            "may_decide": access.can_draft_decision(
                request.user, item.municipality, item.direction, item.period
            ),
            "decisions": list(item.decisions.order_by("-adopted_on", "-pk")),
        }
    else:
        organizations = access.answering_organizations(request.user, item)
        answers = {
            r.organization_id: r
            for r in Response.objects.filter(recommendation=item, organization__in=organizations)
        }
        context["answer_forms"] = [
            (
                organization,
                answers.get(organization.pk),
                ResponseForm(
                    initial={
                        "organization": organization.pk,
                        "text": answers[organization.pk].text if organization.pk in answers else "",
                    },
                    prefix=f"o{organization.pk}",
                ),
            )
            for organization in organizations
        ]
    return render(request, "roadmaps/recommendations/recommendation_detail.html", context)


@login_required
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_recommendation_for(request.user, pk)
    allowed = access.can_edit_recommendation(request.user, item)
    _require(request, item.municipality, allowed, access.REFUSED_RECOMMENDATION)
    if item.state == State.CLOSED:
        messages.error(request, _("The recommendation is closed and can no longer be changed."))
        return redirect("roadmaps:recommendation", pk=item.pk)
    issued = item.state == State.ISSUED
    initial = {
        "title": item.title,
        "text": item.text,
        "level": item.level,
        "organizations": list(item.organizations.all()),
        "direction": item.direction,
        "period": item.period,
        "indicator": item.indicator,
        "due_on": item.due_on,
    }
    form = RecommendationForm(
        request.POST or None,
        initial=initial,
        municipality=item.municipality,
        user=request.user,
        current=item.direction,
        issued=issued,
    )
    if _posted(request, form, item.municipality):
        try:
            services.recommendation_update(
                recommendation=item, by=request.user, **_form_kwargs(form.cleaned_data)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The recommendation is saved."))
            return redirect("roadmaps:recommendation", pk=item.pk)
    context = {"form": form, "municipality": item.municipality, "recommendation": item}
    return render(request, "roadmaps/recommendations/recommendation_form.html", context)


@require_POST
@login_required
def recommendation_issue(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_recommendation_for(request.user, pk)
    if not access.is_staff_of(request.user, item.municipality):
        raise Http404
    try:
        services.recommendation_issue(recommendation=item, by=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The recommendation is issued to its addressees."))
    return redirect("roadmaps:recommendation", pk=item.pk)


@require_POST
@login_required
def recommendation_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_recommendation_for(request.user, pk)
    if not access.is_staff_of(request.user, item.municipality):
        raise Http404
    try:
        services.recommendation_close(recommendation=item, by=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The recommendation is closed."))
    return redirect("roadmaps:recommendation", pk=item.pk)


@require_POST
@login_required
def response_save(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_recommendation_for(request.user, pk)
    organizations = access.answering_organizations(request.user, item)
    if not organizations:  # staff read it but do not answer for the schools
        raise PermissionDenied(access.REFUSED_ANSWER)
    organization_id = request.POST.get("organization") or ""
    if not organization_id and len(organizations) == 1:
        organization = organizations[0]
    else:
        organization = next((o for o in organizations if str(o.pk) == organization_id), None)
        if organization is None:
            raise Http404
    text = request.POST.get("text") or request.POST.get(f"o{organization.pk}-text") or ""
    try:
        services.response_save(item, organization, text, request.user)
    except (ValidationError, PermissionDenied) as error:
        _error(request, error)
    else:
        messages.success(request, _("Your answer is saved."))
    return redirect("roadmaps:recommendation", pk=item.pk)


# Decisions --------------------------------------------------------------------------------------------------


@require_GET
@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    user = request.user
    rows = (
        access.decisions_visible_to(user)
        .select_related("municipality", "direction", "period", "document")
        .annotate(
            recommendation_count=Count("recommendations", distinct=True),
            event_count=Count("events", distinct=True),
            indicator_count=Count("indicators", distinct=True),
        )
        .order_by("-adopted_on", "-pk")
    )
    context = {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_create": bool(access.drafting_municipalities(user)) if access.is_staff(user) else False,
    }
    return render(request, "roadmaps/recommendations/decision_list.html", context)


def _decision_kwargs(data) -> dict:
    return {
        "kind": data["kind"],
        "title": data["title"],
        "text": data["text"],
        "adopted_on": data["adopted_on"],
        "document": data["document"],
        "direction": data["direction"],
        "period": data["period"],
        "recommendations": list(data["recommendations"]),
        "events": list(data["events"]),
        "indicators": list(data["indicators"]),
    }


@login_required
def decision_new(request: HttpRequest) -> HttpResponse:
    municipality = _municipality_for_new(request)
    initial = {}
    recommendation_id = request.GET.get("recommendation")
    if (recommendation_pk := params.as_id(recommendation_id)) is not None:
        based_on = access.get_recommendation_for(request.user, recommendation_pk)
        if based_on.municipality_id != municipality.pk:
            raise Http404
        initial = {
            "recommendations": [based_on],
            "direction": based_on.direction,
            "period": based_on.period,
            "indicators": [based_on.indicator] if based_on.indicator else [],
        }
    initial.setdefault("period", default_period(municipality))
    form = DecisionForm(request.POST or None, initial=initial, municipality=municipality, user=request.user)
    if _posted(request, form, municipality):
        try:
            decision = services.decision_create(
                municipality=municipality, by=request.user, **_decision_kwargs(form.cleaned_data)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The decision is saved."))
            return redirect("roadmaps:decision", pk=decision.pk)
    context = {"form": form, "municipality": municipality, "decision": None}
    return render(request, "roadmaps/recommendations/decision_form.html", context)


@login_required
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = access.get_decision_for(request.user, pk)
    allowed = access.can_edit_decision(request.user, decision)
    _require(request, decision.municipality, allowed, access.REFUSED_DECISION)
    initial = {
        "kind": decision.kind,
        "title": decision.title,
        "text": decision.text,
        "adopted_on": decision.adopted_on,
        "document": decision.document,
        "direction": decision.direction,
        "period": decision.period,
        "recommendations": list(decision.recommendations.all()),
        "events": list(decision.events.all()),
        "indicators": list(decision.indicators.all()),
        "effectiveness": decision.effectiveness,
    }
    form = DecisionForm(
        request.POST or None,
        initial=initial,
        municipality=decision.municipality,
        user=request.user,
        current=decision.direction,
        adopted=decision.adopted_on is not None and not access.can_adopt(request.user, decision),
    )
    if _posted(request, form, decision.municipality):
        try:
            services.decision_update(
                decision=decision,
                by=request.user,
                effectiveness=form.cleaned_data["effectiveness"],
                **_decision_kwargs(form.cleaned_data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The decision is saved."))
            return redirect("roadmaps:decision", pk=decision.pk)
    context = {"form": form, "municipality": decision.municipality, "decision": decision}
    return render(request, "roadmaps/recommendations/decision_form.html", context)


def _decision_period(request: HttpRequest, decision: Decision) -> Period | None:
    """?period=code, else the decision's period, else the latest period with values of its indicators."""
    code = params.query(request.GET, "period") or params.query(request.POST, "period")
    if code:
        period = _period_from(code)
        if period is None:
            raise Http404
        return period
    if decision.period_id:
        return decision.period
    latest = (
        IndicatorValue.objects.filter(indicator__in=decision.indicators.all(), value__isnull=False)
        .order_by("-period__ends_on")
        .values_list("period", flat=True)
        .first()
    )
    return Period.objects.filter(pk=latest).first() if latest else None


@require_GET
@login_required
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_decision_for(request.user, pk)
    is_staff = access.is_staff_of(request.user, item.municipality)
    period = _decision_period(request, item)
    result = services.effectiveness(item, period) if period else None
    if result is not None and not is_staff:
        # A school sees the municipal figures and its own rows, never the other organizations'.
        own = access.own_organization_ids(request.user)
        for effect in result.indicators:
            effect.organizations = [row for row in effect.organizations if row.organization_id in own]
    context = {
        "decision": item,
        "is_staff": is_staff,
        "may_edit": is_staff and access.can_edit_decision(request.user, item),
        "may_draft_analysis": is_staff
        and period is not None
        and access.can_draft_effectiveness(request.user, item, period),
        "period": period,
        "periods": municipality_periods(item.municipality, include=[period]),
        "result": result,
        "carried": analysis.decision_analysis(item, period) if period and is_staff else None,
        "recommendations": list(
            access.recommendations_visible_to(request.user).filter(decisions=item).order_by("-created_at")
        ),
        "events": list(item.events.select_related("roadmap").order_by("roadmap__title", "order", "pk")),
        "document": item.document,
    }
    return render(request, "roadmaps/recommendations/decision_detail.html", context)


@require_POST
@login_required
def decision_effectiveness(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_decision_for(request.user, pk)
    allowed = access.can_draft_effectiveness(request.user, item)
    _require(request, item.municipality, allowed, access.REFUSED_EFFECTIVENESS)
    period = _decision_period(request, item)
    if period is None:
        messages.error(request, _("Choose the period to analyse."))
        return redirect("roadmaps:decision", pk=item.pk)
    if not access.can_draft_effectiveness(request.user, item, period):
        raise PermissionDenied(access.REFUSED_EFFECTIVENESS)
    try:
        draft = services.effectiveness_draft(item, period, request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        if draft.component is not None:
            messages.success(
                request,
                _("The analysis is drafted and added to the cycle component «%(component)s».")
                % {"component": draft.component.get_component_display()},
            )
        elif draft.locked:
            messages.warning(
                request,
                _(
                    "The analysis is drafted; the cycle component is already approved, "
                    "so it was left as it is."
                ),
            )
        else:
            messages.success(request, _("The analysis is drafted."))
    return redirect(reverse("roadmaps:decision", args=[item.pk]) + "?" + urlencode({"period": period.code}))


urlpatterns = [
    path("recommendations/", recommendations, name="recommendations"),
    path("recommendations/new/", recommendation_new, name="recommendation_new"),
    path("recommendations/<int:pk>/", recommendation, name="recommendation"),
    path("recommendations/<int:pk>/edit/", recommendation_edit, name="recommendation_edit"),
    path("recommendations/<int:pk>/issue/", recommendation_issue, name="recommendation_issue"),
    path("recommendations/<int:pk>/close/", recommendation_close, name="recommendation_close"),
    path("recommendations/<int:pk>/answer/", response_save, name="response_save"),
    path("decisions/", decisions, name="decisions"),
    path("decisions/new/", decision_new, name="decision_new"),
    path("decisions/<int:pk>/", decision, name="decision"),
    path("decisions/<int:pk>/edit/", decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/effectiveness/", decision_effectiveness, name="decision_effectiveness"),
]
