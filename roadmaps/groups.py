"""Project groups and their meetings: the rules of the regulation (seed 003, Приложение 2) and the
writes on groups, members, meetings and agenda items.

The group's leader is its member 1 (Приложение 3 lists «Руководитель группы» as number 1): the leader
has a member row (`Member.is_leader`) kept in step with `ProjectGroup.leader`, so the leader counts
in the quorum base, can be marked present and votes. A meeting holds its quorum when at least half of
the group's members are present (3.4); a meeting without a quorum adopts nothing, and otherwise a
decision passes by a majority of the members present (3.5), that is, more than half of them vote for
it. The number of members is fixed on the meeting when it is saved, so a later change of the group
does not rewrite an old protocol's quorum. A meeting is planned (monthly, 3.2), unplanned (3.3) or a
repeated one («повторное заседание») that holds a meeting which failed for want of a quorum. An
agenda item «рассмотрение хода реализации дорожной карты» (3.6) keeps the group's roadmap events with
their state on the meeting's date.

Who may write is decided by roadmaps.access: a group is created by the municipality's editors and
the head (`can_create_group`), and kept by them, the coordinators of its direction and its leader or
any of its curators when they have a user account (`can_manage_group`). Everyone who reads the group
(`roadmaps.access`) reads its meetings.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mcok.models import Document, Municipality, Official, Organization, User
from roadmaps import access
from roadmaps.models import AgendaItem, Meeting, Member, Occurrence, ProjectGroup, Roadmap

# Pure rules -----------------------------------------------------------------------------------------


def has_quorum(present: int, total: int) -> bool:
    """At least half of the members present (3.4 of the regulation); a group with no members has none."""
    return total > 0 and present >= 0 and 2 * present >= total


def passed(item, present: int) -> bool:
    """A decision passes when more than half of the members present vote for it (3.5)."""
    votes_for = item if isinstance(item, int) else item.votes_for
    return present > 0 and 2 * votes_for > present


def adopted(item, present: int, total: int) -> bool:
    """A decision is adopted only by a quorate meeting (3.4) and by a majority of those present (3.5)."""
    return has_quorum(present, total) and passed(item, present)


def votes_problem(votes_for: int, votes_against: int, votes_abstained: int, present: int) -> str | None:
    """The Russian message when the votes cannot be counted among `present`, else None."""
    if min(votes_for, votes_against, votes_abstained) < 0:
        return _("The number of votes cannot be negative.")
    cast = votes_for + votes_against + votes_abstained
    if cast > present:
        return _(
            "%(cast)s votes are counted (for, against and abstained), but only %(present)s members "
            "are present: the votes cannot exceed the members present."
        ) % {"cast": cast, "present": present}
    return None


# Rights -----------------------------------------------------------------------------------------------


def _require(user: User, group: ProjectGroup) -> None:
    if not access.can_manage_group(user, group):
        raise PermissionDenied(access.REFUSED_GROUP)


def _check_official(official: Official | None, municipality: Municipality, label: str) -> None:
    if official is not None and official.municipality_id != municipality.pk:
        raise ValidationError(_("%(who)s belongs to another municipality.") % {"who": label})


# Groups -------------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    municipality: Municipality,
    title: str,
    by: User,
    direction=None,
    curators: list[Official] | None = None,
    leader: Official | None = None,
    document: Document | None = None,
) -> ProjectGroup:
    """Create a project group; only the municipality's editors may."""
    if not access.can_create_group(by, municipality):
        raise PermissionDenied(access.REFUSED_NEW_GROUP)
    group = ProjectGroup(municipality=municipality)
    return _group_save(
        group, title=title, direction=direction, curators=curators, leader=leader, document=document
    )


