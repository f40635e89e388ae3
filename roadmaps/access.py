"""Who may read roadmaps, project groups, recommendations and decisions; built on mcok.access.

Roadmaps, groups and decisions are the department's work: its staff read them, and so do the
municipality's schools (they carry out the events and are members of the groups). A
recommendation is read by the staff and by the organizations it is addressed to, never by others.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mcok.access import _roles, is_instance_administrator
from mcok.models import Role
from roadmaps.models import Decision, Event, Meeting, Occurrence, ProjectGroup, Recommendation, Roadmap


def _shared(queryset: QuerySet, user, municipality: str = "municipality") -> QuerySet:
    """Staff of the municipality and its organizations' users."""
    if is_instance_administrator(user):
        return queryset
    return queryset.filter(**{f"{municipality}__in": _roles(user).values("municipality")})


def roadmaps_visible_to(user) -> QuerySet[Roadmap]:
    return _shared(Roadmap.objects.all(), user)


def events_visible_to(user) -> QuerySet[Event]:
    return _shared(Event.objects.all(), user, "roadmap__municipality")


def occurrences_visible_to(user) -> QuerySet[Occurrence]:
    return _shared(Occurrence.objects.all(), user, "event__roadmap__municipality")


def groups_visible_to(user) -> QuerySet[ProjectGroup]:
    return _shared(ProjectGroup.objects.all(), user)


def meetings_visible_to(user) -> QuerySet[Meeting]:
    return _shared(Meeting.objects.all(), user, "group__municipality")


def decisions_visible_to(user) -> QuerySet[Decision]:
    return _shared(Decision.objects.all(), user)


def recommendations_visible_to(user) -> QuerySet[Recommendation]:
    """Staff read all of their municipality's; an organization reads the issued ones addressed to it."""
    if is_instance_administrator(user):
        return Recommendation.objects.all()
    roles = _roles(user)
    addressed = Recommendation.organizations.through.objects.filter(
        organization__in=roles.filter(kind__in=Role.ORGANIZATION_KINDS).values("organization")
    )
    return Recommendation.objects.filter(
        Q(municipality__in=roles.filter(kind__in=Role.MUNICIPAL_KINDS).values("municipality"))
        | (~Q(state=Recommendation.State.DRAFT) & Q(pk__in=addressed.values("recommendation")))
    )


def is_staff_of(user, municipality) -> bool:
    return (
        is_instance_administrator(user)
        or _roles(user).filter(kind__in=Role.MUNICIPAL_KINDS, municipality=municipality).exists()
    )


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours".
def get_roadmap_for(user, pk: int) -> Roadmap:
    return get_object_or_404(
        roadmaps_visible_to(user).select_related("municipality", "direction", "document"), pk=pk
    )


def get_occurrence_for(user, pk: int) -> Occurrence:
    return get_object_or_404(
        occurrences_visible_to(user).select_related("event__roadmap__municipality", "event__section"), pk=pk
    )


def get_group_for(user, pk: int) -> ProjectGroup:
    return get_object_or_404(
        groups_visible_to(user)
        .select_related("municipality", "direction", "leader")
        .prefetch_related("curators"),
        pk=pk,
    )


def get_meeting_for(user, pk: int) -> Meeting:
    return get_object_or_404(meetings_visible_to(user).select_related("group__municipality"), pk=pk)


def get_recommendation_for(user, pk: int) -> Recommendation:
    return get_object_or_404(
        recommendations_visible_to(user).select_related("municipality", "direction", "indicator", "period"),
        pk=pk,
    )


def get_decision_for(user, pk: int) -> Decision:
    return get_object_or_404(decisions_visible_to(user).select_related("municipality", "direction"), pk=pk)
