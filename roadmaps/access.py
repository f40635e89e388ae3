"""Who may read and write roadmaps, project groups, recommendations and decisions; built on
mcok.access and directions.access.

Reading: roadmaps, groups and decisions are the department's work: its staff read them, and so do the
municipality's schools (they carry out the events and are members of the groups). A recommendation is
read by the staff and by the organizations it is addressed to, never by others.

Writing follows the rights by assignment (Приложение 1 of order №1048, the table in DOMAIN.md): on
anything bound to a direction D,
- recommendations: D's executors draft, its coordinators issue and close, the head issues;
- decisions and their effectiveness: D's executors draft, its coordinators adopt, the head adopts;
- roadmap events: D's executors (and the event's own responsible people and organizations) report
  progress, D's coordinators and the head edit the roadmap (its heading, sections and events).
Work bound to no direction (a municipal project's roadmap, a recommendation to no direction) follows
the municipal roles: `may_draft`/`may_approve` of directions.access with direction=None. Project
groups are kept by the department's editors, the head, the group's leader and curators, and the
coordinators of the group's direction.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from directions.access import (
    COORDINATOR,
    directions_for,
    holds,
    is_head_in,
    is_staff_in,
    may_approve,
    may_draft,
)
from directions.models import Direction
from mcok import access as core
from mcok.access import is_instance_administrator
from mcok.models import Municipality, Official, Organization, Period, Role, User
from roadmaps.models import (
    Decision,
    DesignatedRole,
    Event,
    Instruction,
    InstructionResponsible,
    Meeting,
    MunicipalProject,
    Occurrence,
    ProjectGroup,
    Recommendation,
    RegionalProject,
    Roadmap,
)

# The refusals, in the words of the rules above.
REFUSED_ROADMAP = _(
    "Only the coordinators of the roadmap's direction and the head of the department edit the roadmap "
    "(a roadmap bound to no direction: the municipality's coordinators and the head)."
)
REFUSED_NEW_ROADMAP = _("Only the coordinators of a direction and the head of the department make roadmaps.")
REFUSED_REPORT = _(
    "Only the executors and coordinators of the roadmap's direction, the head of the department and "
    "those responsible for the event record its progress."
)
REFUSED_RECOMMENDATION = _(
    "Only the executors and coordinators of the recommendation's direction and the head of the "
    "department write it."
)
REFUSED_ISSUE = _(
    "Only the coordinators of the recommendation's direction and the head of the department issue it."
)
REFUSED_CLOSE = _(
    "Only the coordinators of the recommendation's direction and the head of the department close it."
)
REFUSED_DECISION = _(
    "Only the executors and coordinators of the decision's direction and the head of the department "
    "record it."
)
REFUSED_ADOPT = _(
    "Only the coordinators of the decision's direction and the head of the department adopt it and "
    "change it once adopted."
)
REFUSED_EFFECTIVENESS = _(
    "Only the executors and coordinators of the decision's direction and the head of the department "
    "draft the analysis of its effectiveness."
)
REFUSED_DIRECTION_EFFECTIVENESS = _(
    "Only the executors and coordinators of the direction and the head of the department draft the "
    "analysis of the effectiveness of its measures."
)
REFUSED_DIRECTION = _("Choose a direction assigned to you: you may not write this work for other directions.")
REFUSED_ANSWER = _("Only the organization's respondent or head may answer.")
REFUSED_GROUP = _("Only the editors of the municipality and the group's leader may do this.")
REFUSED_NEW_GROUP = _("Only the editors of the municipality may create project groups.")
REFUSED_INSTRUCTION = _(
    "Only the municipality's coordinators and administrators and the head of the department give, "
    "change and close its instructions."
)
REFUSED_EXECUTE = _(
    "Only those responsible for the instruction and those who give instructions record its execution."
)
REFUSED_PROJECT = _(
    "Only the municipality's coordinators and administrators and the head of the department keep its "
    "municipal projects."
)


# Reading ----------------------------------------------------------------------------------------------


def _shared(queryset: QuerySet, user, municipality: str = "municipality") -> QuerySet:
    """Staff of the municipality and its organizations' users."""
    if is_instance_administrator(user):
        return queryset
    return queryset.filter(**{f"{municipality}__in": core.municipality_ids(user, Role.Kind.values)})


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
    through = Recommendation.organizations.through
    addressed = through.objects.filter(organization__in=own_organization_ids(user))
    return Recommendation.objects.filter(
        Q(municipality__in=core.municipality_ids(user, Role.MUNICIPAL_KINDS))
        | (~Q(state=Recommendation.State.DRAFT) & Q(pk__in=addressed.values("recommendation")))
    )