@transaction.atomic
def group_update(
    *,
    group: ProjectGroup,
    title: str,
    by: User,
    direction=None,
    curators: list[Official] | None = None,
    leader: Official | None = None,
    document: Document | None = None,
) -> ProjectGroup:
    """Change a group's title, direction, curators, leader and approving document."""
    _require(by, group)
    return _group_save(
        group, title=title, direction=direction, curators=curators, leader=leader, document=document
    )


def _group_save(group, *, title, direction, curators, leader, document) -> ProjectGroup:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the group a title."))
    curators = list(curators or ())
    for curator in curators:
        _check_official(curator, group.municipality, _("The curator"))
    _check_official(leader, group.municipality, _("The leader"))
    if document is not None and document.municipality_id != group.municipality.pk:
        raise ValidationError(_("The document belongs to another municipality."))
    if direction is not None and direction.municipality_id != group.municipality.pk:
        raise ValidationError(_("The direction belongs to another municipality."))
    group.title = title
    group.direction = direction
    group.leader = leader
    group.document = document
    group.save()
    group.curators.set(curators)
    sync_leader(group)
    return group


def sync_leader(group: ProjectGroup) -> Member | None:
    """Give the group's leader the member row 1 (is_leader, first in order); a former leader stays an
    ordinary member. Returns the leader's row, or None for a group without a leader."""
    leader = group.leader
    if leader is None:
        group.members.filter(is_leader=True).update(is_leader=False)
        return None
    row = group.members.filter(official=leader, is_active=True).first()
    if row is None:  # a member written by name before the leader was chosen
        row = group.members.filter(official=None, full_name=leader.full_name, is_active=True).first()
    group.members.filter(is_leader=True).exclude(pk=row.pk if row else None).update(is_leader=False)
    if row is None:
        row = Member(
            group=group,
            full_name=leader.full_name[:300],
            position=(leader.position or "")[:500],
            organization=leader.organization,
        )
    row.official = leader
    row.is_leader = True
    row.order = 0
    row.save()
    return row


# Members ------------------------------------------------------------------------------------------------


@transaction.atomic
def member_add(
    *,
    group: ProjectGroup,
    by: User,
    official: Official | None = None,
    full_name: str = "",
    position: str = "",
    organization: Organization | None = None,
    qualifier: str = "",
    email: str = "",
) -> Member:
    """Add an official of the municipality, or a person by name, position and organization; the
    position and the qualifier of the organization («(КШ)», «корпус …») are kept as written."""
    _require(by, group)
    ProjectGroup.objects.select_for_update().filter(pk=group.pk).first()  # one add at a time
    municipality = group.municipality
    if official is not None:
        _check_official(official, municipality, _("The official"))
        if group.members.filter(official=official, is_active=True).exists():
            raise ValidationError(
                _("%(name)s is already a member of the group.") % {"name": official.full_name}
            )
        full_name = full_name.strip() or official.full_name
        position = position.strip() or official.position
        organization = organization or official.organization
    else:
        full_name = (full_name or "").strip()
        if not full_name:
            raise ValidationError(_("Choose an official or write the member's full name."))
        if group.members.filter(full_name__iexact=full_name, official=None, is_active=True).exists():
            raise ValidationError(_("%(name)s is already a member of the group.") % {"name": full_name})
    if organization is not None and organization.municipality_id != municipality.pk:
        raise ValidationError(_("The organization belongs to another municipality."))
    last = group.members.aggregate(last=Max("order"))["last"]
    return Member.objects.create(
        group=group,
        official=official,
        full_name=full_name[:300],
        position=(position or "").strip()[:500],
        organization=organization,
        qualifier=(qualifier or "").strip()[:500],
        email=(email or "").strip()[:254],
        order=(last or 0) + 1,
    )


@transaction.atomic
def member_update(
    *, member: Member, by: User, position: str = "", qualifier: str = "", email: str = ""
) -> Member:
    """Change a member's position, qualifier and e-mail address, kept as written."""
    _require(by, member.group)
    member.position = (position or "").strip()[:500]
    member.qualifier = (qualifier or "").strip()[:500]
    member.email = (email or "").strip()[:254]
    member.full_clean(validate_unique=False, exclude=["group", "official", "organization"])
    member.save(update_fields=["position", "qualifier", "email"])
    return member


