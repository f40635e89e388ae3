"""Read-only API of project groups (with their members, the leader as member 1, positions and
qualifiers as written) and meetings (kind, the meeting a repeated one repeats, their agenda items, the
quorum and whether each decision was adopted: never without a quorum; a review of the roadmap with the
events and their state on the meeting's date). Querysets start from roadmaps.access."""

from django.db.models import Count, Prefetch
from rest_framework import serializers, viewsets

from roadmaps import access
from roadmaps.groups import adopted, has_quorum
from roadmaps.models import AgendaItem, Meeting, Member, ProjectGroup


class MemberSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.short_name", default=None)

    class Meta:
        model = Member
        fields = [
            "id",
            "full_name",
            "position",
            "organization",
            "qualifier",
            "official",
            "is_leader",
            "is_active",
        ]


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
            "kind",
            "roadmap_state",
        ]

    def get_passed(self, item) -> bool:
        """Adopted: a quorate meeting and a majority of the members present."""
        present, total = self.context["present"][item.meeting_id]
        return adopted(item, present, total)


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
            "kind",
            "repeats",
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
            "notified_at",
            "protocol_sent_at",
            "items",
        ]

    def get_quorum(self, meeting) -> bool:
        return has_quorum(meeting.present, meeting.members_total)

    def get_items(self, meeting) -> list[dict]:
        context = {**self.context, "present": {meeting.pk: (meeting.present, meeting.members_total)}}
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
