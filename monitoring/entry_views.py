"""The school's side of monitoring: «My forms», and the entry page of one submission with its save
(a normal POST, or the page's autosave asking for JSON), submit, sign-off and file questions.

Records are found through monitoring.access (404 alike for "absent" and "not yours"); only the
organization's respondents and head change answers (monitoring.access.can_fill); the department's staff
read a submission on the review page. Nothing typed is lost: a draft stores whatever it is given,
a refused submit shows the stored answers with the problems, and an edit conflict shows the
person's input beside the colleague's.
"""

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from mcok import params
from monitoring import access, entry, services, validation
from monitoring.entry_forms import FileForm, file_problem, parse_revision, posted_answers
from monitoring.models import Campaign, Field, Submission, SubmissionFile
from monitoring.refusals import forbidden


def wants_json(request: HttpRequest) -> bool:
    """The page's own scripts ask for JSON; a plain form post does not."""
    return "application/json" in request.headers.get("Accept", "") or (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def login_required_json(view):
    """login_required that answers the page's scripts 401 with a Russian message instead of
    redirecting them to the login page; a plain post comes back to the submission after login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if wants_json(request):
            return JsonResponse(
                {
                    "error": _(
                        "Your session has expired, so this was not saved. Log in again in a new tab "
                        "and come back: your input is kept in this browser."
                    ),
                    "code": "login",
                    "login_url": reverse("login"),
                },
                status=401,
            )
        pk = kwargs.get("pk")
        return redirect_to_login(
            reverse("monitoring:submission", args=[pk]) if pk else request.get_full_path()
        )

    return wrapper


def _forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """403 with the reason: JSON for the page's scripts, the refusal page for a plain post."""
    message = str(message or access.REFUSED_FILL)
    if wants_json(request):
        return JsonResponse({"error": message, "code": "forbidden"}, status=403)
    return forbidden(request, message, back_url=reverse("monitoring:my_forms"), back_label=_("My forms"))


# My forms ------------------------------------------------------------------------------------------


@require_GET
@login_required
def my_forms(request: HttpRequest) -> HttpResponse:
    rows = entry.my_forms(request.user)
    several = len({row.organization.pk for row in rows}) > 1
    context = {
        "rows": rows,
        "open_rows": [row for row in rows if row.is_open],
        "closed_rows": [row for row in rows if not row.is_open],
        "several": several,
        "has_organizations": bool(entry.fill_organizations(request.user)),
    }
    return render(request, "monitoring/entry/my_forms.html", context)


@require_GET
@login_required
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the organization's one submission to the collection, made on first use."""
    campaign = access.get_campaign_for(request.user, pk)
    if campaign.state == Campaign.State.DRAFT:
        raise Http404
    organizations = entry.organizations_asked(request.user, campaign)
    if not organizations:
        raise Http404
    chosen = request.GET.get("organization", "")
    if chosen:
        organization = next((o for o in organizations if str(o.pk) == chosen), None)
        if organization is None:
            raise Http404
    elif len(organizations) == 1:
        organization = organizations[0]
    else:
        return render(
            request,
            "monitoring/entry/choose_organization.html",
            {"campaign": campaign, "organizations": organizations},
        )
    submission = Submission.objects.filter(campaign=campaign, organization=organization).first()
    if submission is None:
        if campaign.state != Campaign.State.OPEN:
            messages.info(
                request,
                _("The collection «%(title)s» is closed; %(organization)s did not answer it.")
                % {"title": campaign.title, "organization": organization.short_name},
            )
            return redirect("monitoring:my_forms")
        try:
            submission = services.submission_for(
                campaign=campaign, organization=organization, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("monitoring:my_forms")
    return redirect("monitoring:submission", pk=submission.pk)


# The entry page ------------------------------------------------------------------------------------


def client_texts() -> dict[str, str]:
    """The sentences the page's script shows, translated here because scripts are not."""
    return {
        "saving": _("Saving…"),
        "unsaved": _("Changes not saved yet."),
        "offline": _(
            "Not saved: no connection to the portal. Your input is kept in this browser and will be "
            "saved when the connection returns."
        ),
        "failed": _("Not saved: the portal answered with an error. Your input is kept in this browser."),
        "expired": _(
            "Your session has expired, so the answers are not being saved. Log in again in a new tab "
            "and come back to this one: your input is kept in this browser and is saved as soon as you "
            "are logged in."
        ),
        "login": _("Log in in a new tab"),
        "paused": _("Autosave is paused until you press «Save draft»."),
        "restore": _("This browser kept answers typed on %(time)s that were not saved."),
        "restore_yes": _("Restore them"),
        "restore_no": _("Discard them"),
        "restored": _("The answers kept in this browser are restored; they are being saved."),
        "number": _("Enter a number."),
        "whole": _("Enter a whole number."),
        "prefilled": _("Filled from the previous period: %(count)s. Check the values before submitting."),
        "prefill_none": _("No empty numeric question has a value of the previous period."),
        "merged": _("A colleague changed meanwhile: %(fields)s. Their answers are on the page now."),
        "theirs": _("A colleague saved: %(value)s"),
        "empty": _("(no answer)"),
        "no_value": _("not enough answers yet"),
        "no_problems": _("Nothing prevents submitting."),
        "uploading": _("Uploading the file…"),
        "uploaded": _("The file «%(name)s» is stored."),
        "removed": _("The file is removed."),
        "remove": _("remove"),
        "bad_type": _("Files of this type are not accepted here; allowed: %(types)s."),
        "too_big": _("The file is larger than %(size)s MB."),
    }


def _render(
    request: HttpRequest,
    page: entry.EntryPage,
    *,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    conflict: bool = False,
) -> HttpResponse:
    """The entry page; `errors` are (question code or "", message) shown at the top, linked to the
    questions they name."""
    submission = page.submission
    client = {
        "submission": submission.pk,
        "revision": submission.revision,
        "editable": page.editable,
        "saveUrl": reverse("monitoring:submission_save", args=[submission.pk]),
        "fileUrl": reverse("monitoring:submission_file", args=[submission.pk]),
        "loginUrl": reverse("login"),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "texts": client_texts(),
    }
    context = {
        "page": page,
        "submission": submission,
        "campaign": page.campaign,
        "errors": errors or [],
        "conflict": conflict,
        "client": client,
        "Kind": Field.Kind,
    }
    return render(request, "monitoring/entry/submission.html", context, status=status)


@require_GET
@login_required
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_submission_for(request.user, pk)
    if not access.can_fill(request.user, item.organization):
        return redirect("monitoring:review", pk=item.pk)  # the department reads it on the review page
    return _render(request, entry.entry_page(item, request.user))


def _saved_text(item: Submission) -> str:
    local = timezone.localtime(item.updated_at)
    if local.date() == timezone.localdate():
        return _("Saved at %(time)s.") % {"time": time_format(local, "H:i")}
    return _("Saved on %(date)s.") % {"date": date_format(local, "d.m.Y H:i")}


def _prefill(item: Submission, fields: list[Field], answers: dict[str, Any]) -> list[str]:
    """Put the previous period's figures into the numeric questions left empty (in what was sent,
    else in what is stored); the codes filled."""
    _period, previous = entry.previous_values(item.campaign, item.organization, fields)
    filled = []
    for field in fields:
        if field.code not in previous:
            continue
        current = answers[field.code] if field.code in answers else item.answers.get(field.code)
        if validation.is_blank(current):
            answers[field.code] = validation.as_text(previous[field.code])
            filled.append(field.code)
    return filled


def _conflict(
    request: HttpRequest, item: Submission, fields: list[Field], answers: dict, base: int | None, error
) -> HttpResponse:
    """409: nothing was written. The page keeps the person's own changes, shows the colleague's
    answers everywhere else and takes the current revision as its base, so saving again overwrites
    deliberately."""
    item.refresh_from_db()
    before = entry.answers_at(item, base or 0)
    mine = {code: value for code, value in answers.items() if not entry.same_answer(value, before.get(code))}
    theirs = {
        field.code: item.answers.get(field.code, "")
        for field in fields
        if not entry.same_answer(item.answers.get(field.code), before.get(field.code))
    }
    if wants_json(request):
        labels = {field.code: field.label for field in fields}
        return JsonResponse(
            {
                "error": error.messages[0],
                "code": "conflict",
                "conflicts": error.fields,
                "revision": item.revision,
                "theirs": theirs,
                "theirs_text": {
                    code: entry.answer_text(field, theirs[code]) or client_texts()["empty"]
                    for field in fields
                    if (code := field.code) in theirs
                },
                "labels": {code: labels[code] for code in error.fields if code in labels},
            },
            status=409,
        )
    shown = {**item.answers, **mine}
    page = entry.entry_page(item, request.user, answers=shown, conflicts=error.fields)
    return _render(request, page, status=409, errors=[("", m) for m in error.messages], conflict=True)


@require_POST
@login_required_json
def submission_save(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_submission_for(request.user, pk)
    if not access.can_fill(request.user, item.organization):
        return _forbidden(request)
    fields, rules = services.form_questions(item.campaign.form)
    answers = posted_answers(request.POST, fields)
    base = parse_revision(request.POST.get("base_revision"))
    filled = _prefill(item, fields, answers) if request.POST.get("prefill") else []
    try:
        saved = services.submission_save(
            submission=item, answers=answers, base_revision=base, by=request.user
        )
    except services.EditConflict as error:
        return _conflict(request, item, fields, answers, base, error)
    except ValidationError as error:
        if wants_json(request):
            return JsonResponse({"error": " ".join(error.messages), "code": "refused"}, status=400)
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:submission", pk=item.pk)
    current = saved.submission
    labels = {field.code: field.label for field in fields}
    merged_text = ""
    if saved.merged:
        merged_text = client_texts()["merged"] % {
            "fields": "; ".join(f"«{labels[code]}»" for code in saved.merged if code in labels)
        }
    if wants_json(request):
        state = entry.live_state(current, fields, rules, saved.check)
        return JsonResponse(
            {
                "ok": True,
                "saved_text": _saved_text(current),
                "merged": [
                    {"code": code, "label": labels[code], "value": current.answers.get(code, "")}
                    for code in saved.merged
                    if code in labels
                ],
                "merged_text": merged_text,
                "prefilled": {code: current.answers.get(code, "") for code in filled},
                **state,
            }
        )
    problems = _files_from_post(request, current, fields)
    if merged_text:
        messages.warning(request, merged_text)
    if request.POST.get("prefill"):
        if filled:
            messages.success(
                request,
                ngettext(
                    "%(count)d answer is filled from the previous period; check it before submitting.",
                    "%(count)d answers are filled from the previous period; check them before submitting.",
                    len(filled),
                )
                % {"count": len(filled)},
            )
        else:
            messages.info(request, client_texts()["prefill_none"])
    for problem in problems:
        messages.error(request, problem)
    messages.success(request, _("The draft is saved. It is not sent yet: press «Submit» when it is ready."))
    return redirect("monitoring:submission", pk=item.pk)


def _files_from_post(request: HttpRequest, item: Submission, fields: list[Field]) -> list[str]:
    """The files chosen (or removed) on a plain post of the whole page; the problems, in Russian."""
    problems = []
    for field in fields:
        if field.kind != Field.Kind.FILE:
            continue
        upload = request.FILES.get(f"answer-{field.code}")
        remove = request.POST.get(f"remove-{field.code}")
        if upload is None and not remove:
            continue
        problem = file_problem(field, upload) if upload is not None else None
        if problem:
            problems.append(f"{field.label}: {problem}")
            continue
        try:
            services.file_store(submission=item, item=field, upload=upload, by=request.user)
        except ValidationError as error:
            problems.append(f"{field.label}: {' '.join(error.messages)}")
    return problems


@require_POST
@login_required_json
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the page sent, then submit. A refused submit changes no state and shows the stored
    answers with every problem beside its question."""
    item = access.get_submission_for(request.user, pk)
    if not access.can_fill(request.user, item.organization):
        return _forbidden(request)
    fields, rules = services.form_questions(item.campaign.form)
    answers = posted_answers(request.POST, fields)
    base = parse_revision(request.POST.get("base_revision"))
    if answers:
        try:
            item = services.submission_save(
                submission=item, answers=answers, base_revision=base, by=request.user
            ).submission
        except services.EditConflict as error:
            return _conflict(request, item, fields, answers, base, error)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("monitoring:submission", pk=item.pk)
        for problem in _files_from_post(request, item, fields):
            messages.error(request, problem)
    try:
        item = services.submission_submit(submission=item, by=request.user)
    except ValidationError as error:
        item = access.get_submission_for(request.user, pk)
        complete = validation.check(fields, rules, item.answers, complete=True)
        page = entry.entry_page(item, request.user, check=complete, submit_check=complete)
        problems = page.submit_problems if not complete.ok else [("", message) for message in error.messages]
        return _render(request, page, errors=problems)
    if services.awaits_sign_off(item):
        messages.success(request, _("The form is submitted. It now waits for the head's sign-off."))
    else:
        messages.success(request, _("The form is submitted to the department for review."))
    return redirect("monitoring:submission", pk=item.pk)


@require_POST
@login_required
def submission_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.get_submission_for(request.user, pk)
    try:
        services.submission_sign_off(submission=item, by=request.user)
    except PermissionDenied as refusal:
        return _forbidden(request, str(refusal))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The form is signed off and sent to the department for review."))
    return redirect("monitoring:submission", pk=item.pk)


@login_required_json
def submission_file(request: HttpRequest, pk: int) -> HttpResponse:
    """GET ?field=code: the stored file, to those who may read the submission. POST: store (or with
    `remove`, take away) the file of a question, checked by type and size."""
    item = access.get_submission_for(request.user, pk)
    if request.method == "GET":
        stored = get_object_or_404(
            SubmissionFile, submission=item, field_code=params.query(request.GET, "field", "")
        )
        try:
            handle = stored.file.open("rb")
        except (FileNotFoundError, ValueError) as missing:
            raise Http404 from missing
        return FileResponse(handle, as_attachment=True, filename=stored.name)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not access.can_fill(request.user, item.organization):
        return _forbidden(request)
    fields, rules = services.form_questions(item.campaign.form)
    form = FileForm(request.POST, request.FILES, fields=fields)
    if not form.is_valid():
        problems = [message for messages_ in form.errors.values() for message in messages_]
        if wants_json(request):
            return JsonResponse(
                {"error": " ".join(problems), "code": "file", "field": request.POST.get("field", "")},
                status=400,
            )
        label = form.question.label if form.question else ""
        for problem in problems:
            messages.error(request, f"{label}: {problem}" if label else problem)
        return redirect("monitoring:submission", pk=item.pk)
    question = form.question
    upload = None if form.cleaned_data.get("remove") else form.cleaned_data["file"]
    try:
        saved = services.file_store(submission=item, item=question, upload=upload, by=request.user)
    except ValidationError as error:
        if wants_json(request):
            return JsonResponse({"error": " ".join(error.messages), "code": "refused"}, status=400)
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:submission", pk=item.pk)
    if wants_json(request):
        url = reverse("monitoring:submission_file", args=[item.pk]) + f"?field={question.code}"
        return JsonResponse(
            {
                "ok": True,
                "field": question.code,
                "name": upload.name if upload is not None else "",
                "url": url if upload is not None else "",
                "saved_text": _saved_text(saved.submission),
                **entry.live_state(saved.submission, fields, rules, saved.check),
            }
        )
    if upload is None:
        messages.success(request, _("The file is removed."))
    else:
        messages.success(request, _("The file «%(name)s» is stored.") % {"name": upload.name})
    return redirect("monitoring:submission", pk=item.pk)


urlpatterns = [
    path("my/", my_forms, name="my_forms"),
    path("my/<int:pk>/", fill, name="fill"),
    path("submissions/<int:pk>/", submission, name="submission"),
    path("submissions/<int:pk>/save/", submission_save, name="submission_save"),
    path("submissions/<int:pk>/submit/", submission_submit, name="submission_submit"),
    path("submissions/<int:pk>/sign-off/", submission_sign_off, name="submission_sign_off"),
    path("submissions/<int:pk>/file/", submission_file, name="submission_file"),
]