@transaction.atomic
def member_remove(*, member: Member, by: User) -> bool:
    """Take a member out of the group. One who attended a meeting stays in its protocol: the row is
    kept as inactive; otherwise it is deleted. Returns True when the row was deleted."""
    _require(by, member.group)
    if member.is_leader:
        raise ValidationError(
            _("%(name)s leads the group. Choose another leader in the group's form first.")
            % {"name": member.full_name}
        )
    if member.meetings.exists():
        Member.objects.filter(pk=member.pk).update(is_active=False)
        member.is_active = False
        return False
    member.delete()
    return True


# Meetings -----------------------------------------------------------------------------------------------


def _members_total(group: ProjectGroup, attendee_ids: set[int]) -> int:
    """Active members on the day, and any attendee who has since left (still a member that day)."""
    active = set(group.members.filter(is_active=True).values_list("pk", flat=True))
    return len(active | attendee_ids)


def _attendees(group: ProjectGroup, attendees: Iterable[Member]) -> list[Member]:
    attendees = list(attendees)
    if any(m.group_id != group.pk for m in attendees):
        raise ValidationError(_("Only members of the group can be marked as present."))
    return attendees


def _meeting_kind(meeting: Meeting, kind: str, repeats: Meeting | None) -> None:
    """A repeated meeting holds an earlier meeting of the same group that had no quorum."""
    kind = kind or (Meeting.Kind.REPEATED if repeats is not None else Meeting.Kind.PLANNED)
    if kind not in Meeting.Kind.values:
        raise ValidationError(_("Unknown kind of meeting."))
    if kind != Meeting.Kind.REPEATED:
        repeats = None
    elif repeats is None:
        raise ValidationError(_("Choose the meeting that failed for want of a quorum and is repeated."))
    else:
        if repeats.group_id != meeting.group_id or (meeting.pk and repeats.pk == meeting.pk):
            raise ValidationError(_("A meeting can only repeat an earlier meeting of the same group."))
        if repeats.date > meeting.date:
            raise ValidationError(_("A repeated meeting cannot take place before the meeting it repeats."))
        if has_quorum(repeats.attendees.count(), repeats.members_total):
            raise ValidationError(
                _("Meeting No. %(number)s of %(date)s had a quorum: there is nothing to repeat.")
                % {"number": repeats.number, "date": repeats.date.strftime("%d.%m.%Y")}
            )
    meeting.kind = kind
    meeting.repeats = repeats


def _meeting_fill(meeting: Meeting, *, date, time, place, invited, chair, secretary, number) -> None:
    if not isinstance(date, datetime.date):
        raise ValidationError(_("Give the date of the meeting."))
    meeting.date = date
    meeting.time = time
    meeting.place = (place or "").strip()[:500]
    meeting.invited = (invited or "").strip()
    meeting.chair = (chair or "").strip()[:300]
    meeting.secretary = (secretary or "").strip()[:300]
    meeting.number = (number or "").strip()[:20]


