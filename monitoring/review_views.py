"""The coordinator's side of the data collections: the list of collections, a new collection and its
settings, the completeness page (who answered, who is late, reminders, extensions, bulk acceptance),
and the review of one organization's form (accept, or return with a comment).

The department's staff read everything of their municipality. Who acts is monitoring.access's to say:
the executors and coordinators of the form's direction (and the head of the department) start,
change, open, close, remind and extend; its coordinators (and the head) accept and return. The
others get 403 with the reason. Schools never see these pages: they answer 404, as for a record that
does not exist. Every state change goes through monitoring.services.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from mcok import exports, params
from mcok.lists import PAGE_SIZE
from mcok.models import Municipality
from mcok.periods import default_period
from monitoring import access, selectors, services
from monitoring.models import Campaign, Reminder, Submission
from monitoring.refusals import forbidden
from monitoring.review_forms import CampaignFilter, CampaignForm, ExtensionForm, ReturnForm

Status = Submission.Status
State = Campaign.State
STATUS_FILTERS = (
    selectors.NOT_STARTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.ACCEPTED,
    selectors.LATE,
)


# Finding records -------------------------------------------------------------------------------------


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    """The collection for the department's staff; 404 for anyone else, as for an absent one."""
    campaign = access.get_campaign_for(request.user, pk)
    if not access.is_staff_of(request.user, campaign.municipality):
        raise Http404
    return campaign


def _submission(request: HttpRequest, pk: int) -> Submission:
    submission = access.get_submission_for(request.user, pk)
    if not access.is_staff_of(request.user, submission.campaign.municipality):
        raise Http404
    return submission


def _municipalities(request: HttpRequest) -> list[Municipality]:
    """The municipalities whose collections the user runs as staff; 404 for a school or a stranger."""
    municipalities = access.staff_municipalities(request.user)
    if not municipalities:
        raise Http404
    return municipalities


def _url_or_none(name: str, *args) -> str | None:
    """A route another part of the app provides, when it is there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _date(value: datetime.date | None) -> str:
    return date_format(value, "d.m.Y") if value else ""


# The list of collections -----------------------------------------------------------------------------


def _campaigns_xlsx(rows, several: bool) -> HttpResponse:
    headers = [
        _("Title"),
        _("Form"),
        _("Period"),
        _("State"),
        _("Opens on"),
        _("Deadline"),
        _("Closes on"),
        _("Organizations expected"),
        _("Accepted"),
        _("Waiting for review"),
    ] + ([_("Municipality")] if several else [])

    def cells(c: Campaign):
        row = [
            c.title,
            str(c.form),
            c.period.label,
            c.get_state_display(),
            c.opens_on,
            c.deadline,
            c.closes_on,
            c.expected,
            c.accepted,
            c.waiting,
        ]
        return row + ([c.municipality.name] if several else [])

    stamp = timezone.localdate().isoformat()
    return exports.xlsx_response(
        f"collections-{stamp}.xlsx", _("Data collections"), headers, (cells(c) for c in rows.iterator())
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request)
    visible = access.campaigns_visible_to(request.user).filter(
        municipality__in=[m.pk for m in municipalities]
    )
    queryset = selectors.campaigns_with_progress(visible).order_by("-opens_on", "title", "pk")
    filterset = CampaignFilter(request.GET, queryset=queryset, request=request, municipalities=municipalities)
    rows = filterset.qs
    several = len(municipalities) > 1
    if request.GET.get("format") == "xlsx":
        return _campaigns_xlsx(rows, several)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    # The queue holds what the user may accept or return; the others read the collections.
    reviewed = access.campaigns_reviewed_by(request.user)
    queue = selectors.review_queue(visible.filter(pk__in=reviewed.values("pk")))
    may_create = [m for m in municipalities if access.can_build_in(request.user, m)]
    context = {
        "filter": filterset,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "several": several,
        "queue": list(queue[:20]),
        "queue_count": queue.count(),
        "may_create": may_create,
        # An import makes a form of no direction: the municipal roles' work.
        "may_import": any(access.can_create_form(request.user, m) for m in may_create),
        "today": timezone.localdate(),
    }
    return render(request, "monitoring/review/campaign_list.html", context)


# A new collection and its settings --------------------------------------------------------------------


def _editable_municipality(request: HttpRequest, municipalities: list[Municipality]) -> Municipality:
    """?municipality=slug among the user's (404 for another), else the first where they may edit."""
    slug = params.query(request.GET, "municipality")
    if slug:
        chosen = next((m for m in municipalities if m.slug == slug), None)
        if chosen is None:
            raise Http404
        return chosen
    return next((m for m in municipalities if access.can_build_in(request.user, m)), municipalities[0])