def is_staff_of(user, municipality: Municipality) -> bool:
    """The department's staff of the municipality (or the instance's administrator): they read all of
    its roadmaps, recommendations and decisions, and every organization's figures."""
    return is_staff_in(user, municipality)


def is_staff(user) -> bool:
    """Staff of some municipality, or the instance's administrator."""
    return is_instance_administrator(user) or bool(core.municipality_ids(user, Role.MUNICIPAL_KINDS))


def staff_municipality_ids(user) -> set[int] | None:
    """The municipalities where `user` works as staff; None for the instance's administrator (all)."""
    if is_instance_administrator(user):
        return None
    return set(core.municipality_ids(user, Role.MUNICIPAL_KINDS))


def own_organization_ids(user) -> set[int]:
    """The organizations `user` acts for as a respondent or the head: they answer recommendations and
    see their own rows of a decision's figures."""
    return set(core.organization_ids(user))


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours". They fetch
# the direction's municipality too: the rights by assignment ask it.
def get_roadmap_for(user, pk: int) -> Roadmap:
    return get_object_or_404(
        roadmaps_visible_to(user).select_related("municipality", "direction__municipality", "document"), pk=pk
    )


def get_occurrence_for(user, pk: int) -> Occurrence:
    return get_object_or_404(
        occurrences_visible_to(user).select_related(
            "event__roadmap__municipality", "event__roadmap__direction__municipality", "event__section"
        ),
        pk=pk,
    )


def get_group_for(user, pk: int) -> ProjectGroup:
    return get_object_or_404(
        groups_visible_to(user)
        .select_related("municipality", "direction__municipality", "leader")
        .prefetch_related("curators"),
        pk=pk,
    )


def get_meeting_for(user, pk: int) -> Meeting:
    return get_object_or_404(meetings_visible_to(user).select_related("group__municipality"), pk=pk)


def get_recommendation_for(user, pk: int) -> Recommendation:
    return get_object_or_404(
        recommendations_visible_to(user).select_related(
            "municipality", "direction__municipality", "indicator", "period"
        ),
        pk=pk,
    )


def get_decision_for(user, pk: int) -> Decision:
    return get_object_or_404(
        decisions_visible_to(user).select_related("municipality", "direction__municipality", "period"), pk=pk
    )


# Choices of the forms ------------------------------------------------------------------------------------


def _municipalities(user, *, approve: bool) -> QuerySet[Municipality]:
    """Municipalities where `user` may draft (or approve) some work: work bound to no direction there,
    or a direction of theirs."""
    if is_instance_administrator(user):
        return Municipality.objects.order_by("name")
    rule = may_approve if approve else may_draft
    unbound = [municipality.pk for municipality in _staff_municipalities(user) if rule(user, municipality)]
    bound = directions_for(user, approve=approve).values("municipality")
    return Municipality.objects.filter(Q(pk__in=unbound) | Q(pk__in=bound)).order_by("name")


def direction_choices(user, municipality: Municipality, *, approve: bool = False) -> QuerySet[Direction]:
    """The municipality's directions whose work `user` may draft (with `approve`: approve) today."""
    return directions_for(user, approve=approve).filter(municipality=municipality).order_by("code")


def may_leave_unbound(user, municipality: Municipality, *, approve: bool = False) -> bool:
    """Whether `user` may write work of the municipality bound to no direction: the municipal roles
    (coordinators and executors draft, coordinators approve) and the head."""
    return (may_approve if approve else may_draft)(user, municipality)


# Roadmaps ------------------------------------------------------------------------------------------------


def may_edit_roadmaps(user, municipality: Municipality, direction: Direction | None = None) -> bool:
    """Make and change a roadmap of the direction (its heading, sections and events): the direction's
    coordinators and the head. A roadmap bound to no direction (a municipal project's): the
    municipality's coordinators and the head."""
    return may_approve(user, municipality, direction)


