"""Read-only API of project groups (with their members) and meetings (with their agenda items, the
quorum and whether each decision passed). Querysets start from roadmaps.access."""

from django.db.models import Count, Prefetch
from rest_framework import serializers, viewsets

from roadmaps import access
from roadmaps.groups import has_quorum, passed
from roadmaps.models import AgendaItem, Meeting, Member, ProjectGroup


class MemberSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.short_name", default=None)

    class Meta:
        model = Member
        fields = ["id", "full_name", "position", "organization", "official", "is_active"]


class ProjectGroupSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    curators = serializers.SlugRelatedField(slug_field="full_name", many=True, read_only=True)
    leader = serializers.CharField(source="leader.full_name", default=None)
    members = MemberSerializer(many=True, source="active_members")

    class Meta:
        model = ProjectGroup
        fields = ["id", "municipality", "direction", "title", "curators", "leader", "document", "members"]


class AgendaItemSerializer(serializers.ModelSerializer):
    passed = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "order",
            "title",
            "speakers",
            "decision",
            "reasons",
            "votes_for",
            "votes_against",
            "votes_abstained",
            "passed",
        ]

    def get_passed(self, item) -> bool:
        return passed(item, self.context["present"][item.meeting_id])


class MeetingSerializer(serializers.ModelSerializer):
    present = serializers.IntegerField()
    quorum = serializers.SerializerMethodField()
    attendees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "group",
            "number",
            "date",
            "time",
            "place",
            "members_total",
            "present",
            "quorum",
            "attendees",
            "invited",
            "chair",
            "secretary",
            "items",
        ]

    def get_quorum(self, meeting) -> bool:
        return has_quorum(meeting.present, meeting.members_total)

    def get_items(self, meeting) -> list[dict]:
        context = {**self.context, "present": {meeting.pk: meeting.present}}
        return AgendaItemSerializer(meeting.items.all(), many=True, context=context).data


class ProjectGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProjectGroupSerializer

    def get_queryset(self):
        return (
            access.groups_visible_to(self.request.user)
            .select_related("municipality", "leader")
            .prefetch_related(
                "curators",
                Prefetch(
                    "members",
                    queryset=Member.objects.filter(is_active=True).select_related("organization"),
                    to_attr="active_members",
                ),
            )
            .order_by("pk")
        )


class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer

    def get_queryset(self):
        return (
            access.meetings_visible_to(self.request.user)
            .annotate(present=Count("attendees", distinct=True))
            .prefetch_related("attendees", "items")
            .order_by("-date", "-pk")
        )