def _choice(form: CampaignForm) -> dict:
    """The service's keywords from a valid form: the kinds and flags are kept only when they chose."""
    data = form.cleaned_data
    by_criteria = data["choose"] == CampaignForm.BY_CRITERIA
    return {
        "form": data["form"],
        "period": data["period"],
        "title": data["title"].strip(),
        "description": data["description"].strip(),
        "opens_on": data["opens_on"],
        "deadline": data["deadline"],
        "closes_on": data["closes_on"],
        "requires_sign_off": data["requires_sign_off"],
        "kinds": list(data["kinds"]) if by_criteria else [],
        "flags": list(data["flags"]) if by_criteria else [],
        "organizations": form.targeted,
    }


def _form_page(request, form: CampaignForm, *, campaign=None, municipalities=(), preview=None, status=200):
    context = {
        "form": form,
        "campaign": campaign,
        "municipality": form.municipality,
        "municipalities": [m for m in municipalities if access.can_build_in(request.user, m)],
        "preview": preview,
    }
    return render(request, "monitoring/review/campaign_form.html", context, status=status)


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request)
    municipality = _editable_municipality(request, municipalities)
    if not access.can_build_in(request.user, municipality):
        return forbidden(request, access.REFUSED_BUILD)
    if request.method != "POST":
        today = timezone.localdate()
        period = default_period(
            municipality, Exists(Campaign.objects.filter(period=OuterRef("pk"), municipality=municipality))
        )
        initial = {"opens_on": today, "deadline": today + datetime.timedelta(days=14), "period": period}
        wanted = params.as_id(request.GET.get("form"))
        form = CampaignForm(initial=initial, municipality=municipality, user=request.user)
        chosen = form.fields["form"].queryset.filter(pk=wanted).first() if wanted else None
        if chosen is not None:
            form.initial |= {"form": chosen.pk, "title": chosen.title}
        return _form_page(request, form, municipalities=municipalities)
    form = CampaignForm(request.POST, municipality=municipality, user=request.user)
    if not form.is_valid():
        return _form_page(request, form, municipalities=municipalities)
    if "preview" in request.POST:
        return _form_page(request, form, municipalities=municipalities, preview=form.targeted)
    try:
        campaign = services.campaign_create(**_choice(form), by=request.user)
    except PermissionDenied as refusal:  # the form's direction is not theirs for this period
        return forbidden(request, str(refusal))
    except ValidationError as error:
        form.add_error(None, error)
        return _form_page(request, form, municipalities=municipalities)
    count = len(form.targeted)
    messages.success(
        request,
        ngettext(
            "The collection is saved as a draft; it asks %(count)d organization.",
            "The collection is saved as a draft; it asks %(count)d organizations.",
            count,
        )
        % {"count": count},
    )
    return redirect("monitoring:campaign", pk=campaign.pk)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if not access.can_edit_campaign(request.user, campaign):
        return forbidden(request, access.REFUSED_RUN)
    if campaign.state != State.DRAFT:
        messages.error(request, _("Only a draft collection can be changed: this one has been opened."))
        return redirect("monitoring:campaign", pk=campaign.pk)
    if request.method != "POST":
        form = CampaignForm(
            initial=CampaignForm.initial_for(campaign),
            municipality=campaign.municipality,
            campaign=campaign,
            user=request.user,
        )
        return _form_page(request, form, campaign=campaign)
    form = CampaignForm(
        request.POST, municipality=campaign.municipality, campaign=campaign, user=request.user
    )
    if not form.is_valid():
        return _form_page(request, form, campaign=campaign)
    if "preview" in request.POST:
        return _form_page(request, form, campaign=campaign, preview=form.targeted)
    try:
        services.campaign_update(campaign=campaign, by=request.user, **_choice(form))
    except PermissionDenied as refusal:
        return forbidden(request, str(refusal))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:campaign", pk=campaign.pk)
    messages.success(request, _("The collection's settings are saved."))
    return redirect("monitoring:campaign", pk=campaign.pk)


# The completeness page ---------------------------------------------------------------------------------


def _progress_xlsx(campaign: Campaign, rows: list[selectors.OrganizationProgress]) -> HttpResponse:
    yes, no = _("yes"), _("no")
    headers = [
        _("Organization"),
        _("Status"),
        _("Submitted"),
        _("Reviewed"),
        _("Deadline"),
        _("Late"),
        _("Reminders sent"),
    ]

    def local(moment):
        return timezone.localtime(moment) if moment else None

    cells = (
        (
            row.organization.short_name,
            row.status_label,
            local(row.submitted_at),
            local(row.reviewed_at),
            row.deadline,
            yes if row.late else no,
            row.reminders,
        )
        for row in rows
    )
    stamp = timezone.localdate().isoformat()
    return exports.xlsx_response(
        f"collection-{campaign.pk}-progress-{stamp}.xlsx", _("Progress"), headers, cells
    )


