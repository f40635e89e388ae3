"""Pages of project groups and their meetings: the list, a group's page, its forms with the members,
a meeting's protocol (HTML and PDF), its calendar file (.ics) and its form with the attendees, agenda
items and votes; the notice and the signed protocol sent to the members by e-mail (roadmaps.group_mail).

Records are found through roadmaps.access (404 alike for "absent" and "not yours"): the
municipality's staff and its organizations' users read them. Writes go through roadmaps.groups;
roadmaps.access decides who may write (the municipality's editors and the head, the coordinators of
the group's direction, the group's leader or curators), and the others get 403 with the reason. Ids
other than the URL's one (a member, an item) come in POST data and are looked up inside the object.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from mcok import params
from mcok.access import municipalities_visible_to
from roadmaps import access, group_mail, groups, protocol
from roadmaps.group_forms import AgendaItemForm, GroupForm, MeetingForm, MemberForm, MemberUpdateForm
from roadmaps.models import Meeting, ProjectGroup


def _errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _manage(request: HttpRequest, group: ProjectGroup) -> None:
    if not access.can_manage_group(request.user, group):
        raise PermissionDenied(access.REFUSED_GROUP)


@require_GET
@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    rows = (
        access.groups_visible_to(request.user)
        .select_related("municipality", "leader", "direction")
        .prefetch_related("curators")
        .annotate(
            members_count=Count("members", filter=Q(members__is_active=True), distinct=True),
            meetings_count=Count("meetings", distinct=True),
        )
    )
    user = request.user
    can_create = any(access.can_create_group(user, m) for m in municipalities_visible_to(user))
    return render(request, "roadmaps/groups/list.html", {"groups": rows, "can_create": can_create})


def _meetings_summary(group: ProjectGroup) -> list[dict]:
    """Each meeting with its attendance, quorum and how many decisions passed; two queries in all."""
    meetings = group.meetings.annotate(present=Count("attendees", distinct=True)).prefetch_related("items")
    summary = []
    for meeting in meetings:
        items = list(meeting.items.all())
        summary.append(
            {
                "meeting": meeting,
                "present": meeting.present,
                "quorum": groups.has_quorum(meeting.present, meeting.members_total),
                "items": len(items),
                "adopted": sum(
                    groups.adopted(item, meeting.present, meeting.members_total) for item in items
                ),
            }
        )
    return summary


@require_GET
@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    members = group.members.filter(is_active=True).select_related("organization", "official")
    return render(
        request,
        "roadmaps/groups/detail.html",
        {
            "group": group,
            "members": members,
            "meetings": _meetings_summary(group),
            "can_manage": access.can_manage_group(request.user, group),
        },
    )


@login_required
def group_new(request: HttpRequest) -> HttpResponse:
    visible = municipalities_visible_to(request.user).order_by("name")
    slug = params.query(request.GET, "municipality")
    if slug:
        municipality = get_object_or_404(visible, slug=slug)
    else:
        municipality = next((m for m in visible if access.can_create_group(request.user, m)), None)
        if municipality is None:
            raise Http404 if not visible.exists() else PermissionDenied(access.REFUSED_NEW_GROUP)
    if not access.can_create_group(request.user, municipality):
        raise PermissionDenied(access.REFUSED_NEW_GROUP)
    form = GroupForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_create(municipality=municipality, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The project group is created. Add its members."))
            return redirect("roadmaps:group_edit", pk=group.pk)
    return render(request, "roadmaps/groups/group_form.html", {"form": form, "municipality": municipality})


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    _manage(request, group)
    municipality = group.municipality
    form = GroupForm(instance=group, municipality=municipality)
    member_form = MemberForm(municipality=municipality)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "group":
                form = GroupForm(request.POST, instance=group, municipality=municipality)
                if form.is_valid():
                    groups.group_update(group=group, by=request.user, **form.cleaned_data)
                    messages.success(request, _("The group is saved."))
                    return redirect("roadmaps:group_edit", pk=group.pk)
            elif action == "member_add":
                member_form = MemberForm(request.POST, municipality=municipality)
                if member_form.is_valid():
                    member = groups.member_add(group=group, by=request.user, **member_form.cleaned_data)
                    messages.success(
                        request, _("%(name)s is added to the group.") % {"name": member.full_name}
                    )
                    return redirect("roadmaps:group_edit", pk=group.pk)
            elif action == "member_update":
                member = get_object_or_404(group.members.all(), pk=_int(request.POST.get("member")))
                bound = MemberUpdateForm(request.POST, prefix=f"member{member.pk}")
                if not bound.is_valid():
                    raise ValidationError([e for errors in bound.errors.values() for e in errors])
                groups.member_update(member=member, by=request.user, **bound.cleaned_data)
                messages.success(request, _("%(name)s is saved.") % {"name": member.full_name})
                return redirect("roadmaps:group_edit", pk=group.pk)
            elif action == "member_remove":
                member = get_object_or_404(group.members.all(), pk=_int(request.POST.get("member")))
                groups.member_remove(member=member, by=request.user)
                messages.success(request, _("%(name)s is no longer a member.") % {"name": member.full_name})
                return redirect("roadmaps:group_edit", pk=group.pk)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            _errors(request, error)
    members = list(group.members.filter(is_active=True).select_related("organization", "official__user"))
    for member in members:
        member.update_form = MemberUpdateForm(
            prefix=f"member{member.pk}",
            initial={"position": member.position, "qualifier": member.qualifier, "email": member.email},
        )
        member.address = group_mail.member_email(member)
    return render(
        request,
        "roadmaps/groups/group_edit.html",
        {"group": group, "form": form, "member_form": member_form, "members": members},
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = access.get_group_for(request.user, pk)
    _manage(request, group)
    form = MeetingForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = groups.meeting_create(group=group, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is recorded. Add the agenda items and the votes."))
            return redirect("roadmaps:meeting_edit", pk=meeting.pk)
    return render(request, "roadmaps/groups/meeting_new.html", {"group": group, "form": form})


def _get_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = access.get_meeting_for(request.user, pk)
    # the protocol names the curators and the leader
    meeting.group = (
        ProjectGroup.objects.select_related("municipality", "direction__municipality", "leader")
        .prefetch_related("curators")
        .get(pk=meeting.group_id)
    )
    return meeting


@require_GET
@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    can_manage = access.can_manage_group(request.user, meeting.group)
    without_email = []
    if can_manage:
        members = meeting.group.members.filter(is_active=True).select_related("official__user")
        without_email = [m.full_name for m in members if not group_mail.member_email(m)]
    return render(
        request,
        "roadmaps/groups/meeting.html",
        {
            "meeting": meeting,
            "group": meeting.group,
            "protocol": protocol.protocol_html(meeting),
            "can_manage": can_manage,
            "without_email": without_email,
        },
    )


@require_safe
@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    response = HttpResponse(group_mail.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _send(request: HttpRequest, pk: int, send) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    _manage(request, meeting.group)
    try:
        result = send(meeting=meeting, by=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        # never «sent» when nothing went: the summary names who got it and who did not
        (messages.success if result.sent and not result.failed else messages.warning)(
            request, result.summary()
        )
    return redirect("roadmaps:meeting", pk=meeting.pk)


@require_POST
@login_required
def meeting_notify(request: HttpRequest, pk: int) -> HttpResponse:
    return _send(request, pk, group_mail.meeting_notify)


@require_POST
@login_required
def meeting_send_protocol(request: HttpRequest, pk: int) -> HttpResponse:
    return _send(request, pk, group_mail.protocol_send)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    group = meeting.group
    _manage(request, group)
    present = meeting.attendees.count()
    form = MeetingForm(instance=meeting, group=group)
    new_item = AgendaItemForm(prefix="new", present=present)
    forms_by_item = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "meeting":
                form = MeetingForm(request.POST, instance=Meeting.objects.get(pk=meeting.pk), group=group)
                if form.is_valid():
                    groups.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
                    messages.success(request, _("The meeting is saved."))
                    return redirect("roadmaps:meeting_edit", pk=meeting.pk)
            elif action == "item_add":
                new_item = AgendaItemForm(request.POST, prefix="new", present=present)
                if new_item.is_valid():
                    groups.agenda_item_add(meeting=meeting, by=request.user, **new_item.cleaned_data)
                    messages.success(request, _("The agenda item is added."))
                    return redirect("roadmaps:meeting_edit", pk=meeting.pk)
            elif action in ("item_update", "item_delete"):
                item = get_object_or_404(meeting.items.all(), pk=_int(request.POST.get("item")))
                if action == "item_delete":
                    groups.agenda_item_delete(item=item, by=request.user)
                    messages.success(request, _("The agenda item is deleted."))
                    return redirect("roadmaps:meeting_edit", pk=meeting.pk)
                bound = AgendaItemForm(request.POST, instance=item, prefix=f"item{item.pk}", present=present)
                if bound.is_valid():
                    groups.agenda_item_update(item=item, by=request.user, **bound.cleaned_data)
                    messages.success(request, _("The agenda item is saved."))
                    return redirect("roadmaps:meeting_edit", pk=meeting.pk)
                forms_by_item[item.pk] = bound
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            _errors(request, error)
        meeting.refresh_from_db()
    items = [
        forms_by_item.get(item.pk) or AgendaItemForm(instance=item, prefix=f"item{item.pk}", present=present)
        for item in meeting.items.all()
    ]
    return render(
        request,
        "roadmaps/groups/meeting_edit.html",
        {
            "meeting": meeting,
            "group": group,
            "form": form,
            "items": items,
            "new_item": new_item,
            "present": present,
            "quorum": groups.has_quorum(present, meeting.members_total),
        },
    )


@require_GET
@login_required
def meeting_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting(request, pk)
    pdf = protocol.protocol_pdf(meeting)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"protocol-{meeting.group_id}-{meeting.number or meeting.pk}-{meeting.date:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("groups/", group_list, name="groups"),
    path("groups/new/", group_new, name="group_new"),
    path("groups/<int:pk>/", group_detail, name="group"),
    path("groups/<int:pk>/edit/", group_edit, name="group_edit"),
    path("groups/<int:pk>/meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/protocol.pdf", meeting_pdf, name="meeting_pdf"),
    path("meetings/<int:pk>/meeting.ics", meeting_ics, name="meeting_ics"),
    path("meetings/<int:pk>/notify/", meeting_notify, name="meeting_notify"),
    path("meetings/<int:pk>/send-protocol/", meeting_send_protocol, name="meeting_send_protocol"),
]
