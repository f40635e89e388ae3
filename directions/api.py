"""Directions, cycles, the evaluation catalogue, evaluations and scores over REST, filtered by
directions.access; the writes go through the services the pages use: opening a cycle, moving a
component, setting a score."""

from decimal import Decimal

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from directions import access, services
from directions.models import Component, Cycle, CycleComponent, Direction, Evaluation, Position, Score
from mcok.api import DocumentSerializer
from mcok.filters import IdFilter
from mcok.models import Document, Period

# Serializers -----------------------------------------------------------------------------------


class DirectionSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    block = serializers.SlugRelatedField(slug_field="code", read_only=True)
    valid_from = serializers.SlugRelatedField(slug_field="code", read_only=True)
    valid_until = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measures = serializers.ListField(child=serializers.CharField(), source="measure_list", read_only=True)

    class Meta:
        model = Direction
        fields = [
            "id",
            "municipality",
            "block",
            "code",
            "name",
            "goal",
            "measures",
            "valid_from",
            "valid_until",
            "source",
        ]


class CycleComponentSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_component_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    card_row = serializers.IntegerField(read_only=True)
    allowed_moves = serializers.SerializerMethodField(
        help_text="The states the requesting user may move the component to now (directions.access)."
    )

    class Meta:
        model = CycleComponent
        fields = [
            "id",
            "component",
            "label",
            "card_row",
            "state",
            "state_label",
            "due_on",
            "changed_at",
            "allowed_moves",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_moves(self, component: CycleComponent) -> list[str]:
        request = self.context.get("request")
        return access.moves_for(request.user, component) if request is not None else []


class CycleComponentDetailSerializer(CycleComponentSerializer):
    cycle = serializers.PrimaryKeyRelatedField(read_only=True)
    direction = serializers.IntegerField(source="cycle.direction_id", read_only=True)
    period = serializers.CharField(source="cycle.period.code", read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(CycleComponentSerializer.Meta):
        fields = [
            "cycle",
            "direction",
            "period",
            *CycleComponentSerializer.Meta.fields,
            "content",
            "documents",
        ]


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CycleComponent.State.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CycleOpenSerializer(serializers.Serializer):
    direction = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    period = serializers.CharField(max_length=10, help_text="A period code: 2025, 2025/26, 2025-H1, 2025-Q3.")


class CycleSerializer(serializers.ModelSerializer):
    direction_code = serializers.CharField(source="direction.code", read_only=True)
    municipality = serializers.SlugRelatedField(
        source="direction.municipality", slug_field="slug", read_only=True
    )
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    components = CycleComponentSerializer(many=True, read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "direction", "direction_code", "municipality", "period", "created_at", "components"]


class PositionSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    direction_code = serializers.CharField(source="direction.code", read_only=True)
    component_label = serializers.CharField(source="get_component_display", read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "municipality",
            "period",
            "direction",
            "direction_code",
            "track",
            "component",
            "component_label",
            "code",
            "text",
            "max_score",
            "source",
        ]


class FigureSerializer(serializers.Serializer):
    """A score out of a maximum and the percent (None when the maximum is 0), as stored."""

    score = serializers.FloatField()
    max = serializers.FloatField()
    percent = serializers.FloatField(allow_null=True)


class ResultsSerializer(serializers.Serializer):
    """The indices as computed by the nine steps and stored with the evaluation."""

    components = serializers.DictField(
        child=serializers.DictField(child=FigureSerializer()),
        help_text="direction code → component key → figure",
    )
    directions = serializers.DictField(child=FigureSerializer(), help_text="direction code → figure")
    blocks = serializers.DictField(child=FigureSerializer(), help_text="block code → figure")
    total = FigureSerializer()


class EvaluationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    partial_directions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    results = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "municipality",
            "period",
            "kind",
            "state",
            "partial_directions",
            "results",
            "computed_at",
            "created_at",
            "finished_at",
        ]

    @extend_schema_field(ResultsSerializer(allow_null=True))
    def get_results(self, evaluation: Evaluation) -> dict | None:
        """The stored figures exactly as stored (never recomputed); null until first computed."""
        return evaluation.results


class ScoreSerializer(serializers.ModelSerializer):
    position_code = serializers.CharField(source="position.code", read_only=True)
    direction_code = serializers.CharField(source="position.direction.code", read_only=True)
    component = serializers.CharField(source="position.component", read_only=True)
    max_score = serializers.DecimalField(
        source="position.max_score", max_digits=6, decimal_places=2, read_only=True
    )
    scored_by = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = [
            "id",
            "evaluation",
            "position",
            "position_code",
            "direction_code",
            "component",
            "max_score",
            "score",
            "comment",
            "evidence",
            "scored_by",
            "scored_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_scored_by(self, score: Score) -> str | None:
        return str(score.scored_by) if score.scored_by_id else None


class ScoreInputSerializer(serializers.Serializer):
    """A score to set: null for "not scored"; a field left out keeps its current value."""

    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, required=False, min_value=Decimal(0)
    )
    comment = serializers.CharField(allow_blank=True, required=False, trim_whitespace=True)
    evidence = serializers.CharField(allow_blank=True, required=False, trim_whitespace=True)


# Filters ---------------------------------------------------------------------------------------


class PositionFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label="municipality slug")
    period = django_filters.CharFilter(field_name="period__code", label="period code")
    direction = django_filters.CharFilter(field_name="direction__code", label="direction code")
    component = django_filters.ChoiceFilter(choices=Component.choices)

    class Meta:
        model = Position
        fields = ["municipality", "period", "direction", "component"]


class EvaluationFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label="municipality slug")
    period = django_filters.CharFilter(field_name="period__code", label="period code")
    kind = django_filters.ChoiceFilter(choices=Evaluation.Kind.choices)
    state = django_filters.ChoiceFilter(choices=Evaluation.State.choices)

    class Meta:
        model = Evaluation
        fields = ["municipality", "period", "kind", "state"]


class ScoreFilter(django_filters.FilterSet):
    evaluation = IdFilter(field_name="evaluation")
    direction = django_filters.CharFilter(field_name="position__direction__code", label="direction code")
    component = django_filters.ChoiceFilter(field_name="position__component", choices=Component.choices)

    class Meta:
        model = Score
        fields = ["evaluation", "direction", "component"]


class CycleFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(
        field_name="direction__municipality__slug", label="municipality slug"
    )
    period = django_filters.CharFilter(field_name="period__code", label="period code")
    direction = django_filters.CharFilter(field_name="direction__code", label="direction code")

    class Meta:
        model = Cycle
        fields = ["municipality", "period", "direction"]


# Viewsets --------------------------------------------------------------------------------------


class DirectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DirectionSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code"]

    def get_queryset(self):
        return access.directions_visible_to(self.request.user).select_related(
            "municipality", "block", "valid_from", "valid_until"
        )


class CycleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The management cycles of the directions one may see, each with its nine components and, for
    each, the moves the requesting user may make (`allowed_moves`)."""

    serializer_class = CycleSerializer
    filterset_class = CycleFilter

    def get_queryset(self):
        return (
            Cycle.objects.filter(direction__in=access.directions_visible_to(self.request.user))
            .select_related("direction__municipality", "period")
            .prefetch_related(Prefetch("components", queryset=CycleComponent.objects.order_by("pk")))
            .order_by("-period__starts_on", "direction__code", "pk")
        )

    @extend_schema(
        request=CycleOpenSerializer,
        responses={
            201: CycleSerializer,
            200: OpenApiResponse(CycleSerializer, description="The cycle was open already."),
            400: OpenApiResponse(description="No such period; the body says why, in Russian."),
            403: OpenApiResponse(
                description="Only the direction's coordinators and the head open its cycle."
            ),
            404: OpenApiResponse(description="No such direction, or not one the user may see."),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Open the cycle of a direction for a period (its coordinators and the head of the
        department); opening it again answers 200 with the same cycle."""
        data = CycleOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        direction = access.get_direction_for(request.user, data.validated_data["direction"])
        code = data.validated_data["period"].strip()
        period = Period.objects.filter(code=code).first()
        if period is None:
            raise serializers.ValidationError(
                {"period": _("There is no period «%(code)s».") % {"code": code}}
            )
        existed = Cycle.objects.filter(direction=direction, period=period).exists()
        try:
            cycle = services.cycle_open(direction=direction, period=period, by=request.user)
        except DjangoPermissionDenied as refusal:
            raise PermissionDenied(_refusal(refusal)) from refusal
        cycle = self.get_queryset().get(pk=cycle.pk)
        body = CycleSerializer(cycle, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class CycleComponentViewSet(viewsets.ReadOnlyModelViewSet):
    """The components of the cycles one may see; `move` changes a component's state as the technology
    card and the direction's assignments allow."""

    serializer_class = CycleComponentDetailSerializer
    filterset_fields = ["component", "state", "cycle"]

    def get_queryset(self):
        return (
            access.components_visible_to(self.request.user)
            .select_related("cycle__direction__municipality", "cycle__period")
            .prefetch_related(Prefetch("documents", queryset=Document.objects.select_related("municipality")))
            .order_by("cycle", "pk")
        )

    @extend_schema(
        request=MoveSerializer,
        responses={
            200: CycleComponentDetailSerializer,
            400: OpenApiResponse(description="The move is impossible from this state, or needs a comment."),
            403: OpenApiResponse(
                description="The move belongs to someone else; the body says whose, in Russian."
            ),
            404: OpenApiResponse(description="No such component, or not one the user may see."),
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Move the component to the state `to`: the direction's executors draft, its coordinators (and
        the head) approve, return and reopen, the operator publishes and withdraws. A move back needs a
        `comment`. The answer carries the new state and the moves now allowed."""
        component = self.get_object()
        wanted = request.data.get("to") if hasattr(request.data, "get") else None
        actor = access.MOVES.get((component.state, wanted)) if isinstance(wanted, str) else None
        if actor is not None and not access.may_move(request.user, component, wanted):
            raise PermissionDenied(services.MOVE_REFUSALS[actor])
        if not access.moves_for(request.user, component):
            raise PermissionDenied(_("By the technology card no move of this component is yours now."))
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            component = services.component_move(
                component=component,
                to_state=data.validated_data["to"],
                by=request.user,
                comment=data.validated_data["comment"],
            )
        except DjangoPermissionDenied as refusal:
            raise PermissionDenied(_refusal(refusal)) from refusal
        except DjangoValidationError as error:
            raise serializers.ValidationError({"to": error.messages}) from error
        component = self.get_queryset().get(pk=component.pk)
        return Response(CycleComponentDetailSerializer(component, context=self.get_serializer_context()).data)


def _refusal(refusal: DjangoPermissionDenied) -> str:
    return str(refusal) or _("This action belongs to someone else.")


class PositionViewSet(viewsets.ReadOnlyModelViewSet):
    """The evaluation-position catalogues (per municipality and period)."""

    serializer_class = PositionSerializer
    filterset_class = PositionFilter
    ordering_fields = ["code"]

    def get_queryset(self):
        return access.positions_visible_to(self.request.user).select_related(
            "municipality", "period", "direction"
        )


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluations with their stored results."""

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter

    def get_queryset(self):
        return (
            access.evaluations_visible_to(self.request.user)
            .select_related("municipality", "period")
            .prefetch_related("partial_directions")
        )


class ScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The scores of the evaluations one may see; PATCH sets one (experts; coordinators too for a
    self-assessment), while the evaluation is open."""

    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter

    def get_queryset(self):
        return (
            Score.objects.filter(evaluation__in=access.evaluations_visible_to(self.request.user))
            .select_related("evaluation__municipality", "position__direction", "scored_by")
            .order_by("evaluation", "position__direction__code", "position__code")
        )

    @extend_schema(
        request=ScoreInputSerializer,
        responses={
            200: ScoreSerializer,
            400: OpenApiResponse(description="The value is refused; the body says why, in Russian."),
            403: OpenApiResponse(description="The user may read the evaluation but not score it."),
        },
    )
    def partial_update(self, request: Request, pk: int | str | None = None) -> Response:
        """Set the primary score, the comment and the evidence of one position of an evaluation.

        400 with the reason (in Russian) for a score below 0, above the position's maximum or in a
        finished evaluation; 403 for someone who may read the evaluation but not score it."""
        score = self.get_object()
        data = ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        score = services.score_set(
            score=score,
            by=request.user,
            value=values.get("score", score.score),
            comment=values.get("comment", score.comment),
            evidence=values.get("evidence", score.evidence),
        )
        return Response(ScoreSerializer(score, context=self.get_serializer_context()).data)