@require_safe
@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    progress = selectors.campaign_progress(campaign)
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    rows = progress.rows_with(status) if status else progress.rows
    if request.GET.get("format") == "xlsx":
        return _progress_xlsx(campaign, rows)
    counters = [
        ("", _("Expected"), progress.expected),
        (selectors.NOT_STARTED, _("Not started yet"), progress.not_started),
        (Status.DRAFT, _("Draft"), progress.draft),
        (Status.SUBMITTED, _("Waiting for review"), progress.submitted),
        (Status.RETURNED, _("Returned"), progress.returned),
        (Status.ACCEPTED, _("Accepted"), progress.accepted),
        (selectors.LATE, _("Late"), progress.late),
    ]
    may_review = access.can_review(request.user, campaign)
    may_run = access.can_open_campaign(request.user, campaign)
    context = {
        "campaign": campaign,
        "progress": progress,
        "rows": rows,
        "status": status,
        "counters": counters,
        "may_review": may_review,
        "may_run": may_run,
        "may_edit": may_run and campaign.state == State.DRAFT,
        "may_accept": may_review and any(row.status == Status.SUBMITTED for row in rows),
        "reminders": selectors.reminders_log(campaign),
        "export_url": _url_or_none("monitoring:campaign_export", campaign.pk),
        "form_url": _url_or_none("monitoring:form", campaign.form_id),
        "today": progress.today,
    }
    return render(request, "monitoring/review/campaign_detail.html", context)


