"""Who may read and write indicators and their values, built on mcok.access.

The municipality's staff read its data elements, indicators and all values; a school reads its own
organization's values and the municipality's totals. Coordinators and administrators keep the
catalogue and enter the department's figures; executors of a municipality may enter figures too.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from indicators.models import DataElement, DataValue, Indicator, IndicatorValue
from mcok import access
from mcok.models import Municipality, Role


def data_elements_visible_to(user) -> QuerySet[DataElement]:
    return access.visible(DataElement.objects.all(), user)


def indicators_visible_to(user) -> QuerySet[Indicator]:
    return access.visible(Indicator.objects.all(), user)


def data_values_visible_to(user) -> QuerySet[DataValue]:
    return access.visible(DataValue.objects.all(), user, organization="organization")


def indicator_values_visible_to(user) -> QuerySet[IndicatorValue]:
    """Staff read every value; a school its own and the municipality's totals."""
    return access.visible(
        IndicatorValue.objects.all(), user, organization="organization", shared_with_organizations=True
    )


def get_indicator_for(user, pk: int) -> Indicator:
    return get_object_or_404(indicators_visible_to(user).select_related("municipality", "direction"), pk=pk)


def can_manage_catalogue(user, municipality: Municipality) -> bool:
    """Coordinators and administrators edit data elements, indicators and targets."""
    return access.is_instance_administrator(user) or access.has_role(
        user, [Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR], municipality=municipality
    )


def can_enter_values(user, municipality: Municipality) -> bool:
    """The department enters and imports figures: coordinators, executors, administrators."""
    return access.is_instance_administrator(user) or access.has_role(
        user, [Role.Kind.COORDINATOR, Role.Kind.EXECUTOR, Role.Kind.ADMINISTRATOR], municipality=municipality
    )
