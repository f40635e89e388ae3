"""Who may read and write indicators and their values, built on mcok.access and directions.access.

The municipality's staff read its data elements, indicators and all values; a school reads its own
organization's values and the municipality's totals. An indicator of a direction is written by the
direction's executors and coordinators and the head of the department; one bound to no direction by
the municipality's coordinators and executors and the head. Coordinators, administrators and the
head keep the data elements; coordinators, executors, administrators and the head enter figures.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from directions import access as directions_access
from directions.models import Direction
from indicators.models import DataElement, DataValue, DataValueCell, Indicator, IndicatorValue
from mcok import access
from mcok.models import Municipality, Role


def data_elements_visible_to(user) -> QuerySet[DataElement]:
    return access.visible(DataElement.objects.all(), user)


def indicators_visible_to(user) -> QuerySet[Indicator]:
    return access.visible(Indicator.objects.all(), user)


def data_values_visible_to(user) -> QuerySet[DataValue]:
    return access.visible(DataValue.objects.all(), user, organization="organization")


def data_cells_visible_to(user) -> QuerySet[DataValueCell]:
    """The cells of disaggregated figures: as the data values."""
    return access.visible(DataValueCell.objects.all(), user, organization="organization")


def indicator_values_visible_to(user) -> QuerySet[IndicatorValue]:
    """Staff read every value; a school its own and the municipality's totals."""
    return access.visible(
        IndicatorValue.objects.all(), user, organization="organization", shared_with_organizations=True
    )


def get_indicator_for(user, pk: int) -> Indicator:
    return get_object_or_404(indicators_visible_to(user).select_related("municipality", "direction"), pk=pk)


# Writing ------------------------------------------------------------------------------------------
# The rights by assignment (Приложение 1 of order №1048): an indicator of a direction — its formula,
# target and risk threshold — is proposed by the direction's executors and edited by its coordinators
# and the head of the department; an indicator bound to no direction follows the municipal roles
# (directions.access.may_draft with no direction). The catalogue of data elements and the entry of
# figures are the municipality's, not a direction's.
ELEMENT_KEEPERS = (Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR, Role.Kind.DEPARTMENT_HEAD)
FIGURE_ENTERERS = (
    Role.Kind.COORDINATOR,
    Role.Kind.EXECUTOR,
    Role.Kind.ADMINISTRATOR,
    Role.Kind.DEPARTMENT_HEAD,
)


def indicator_directions(user, municipality: Municipality) -> QuerySet[Direction]:
    """The municipality's directions whose indicators `user` may write today: to offer in the
    indicator's form. Every direction of the municipality for its head."""
    return directions_access.directions_for(user).filter(municipality=municipality)


def can_create_indicator(user, municipality: Municipality, direction: Direction | None = None) -> bool:
    """Whether `user` may add an indicator of the direction (bound to none when None) to the
    municipality's catalogue: the direction's executors and coordinators and the head; with no
    direction, the municipality's coordinators and executors and the head."""
    if direction is not None and direction.municipality_id != municipality.pk:
        return False
    return directions_access.may_draft(user, municipality, direction)


def can_create_any_indicator(user, municipality: Municipality) -> bool:
    """Whether the form of a new indicator has anything to offer `user` in the municipality."""
    return can_create_indicator(user, municipality) or indicator_directions(user, municipality).exists()


def can_edit_indicator(user, indicator: Indicator) -> bool:
    """Edit the indicator — its formula, target and risk threshold: the executors (who propose) and
    coordinators of its direction and the head; an indicator bound to no direction, the
    municipality's coordinators and executors and the head."""
    return directions_access.may_draft(user, indicator.municipality, indicator.direction)


def can_manage_elements(user, municipality: Municipality) -> bool:
    """Keep the municipality's catalogue of data elements: its coordinators, administrators and head,
    and the instance's administrators."""
    return access.is_instance_administrator(user) or access.has_role(
        user, ELEMENT_KEEPERS, municipality=municipality
    )


def can_enter_values(user, municipality: Municipality) -> bool:
    """The department enters and imports the municipality's figures: its coordinators, executors,
    administrators and head, and the instance's administrators."""
    return access.is_instance_administrator(user) or access.has_role(
        user, FIGURE_ENTERERS, municipality=municipality
    )


def may_enter_anywhere(user) -> bool:
    """Whether `user` may enter figures in at least one municipality (the bulk API's first check; each
    entry's municipality is then checked with can_enter_values)."""
    return access.is_instance_administrator(user) or access.has_role(user, FIGURE_ENTERERS)


def municipalities_for_entry(user) -> QuerySet[Municipality]:
    """The municipalities whose figures `user` may enter and import."""
    if access.is_instance_administrator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=access.municipality_ids(user, FIGURE_ENTERERS))