@transaction.atomic
def meeting_create(
    *,
    group: ProjectGroup,
    by: User,
    date: datetime.date,
    time: datetime.time | None = None,
    place: str = "",
    attendees: Iterable[Member] = (),
    invited: str = "",
    chair: str = "",
    secretary: str = "",
    number: str = "",
    kind: str = "",
    repeats: Meeting | None = None,
) -> Meeting:
    """Record a meeting; the number of members is fixed now from the group's active members (the
    leader among them). Without a number the meeting gets the next one of the group."""
    _require(by, group)
    ProjectGroup.objects.select_for_update().filter(pk=group.pk).first()  # numbers one at a time
    attendees = _attendees(group, attendees)
    meeting = Meeting(group=group, created_by=by)
    _meeting_fill(
        meeting,
        date=date,
        time=time,
        place=place,
        invited=invited,
        chair=chair,
        secretary=secretary,
        number=number,
    )
    _meeting_kind(meeting, kind, repeats)
    if not meeting.number:
        meeting.number = str(group.meetings.count() + 1)
    meeting.members_total = _members_total(group, {m.pk for m in attendees})
    meeting.save()
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    date: datetime.date,
    time: datetime.time | None = None,
    place: str = "",
    attendees: Iterable[Member] = (),
    invited: str = "",
    chair: str = "",
    secretary: str = "",
    number: str = "",
    kind: str = "",
    repeats: Meeting | None = None,
) -> Meeting:
    """Change a meeting. Fewer members present than votes already counted on an item is refused; the
    roadmap reviewed on a new date is taken again."""
    group = meeting.group
    _require(by, group)
    kind = kind or meeting.kind  # unchanged unless given
    if kind == Meeting.Kind.REPEATED and repeats is None:
        repeats = meeting.repeats
    attendees = _attendees(group, attendees)
    present = len(attendees)
    for item in meeting.items.all():
        cast = item.votes_for + item.votes_against + item.votes_abstained
        if cast > present:
            raise ValidationError(
                _(
                    "Item «%(item)s» counts %(cast)s votes, more than the %(present)s members marked "
                    "present. Correct the votes first."
                )
                % {"item": item.title[:80], "cast": cast, "present": present}
            )
    _meeting_fill(
        meeting,
        date=date,
        time=time,
        place=place,
        invited=invited,
        chair=chair,
        secretary=secretary,
        number=number or meeting.number,
    )
    _meeting_kind(meeting, kind, repeats)
    meeting.members_total = _members_total(group, {m.pk for m in attendees})
    meeting.save()
    meeting.attendees.set(attendees)
    for item in meeting.items.filter(kind=AgendaItem.Kind.ROADMAP_REVIEW):
        item.roadmap_state = roadmap_state(group, meeting.date)
        item.save(update_fields=["roadmap_state"])
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by: User) -> None:
    _require(by, meeting.group)
    meeting.delete()


# The review of the roadmap (3.6) --------------------------------------------------------------------


def group_roadmaps(group: ProjectGroup):
    """The roadmaps of the group's direction in its municipality (none without a direction)."""
    if group.direction_id is None:
        return Roadmap.objects.none()
    return Roadmap.objects.filter(municipality_id=group.municipality_id, direction_id=group.direction_id)


def roadmap_state(group: ProjectGroup, day: datetime.date) -> list[dict]:
    """The group's roadmap events with their state at the end of `day`, read from the instances'
    history: an instance begun by then (or undated), open on that day or due that year. An instance
    with no record by then has state "" (not yet recorded in the portal). Four queries."""
    tz = timezone.get_current_timezone()
    cutoff = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    occurrences = list(
        Occurrence.objects.filter(event__roadmap__in=group_roadmaps(group))
        .exclude(starts_on__gt=day)
        .select_related("event__roadmap", "event__section")
        .order_by("event__roadmap__title", "event__roadmap_id", "event__order", "event__pk", "due_on", "pk")
    )
    known: dict[int, object] = {}
    history = Occurrence.history.filter(id__in=[o.pk for o in occurrences], history_date__lt=cutoff).order_by(
        "id", "history_date", "history_id"
    )
    for record in history.only("id", "state", "done_on", "history_date"):
        known[record.id] = record  # the last one by the cutoff wins
    rows = []
    for occurrence in occurrences:
        record = known.get(occurrence.pk)
        state = record.state if record is not None else ""
        done_on = record.done_on if record is not None else None
        open_then = state not in Occurrence.CLOSED
        due = occurrence.due_on
        if due is not None and due.year < day.year and not open_then:
            continue  # closed in an earlier year: no longer under review
        event = occurrence.event
        rows.append(
            {
                "roadmap": event.roadmap.title,
                "number": event.number,
                "event": event.content,
                "deadline": event.deadline_text,
                "due_on": due.isoformat() if due else None,
                "state": state,
                "done_on": done_on.isoformat() if done_on else None,
                "overdue": bool(due is not None and due < day and open_then),
            }
        )
    return rows