def can_edit_roadmap(user, roadmap: Roadmap) -> bool:
    return may_edit_roadmaps(user, roadmap.municipality, roadmap.direction)


def roadmap_municipalities_for(user) -> list[Municipality]:
    """Municipalities where `user` may make a roadmap (and import one)."""
    return list(_municipalities(user, approve=True))


def can_report(user, occurrence: Occurrence) -> bool:
    """Record progress on an event's instance: the executors and coordinators of the roadmap's
    direction and the head (for a roadmap bound to no direction, the municipality's coordinators and
    executors and the head), and the people and organizations named responsible for the event."""
    roadmap = occurrence.event.roadmap
    return may_draft(user, roadmap.municipality, roadmap.direction) or is_responsible_for(
        user, occurrence.event
    )


def _responsible_events(user) -> QuerySet[Event]:
    """Events that name `user` responsible: as one of their officials, or through an organization
    where they are a respondent or the head."""
    if not (user.is_authenticated and user.is_active):
        return Event.objects.none()
    return Event.objects.filter(
        Q(responsible_organizations__in=core.organization_ids(user))
        | Q(responsible_officials__in=Official.objects.filter(user=user, is_active=True))
    )


def is_responsible_for(user, event: Event) -> bool:
    """Named responsible for the event, in person (any official linked to the account) or through an
    organization where they are a respondent or the head. One query."""
    return _responsible_events(user).filter(pk=event.pk).exists()


def reporting_organization(user, event: Event) -> Organization | None:
    """The responsible organization `user` reports for (a school's respondent or head), if any: the
    evidence they attach becomes that organization's document."""
    return event.responsible_organizations.filter(pk__in=core.organization_ids(user)).order_by("pk").first()


def occurrences_reportable_by(user) -> QuerySet[Occurrence]:
    """The instances `user` answers for: those of the roadmaps whose progress they record by their
    assignment or role (as `can_report`), and those of the events where they are named responsible.
    A fixed number of queries whatever the number of roadmaps."""
    visible = occurrences_visible_to(user)
    if is_instance_administrator(user):
        return visible
    unbound = [m for m in _staff_municipalities(user) if may_draft(user, m)]
    condition = Q(event__roadmap__direction__in=directions_for(user)) | Q(
        event__roadmap__direction=None, event__roadmap__municipality__in=unbound
    )
    return visible.filter(condition | Q(event__in=_responsible_events(user).values("pk")))


def _staff_municipalities(user) -> list[Municipality]:
    ids = core.municipality_ids(user, Role.MUNICIPAL_KINDS)
    return list(Municipality.objects.filter(pk__in=ids)) if ids else []


def keeps_roadmaps(user) -> bool:
    """Whether `user` records progress on roadmaps by an assignment or a role, beyond the events where
    they are named responsible."""
    if is_instance_administrator(user):
        return True
    return any(may_draft(user, m) for m in _staff_municipalities(user)) or directions_for(user).exists()


# Recommendations -----------------------------------------------------------------------------------------


