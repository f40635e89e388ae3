from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from directions import access, dossier, selectors, services
from directions.forms import ComponentDocumentForm, ComponentForm, MoveForm
from directions.models import CARD_ROW, CardDuty, Component, Direction, Responsibility
from mcok import access as core_access
from mcok import params
from mcok.models import Municipality, Period
from mcok.periods import municipality_periods
from mcok.selectors import latest_period_with_data


def _municipality(request: HttpRequest) -> Municipality:
    """The municipality chosen with ?municipality=slug among those the user may see, or the first."""
    visible = core_access.municipalities_visible_to(request.user)
    slug = params.query(request.GET, "municipality")
    municipality = visible.filter(slug=slug).first() if slug else visible.first()
    if municipality is None:
        raise Http404
    return municipality


def _period(request: HttpRequest, municipality: Municipality) -> Period:
    """The period chosen with ?period=code, or the latest year with the municipality's data (the
    dashboard's rule: mcok.selectors.latest_period_with_data)."""
    code = params.query(request.GET, "period")
    if code:
        return get_object_or_404(Period, code=code)
    period = latest_period_with_data(municipality)
    if period is None:
        raise Http404
    return period


def _periods(municipality: Municipality, period: Period):
    """The years of the municipality's periods (mcok.periods), newest first, the chosen one kept."""
    return municipality_periods(municipality, include=[period]).filter(
        kind__in=[Period.Kind.YEAR, Period.Kind.ACADEMIC_YEAR]
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    period = _period(request, municipality)
    context = {
        "municipality": municipality,
        "municipalities": core_access.municipalities_visible_to(request.user),
        "period": period,
        "periods": _periods(municipality, period),
        "components": Component.choices,
        "rows": selectors.overview(request.user, municipality, period),
        "can_manage": access.can_manage_directions(request.user, municipality),
    }
    return render(request, "directions/overview.html", context)


@login_required
def technology_card(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    duties = CardDuty.objects.filter(municipality=municipality)
    rows = {}
    for component, label in Component.choices:
        rows.setdefault(CARD_ROW[component], []).append(label)
    context = {
        "municipality": municipality,
        "municipalities": core_access.municipalities_visible_to(request.user),
        "duties": [(duty, rows.get(duty.row, [])) for duty in duties],
    }
    return render(request, "directions/technology_card.html", context)


@require_safe
@login_required
def direction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    direction = access.get_direction_for(request.user, pk)
    direction = (
        Direction.objects.filter(pk=direction.pk)
        .select_related("municipality", "block")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related(
                    "official__organization", "organization", "document"
                ),
            )
        )
        .get()
    )
    period = _period(request, direction.municipality)
    cycle = dossier.cycle_of(direction, period)
    context = {
        "direction": direction,
        "period": period,
        "periods": _periods(direction.municipality, period),
        "cycle": cycle,
        "groups": dossier.groups(direction, cycle),
        "sections": dossier.sections(request.user, direction, period),
        "today": timezone.localdate(),
        "coordinators": [r.official for r in direction.holders(access.COORDINATOR, period) if r.official_id],
        "executors": [r.official for r in direction.holders(access.EXECUTOR, period) if r.official_id],
        "executor_organizations": [
            r.organization for r in direction.holders(access.EXECUTOR, period) if r.organization_id
        ],
        "responsibilities": direction.responsibilities.all(),
        "my_duties": access.duties_in(request.user, direction, period),
        "is_head": access.is_head_in(request.user, direction.municipality),
        "can_open": access.may_open_cycle(request.user, direction, period),
        "can_manage": access.can_manage_directions(request.user, direction.municipality),
        "may_assign": access.may_manage_responsibilities(request.user, direction.municipality),
    }
    return render(request, "directions/direction_detail.html", context)


@require_POST
@login_required
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    direction = access.get_direction_for(request.user, pk)
    period = get_object_or_404(Period, code=request.POST.get("period", ""))
    try:
        services.cycle_open(direction=direction, period=period, by=request.user)
    except PermissionDenied:
        messages.error(
            request, _("Only the direction's coordinators and the head of the department open its cycle.")
        )
    else:
        messages.success(request, _("The cycle for %(period)s is open.") % {"period": period})
    return redirect(f"{direction.get_absolute_url()}?period={period.code}")


@login_required
def component_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_component_for(request.user, pk)
    editable = services.may_edit(request.user, item)
    form = ComponentForm(request.POST or None, instance=item) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("The direction's executors and coordinators write the component until it is approved.")
            )
        if form.is_valid():
            services.component_update(
                component=item,
                by=request.user,
                content=form.cleaned_data["content"],
                due_on=form.cleaned_data["due_on"],
            )
            messages.success(request, _("Saved."))
            return redirect("directions:component", pk=item.pk)
    direction = item.cycle.direction
    context = {
        "item": item,
        "direction": direction,
        "form": form,
        "moves": [
            (state, services.MOVE_LABELS[item.state, state])
            for state in services.moves_for(request.user, item)
        ],
        "backward": {to for (frm, to) in services.BACKWARD if frm == item.state},
        "transitions": item.transitions.select_related("by"),
        "responsible": item.responsible.all(),
        "documents": item.documents.order_by("-date", "title"),
        "may_attach": access.may_attach_to_component(request.user, item),
        "document_form": ComponentDocumentForm(component=item),
        "waiting_for": selectors.waiting_for(
            item, direction, selectors.operators_of(direction.municipality), item.cycle.period
        ),
    }
    return render(request, "directions/component_detail.html", context)


@require_POST
@login_required
def component_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A move of the component's state; a move that belongs to someone else answers 403 with the
    reason (the page offers none, so only a forged request meets it)."""
    item = access.get_component_for(request.user, pk)
    actor = access.MOVES.get((item.state, request.POST.get("to_state", "")))
    if actor is not None and not access.may_move(request.user, item, request.POST["to_state"]):
        raise PermissionDenied(services.MOVE_REFUSALS[actor])
    if not access.moves_for(request.user, item):
        raise PermissionDenied(_("By the technology card no move of this component is yours now."))
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the new state."))
        return redirect("directions:component", pk=item.pk)
    try:
        services.component_move(
            component=item,
            to_state=form.cleaned_data["to_state"],
            by=request.user,
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The state is changed."))
    return redirect("directions:component", pk=item.pk)


@require_POST
@login_required
def component_document_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document to the component: one of the municipality's, or a new file, link or order."""
    item = access.get_component_for(request.user, pk)
    if not access.may_attach_to_component(request.user, item):
        raise PermissionDenied(services.REFUSED_ATTACH)
    form = ComponentDocumentForm(request.POST, request.FILES, component=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            document = services.component_document_attach(
                component=item,
                by=request.user,
                document=data["existing"],
                title=data["title"],
                kind=data["kind"],
                number=data["number"],
                date=data["date"],
                upload=data["file"],
                url=data["url"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The document «%(title)s» is attached.") % {"title": document.title})
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("directions:component", pk=item.pk)


@require_POST
@login_required
def component_document_detach(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    item = access.get_component_for(request.user, pk)
    attached = get_object_or_404(item.documents.all(), pk=document_id)
    services.component_document_detach(component=item, document=attached, by=request.user)
    messages.success(
        request, _("The document «%(title)s» is taken off the component.") % {"title": attached.title}
    )
    return redirect("directions:component", pk=item.pk)
