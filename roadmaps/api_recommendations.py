"""API of targeted recommendations (read; `answer` for the addressed organizations) and management
decisions (read; `effectiveness` for a period). Querysets start from roadmaps.access; writes go through
roadmaps.recommendations, whose Django errors the project's exception handler turns into 400/403."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mcok import params
from mcok.filters import MAX_ID
from mcok.models import Period
from roadmaps import access
from roadmaps import recommendations as services
from roadmaps.models import Decision, Recommendation


class RecommendationSerializer(serializers.ModelSerializer):
    organizations = serializers.SerializerMethodField()
    answered = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "title",
            "text",
            "level",
            "state",
            "direction",
            "indicator",
            "period",
            "due_on",
            "issued_at",
            "organizations",
            "answered",
            "total",
        ]

    def get_organizations(self, obj) -> list[int]:
        own = self.context.get("own")
        ids = [o.pk for o in obj.organizations.all()]
        # A school learns only that it is addressed, not who else is.
        return ids if own is None else [pk for pk in ids if pk in own]


class AnswerSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    text = serializers.CharField()


class RecommendationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RecommendationSerializer

    def get_queryset(self):
        return (
            services.with_answer_counts(access.recommendations_visible_to(self.request.user))
            .select_related("period")
            .prefetch_related("organizations")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_context(self):
        user = self.request.user
        own = None if access.is_staff(user) else access.own_organization_ids(user)
        return super().get_serializer_context() | {"own": own}

    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk=None, **kwargs) -> Response:
        recommendation = self.get_object()
        organizations = access.answering_organizations(request.user, recommendation)
        if not organizations:  # staff read it but do not answer for the schools
            raise PermissionDenied(access.REFUSED_ANSWER)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data.get("organization")
        if wanted is None and len(organizations) == 1:
            organization = organizations[0]
        else:
            organization = next((o for o in organizations if o.pk == wanted), None)
            if organization is None:
                raise ValidationError({"organization": [_("Choose your organization among the addressees.")]})
        answer = services.response_save(
            recommendation, organization, data.validated_data["text"], request.user
        )
        return Response(
            {
                "id": answer.pk,
                "organization": organization.pk,
                "text": answer.text,
                "answered_at": answer.answered_at,
            }
        )


class DecisionSerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recommendations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    events = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "kind",
            "title",
            "text",
            "adopted_on",
            "direction",
            "period",
            "document",
            "recommendations",
            "events",
            "indicators",
            "effectiveness",
        ]


def _number(value):
    return None if value is None else str(value)


class DecisionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DecisionSerializer

    def get_queryset(self):
        return (
            access.decisions_visible_to(self.request.user)
            .select_related("period")
            .prefetch_related("recommendations", "events", "indicators")
            .order_by("-adopted_on", "-pk")
        )

    @action(detail=True, methods=["get"])
    def effectiveness(self, request: Request, pk=None, **kwargs) -> Response:
        """?period=code (else the decision's period): the change of each linked indicator."""
        decision = self.get_object()
        code = params.query(request.query_params, "period")
        period = Period.objects.filter(code=code).first() if code else decision.period
        if period is None:
            raise ValidationError({"period": [_("Choose the period to analyse.")]})
        result = services.effectiveness(decision, period)
        staff = access.is_staff_of(request.user, decision.municipality)
        own = access.own_organization_ids(request.user)
        indicators = []
        for effect in result.indicators:
            rows = [row for row in effect.organizations if staff or row.organization_id in own]
            indicators.append(
                {
                    "indicator": effect.indicator.pk,
                    "code": effect.indicator.code,
                    "before": _number(effect.before),
                    "after": _number(effect.after),
                    "change": _number(effect.change),
                    "improved": effect.improved,
                    "target": _number(effect.target),
                    "target_reached": effect.target_reached,
                    "improved_count": effect.improved_count,
                    "worsened_count": effect.worsened_count,
                    "organizations": [
                        {
                            "organization": row.organization_id,
                            "name": row.name,
                            "before": _number(row.before),
                            "after": _number(row.after),
                            "change": _number(row.change),
                            "improved": row.improved,
                        }
                        for row in rows
                    ],
                }
            )
        return Response(
            {
                "period": period.code,
                "previous": result.previous.code if result.previous else None,
                "indicators": indicators,
                "text": services.effectiveness_text(result) if staff else decision.effectiveness,
            }
        )
