"""The filter of the catalogue of evaluation positions."""

import django_filters
from django.utils.translation import gettext_lazy

from directions import fioko
from directions.models import Component, Position
from mcok import access as core_access
from mcok.filters import ALL, SearchFilterSet
from mcok.models import Municipality, Period
from mcok.periods import PeriodFilter, limit_period


def _visible_municipalities(request):
    return core_access.municipalities_visible_to(request.user) if request else Municipality.objects.none()


class PositionFilter(SearchFilterSet):
    """The catalogue's filter; the municipality and the period are chosen by the view (which has
    already narrowed the rows to them) and only rendered here, to keep one form."""

    search_fields = ("code", "text", "track")

    municipality = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Municipality"),
        queryset=_visible_municipalities,
        to_field_name="slug",
        method="chosen",
        empty_label=None,
    )
    period = PeriodFilter(
        label=gettext_lazy("Period"), to_field_name="code", method="chosen", empty_label=None
    )
    direction = django_filters.ChoiceFilter(
        label=gettext_lazy("Direction"), field_name="direction__code", empty_label=ALL
    )
    component = django_filters.ChoiceFilter(
        label=gettext_lazy("Component"), choices=Component.choices, empty_label=ALL
    )

    class Meta:
        model = Position
        fields = ["municipality", "period", "direction", "component", "q"]

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        request=None,
        prefix=None,
        municipality: Municipality,
        period: Period,
        may_manage: bool = False,
    ):
        data = data.copy() if data is not None else None
        if data is not None:
            data.setdefault("municipality", municipality.slug)
            data.setdefault("period", period.code)
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.municipality = municipality
        self.period = period
        limit_period(self.filters["period"], municipality, include=[period])
        self.may_manage = may_manage
        codes = queryset.order_by().values_list("direction__code", "direction__name").distinct()
        self.filters["direction"].extra["choices"] = [
            (code, f"{code} {name}")
            for code, name in sorted(set(codes), key=lambda c: fioko.natural_key(c[0]))
        ]

    def chosen(self, queryset, name, value):
        return queryset
