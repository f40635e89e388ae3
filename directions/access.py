"""Who may read and act on directions, cycles and evaluations, built on mcok.access.

Reading: the municipality's staff roles (administrator, coordinator, executor, operator, expert);
schools see none of it. Acting follows the technology card: the direction's executors draft, its
coordinators approve, the municipality's operator publishes; experts score evaluations.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from directions.models import CycleComponent, Direction, Evaluation, Position
from mcok import access
from mcok.models import Municipality, Role


def directions_visible_to(user) -> QuerySet[Direction]:
    return access.visible(Direction.objects.all(), user)


def components_visible_to(user) -> QuerySet[CycleComponent]:
    return access.visible(CycleComponent.objects.all(), user, municipality="cycle__direction__municipality")


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    return access.visible(Evaluation.objects.all(), user)


def positions_visible_to(user) -> QuerySet[Position]:
    return access.visible(Position.objects.all(), user)


def get_direction_for(user, pk: int) -> Direction:
    return get_object_or_404(directions_visible_to(user).select_related("municipality", "block"), pk=pk)


def get_component_for(user, pk: int) -> CycleComponent:
    queryset = components_visible_to(user).select_related(
        "cycle__direction__municipality", "cycle__direction__block", "cycle__period"
    )
    return get_object_or_404(queryset, pk=pk)


def get_evaluation_for(user, pk: int) -> Evaluation:
    return get_object_or_404(evaluations_visible_to(user).select_related("municipality", "period"), pk=pk)


def _official_id(user) -> int | None:
    official = getattr(user, "official", None) if user.is_authenticated else None
    return official.pk if official is not None else None


def is_coordinator_of(user, direction: Direction) -> bool:
    """A coordinator of the municipality named among the direction's coordinators."""
    official = _official_id(user)
    return (
        official is not None
        and access.has_role(user, Role.Kind.COORDINATOR, municipality=direction.municipality)
        and direction.coordinators.filter(pk=official).exists()
    )


def is_executor_of(user, direction: Direction) -> bool:
    """An executor of the municipality named among the direction's executors, or working in one of
    its executing organizations (an ИМЦ named as executor)."""
    official = getattr(user, "official", None) if user.is_authenticated else None
    if official is None or not access.has_role(user, Role.Kind.EXECUTOR, municipality=direction.municipality):
        return False
    if direction.executors.filter(pk=official.pk).exists():
        return True
    return (
        bool(official.organization_id)
        and direction.executor_organizations.filter(pk=official.organization_id).exists()
    )


def is_operator_in(user, municipality: Municipality) -> bool:
    return access.has_role(user, Role.Kind.OPERATOR, municipality=municipality)


def can_manage_directions(user, municipality: Municipality) -> bool:
    """Coordinators and administrators of the municipality keep its directions, cycles and catalogue."""
    return access.is_instance_administrator(user) or access.has_role(
        user, [Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR], municipality=municipality
    )


def can_score(user, evaluation: Evaluation) -> bool:
    """Experts score an expert evaluation; a self-assessment is scored by the coordinators too."""
    kinds = [Role.Kind.EXPERT]
    if evaluation.kind == Evaluation.Kind.SELF:
        kinds.append(Role.Kind.COORDINATOR)
    return access.has_role(user, kinds, municipality=evaluation.municipality)
