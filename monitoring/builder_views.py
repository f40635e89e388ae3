"""The form builder: the list of forms, a new form, the editor (settings, sections, questions, checks),
the preview as a school sees it, and a new version of a form a collection already uses.

The department's staff of the form's municipality read every page; the executors and coordinators of
the form's direction and the head of the department (monitoring.access.can_edit_form) change it, the
other staff get 403 with the reason; schools and other municipalities get 404, as for a form that
does not exist. A new form is offered only the directions its author may build forms for.

Every page works without JavaScript: each change is a plain form posted here, which redirects back
to the editor with a message, or shows the page again with the problems beside the inputs and
nothing typed lost. Section, question and check ids come as POST data or query parameters and are
looked up inside the form (404 otherwise). Every change goes through monitoring.builder.
"""

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.forms import Form as DjangoForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from mcok import params
from mcok.lists import Columns, list_page
from mcok.models import Municipality, User
from monitoring import access, builder, services, tables, validation
from monitoring.builder_forms import (
    FormFilter,
    FormSettingsForm,
    QuestionForm,
    QuestionOptions,
    RuleForm,
    SectionForm,
)
from monitoring.models import Campaign, Field, Form, Rule, Section

State = Campaign.State
VERSIONS_SHOWN = 30


# Who and what ---------------------------------------------------------------------------------------


def _form_for(request: HttpRequest, pk: int) -> Form:
    """The form for the staff of its municipality; 404 for anyone else, as for an absent form."""
    form = access.get_form_for(request.user, pk)
    if not access.is_staff_of(request.user, form.municipality):
        raise Http404
    return form


def _editable_form_for(request: HttpRequest, pk: int) -> Form:
    """The form, when the user may change it; 403 with the reason for the municipality's other staff."""
    form = _form_for(request, pk)
    if not access.can_edit_form(request.user, form):
        raise PermissionDenied(access.REFUSED_FORM)
    return form


def _settings_form(user: User, municipalities: list[Municipality], **kwargs) -> FormSettingsForm:
    """A form's settings, offering only the directions `user` may build forms for, and «no direction»
    where they may build such forms."""
    return FormSettingsForm(
        directions=access.form_directions(user, municipalities),
        unbound=any(access.may_build_unbound(user, m) for m in municipalities),
        municipalities=municipalities,
        **kwargs,
    )


def _int(value: str | None) -> int | None:
    """An id as a query or a form sends it; None for anything else (a database would choke on a
    number beyond its integers)."""
    return params.as_id(value)


def _id(value: str | None) -> int:
    number = _int(value)
    if number is None:
        raise Http404
    return number


def _section_in(form: Form, value: str | None) -> Section:
    return get_object_or_404(Section, form=form, pk=_id(value))


def _field_in(form: Form, value: str | None) -> Field:
    return get_object_or_404(
        Field.objects.select_related("section", "data_element"), form=form, pk=_id(value)
    )


def _rule_in(form: Form, value: str | None) -> Rule:
    return get_object_or_404(Rule, form=form, pk=_id(value))


def _editor_url(form: Form, anchor: str = "") -> str:
    url = reverse("monitoring:form", args=[form.pk])
    return f"{url}#{anchor}" if anchor else url


def _add_errors(django_form: DjangoForm, error: ValidationError) -> None:
    """The service's problems beside the inputs they are about; the rest above the form."""
    if not hasattr(error, "error_dict"):
        django_form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        django_form.add_error(key if key in django_form.fields else None, errors)


def _refusal(request: HttpRequest, form: Form, error: ValidationError, anchor: str = "") -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect(_editor_url(form, anchor))


def _locked_refusal(request: HttpRequest, form: Form) -> HttpResponse | None:
    """The answer to a change of a form some collection uses: back to the editor, which offers a new
    version. None when the form may change."""
    try:
        services.form_check_editable(form)
    except ValidationError as error:
        return _refusal(request, form, error)
    return None


