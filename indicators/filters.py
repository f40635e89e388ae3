"""The filters of the indicator pages and of the indicator API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from directions.models import Direction
from indicators import selectors
from indicators.models import DataElement, DataValue, DataValueCell, Indicator, IndicatorValue
from mcok.filters import ALL, IdFilter, SearchFilterSet, YesNoFilter
from mcok.models import Municipality, Organization, Period
from mcok.periods import PeriodFilter, limit_period


def _catalogue_municipalities(request):
    return selectors.catalogue_municipalities(request.user) if request else Municipality.objects.none()


class IndicatorFilter(SearchFilterSet):
    """The catalogue's filter. The municipality and the period are chosen by the view, which has
    already narrowed the rows to the municipality and annotated them with the period's values; they
    are only rendered here, to keep one form."""

    search_fields = ("code", "name")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=_catalogue_municipalities,
        to_field_name="slug",
        method="chosen",
        empty_label=None,
    )
    period = PeriodFilter(label=_("Period"), to_field_name="code", method="chosen", empty_label=None)
    direction = django_filters.ModelChoiceFilter(
        label=_("Direction"), queryset=Direction.objects.none(), empty_label=ALL
    )
    unit = django_filters.ChoiceFilter(label=_("Unit"), empty_label=ALL)
    periodicity = django_filters.ChoiceFilter(
        label=_("Periodicity"), choices=Indicator.Periodicity.choices, empty_label=ALL
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Indicator.Kind.choices, empty_label=ALL)

    class Meta:
        model = Indicator
        fields = ["municipality", "period", "direction", "unit", "periodicity", "kind", "q"]

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        municipality: Municipality,
        period: Period | None,
        may_manage: bool = False,
        may_enter: bool = False,
    ):
        data = data.copy() if data is not None else None
        if data is not None:
            data.setdefault("municipality", municipality.slug)
            if period is not None:
                data.setdefault("period", period.code)
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.municipality = municipality
        self.period = period
        limit_period(self.filters["period"], municipality, include=[period])
        self.may_manage = may_manage
        self.may_enter = may_enter
        self.filters["direction"].queryset = Direction.objects.filter(municipality=municipality).order_by(
            "block__code", "code", "-valid_from__starts_on"
        )
        units = (
            Indicator.objects.filter(municipality=municipality)
            .exclude(unit="")
            .values_list("unit", flat=True)
        )
        self.filters["unit"].extra["choices"] = [(unit, unit) for unit in sorted(set(units))]

    def chosen(self, queryset, name, value):
        return queryset


class DataElementFilter(SearchFilterSet):
    """The list of data elements, and the API's filter of them."""

    search_fields = ("code", "name")

    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=_catalogue_municipalities, to_field_name="slug", empty_label=ALL
    )
    value_type = django_filters.ChoiceFilter(
        label=_("Value type"), choices=DataElement.ValueType.choices, empty_label=ALL
    )

    class Meta:
        model = DataElement
        fields = ["q", "municipality", "value_type"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, may_manage: bool = False):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.may_manage = may_manage
        self.kind_choices = Organization.Kind.choices


# The API's filters: codes and slugs as the other APIs take them ---------------------------------------


class IndicatorApiFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label=_("Municipality"))
    code = django_filters.CharFilter(label=_("Code"))
    direction = django_filters.CharFilter(field_name="direction__code", label=_("Direction"))
    kind = django_filters.ChoiceFilter(choices=Indicator.Kind.choices, label=_("Kind"))
    periodicity = django_filters.ChoiceFilter(choices=Indicator.Periodicity.choices, label=_("Periodicity"))
    published = django_filters.BooleanFilter(field_name="is_published", label=_("Published"))

    class Meta:
        model = Indicator
        fields = ["municipality", "code", "direction", "kind", "periodicity", "published"]


class DataValueFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label=_("Municipality"))
    period = django_filters.CharFilter(field_name="period__code", label=_("Period"))
    element = django_filters.CharFilter(field_name="data_element__code", label=_("Data element"))
    organization = IdFilter(field_name="organization", label=_("Organization"))
    municipal = YesNoFilter(
        field_name="organization", lookup_expr="isnull", label=_("The municipality as a whole")
    )
    source = django_filters.ChoiceFilter(choices=DataValue.Source.choices, label=_("Source"))

    class Meta:
        model = DataValue
        fields = ["municipality", "period", "element", "organization", "municipal", "source"]


class DataCellFilter(DataValueFilter):
    class Meta:
        model = DataValueCell
        fields = ["municipality", "period", "element", "organization", "municipal", "source"]


class IndicatorValueFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label=_("Municipality"))
    period = django_filters.CharFilter(field_name="period__code", label=_("Period"))
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Indicator"))
    direction = django_filters.CharFilter(field_name="indicator__direction__code", label=_("Direction"))
    organization = IdFilter(field_name="organization", label=_("Organization"))
    municipal = YesNoFilter(
        field_name="organization", lookup_expr="isnull", label=_("The municipality as a whole")
    )

    class Meta:
        model = IndicatorValue
        fields = ["municipality", "period", "indicator", "direction", "organization", "municipal"]