def can_draft_recommendation(
    user, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Write a recommendation of the direction: its executors and coordinators and the head; one bound
    to no direction: the municipality's coordinators and executors and the head."""
    return may_draft(user, municipality, direction, period)


def can_edit_recommendation(user, recommendation: Recommendation) -> bool:
    return can_draft_recommendation(
        user, recommendation.municipality, recommendation.direction, recommendation.period
    )


def can_issue(user, recommendation: Recommendation) -> bool:
    """Issue the recommendation to its addressees, and close it: the coordinators of its direction and
    the head; one bound to no direction: the municipality's coordinators and the head."""
    return may_approve(user, recommendation.municipality, recommendation.direction, recommendation.period)


def drafting_municipalities(user) -> list[Municipality]:
    """Municipalities where `user` may write recommendations and decisions."""
    return list(_municipalities(user, approve=False))


def can_answer(user, organization: Organization) -> bool:
    """An organization's respondent or head answers the recommendations addressed to it."""
    return core.has_role(user, Role.ORGANIZATION_KINDS, organization=organization)


def answering_organizations(user, recommendation: Recommendation) -> list[Organization]:
    """The addressees of the recommendation for which `user` is a respondent or the head."""
    return list(
        recommendation.organizations.filter(pk__in=core.organization_ids(user)).order_by("short_name")
    )


def answering_accounts(recommendation: Recommendation) -> QuerySet[Role]:
    """The roles that answer the recommendation for its addressees (their respondents and heads), with
    their users and organizations: the demo answers through them."""
    return Role.objects.filter(
        kind__in=Role.ORGANIZATION_KINDS, organization__in=recommendation.organizations.all()
    ).select_related("user", "organization")


def recommendations_in_charge_of(user) -> QuerySet[Recommendation]:
    """The recommendations `user` writes by their assignment or role (as `can_draft_recommendation`):
    whose missing answers are theirs to chase."""
    if is_instance_administrator(user):
        return Recommendation.objects.all()
    unbound = [m for m in _staff_municipalities(user) if may_draft(user, m)]
    return Recommendation.objects.filter(
        Q(direction__in=directions_for(user)) | Q(direction=None, municipality__in=unbound)
    )


def acting_head(municipality: Municipality) -> User | None:
    """The first account holding the head's role in the municipality: the demo acts as them."""
    role = (
        Role.objects.filter(municipality=municipality, kind=Role.Kind.DEPARTMENT_HEAD, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return role.user if role else None


# Decisions -----------------------------------------------------------------------------------------------


def can_draft_decision(
    user, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Record a decision of the direction (not yet adopted): its executors and coordinators and the
    head; one bound to no direction: the municipality's coordinators and executors and the head."""
    return may_draft(user, municipality, direction, period)


def can_edit_decision(user, decision: Decision) -> bool:
    """Open the decision's form. Once adopted, only those who adopt change it beyond the analysis of
    its effectiveness (the services keep that)."""
    return can_draft_decision(user, decision.municipality, decision.direction, decision.period)


def may_adopt(
    user, municipality: Municipality, direction: Direction | None = None, period: Period | None = None
) -> bool:
    """Adopt a decision of the direction (give it its date of adoption): the direction's coordinators
    and the head; one bound to no direction: the municipality's coordinators and the head."""
    return may_approve(user, municipality, direction, period)


def can_adopt(user, decision: Decision) -> bool:
    return may_adopt(user, decision.municipality, decision.direction, decision.period)


def can_draft_effectiveness(user, decision: Decision, period: Period | None = None) -> bool:
    """Draft the analysis of the decision's effectiveness for the period: the executors and
    coordinators of its direction and the head (the coordinators approve it as the cycle's sixth
    component, directions.access.may_move)."""
    return may_draft(user, decision.municipality, decision.direction, period or decision.period)


def can_draft_direction_effectiveness(user, direction: Direction, period: Period | None = None) -> bool:
    """Draft the analysis of the effectiveness of the direction's measures for the period into its
    cycle component: the direction's executors and coordinators and the head (as the component's
    text, directions.access.may_edit_component; its coordinators approve it)."""
    return may_draft(user, direction.municipality, direction, period)


# Project groups ------------------------------------------------------------------------------------------

# The department's editors keep project groups, as they did before the rights by assignment.
GROUP_KEEPERS = (Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR, Role.Kind.EXECUTOR)


def can_create_group(user, municipality: Municipality) -> bool:
    """The department's editors (administrators, coordinators, executors) and the head."""
    return is_head_in(user, municipality) or core.has_role(user, GROUP_KEEPERS, municipality=municipality)


def can_manage_group(user, group: ProjectGroup) -> bool:
    """Change the group, its members, meetings and their protocols: the department's editors and the
    head, the coordinators of the group's direction, and the group's leader or any of its curators
    when they log in (through any official linked to the account)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if can_create_group(user, group.municipality):
        return True
    if group.direction_id is not None and holds(user, group.direction, COORDINATOR):
        return True
    curators = ProjectGroup.curators.through.objects.filter(projectgroup_id=group.pk).values("official_id")
    return Official.objects.filter(Q(pk=group.leader_id) | Q(pk__in=curators), user=user).exists()


# Municipal projects ----------------------------------------------------------------------------------

# Who keeps a municipality's projects: its coordinators and administrators (and the head, below).
PROJECT_KEEPERS = (Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR)


def projects_visible_to(user) -> QuerySet[MunicipalProject]:
    """A municipality's projects, published or not, are read by its staff (the department's roles)."""
    return core.visible(MunicipalProject.objects.all(), user)


def published_projects(municipality: Municipality) -> QuerySet[MunicipalProject]:
    """What the public reads on the municipality's public tab."""
    return MunicipalProject.objects.filter(municipality=municipality, is_published=True)


def get_project_for(user, pk: int) -> MunicipalProject:
    return get_object_or_404(
        projects_visible_to(user).select_related(
            "municipality", "leader", "regional_project", "roadmap", "document"
        ),
        pk=pk,
    )


def may_keep_projects(user, municipality: Municipality) -> bool:
    """Make and change the municipality's projects (their passports, and publish them): its
    coordinators and administrators and the head of the department."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_head_in(user, municipality) or core.has_role(user, PROJECT_KEEPERS, municipality=municipality)


def can_edit_project(user, project: MunicipalProject) -> bool:
    return may_keep_projects(user, project.municipality)


def project_municipalities_for(user) -> list[Municipality]:
    """Municipalities where `user` may make a municipal project."""
    if is_instance_administrator(user):
        return list(Municipality.objects.order_by("name"))
    return [m for m in _staff_municipalities(user) if may_keep_projects(user, m)]


def designated_roles_all() -> QuerySet[DesignatedRole]:
    """Every role given by an order; callers reach them through a project they may read."""
    return DesignatedRole.objects.order_by("pk")


def regional_projects_visible_to(user) -> QuerySet[RegionalProject]:
    """The regional projects of the regions where `user` holds a staff role (all for the instance's
    administrator): a reference list, nothing secret in it, but nobody else's business."""
    if is_instance_administrator(user):
        return RegionalProject.objects.all()
    regions = Municipality.objects.filter(pk__in=core.municipality_ids(user, Role.MUNICIPAL_KINDS)).values(
        "region"
    )
    return RegionalProject.objects.filter(region__in=regions)


# Instructions ----------------------------------------------------------------------------------------
# Given, changed and withdrawn by those who keep the municipality's projects (its coordinators and
# administrators, the head); executed by the responsible: the officials (through their accounts) and the
# organizations (their respondents and heads). The staff read all of the municipality's; the
# responsible read their own; anyone else gets 404.


def _responsible_instruction_ids(user):
    rows = InstructionResponsible.objects.filter(
        Q(official__user=user, official__is_active=True) | Q(organization__in=own_organization_ids(user))
    )
    return rows.values("instruction")


def instructions_visible_to(user) -> QuerySet[Instruction]:
    if not (user.is_authenticated and user.is_active):
        return Instruction.objects.none()
    if is_instance_administrator(user):
        return Instruction.objects.all()
    return Instruction.objects.filter(
        Q(municipality__in=core.municipality_ids(user, Role.MUNICIPAL_KINDS))
        | Q(pk__in=_responsible_instruction_ids(user))
    )


def instructions_in_charge_of(user) -> QuerySet[Instruction]:
    """The instructions `user` is responsible for (as an official or for an organization)."""
    if not (user.is_authenticated and user.is_active):
        return Instruction.objects.none()
    return Instruction.objects.filter(pk__in=_responsible_instruction_ids(user))


def get_instruction_for(user, pk: int) -> Instruction:
    return get_object_or_404(
        instructions_visible_to(user).select_related("municipality", "document", "direction", "agenda_item"),
        pk=pk,
    )


def may_give_instructions(user, municipality: Municipality) -> bool:
    return may_keep_projects(user, municipality)


def can_manage_instruction(user, instruction: Instruction) -> bool:
    return may_give_instructions(user, instruction.municipality)


def is_responsible_for_instruction(user, instruction: Instruction) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return _responsible_instruction_ids(user).filter(instruction=instruction.pk).exists()


def can_execute_instruction(user, instruction: Instruction) -> bool:
    """Record the execution (in progress, done with evidence): the responsible and the givers."""
    return can_manage_instruction(user, instruction) or is_responsible_for_instruction(user, instruction)


def instruction_municipalities_for(user) -> list[Municipality]:
    return project_municipalities_for(user)
