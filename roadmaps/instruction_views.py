"""The instructions' pages: the list with its filters and the «Контроль исполнения» workbook, an
instruction with its evidence and history, its form, recording its execution and taking it off control.

Instructions are found through roadmaps.access: the municipality's staff read them, the responsible read
their own, anyone else gets 404 as for an absent one. Writes go through roadmaps.instructions; a refusal
is 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mcok import exports
from mcok.lists import PAGE_SIZE
from mcok.models import Document, Municipality, Official, Organization
from mcok.params import as_id
from roadmaps import access, instructions
from roadmaps.instruction_forms import ExecutionForm, InstructionForm
from roadmaps.models import Instruction


def _filters(request: HttpRequest) -> dict:
    state = request.GET.get("state", "")
    return {
        "state": state if state in {*Instruction.State.values, "overdue"} else "",
        "document": as_id(request.GET.get("document")),
        "official": as_id(request.GET.get("official")),
        "organization": as_id(request.GET.get("organization")),
        "overdue": request.GET.get("overdue") == "1",
        "mine": request.GET.get("mine") == "1",
    }


@require_GET
@login_required
def instruction_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    today = timezone.localdate()
    rows = instructions.filtered(request.user, today=today, **filters)
    if request.GET.get("format") == "xlsx":
        return exports.file_response(
            instructions.control_xlsx(rows, today),
            f"instructions-{today:%Y%m%d}.xlsx",
            exports.XLSX_TYPE,
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = access.instructions_visible_to(request.user)
    staff = access.staff_municipality_ids(request.user)
    scope = {} if staff is None else {"municipality__in": staff}
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "page": page,
        "today": today,
        "filters": filters,
        "query": query.urlencode(),
        "states": [("overdue", _("Overdue")), *Instruction.State.choices],
        "documents": Document.objects.filter(pk__in=visible.values("document")).order_by("-date", "title"),
        "officials": Official.objects.filter(pk__in=visible.values("responsible__official"))
        .filter(**scope)
        .order_by("full_name")
        if access.is_staff(request.user)
        else Official.objects.none(),
        "organizations": Organization.objects.filter(pk__in=visible.values("responsible__organization"))
        .filter(**scope)
        .order_by("short_name")
        if access.is_staff(request.user)
        else Organization.objects.none(),
        "may_create": access.instruction_municipalities_for(request.user),
    }
    return render(request, "roadmaps/instructions/list.html", context)


@require_GET
@login_required
def instruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = access.get_instruction_for(request.user, pk)
    return _detail(request, instruction, ExecutionForm(initial={"report": instruction.report}))


def _detail(request: HttpRequest, instruction: Instruction, form: ExecutionForm, status: int = 200):
    context = {
        "instruction": instruction,
        "responsible": list(instruction.responsible.select_related("official", "organization")),
        "evidence": list(instruction.documents.order_by("date", "pk")),
        "indicators": list(instruction.indicators.order_by("code")),
        "history": instructions.history(instruction),
        "overdue": instruction.is_overdue(),
        "state_label": instructions.state_label(instruction),
        "may_manage": access.can_manage_instruction(request.user, instruction),
        "may_execute": access.can_execute_instruction(request.user, instruction),
        "form": form,
    }
    return render(request, "roadmaps/instructions/detail.html", context, status=status)


@require_POST
@login_required
def instruction_execute(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = access.get_instruction_for(request.user, pk)
    if not access.can_execute_instruction(request.user, instruction):
        raise PermissionDenied(access.REFUSED_EXECUTE)
    form = ExecutionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            instructions.instruction_execute(
                instruction=instruction,
                by=request.user,
                state=form.cleaned_data["state"],
                report=form.cleaned_data["report"],
                done_on=form.cleaned_data["done_on"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The execution of the instruction is recorded."))
            return redirect("roadmaps:instruction", pk=instruction.pk)
    instruction.refresh_from_db()
    return _detail(request, instruction, form, status=400)


@require_POST
@login_required
def instruction_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = access.get_instruction_for(request.user, pk)
    if not access.can_manage_instruction(request.user, instruction):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)
    withdrawn = request.POST.get("withdrawn") != "0"
    instructions.instruction_withdraw(instruction=instruction, by=request.user, withdrawn=withdrawn)
    if withdrawn:
        messages.success(request, _("The instruction is withdrawn from control."))
    else:
        messages.success(request, _("The instruction is back under control."))
    return redirect("roadmaps:instruction", pk=instruction.pk)


def _form_page(request: HttpRequest, municipality: Municipality, instruction: Instruction | None):
    if not access.may_give_instructions(request.user, municipality):
        raise PermissionDenied(access.REFUSED_INSTRUCTION)
    form = InstructionForm(request.POST or None, municipality=municipality, instruction=instruction)
    if request.method == "POST" and form.is_valid():
        try:
            saved = instructions.instruction_save(
                municipality=municipality,
                data=form.instruction_input(order=instruction.order if instruction else 0),
                by=request.user,
                instruction=instruction,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The instruction is saved."))
            return redirect("roadmaps:instruction", pk=saved.pk)
    return render(
        request,
        "roadmaps/instructions/form.html",
        {"form": form, "instruction": instruction, "municipality": municipality},
    )


@require_http_methods(["GET", "POST"])
@login_required
def instruction_new(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("municipality", "")
    allowed = {m.slug: m for m in access.instruction_municipalities_for(request.user)}
    if slug not in allowed:
        if len(allowed) == 1 and not slug:
            slug = next(iter(allowed))
        elif access.is_staff(request.user):
            raise PermissionDenied(access.REFUSED_INSTRUCTION)
        else:
            raise Http404
    municipality = get_object_or_404(Municipality, slug=slug)
    return _form_page(request, municipality, None)


@require_http_methods(["GET", "POST"])
@login_required
def instruction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = access.get_instruction_for(request.user, pk)
    return _form_page(request, instruction.municipality, instruction)


urlpatterns = [
    path("instructions/", instruction_list, name="instructions"),
    path("instructions/new/", instruction_new, name="instruction_new"),
    path("instructions/<int:pk>/", instruction_detail, name="instruction"),
    path("instructions/<int:pk>/edit/", instruction_edit, name="instruction_edit"),
    path("instructions/<int:pk>/execute/", instruction_execute, name="instruction_execute"),
    path("instructions/<int:pk>/withdraw/", instruction_withdraw, name="instruction_withdraw"),
]
