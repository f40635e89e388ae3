"""The municipal projects API, read-only: projects with their passports (participants as written,
each with the official or organization it names), and the regional projects they answer to.

Querysets start from roadmaps.access, so another municipality's projects answer 404. Registered in
config/urls.py (basenames "municipal-project", "regional-project").
"""

import django_filters
from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from mcok.filters import IdFilter
from roadmaps import access
from roadmaps.models import MunicipalProject, ProjectParticipant, RegionalProject


class RegionalProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionalProject
        fields = ["id", "region", "name", "national_project", "order"]


class ParticipantSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = ProjectParticipant
        fields = ["id", "role", "order", "name", "text", "official", "organization"]


class DesignatedRoleSerializer(serializers.Serializer):
    official = serializers.IntegerField(source="official_id")
    full_name = serializers.CharField(source="official.full_name")
    title = serializers.CharField()
    text = serializers.CharField()
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)


class MunicipalProjectSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    regional_project = RegionalProjectSerializer(read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    designated_roles = DesignatedRoleSerializer(many=True, read_only=True)

    class Meta:
        model = MunicipalProject
        fields = [
            "id",
            "municipality",
            "title",
            "start_year",
            "end_year",
            "leader",
            "leader_text",
            "participants",
            "basis",
            "goal",
            "tasks",
            "events_text",
            "risks",
            "effects",
            "regional_project",
            "roadmap",
            "indicators",
            "directions",
            "document",
            "designated_roles",
            "is_published",
            "published_at",
            "updated_at",
        ]


class MunicipalProjectFilter(django_filters.FilterSet):
    direction = IdFilter(field_name="directions")
    roadmap = IdFilter(field_name="roadmap")

    class Meta:
        model = MunicipalProject
        fields = ["direction", "roadmap", "is_published"]


class MunicipalProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The municipal projects of one's municipalities with their passports."""

    serializer_class = MunicipalProjectSerializer
    filterset_class = MunicipalProjectFilter
    ordering_fields = ["title", "start_year"]

    def get_queryset(self):
        return (
            access.projects_visible_to(self.request.user)
            .select_related("municipality", "regional_project")
            .prefetch_related(
                Prefetch(
                    "participants",
                    queryset=ProjectParticipant.objects.select_related("official", "organization").order_by(
                        "role", "order", "pk"
                    ),
                ),
                Prefetch(
                    "designated_roles", queryset=access.designated_roles_all().select_related("official")
                ),
                "indicators",
                "directions",
            )
            .order_by("municipality__name", "order", "title", "pk")
            .distinct()
        )


class RegionalProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The regional projects of the regions of one's municipalities (a reference list)."""

    serializer_class = RegionalProjectSerializer

    def get_queryset(self):
        return access.regional_projects_visible_to(self.request.user).order_by(
            "region", "order", "name", "pk"
        )
