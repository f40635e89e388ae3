"""The roadmaps API: roadmaps with their sections, events with their tracked instances, the instances
themselves, and an action to record progress on one through services.occurrence_update.

Querysets start from roadmaps.access, so another municipality's records answer 404. Register in
config/urls.py (basenames "roadmap", "roadmap-event", "roadmap-occurrence").
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mcok.filters import IdFilter, YearFilter
from roadmaps import access, services
from roadmaps.models import Event, Occurrence, Roadmap, Section


class RoadmapSectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "number", "title", "order"]


class RoadmapSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sections = RoadmapSectionSerializer(many=True, read_only=True)

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "municipality",
            "direction",
            "title",
            "project",
            "start_year",
            "end_year",
            "document",
            "criteria",
            "sections",
            "created_at",
        ]


class OccurrenceSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Occurrence
        fields = [
            "id",
            "event",
            "starts_on",
            "due_on",
            "state",
            "overdue",
            "report",
            "links",
            "documents",
            "done_on",
            "updated_at",
        ]

    def get_overdue(self, occurrence: Occurrence) -> bool:
        return occurrence.is_overdue(self.context.get("today"))


class RoadmapEventSerializer(serializers.ModelSerializer):
    occurrences = OccurrenceSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "roadmap",
            "section",
            "number",
            "content",
            "responsible_text",
            "responsible_officials",
            "responsible_organizations",
            "deadline_text",
            "deadline_kind",
            "result",
            "indicators",
            "order",
            "occurrences",
        ]


class ProgressInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Occurrence.State.choices)
    report = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    links = serializers.ListField(
        child=serializers.URLField(max_length=1000), required=False, default=list, max_length=100
    )
    done_on = serializers.DateField(required=False, allow_null=True, default=None)


class EventFilter(django_filters.FilterSet):
    roadmap = IdFilter(field_name="roadmap")
    state = django_filters.ChoiceFilter(
        choices=Occurrence.State.choices, method="filter_state", label=_("Has an instance in the state")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Has an overdue instance"))
    year = YearFilter(method="filter_year", label=_("Has an instance due in the year"))

    class Meta:
        model = Event
        fields = ["roadmap", "state", "overdue", "year"]

    @staticmethod
    def _having(queryset, occurrences):
        return queryset.filter(Exists(occurrences.filter(event=OuterRef("pk"))))

    def filter_state(self, queryset, name, value):
        return self._having(queryset, Occurrence.objects.filter(state=value))

    def filter_overdue(self, queryset, name, value):
        having = Exists(Occurrence.objects.overdue().filter(event=OuterRef("pk")))
        return queryset.filter(having) if value else queryset.exclude(having)

    def filter_year(self, queryset, name, value):
        return self._having(queryset, Occurrence.objects.filter(due_on__year=int(value)))


class OccurrenceFilter(django_filters.FilterSet):
    roadmap = IdFilter(field_name="event__roadmap")
    event = IdFilter(field_name="event")
    state = django_filters.ChoiceFilter(choices=Occurrence.State.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    year = YearFilter(field_name="due_on__year")

    class Meta:
        model = Occurrence
        fields = ["roadmap", "event", "state", "overdue", "year"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class RoadmapViewSet(viewsets.ReadOnlyModelViewSet):
    """Roadmaps of one's municipalities with their sections, as the department approved them."""

    serializer_class = RoadmapSerializer
    ordering_fields = ["title", "start_year"]

    def get_queryset(self):
        return (
            access.roadmaps_visible_to(self.request.user)
            .select_related("municipality")
            .prefetch_related(Prefetch("sections", queryset=Section.objects.order_by("order", "pk")))
            .order_by("municipality__name", "title", "pk")
        )


class _TodayContext:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class EventViewSet(_TodayContext, viewsets.ReadOnlyModelViewSet):
    """Events with their tracked instances; filter by roadmap, by an instance's state, overdue or year."""

    serializer_class = RoadmapEventSerializer
    filterset_class = EventFilter
    ordering_fields = ["order", "number"]

    def get_queryset(self):
        return (
            access.events_visible_to(self.request.user)
            .prefetch_related(
                Prefetch("occurrences", queryset=Occurrence.objects.prefetch_related("documents")),
                "responsible_officials",
                "responsible_organizations",
                "indicators",
            )
            .order_by("roadmap", "order", "pk")
        )


class OccurrenceViewSet(_TodayContext, viewsets.ReadOnlyModelViewSet):
    """Tracked instances of events; `progress` records a state, a short report and links."""

    serializer_class = OccurrenceSerializer
    filterset_class = OccurrenceFilter
    ordering_fields = ["due_on", "state"]

    def get_queryset(self):
        return (
            access.occurrences_visible_to(self.request.user)
            .select_related("event__roadmap__municipality", "event__roadmap__direction__municipality")
            .prefetch_related("documents")
            .order_by("due_on", "pk")
        )

    @extend_schema(
        request=ProgressInputSerializer,
        responses={
            200: OccurrenceSerializer,
            400: OpenApiResponse(description="Refused; the body holds the reasons, in Russian."),
            403: OpenApiResponse(description="Not an editor and not responsible for the event."),
            404: OpenApiResponse(description="No such instance, or not one the user may see."),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def progress(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Record progress on the instance: done needs a report, a link or a document."""
        occurrence = self.get_object()
        if not access.can_report(request.user, occurrence):
            raise PermissionDenied(access.REFUSED_REPORT)
        data = ProgressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.occurrence_update(occurrence=occurrence, by=request.user, **data.validated_data)
        occurrence = self.get_queryset().get(pk=occurrence.pk)
        return Response(self.get_serializer(occurrence).data)
