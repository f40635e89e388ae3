"""The instructions API, read-only: instructions with their document, responsible as written (each
with the official or organization it names), deadline as written and the day it is due by, state
(«overdue» derived) and evidence.

Querysets start from roadmaps.access, so another municipality's instructions answer 404. Registered in
config/urls.py (basename "instruction").
"""

import django_filters
from django.utils import timezone
from rest_framework import serializers, viewsets

from mcok.filters import IdFilter
from roadmaps import access, instructions
from roadmaps.models import Instruction, InstructionResponsible


class ResponsibleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = InstructionResponsible
        fields = ["id", "order", "name", "text", "official", "organization"]


class InstructionSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    document_title = serializers.SerializerMethodField()
    responsible = ResponsibleSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Instruction
        fields = [
            "id",
            "municipality",
            "document",
            "document_title",
            "number",
            "text",
            "responsible_text",
            "responsible",
            "deadline_text",
            "deadline_kind",
            "due_on",
            "state",
            "overdue",
            "report",
            "documents",
            "done_on",
            "direction",
            "indicators",
            "agenda_item",
            "updated_at",
        ]

    def get_document_title(self, instruction: Instruction) -> str:
        return str(instruction.document) if instruction.document_id else ""

    def get_overdue(self, instruction: Instruction) -> bool:
        return instruction.is_overdue(self.context.get("today"))


class InstructionFilter(django_filters.FilterSet):
    document = IdFilter(field_name="document")
    official = IdFilter(field_name="responsible__official", distinct=True)
    organization = IdFilter(field_name="responsible__organization", distinct=True)

    class Meta:
        model = Instruction
        fields = ["document", "state", "official", "organization"]


class InstructionViewSet(viewsets.ReadOnlyModelViewSet):
    """The instructions one reads: the municipality's for its staff, one's own for the responsible."""

    serializer_class = InstructionSerializer
    filterset_class = InstructionFilter
    ordering_fields = ["due_on", "state"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        return (
            instructions.with_related(access.instructions_visible_to(self.request.user))
            .prefetch_related("documents", "indicators")
            .order_by("municipality__name", "due_on", "order", "pk")
        )