def _run_action(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """A 403 page for those who may not run the collection (open, close, remind, extend); None for
    those who may."""
    if access.can_open_campaign(request.user, campaign):
        return None
    return forbidden(request, access.REFUSED_RUN)


def _review_action(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """A 403 page for those who may not accept and return the collection's forms; None for those who
    may."""
    if access.can_review(request.user, campaign):
        return None
    return forbidden(request, access.REFUSED_REVIEW)


@require_POST
@login_required
def campaign_open(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if denied := _run_action(request, campaign):
        return denied
    was_draft = campaign.state == State.DRAFT
    try:
        services.campaign_open(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _tell_opened(request, campaign, was_draft)
    return redirect("monitoring:campaign", pk=campaign.pk)


def _tell_opened(request: HttpRequest, campaign: Campaign, was_draft: bool) -> None:
    if not was_draft:
        messages.success(request, _("The collection is open again."))
    else:
        # What the opening letter does, as it is: how many it reaches and who has no address.
        reach = services.reach_of(list(campaign.organizations.select_related("head")))
        messages.success(
            request,
            ngettext(
                "The collection is open; the letter about it goes to %(count)d organization.",
                "The collection is open; the letter about it goes to %(count)d organizations.",
                len(reach.sent),
            )
            % {"count": len(reach.sent)},
        )
        _tell_unreachable(request, reach.unreachable)


# Names shown in a message at most; the rest are counted (the log on the collection's page names all).
NAMES_SHOWN = 10


def _names(organizations) -> str:
    names = [o.short_name for o in organizations[:NAMES_SHOWN]]
    rest = len(organizations) - len(names)
    text = ", ".join(names)
    if rest:
        text += " " + ngettext("and %(count)d more", "and %(count)d more", rest) % {"count": rest}
    return text


def _tell_unreachable(request: HttpRequest, organizations) -> None:
    """Name to the sender the organizations no letter reached: no e-mail address is known for them."""
    if organizations:
        messages.warning(
            request,
            ngettext(
                "No letter went to %(count)d organization, no e-mail address known: %(names)s. "
                "Tell it yourself, or add the e-mail of its respondent or head.",
                "No letter went to %(count)d organizations, no e-mail address known: %(names)s. "
                "Tell them yourself, or add the e-mails of their respondents or heads.",
                len(organizations),
            )
            % {"count": len(organizations), "names": _names(organizations)},
        )


@require_POST
@login_required
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if denied := _run_action(request, campaign):
        return denied
    try:
        services.campaign_close(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The collection is closed: the schools can no longer change answers."))
    return redirect("monitoring:campaign", pk=campaign.pk)


@require_POST
@login_required
def campaign_remind(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if denied := _run_action(request, campaign):
        return denied
    if campaign.state != State.OPEN:
        messages.error(request, _("Reminders are sent only while the collection is open."))
        return redirect("monitoring:campaign", pk=campaign.pk)
    try:
        delivery = services.reminders_deliver(campaign=campaign, kind=Reminder.Kind.MANUAL, by=request.user)
    except ValidationError as error:  # closed meanwhile
        messages.error(request, " ".join(error.messages))
        return redirect("monitoring:campaign", pk=campaign.pk)
    if not delivery.count:
        messages.info(request, _("Every organization has submitted: nobody to remind."))
    if delivery.sent:
        count = len(delivery.sent)
        messages.success(
            request,
            ngettext(
                "A reminder is sent to %(count)d organization that has not submitted.",
                "A reminder is sent to %(count)d organizations that have not submitted.",
                count,
            )
            % {"count": count},
        )
    _tell_unreachable(request, delivery.unreachable)
    return redirect("monitoring:campaign", pk=campaign.pk)


@require_POST
@login_required
def extension_grant(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if denied := _run_action(request, campaign):
        return denied
    form = ExtensionForm(request.POST, campaign=campaign)
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        messages.error(
            request, _("The deadline is not extended. %(problems)s") % {"problems": " ".join(problems)}
        )
        return redirect("monitoring:campaign", pk=campaign.pk)
    organization = form.cleaned_data["organization"]
    try:
        services.extension_grant(
            campaign=campaign,
            organization=organization,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"].strip(),
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(organization)s may now answer until %(date)s.")
            % {"organization": organization.short_name, "date": _date(form.cleaned_data["deadline"])},
        )
    return redirect("monitoring:campaign", pk=campaign.pk)


@require_POST
@login_required
def submissions_accept_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if denied := _review_action(request, campaign):
        return denied
    ids = [pk for value in request.POST.getlist("submission") if (pk := params.as_id(value)) is not None]
    chosen = list(
        campaign.submissions.filter(pk__in=ids)
        .select_related("organization", "campaign__municipality", "campaign__form", "campaign__period")
        .order_by("organization__short_name")
    )
    if not chosen:
        messages.error(request, _("Tick the forms to accept."))
        return redirect("monitoring:campaign", pk=campaign.pk)
    try:
        accepted, problems = services.submissions_accept(submissions=chosen, by=request.user)
    except PermissionDenied:
        return forbidden(request, access.REFUSED_REVIEW)
    if accepted:
        messages.success(
            request,
            ngettext("%(count)d form is accepted.", "%(count)d forms are accepted.", accepted)
            % {"count": accepted},
        )
    if problems:
        messages.error(
            request,
            ngettext(
                "%(count)d form is not accepted: %(problems)s",
                "%(count)d forms are not accepted: %(problems)s",
                len(problems),
            )
            % {"count": len(problems), "problems": "; ".join(problems)},
        )
    return redirect("monitoring:campaign", pk=campaign.pk)


# The review of one form ---------------------------------------------------------------------------------


def _review_page(request: HttpRequest, submission: Submission, return_form: ReturnForm) -> HttpResponse:
    campaign = submission.campaign
    waiting = campaign.submissions.filter(status=Status.SUBMITTED).exclude(pk=submission.pk)
    context = {
        "submission": submission,
        "campaign": campaign,
        "sheet": selectors.review_sheet(submission),
        "may_review": access.can_review(request.user, campaign),
        "awaits_sign_off": services.awaits_sign_off(submission),
        "deadline": services.deadline_for(campaign, submission.organization),
        "return_form": return_form,
        "file_url": _url_or_none("monitoring:submission_file", submission.pk),
        "next_waiting": waiting.select_related("organization").order_by("submitted_at", "pk").first(),
    }
    return render(request, "monitoring/review/review.html", context)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _submission(request, pk), ReturnForm())


@require_POST
@login_required
def submission_accept(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    if denied := _review_action(request, submission.campaign):
        return denied
    try:
        services.submission_accept(submission=submission, by=request.user)
    except PermissionDenied:
        return forbidden(request, access.REFUSED_REVIEW)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The form of %(organization)s is accepted; its figures are stored.")
            % {"organization": submission.organization.short_name},
        )
    return redirect("monitoring:review", pk=submission.pk)


@require_POST
@login_required
def submission_return(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    if denied := _review_action(request, submission.campaign):
        return denied
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _review_page(request, submission, form)
    try:
        services.submission_return(
            submission=submission, comment=form.cleaned_data["comment"], by=request.user
        )
    except PermissionDenied:
        return forbidden(request, access.REFUSED_REVIEW)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The form is returned to %(organization)s with your comment.")
            % {"organization": submission.organization.short_name},
        )
    return redirect("monitoring:review", pk=submission.pk)


urlpatterns = [
    path("campaigns/", campaigns, name="campaigns"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign, name="campaign"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/open/", campaign_open, name="campaign_open"),
    path("campaigns/<int:pk>/close/", campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/remind/", campaign_remind, name="campaign_remind"),
    path("campaigns/<int:pk>/extend/", extension_grant, name="extension_grant"),
    path("campaigns/<int:pk>/accept/", submissions_accept_bulk, name="submissions_accept_bulk"),
    path("submissions/<int:pk>/review/", review, name="review"),
    path("submissions/<int:pk>/accept/", submission_accept, name="submission_accept"),
    path("submissions/<int:pk>/return/", submission_return, name="submission_return"),
]