# The list -------------------------------------------------------------------------------------------


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    municipalities = access.staff_municipalities(request.user)
    if not municipalities:
        raise Http404
    in_use = Campaign.objects.filter(form=OuterRef("pk")).exclude(state=State.DRAFT)
    queryset = (
        access.forms_visible_to(request.user)
        .filter(municipality__in=municipalities)
        .select_related("municipality", "direction", "previous_version")
        .annotate(
            question_count=Count("fields", distinct=True),
            locked=Exists(in_use),
            is_latest=~Exists(Form.objects.filter(previous_version=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch("campaigns", queryset=Campaign.objects.order_by("-opens_on", "title"), to_attr="used_by")
        )
        .order_by("title", "-version", "pk")
    )
    may_create = any(access.can_build_in(request.user, m) for m in municipalities)

    def filterset(*args, **kwargs):
        filterset = FormFilter(*args, municipalities=municipalities, **kwargs)
        filterset.can_create = may_create
        filterset.many_municipalities = len(municipalities) > 1
        return filterset

    def columns() -> Columns:
        yes, no = _("yes"), _("no")
        return Columns(
            [
                _("Title"),
                _("Version"),
                _("Municipality"),
                _("Direction"),
                _("Questions"),
                _("Collections"),
                _("Used by a collection"),
                _("Changed"),
            ],
            lambda f: (
                f.title,
                f.version,
                f.municipality.name,
                str(f.direction) if f.direction else "",
                f.question_count,
                "; ".join(c.title for c in f.used_by),
                yes if f.locked else no,
                timezone.localtime(f.updated_at),
            ),
        )

    return list_page(
        request,
        queryset=queryset,
        filterset_class=filterset,
        template="monitoring/builder/form_list.html",
        name="forms",
        title=_("Forms"),
        columns=columns,
        sorts={
            "title": ["title", "-version"],
            "municipality": ["municipality__name", "title", "-version"],
            "direction": ["direction__code", "title", "-version"],
            "questions": ["question_count", "title"],
            "locked": ["locked", "title", "-version"],
            "changed": ["updated_at"],
        },
    )


# A new form -----------------------------------------------------------------------------------------


@login_required
def form_new(request: HttpRequest) -> HttpResponse:
    municipalities = access.staff_municipalities(request.user)
    if not municipalities:
        raise Http404
    editable = [m for m in municipalities if access.can_build_in(request.user, m)]
    if not editable:
        raise PermissionDenied(access.REFUSED_BUILD)
    settings = _settings_form(request.user, editable, data=request.POST or None, creating=True)
    if request.method == "POST" and settings.is_valid():
        data = settings.cleaned_data
        try:
            form = builder.form_create(
                municipality=data.get("municipality") or editable[0],
                title=data["title"],
                description=data["description"],
                direction=data["direction"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(settings, error)
        except PermissionDenied as refusal:  # a direction (or none) of another municipality of theirs
            settings.add_error("direction", str(refusal))
        else:
            messages.success(request, _("The form is created: add its sections and questions."))
            return redirect("monitoring:form", pk=form.pk)
    return render(
        request,
        "monitoring/builder/form_new.html",
        {"settings": settings, "municipality": editable[0] if len(editable) == 1 else None},
    )


# The editor -----------------------------------------------------------------------------------------


def _lineage(form: Form) -> list[Form]:
    """The versions of the form, oldest first (at most VERSIONS_SHOWN of them)."""
    older: list[Form] = []
    current = form
    while current.previous_version_id and len(older) < VERSIONS_SHOWN:
        current = Form.objects.get(pk=current.previous_version_id)
        older.insert(0, current)
    newer: list[Form] = []
    current = form
    while len(newer) < VERSIONS_SHOWN:
        following = Form.objects.filter(previous_version=current).first()
        if following is None:
            break
        newer.append(following)
        current = following
    return [*older, form, *newer]


def _groups(form: Form) -> list[dict]:
    """The questions by section, each with its neighbours known, for the editor and the preview."""
    sections = list(form.sections.order_by("order", "pk"))
    fields = list(form.fields.select_related("data_element").order_by("order", "pk"))
    groups = []
    loose = [f for f in fields if f.section_id is None]
    if loose:
        groups.append({"section": None, "fields": loose})
    groups += [{"section": s, "fields": [f for f in fields if f.section_id == s.pk]} for s in sections]
    return groups


def _editor(request: HttpRequest, form: Form, bound: dict[str, DjangoForm] | None = None) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can_edit = access.can_edit_form(user, form)
    campaigns = list(form.campaigns.select_related("period").order_by("-opens_on", "title"))
    locking = [c for c in campaigns if c.state != State.DRAFT]
    editable = can_edit and not locking
    groups = _groups(form)
    fields = [f for group in groups for f in group["fields"]]
    labels = {f.code: f.label for f in fields}
    rules = [{"rule": rule, "text": builder.rule_text(rule, labels)} for rule in form.rules.all()]
    lineage = _lineage(form)
    context = {
        "form": form,
        "groups": groups,
        "question_count": len(fields),
        "sections": [g["section"] for g in groups if g["section"] is not None],
        "rules": rules,
        "campaigns": campaigns,
        "locking": locking,
        "drafts": [c for c in campaigns if c.state == State.DRAFT],
        "can_edit": can_edit,
        "editable": editable,
        "lineage": lineage if len(lineage) > 1 else [],
        "newest": lineage[-1] if lineage[-1].pk != form.pk else None,
    }
    if editable:
        context["settings"] = bound.get("settings") or _settings_form(
            user,
            [form.municipality],
            initial={"title": form.title, "description": form.description, "direction": form.direction_id},
            creating=False,
        )
        context["section_new"] = bound.get("section_new") or SectionForm(prefix="section-new")
        for group in groups:
            section = group["section"]
            if section is not None:
                key = f"section-{section.pk}"
                group["form"] = bound.get(key) or SectionForm(
                    prefix=key, initial={"title": section.title, "description": section.description}
                )
                group["open"] = key in bound
        context["rule_form"] = bound.get("rule") or RuleForm(fields=fields)
        context["rule_open"] = "rule" in bound
        _inline_questions(form, groups, bound, context, adding=_int(request.GET.get("adding")))
    return render(request, "monitoring/builder/form_editor.html", context)


EDITOR = "editor"  # the value of «from» a question's form posts from the editor's page


def _new_key(section: Section | None) -> str:
    return f"q-new-{section.pk if section else 0}"


def _inline_form(form: Form, key: str, options: QuestionOptions, **kwargs) -> QuestionForm:
    """A question's inputs on the editor's page: ids of their own (`<key>-<input>`), as many
    questions share the page; the names stay those the question's own page posts."""
    return QuestionForm(form=form, options=options, auto_id=f"{key}-%s", **kwargs)


def _inline_questions(
    form: Form, groups: list[dict], bound: dict, context: dict, adding: int | None = None
) -> None:
    """Every question's inputs on the editor's page, and the inputs of a new question in each
    section (or, for a form without sections, one for the whole form). The lists they offer are
    read once for the page. `adding`: the section whose new question's inputs are open (0: the
    form's, when it has no sections), after «save and add the next question»."""
    options = QuestionOptions.of(form)
    context["kinds"] = _kinds()
    for group in groups:
        for item in group["fields"]:
            key = f"q-{item.pk}"
            item.edit_form = bound.get(key) or _inline_form(form, key, options, item=item)
            item.edit_open = key in bound
        section = group["section"]
        if section is not None:
            key = _new_key(section)
            group["new_form"] = bound.get(key) or _inline_form(
                form, key, options, initial=_new_question_initial(section)
            )
            group["new_open"] = key in bound or adding == section.pk
    if not context["sections"]:
        key = _new_key(None)
        context["new_question"] = bound.get(key) or _inline_form(
            form, key, options, initial=_new_question_initial(None)
        )
        context["new_question_open"] = key in bound or adding == 0


def _new_question_initial(section: Section | None) -> dict:
    return {"section": section.pk if section else None, "required": True, "kind": Field.Kind.INTEGER}


def _kinds() -> dict[str, list[str]]:
    """The types each group of a question's inputs is for (the script shows only the group of the
    chosen type)."""
    return {
        "numeric": [*Field.NUMERIC_KINDS, Field.Kind.TABLE],
        "table": [Field.Kind.TABLE],
        "choice": list(builder.CHOICE_KINDS),
        "file": [Field.Kind.FILE],
    }


@require_safe
@login_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, _form_for(request, pk))


@login_required
@require_POST
def form_update(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    if refused := _locked_refusal(request, form):
        return refused
    settings = _settings_form(request.user, [form.municipality], data=request.POST, creating=False)
    if settings.is_valid():
        try:
            builder.form_update(form=form, by=request.user, **settings.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(settings, error)
        else:
            messages.success(request, _("The form's settings are saved."))
            return redirect(_editor_url(form))
    return _editor(request, form, {"settings": settings})


@login_required
@require_POST
def form_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    following = Form.objects.filter(previous_version=form).first()
    if following is not None:
        newest = _lineage(following)[-1]
        messages.info(request, _("A newer version of this form exists: it is open below."))
        return redirect("monitoring:form", pk=newest.pk)
    try:
        copy = services.form_new_version(form=form, by=request.user)
    except ValidationError as error:
        return _refusal(request, form, error)
    messages.success(
        request,
        _("Version %(version)s is made: change it here. Collections keep the version they use.")
        % {"version": copy.version},
    )
    return redirect("monitoring:form", pk=copy.pk)


# Sections -------------------------------------------------------------------------------------------


@login_required
@require_POST
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    if refused := _locked_refusal(request, form):
        return refused
    section_form = SectionForm(request.POST, prefix="section-new")
    if section_form.is_valid():
        try:
            section = builder.section_add(form=form, by=request.user, **section_form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(section_form, error)
        else:
            messages.success(request, _("The section «%(title)s» is added.") % {"title": section.title})
            return redirect(_editor_url(form, f"section-{section.pk}"))
    return _editor(request, form, {"section_new": section_form})


@login_required
@require_POST
def section_update(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    section = _section_in(form, request.POST.get("section"))
    if refused := _locked_refusal(request, form):
        return refused
    key = f"section-{section.pk}"
    section_form = SectionForm(request.POST, prefix=key)
    if section_form.is_valid():
        try:
            builder.section_update(section=section, by=request.user, **section_form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(section_form, error)
        else:
            messages.success(request, _("The section is saved."))
            return redirect(_editor_url(form, key))
    return _editor(request, form, {key: section_form})


@login_required
@require_POST
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    section = _section_in(form, request.POST.get("section"))
    try:
        deleted = builder.section_delete(
            section=section, by=request.user, with_questions=request.POST.get("with_questions") == "1"
        )
    except ValidationError as error:
        return _refusal(request, form, error, f"section-{section.pk}")
    if deleted:
        messages.success(
            request,
            _("The section «%(title)s» is deleted with its questions (%(count)s).")
            % {"title": section.title, "count": deleted},
        )
    else:
        messages.success(request, _("The section «%(title)s» is deleted.") % {"title": section.title})
    return redirect(_editor_url(form))


@login_required
@require_POST
def section_move(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    section = _section_in(form, request.POST.get("section"))
    try:
        moved = builder.section_move(
            section=section, up=request.POST.get("direction") == "up", by=request.user
        )
    except ValidationError as error:
        return _refusal(request, form, error)
    if not moved:
        messages.info(request, _("The section is already at the edge of the form."))
    return redirect(_editor_url(form, f"section-{section.pk}"))


# Questions ------------------------------------------------------------------------------------------


def _question_page(
    request: HttpRequest, form: Form, question_form: QuestionForm, item: Field | None
) -> HttpResponse:
    context = {"form": form, "question_form": question_form, "item": item, "kinds": _kinds()}
    return render(request, "monitoring/builder/question_form.html", context)


def _posted_key(request: HttpRequest, form: Form, item: Field | None) -> str:
    """Which of the editor's question forms was posted: the question's, or the new question's of
    the section it names."""
    if item is not None:
        return f"q-{item.pk}"
    wanted = _int(request.POST.get("section"))
    return _new_key(form.sections.filter(pk=wanted).first() if wanted else None)


def _posted_question(request: HttpRequest, form: Form, item: Field | None) -> QuestionForm:
    """The question's inputs as posted; from the editor's page, with the ids it gave them."""
    if request.POST.get("from") != EDITOR:
        return QuestionForm(request.POST, form=form, item=item)
    key = _posted_key(request, form, item)
    return _inline_form(form, key, QuestionOptions.of(form), data=request.POST, item=item)


def _question_problems(
    request: HttpRequest, form: Form, question_form: QuestionForm, item: Field | None
) -> HttpResponse:
    """The question's inputs again with their problems: on the editor's page, open, when they were
    sent from it; otherwise on the question's own page."""
    if request.POST.get("from") != EDITOR:
        return _question_page(request, form, question_form, item)
    return _editor(request, form, {_posted_key(request, form, item): question_form})


def _question_saved(request: HttpRequest, form: Form, item: Field, created: bool) -> HttpResponse:
    message = _("The question «%(label)s» is added.") if created else _("The question «%(label)s» is saved.")
    messages.success(request, message % {"label": item.label})
    if request.POST.get("then") == "another" and request.POST.get("from") == EDITOR:
        # Back to the editor, the new question's inputs open in the same section.
        section = item.section_id or 0
        url = reverse("monitoring:form", args=[form.pk])
        anchor = f"new-question-{section}" if item.section_id else "new-question"
        return redirect(f"{url}?{urlencode({'adding': section})}#{anchor}")
    if request.POST.get("then") == "another":
        url = reverse("monitoring:field_new", args=[form.pk])
        return redirect(f"{url}?section={item.section_id}" if item.section_id else url)
    return redirect(_editor_url(form, f"q-{item.pk}"))


@login_required
def field_new(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    if refused := _locked_refusal(request, form):
        return refused
    if request.method != "POST":
        wanted = _int(request.GET.get("section"))
        section = form.sections.filter(pk=wanted).first() if wanted else None
        if section is None:
            section = form.sections.order_by("-order", "-pk").first()
        initial = {"section": section.pk if section else None, "required": True, "kind": Field.Kind.INTEGER}
        return _question_page(request, form, QuestionForm(form=form, initial=initial), None)
    question_form = _posted_question(request, form, None)
    if question_form.is_valid():
        try:
            item = builder.field_add(form=form, by=request.user, **question_form.service_values())
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(question_form, error)
        else:
            return _question_saved(request, form, item, created=True)
    return _question_problems(request, form, question_form, None)


@login_required
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    item = _field_in(form, params.query(request.POST, "field") or params.query(request.GET, "field"))
    if refused := _locked_refusal(request, form):
        return refused
    if request.method != "POST":
        return _question_page(request, form, QuestionForm(form=form, item=item), item)
    question_form = _posted_question(request, form, item)
    if question_form.is_valid():
        try:
            item = builder.field_update(item=item, by=request.user, **question_form.service_values())
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(question_form, error)
        else:
            return _question_saved(request, form, item, created=False)
    return _question_problems(request, form, question_form, item)


@login_required
@require_POST
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    item = _field_in(form, request.POST.get("field"))
    try:
        builder.field_delete(item=item, by=request.user)
    except ValidationError as error:
        return _refusal(request, form, error, f"q-{item.pk}")
    messages.success(request, _("The question «%(label)s» is deleted.") % {"label": item.label})
    return redirect(_editor_url(form))


@login_required
@require_POST
def field_move(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    item = _field_in(form, request.POST.get("field"))
    try:
        moved = builder.field_move(item=item, up=request.POST.get("direction") == "up", by=request.user)
    except ValidationError as error:
        return _refusal(request, form, error)
    if not moved:
        messages.info(request, _("The question is already at the edge of the form."))
    return redirect(_editor_url(form, f"q-{item.pk}"))


@require_safe
@login_required
def code_suggest(request: HttpRequest, pk: int) -> JsonResponse:
    """The code the builder would give a question with this label (?label=…, ?field=id when editing)."""
    form = _form_for(request, pk)
    wanted = _int(params.query(request.GET, "field"))
    item = form.fields.filter(pk=wanted).first() if wanted else None
    label = request.GET.get("label", "")[:1000]
    return JsonResponse({"code": builder.code_suggest(form, label, exclude=item) if label.strip() else ""})


# Checks ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    if refused := _locked_refusal(request, form):
        return refused
    rule_form = RuleForm(request.POST, fields=list(form.fields.order_by("order", "pk")))
    if rule_form.is_valid():
        try:
            builder.rule_add(
                form=form,
                kind=rule_form.cleaned_data["kind"],
                codes=rule_form.codes(),
                message=rule_form.cleaned_data["message"],
                by=request.user,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refusal(request, form, error)
            _add_errors(rule_form, error)
        else:
            messages.success(request, _("The check is added."))
            return redirect(_editor_url(form, "rules"))
    return _editor(request, form, {"rule": rule_form})


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    form = _editable_form_for(request, pk)
    rule = _rule_in(form, request.POST.get("rule"))
    try:
        builder.rule_delete(rule=rule, by=request.user)
    except ValidationError as error:
        return _refusal(request, form, error, "rules")
    messages.success(request, _("The check is deleted."))
    return redirect(_editor_url(form, "rules"))


# The preview ----------------------------------------------------------------------------------------


def _answers(request: HttpRequest, fields: Iterable[Field]) -> dict:
    """The answers as the school's page sends them. The preview's form is not multipart, so a chosen
    file arrives as its name only: nothing is uploaded."""
    answers = {}
    for item in fields:
        if item.is_table:
            answer = tables.answer_from_post(item.code, tables.layout(item), request.POST)
            if answer is not None and not tables.is_blank(answer):
                answers[item.code] = answer
        elif item.kind == Field.Kind.MULTIPLE_CHOICE:
            values = [v for v in request.POST.getlist(item.code) if v.strip()]
            if values:
                answers[item.code] = values
        else:
            value = request.POST.get(item.code, "")
            if value.strip():
                answers[item.code] = value
    return answers


@login_required
def form_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The form as a school sees it. «Check the answers» runs every check on what was typed, as a
    submit would, and saves nothing."""
    form = _form_for(request, pk)
    groups = _groups(form)
    fields = [f for group in groups for f in group["fields"]]
    answers: dict = {}
    result = None
    if request.method == "POST":
        answers = _answers(request, fields)
        result = validation.check(fields, list(form.rules.all()), answers, complete=True)
    for group in groups:
        group["questions"] = [
            {
                "field": item,
                "value": answers.get(item.code, [] if item.kind == Field.Kind.MULTIPLE_CHOICE else ""),
                "errors": result.errors.get(item.code, []) if result else [],
                "grid": tables.grid(item, answers.get(item.code), prefix=item.code)
                if item.is_table
                else None,
            }
            for item in group["fields"]
        ]
    context = {
        "form": form,
        "groups": groups,
        "result": result,
        "question_count": len(fields),
        "can_edit": access.can_edit_form(request.user, form),
    }
    return render(request, "monitoring/builder/preview.html", context)


urlpatterns = [
    path("forms/", form_list, name="forms"),
    path("forms/new/", form_new, name="form_new"),
    path("forms/<int:pk>/", form_detail, name="form"),
    path("forms/<int:pk>/settings/", form_update, name="form_update"),
    path("forms/<int:pk>/preview/", form_preview, name="form_preview"),
    path("forms/<int:pk>/new-version/", form_new_version, name="form_new_version"),
    path("forms/<int:pk>/sections/add/", section_add, name="section_add"),
    path("forms/<int:pk>/sections/update/", section_update, name="section_update"),
    path("forms/<int:pk>/sections/delete/", section_delete, name="section_delete"),
    path("forms/<int:pk>/sections/move/", section_move, name="section_move"),
    path("forms/<int:pk>/questions/new/", field_new, name="field_new"),
    path("forms/<int:pk>/questions/edit/", field_edit, name="field_edit"),
    path("forms/<int:pk>/questions/delete/", field_delete, name="field_delete"),
    path("forms/<int:pk>/questions/move/", field_move, name="field_move"),
    path("forms/<int:pk>/questions/code/", code_suggest, name="field_code_suggest"),
    path("forms/<int:pk>/rules/add/", rule_add, name="rule_add"),
    path("forms/<int:pk>/rules/delete/", rule_delete, name="rule_delete"),
]