# Agenda items -------------------------------------------------------------------------------------------


def _item_fill(item: AgendaItem, present: int, **fields) -> None:
    kind = fields.get("kind") or AgendaItem.Kind.REGULAR
    if kind not in AgendaItem.Kind.values:
        raise ValidationError(_("Unknown kind of agenda item."))
    title = (fields["title"] or "").strip()
    if not title and kind == AgendaItem.Kind.ROADMAP_REVIEW:
        title = _("Review of the progress of the roadmap")
    if not title:
        raise ValidationError(_("Write the agenda item."))
    item.kind = kind
    item.roadmap_state = (
        roadmap_state(item.meeting.group, item.meeting.date) if kind == AgendaItem.Kind.ROADMAP_REVIEW else []
    )
    votes = [int(fields.get(name) or 0) for name in ("votes_for", "votes_against", "votes_abstained")]
    problem = votes_problem(*votes, present=present)
    if problem:
        raise ValidationError(problem)
    item.title = title
    item.speakers = (fields.get("speakers") or "").strip()
    item.decision = (fields.get("decision") or "").strip()
    item.reasons = (fields.get("reasons") or "").strip()
    item.votes_for, item.votes_against, item.votes_abstained = votes
    item.responsible_text = (fields.get("responsible_text") or "").strip()
    item.deadline_text = (fields.get("deadline_text") or "").strip()[:500]


def _instruct(item: AgendaItem, by: User) -> None:
    """An adopted decision becomes an instruction (roadmaps.instructions); one no longer adopted loses it."""
    from roadmaps import instructions

    meeting = item.meeting
    instructions.from_agenda_item(
        item, adopted=adopted(item, meeting.attendees.count(), meeting.members_total), by=by
    )


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    speakers: str = "",
    decision: str = "",
    reasons: str = "",
    votes_for: int = 0,
    votes_against: int = 0,
    votes_abstained: int = 0,
    kind: str = "",
    responsible_text: str = "",
    deadline_text: str = "",
) -> AgendaItem:
    """Add an item with the heard speakers, the reasoned decision and the votes of those present; a
    review of the roadmap takes the group's roadmap events with their state on the meeting's date."""
    _require(by, meeting.group)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    item = AgendaItem(meeting=meeting)
    _item_fill(
        item,
        meeting.attendees.count(),
        title=title,
        speakers=speakers,
        decision=decision,
        reasons=reasons,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstained=votes_abstained,
        kind=kind,
        responsible_text=responsible_text,
        deadline_text=deadline_text,
    )
    last = meeting.items.aggregate(last=Max("order"))["last"]
    item.order = (last or 0) + 1
    item.save()
    _instruct(item, by)
    return item


@transaction.atomic
def agenda_item_update(
    *,
    item: AgendaItem,
    by: User,
    title: str,
    speakers: str = "",
    decision: str = "",
    reasons: str = "",
    votes_for: int = 0,
    votes_against: int = 0,
    votes_abstained: int = 0,
    kind: str = "",
    responsible_text: str = "",
    deadline_text: str = "",
) -> AgendaItem:
    meeting = item.meeting
    _require(by, meeting.group)
    _item_fill(
        item,
        meeting.attendees.count(),
        title=title,
        speakers=speakers,
        decision=decision,
        reasons=reasons,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstained=votes_abstained,
        kind=kind,
        responsible_text=responsible_text,
        deadline_text=deadline_text,
    )
    item.save()
    _instruct(item, by)
    return item


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem, by: User) -> None:
    _require(by, item.meeting.group)
    item.delete()
