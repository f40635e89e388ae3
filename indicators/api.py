"""Indicators over REST: the catalogue, the figures and the computed values, read-only and filtered
by indicators.access; and one write, figures in bulk, through services.data_values_write."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from indicators import access, breakdown, categories, services
from indicators.filters import (
    DataCellFilter,
    DataElementFilter,
    DataValueFilter,
    IndicatorApiFilter,
    IndicatorValueFilter,
)
from indicators.models import DataElement, DataValue, DataValueCell, Indicator, IndicatorValue
from mcok import access as core_access
from mcok.filters import MAX_ID
from mcok.models import Period
from mcok.params import JSONParser  # a nesting bomb is a 400

MAX_ENTRIES = 5000

# Serializers -----------------------------------------------------------------------------------


class DataElementSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    categories = serializers.SerializerMethodField(
        help_text="The categories a disaggregated element is split by, each with its options in order."
    )

    class Meta:
        model = DataElement
        fields = [
            "id",
            "municipality",
            "code",
            "name",
            "value_type",
            "unit",
            "kinds",
            "categories",
            "has_total",
        ]

    def get_categories(self, element) -> list[dict]:
        combo = element.category_combo
        if combo is None:
            return []
        return [
            {
                "code": category.code,
                "name": category.name,
                "options": [{"code": o.code, "name": o.name} for o in category.options.all()],
            }
            for category in combo.categories
        ]


class DataCellSerializer(serializers.ModelSerializer):
    """One cell of a disaggregated figure, its options by category code."""

    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    element = serializers.IntegerField(source="data_element_id", read_only=True)
    element_code = serializers.CharField(source="data_element.code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    options = serializers.SerializerMethodField(help_text="category code → option code")

    class Meta:
        model = DataValueCell
        fields = [
            "id",
            "municipality",
            "element",
            "element_code",
            "organization",
            "period",
            "options",
            "value",
            "not_applicable",
            "source",
            "entered_at",
        ]

    def get_options(self, cell) -> dict[str, str]:
        combo = cell.option_combo
        options = [combo.first] if combo.second_id is None else [combo.first, combo.second]
        return {option.category.code: option.code for option in options}


class IndicatorSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    direction_code = serializers.CharField(source="direction.code", read_only=True, allow_null=True)
    responsible = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "municipality",
            "direction",
            "direction_code",
            "code",
            "name",
            "unit",
            "kind",
            "numerator",
            "denominator",
            "factor",
            "periodicity",
            "method",
            "source",
            "criterion",
            "responsible",
            "higher_is_better",
            "risk_threshold",
            "is_published",
            "publish_organization_values",
        ]


class DataValueSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    element = serializers.IntegerField(source="data_element_id", read_only=True)
    element_code = serializers.CharField(source="data_element.code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = DataValue
        fields = [
            "id",
            "municipality",
            "element",
            "element_code",
            "organization",
            "period",
            "value",
            "source",
            "entered_at",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "municipality",
            "indicator",
            "indicator_code",
            "organization",
            "period",
            "numerator",
            "denominator",
            "value",
            "reason",
            "reported",
            "expected",
            "computed_at",
        ]


class EntrySerializer(serializers.Serializer):
    """One figure to store: a data element (id), an organization (id; null for the municipality's own
    figure), a period (code) and the number."""

    element = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = serializers.IntegerField(min_value=1, max_value=MAX_ID, allow_null=True)
    period = serializers.CharField(max_length=10)
    value = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True, required=False)
    options = serializers.DictField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="For a disaggregated element: category code → option code (or names), one per category.",
    )
    not_applicable = serializers.BooleanField(
        default=False, help_text="A cell marked «не применимо»: it counts as filled and adds nothing."
    )

    def validate(self, attrs):
        if len(attrs.get("options") or {}) > 2:
            raise serializers.ValidationError(
                {"options": _("An element is split by two categories at most.")}
            )
        if attrs.get("value") is None and not attrs.get("not_applicable") and not attrs.get("options"):
            raise serializers.ValidationError({"value": _("A figure has no value.")})
        return attrs


class WrittenSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="How many stored values were created or changed.")


# Filters: the pages' filters, with ids the database can hold -----------------------------------------


# Viewsets -------------------------------------------------------------------------------------------


class DataElementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DataElementSerializer
    filterset_class = DataElementFilter
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return (
            access.data_elements_visible_to(self.request.user)
            .select_related("municipality", "category_combo__first", "category_combo__second")
            .prefetch_related("category_combo__first__options", "category_combo__second__options")
        )


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorApiFilter
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return (
            access.indicators_visible_to(self.request.user)
            .select_related("municipality", "direction")
            .prefetch_related("responsible")
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def breakdown(self, request: Request, *args, **kwargs) -> Response:
        """The indicator by the options of a category (?category=<code>&period=<code>): per option,
        the municipality's Σ numerators / Σ denominators and each organization's row with its risk
        flag. Without a category, the categories it can be shown by."""
        indicator = self.get_object()
        categories_found = breakdown.splittable(indicator)
        listed = [{"code": c.code, "name": c.name} for c in categories_found]
        code = request.query_params.get("category", "")
        if not code:
            return Response({"indicator": indicator.code, "categories": listed})
        category = next((c for c in categories_found if c.code == code), None)
        if category is None:
            raise ValidationError(
                {"category": [_("The indicator cannot be shown by «%(code)s».") % {"code": code[:60]}]}
            )
        period = Period.objects.filter(code=request.query_params.get("period", "")[:10]).first()
        if period is None:
            raise ValidationError({"period": [_("Choose a period.")]})
        readable = set(
            core_access.organizations_visible_to(request.user)
            .filter(municipality=indicator.municipality_id)
            .values_list("pk", flat=True)
        )

        def row(values) -> dict:
            numbers = {name: getattr(values, name) for name in ("numerator", "denominator", "value")}
            return {
                **{name: None if n is None else f"{n:.4f}" for name, n in numbers.items()},
                "reason": values.reason,
            }

        options = [
            {
                "code": item.option.code,
                "name": item.option.name,
                "municipal": row(item.municipal),
                "organizations": [
                    {"organization": pk, **row(values), "at_risk": pk in item.at_risk}
                    for pk, values in item.organizations.items()
                    if pk in readable
                ],
            }
            for item in breakdown.by_option(indicator, category, period)
        ]
        return Response(
            {
                "indicator": indicator.code,
                "category": category.code,
                "period": period.code,
                "categories": listed,
                "options": options,
            }
        )


class DataValueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DataValueSerializer
    filterset_class = DataValueFilter
    ordering_fields = ["entered_at", "value"]

    def get_queryset(self):
        if self.action == "cells":
            return (
                access.data_cells_visible_to(self.request.user)
                .select_related(
                    "municipality",
                    "data_element",
                    "period",
                    "option_combo__first__category",
                    "option_combo__second__category",
                )
                .order_by("pk")
            )
        return (
            access.data_values_visible_to(self.request.user)
            .select_related("municipality", "data_element", "period")
            .order_by("pk")
        )

    @extend_schema(request=EntrySerializer(many=True), responses={200: WrittenSerializer})
    @action(
        detail=False,
        methods=["post"],
        filterset_class=None,
        pagination_class=None,
        parser_classes=[JSONParser],
    )
    def bulk(self, request: Request, *args, **kwargs) -> Response:
        """Store figures in bulk: a list of {element, organization, period, value}. All or nothing:
        one bad entry answers 400 with a message per entry and stores none. Only the department
        (indicators.access.can_enter_values: coordinators, executors, administrators, the head)
        enters figures."""
        if not access.may_enter_anywhere(request.user):
            raise PermissionDenied(_("Only the education department enters figures."))
        parsed = EntrySerializer(data=request.data, many=True, max_length=MAX_ENTRIES, allow_empty=False)
        parsed.is_valid(raise_exception=True)
        entries = resolve_entries(request.user, parsed.validated_data)
        written = services.data_values_write(entries=entries, source=DataValue.Source.IMPORT, by=request.user)
        return Response(WrittenSerializer({"written": written}).data, status=status.HTTP_200_OK)

    @extend_schema(responses={200: DataCellSerializer(many=True)})
    @action(detail=False, methods=["get"], filterset_class=DataCellFilter)
    def cells(self, request: Request, *args, **kwargs) -> Response:
        """The cells of disaggregated figures (the same filters as the figures); a figure's total is
        among the figures once every cell of its table is filled."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = DataCellSerializer(page if page is not None else queryset, many=True).data
        return self.get_paginated_response(rows) if page is not None else Response(rows)


class IndicatorValueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilter
    ordering_fields = ["value", "computed_at"]

    def get_queryset(self):
        return (
            access.indicator_values_visible_to(self.request.user)
            .select_related("municipality", "indicator", "period")
            .order_by("pk")
        )


# The bulk write -------------------------------------------------------------------------------------


def resolve_entries(user, items: list[dict]) -> list[services.Entry]:
    """The entries with their records, found in three queries whatever their number. 400 with a
    message per bad entry (an element the user does not see, an organization of another
    municipality, an unknown period); 403 when the user may not enter figures in an element's
    municipality."""
    elements = {
        e.pk: e
        for e in access.data_elements_visible_to(user)
        .filter(pk__in={item["element"] for item in items})
        .select_related("municipality")
    }
    cells = categories.CellFinder(elements.values())
    organizations = {
        o.pk: o
        for o in core_access.organizations_visible_to(user).filter(
            pk__in={item["organization"] for item in items if item["organization"] is not None}
        )
    }
    periods = {p.code: p for p in Period.objects.filter(code__in={item["period"] for item in items})}
    errors: dict[int, dict[str, list[str]]] = {}  # by the entry's index, as DRF reports a list's errors
    entries = []
    for index, item in enumerate(items):
        problems: dict[str, list[str]] = defaultdict(list)
        element = elements.get(item["element"])
        organization = organizations.get(item["organization"]) if item["organization"] is not None else None
        period = periods.get(item["period"])
        if element is None:
            problems["element"].append(_("There is no data element %(id)s.") % {"id": item["element"]})
        if item["organization"] is not None and organization is None:
            problems["organization"].append(
                _("There is no organization %(id)s.") % {"id": item["organization"]}
            )
        elif (
            element is not None
            and organization is not None
            and organization.municipality_id != element.municipality_id
        ):
            problems["organization"].append(_("The organization belongs to another municipality."))
        if period is None:
            problems["period"].append(_("There is no period «%(code)s».") % {"code": item["period"]})
        option_combo = None
        if element is not None and (item.get("options") or element.category_combo_id):
            option_combo, problem = cells.find(element, item.get("options") or {})
            if problem:
                problems["options"].append(problem)
        if problems:
            errors[index] = dict(problems)
        else:
            value = item.get("value")
            entries.append(
                services.Entry(
                    element,
                    organization,
                    period,
                    None if value is None else Decimal(value),
                    option_combo=option_combo,
                    not_applicable=item.get("not_applicable", False),
                )
            )
    if errors:
        raise ValidationError(errors)
    for municipality in {entry.element.municipality for entry in entries}:
        if not access.can_enter_values(user, municipality):
            raise PermissionDenied(_("Only the education department enters figures."))
    return entries
