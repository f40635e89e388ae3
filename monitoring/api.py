"""Monitoring over REST, for regional systems and scripts: the forms and the data collections to read,
and the submissions — to read, and to fill in, submit and sign off for the organization's respondents
and head, to accept or return for the department's reviewers.

Rows come from monitoring.access (404 alike for "absent" and "not yours"); every write is one call of
monitoring.services, so the pages and the API keep one set of rules. A refused change answers 400 with
the service's message, a change somebody else made meanwhile 409 with the questions in conflict, a
right one lacks 403.
"""

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from mcok import access as core_access
from mcok.filters import MAX_ID, IdFilter
from mcok.models import Organization
from mcok.params import JSONParser  # a nesting bomb is a 400
from monitoring import access, services
from monitoring.models import Campaign, Extension, Field, Form, Rule, Section, Submission, SubmissionEvent

MAX_ANSWER_LENGTH = 20000  # the longest answer a long-text question takes
MAX_OPTIONS = 200

# Serializers: forms ----------------------------------------------------------------------------------


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "title", "description", "order"]


class QuestionSerializer(serializers.ModelSerializer):
    """A question: its code is the key of its answer; numeric ones may feed a data element. A table's answer
    is {"cells": {"<row>|<column>": text}, "na": ["row:<key>", "col:<key>"]} (monitoring.tables); `table`
    holds its typed row and column labels when it is bound to no element (rows r1…, columns c1…)."""

    options = serializers.ListField(child=serializers.CharField(), source="choices", read_only=True)
    data_element_code = serializers.CharField(source="data_element.code", read_only=True, allow_null=True)

    class Meta:
        model = Field
        fields = [
            "id",
            "section",
            "code",
            "label",
            "help_text",
            "kind",
            "required",
            "min_value",
            "max_value",
            "options",
            "data_element",
            "data_element_code",
            "file_types",
            "max_file_mb",
            "table",
            "order",
        ]


class RuleSerializer(serializers.ModelSerializer):
    fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Question codes: for le, eq, ge and both the left and the right one; for sum the total "
        "first, then its parts.",
    )

    class Meta:
        model = Rule
        fields = ["id", "kind", "fields", "message", "order"]


class FormContentSerializer(serializers.ModelSerializer):
    """What a form asks: its sections, its questions in order, and the checks across questions."""

    sections = SectionSerializer(many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True, source="fields")
    rules = RuleSerializer(many=True, read_only=True)

    class Meta:
        model = Form
        fields = ["id", "title", "description", "version", "sections", "questions", "rules"]


class FormSerializer(FormContentSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    direction_code = serializers.CharField(source="direction.code", read_only=True, allow_null=True)
    is_latest = serializers.SerializerMethodField(help_text="No newer version of this form exists.")
    is_locked = serializers.SerializerMethodField(
        help_text="An open or closed collection uses it: its questions no longer change."
    )

    class Meta:
        model = Form
        fields = [
            "id",
            "municipality",
            "direction",
            "direction_code",
            "title",
            "description",
            "version",
            "previous_version",
            "is_latest",
            "is_locked",
            "created_at",
            "updated_at",
            "sections",
            "questions",
            "rules",
        ]

    def get_is_latest(self, form: Form) -> bool:
        return not form.superseded

    def get_is_locked(self, form: Form) -> bool:
        return form.locked


# Serializers: collections ----------------------------------------------------------------------------


class AskedSerializer(serializers.Serializer):
    """An organization asked to answer, with its own deadline (the collection's, or a later one
    granted to it)."""

    id = serializers.IntegerField()
    short_name = serializers.CharField()
    deadline = serializers.DateField()


class ProgressSerializer(serializers.Serializer):
    """How far the organizations one may see have got: not started (no answer saved yet), draft,
    submitted, returned, accepted; expected is their total."""

    expected = serializers.IntegerField()
    not_started = serializers.IntegerField()
    draft = serializers.IntegerField()
    submitted = serializers.IntegerField()
    returned = serializers.IntegerField()
    accepted = serializers.IntegerField()


class CampaignSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    form_title = serializers.CharField(source="form.title", read_only=True)
    form_version = serializers.IntegerField(source="form.version", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period_label = serializers.CharField(source="period.label", read_only=True)
    organizations = serializers.SerializerMethodField(
        help_text="The organizations asked that the user may see: all for the department, its own for a "
        "school."
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "municipality",
            "title",
            "description",
            "form",
            "form_title",
            "form_version",
            "period",
            "period_label",
            "state",
            "opens_on",
            "deadline",
            "closes_on",
            "requires_sign_off",
            "opened_at",
            "closed_at",
            "organizations",
            "progress",
        ]

    @extend_schema_field(AskedSerializer(many=True))
    def get_organizations(self, campaign: Campaign) -> list[dict]:
        extended = {}
        for extension in campaign.visible_extensions:  # newest first: the first one seen wins
            extended.setdefault(extension.organization_id, extension.deadline)
        return [
            {"id": o.pk, "short_name": o.short_name, "deadline": extended.get(o.pk, campaign.deadline)}
            for o in campaign.visible_organizations
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, campaign: Campaign) -> dict:
        progress = {name: getattr(campaign, f"progress_{name}") for name in PROGRESS}
        progress["not_started"] = max(campaign.progress_expected - campaign.progress_started, 0)
        return progress


# Serializers: submissions ----------------------------------------------------------------------------


class EventSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = SubmissionEvent
        fields = ["action", "by", "at", "comment", "revision"]


class AttachedFileSerializer(serializers.Serializer):
    question = serializers.CharField(source="field_code")
    name = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class SubmissionSerializer(serializers.ModelSerializer):
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    period = serializers.CharField(source="campaign.period.code", read_only=True)
    organization_name = serializers.CharField(source="organization.short_name", read_only=True)
    answers = serializers.DictField(
        read_only=True, help_text="The answers as typed, by question code; a list for multiple choice."
    )
    signed_off_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()
    awaits_sign_off = serializers.SerializerMethodField()
    changed_since_return = serializers.SerializerMethodField(
        help_text="Codes of the questions whose answers changed since the form was returned."
    )
    files = AttachedFileSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "campaign",
            "campaign_title",
            "period",
            "organization",
            "organization_name",
            "status",
            "revision",
            "answers",
            "review_comment",
            "updated_at",
            "submitted_at",
            "signed_off_by",
            "signed_off_at",
            "awaits_sign_off",
            "reviewed_by",
            "reviewed_at",
            "changed_since_return",
            "files",
        ]

    def get_awaits_sign_off(self, submission: Submission) -> bool:
        return services.awaits_sign_off(submission)

    def get_changed_since_return(self, submission: Submission) -> list[str]:
        return sorted(services.changed_since_return(submission))


def _is_option(item: Any) -> bool:
    return isinstance(item, str | int | float) and not isinstance(item, bool)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
        ],
        "nullable": True,
    }
)
class AnswerField(serializers.Field):
    """One answer: text, a number, yes/no, a list of options (multiple choice), or null to clear it."""

    def to_internal_value(self, data: Any) -> Any:
        if data is None or isinstance(data, bool | int | float | Decimal):
            return data
        if isinstance(data, str):
            if len(data) > MAX_ANSWER_LENGTH:
                raise ValidationError(_("At most 20000 characters."))
            return data
        options = data if isinstance(data, list) and len(data) <= MAX_OPTIONS else None
        if options is not None and all(_is_option(item) for item in options):
            return [str(item) for item in options]
        raise ValidationError(_("Give a text, a number, yes or no, a list of options or null."))

    def to_representation(self, value: Any) -> Any:
        return value


class SaveInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=AnswerField(allow_null=True),
        help_text="Answers by question code; questions left out keep their stored answers, null clears one.",
    )
    base_revision = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        help_text="The revision the answers were based on (0 for a new form). When a colleague saved "
        "meanwhile, their changes and these are merged question by question; 409 when both changed "
        "the same question differently.",
    )


class SavedSerializer(serializers.Serializer):
    submission = SubmissionSerializer()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Problems with the answers, by question code; the draft is saved anyway.",
    )
    form_errors = serializers.ListField(
        child=serializers.CharField(), help_text="Broken checks across questions."
    )
    merged = serializers.ListField(
        child=serializers.CharField(),
        help_text="Questions a colleague changed meanwhile, kept as they saved them.",
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    fields = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the questions both changed."
    )


class CreateInputSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    organization = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Left out, the one organization of the user that the collection asks.",
    )


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        default="", allow_blank=True, max_length=5000, help_text="What to fix; required."
    )


# Filters ---------------------------------------------------------------------------------------------


class FormFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label="municipality slug")
    direction = django_filters.CharFilter(field_name="direction__code", label="direction code")
    latest = django_filters.BooleanFilter(
        field_name="next_version", lookup_expr="isnull", label="only the newest version of each form"
    )

    class Meta:
        model = Form
        fields = ["municipality", "direction", "latest"]


class CampaignFilter(django_filters.FilterSet):
    municipality = django_filters.CharFilter(field_name="municipality__slug", label="municipality slug")
    period = django_filters.CharFilter(field_name="period__code", label="period code")
    state = django_filters.ChoiceFilter(choices=Campaign.State.choices)
    form = IdFilter(field_name="form")

    class Meta:
        model = Campaign
        fields = ["municipality", "period", "state", "form"]


class SubmissionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign")
    organization = IdFilter(field_name="organization")
    status = django_filters.ChoiceFilter(choices=Submission.Status.choices)
    period = django_filters.CharFilter(field_name="campaign__period__code", label="period code")

    class Meta:
        model = Submission
        fields = ["campaign", "organization", "status", "period"]


# Progress counts -------------------------------------------------------------------------------------

PROGRESS = ("expected", "draft", "submitted", "returned", "accepted")
# A draft nobody has saved anything into (opening the form makes one) has not been started.
STARTED = ~Q(status=Submission.Status.DRAFT) | Q(revision__gt=0)


def _count(rows: QuerySet, by: str = "campaign") -> Coalesce:
    """The number of `rows` of each collection, as a subquery: one query for any number of them."""
    counted = rows.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_progress(campaigns: QuerySet[Campaign], user) -> QuerySet[Campaign]:
    """The collections with their progress over the organizations `user` may see, and those
    organizations and their extensions prefetched."""
    organizations = core_access.organizations_visible_to(user)
    asked = Campaign.organizations.through.objects.filter(organization__in=organizations.values("pk"))
    # Only the submissions of organizations still asked: one taken off the list no longer counts.
    submissions = Submission.objects.filter(
        organization__in=organizations.values("pk"), organization__campaigns=OuterRef("pk")
    )
    started = _count(submissions.filter(STARTED))
    return campaigns.annotate(
        progress_expected=_count(asked),
        progress_started=started,
        progress_draft=_count(submissions.filter(status=Submission.Status.DRAFT, revision__gt=0)),
        progress_submitted=_count(submissions.filter(status=Submission.Status.SUBMITTED)),
        progress_returned=_count(submissions.filter(status=Submission.Status.RETURNED)),
        progress_accepted=_count(submissions.filter(status=Submission.Status.ACCEPTED)),
    ).prefetch_related(
        Prefetch(
            "organizations",
            queryset=organizations.order_by("short_name", "pk"),
            to_attr="visible_organizations",
        ),
        Prefetch(
            "extensions",
            queryset=Extension.objects.filter(organization__in=organizations.values("pk")),
            to_attr="visible_extensions",
        ),
    )


# Viewsets --------------------------------------------------------------------------------------------


def _form_content(prefix: str = "") -> list:
    return [
        f"{prefix}sections",
        Prefetch(f"{prefix}fields", queryset=Field.objects.select_related("data_element")),
        f"{prefix}rules",
    ]


class FormViewSet(viewsets.ReadOnlyModelViewSet):
    """The forms of the municipalities one works for, each with its sections, questions and rules.
    Schools read the questions through the collections that ask them."""

    serializer_class = FormSerializer
    filterset_class = FormFilter
    ordering_fields = ["title", "version", "created_at"]

    def get_queryset(self):
        return (
            access.forms_visible_to(self.request.user)
            .select_related("municipality", "direction")
            .annotate(
                locked=Exists(
                    Campaign.objects.filter(form=OuterRef("pk")).exclude(state=Campaign.State.DRAFT)
                ),
                superseded=Exists(Form.objects.filter(previous_version=OuterRef("pk"))),
            )
            .prefetch_related(*_form_content())
        )


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Data collections: the department's, and for a school those that ask it (once opened)."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    ordering_fields = ["opens_on", "deadline", "title"]

    def get_queryset(self):
        campaigns = access.campaigns_visible_to(self.request.user).select_related(
            "municipality", "form", "period"
        )
        if self.action == "form":
            return campaigns.prefetch_related(*_form_content("form__"))
        return with_progress(campaigns, self.request.user)

    @extend_schema(
        responses={200: FormContentSerializer, 404: OpenApiResponse(description="No such collection.")}
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def form(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """The questions the collection asks: the sections, questions and checks of its form's version.
        A school reads them here, as it does not read the department's forms."""
        campaign = self.get_object()
        return Response(FormContentSerializer(campaign.form, context=self.get_serializer_context()).data)


NOT_FOUND = OpenApiResponse(description="No such submission, or not one the user may see.")
REFUSED = OpenApiResponse(description="Refused; the body holds the reasons, in Russian.")
FORBIDDEN = OpenApiResponse(description="The user may read the submission but not do this.")


class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Submissions: a school's own, all of the municipality for its department.

    A respondent or the head fills in their organization's form (POST to start it, PATCH or `save` to
    store answers, `submit`); the head signs off where the collection asks so (`sign-off`); a
    coordinator of the form's direction, or the head of the department, `accept`s — the numbers
    become the organization's figures — or `return`s it with a comment."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    ordering_fields = ["updated_at", "submitted_at", "status"]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return (
            access.submissions_visible_to(self.request.user)
            .select_related(
                "campaign__period",
                "campaign__municipality",
                "campaign__form__direction__municipality",
                "organization",
                "signed_off_by",
                "reviewed_by",
            )
            .prefetch_related("files")
        )

    @extend_schema(responses={200: EventSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Every save, submit, sign-off, return and acceptance of the submission, newest first."""
        submission = self.get_object()
        events = submission.events.select_related("by")
        return Response(EventSerializer(events, many=True, context=self.get_serializer_context()).data)

    def _answer(self, submission: Submission, code: int = status.HTTP_200_OK) -> Response:
        submission = self.get_queryset().get(pk=submission.pk)
        return Response(SubmissionSerializer(submission, context=self.get_serializer_context()).data, code)

    @extend_schema(
        request=CreateInputSerializer,
        responses={
            200: SubmissionSerializer,
            201: SubmissionSerializer,
            400: REFUSED,
            403: OpenApiResponse(description="The user does not fill in forms for this organization."),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Start the organization's submission to an open collection, or get the one already started
        (200). The organization may be left out when the user fills in for exactly one that is asked."""
        data = CreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        campaign = (
            access.campaigns_visible_to(user)
            .select_related("municipality", "form__direction__municipality", "period")
            .filter(pk=data.validated_data["campaign"])
            .first()
        )
        if campaign is None:
            raise ValidationError(
                {"campaign": [_("There is no collection %(id)s.") % {"id": data.validated_data["campaign"]}]}
            )
        organization = self._organization_for(campaign, data.validated_data.get("organization"))
        if campaign.state != Campaign.State.OPEN:
            raise ValidationError(_("The collection is not open: answers cannot change."))
        existed = Submission.objects.filter(campaign=campaign, organization=organization).exists()
        submission = services.submission_for(campaign=campaign, organization=organization, by=user)
        return self._answer(submission, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def _organization_for(self, campaign: Campaign, pk: int | None) -> Organization:
        user = self.request.user
        if pk is not None:
            organization = core_access.organizations_visible_to(user).filter(pk=pk).first()
            if organization is None:
                raise ValidationError({"organization": [_("There is no organization %(id)s.") % {"id": pk}]})
            # As services.submission_save decides: its fillers, or those who run the collection.
            if not access.can_fill_for(user, campaign, organization):
                raise PermissionDenied(access.REFUSED_FILL)
            return organization
        mine = list(campaign.organizations.filter(pk__in=access.fill_organization_ids(user)))
        if not mine:
            raise PermissionDenied(access.REFUSED_FILL)
        if len(mine) > 1:
            raise ValidationError({"organization": [_("Say for which organization the form is filled in.")]})
        return mine[0]

    @extend_schema(
        request=SaveInputSerializer,
        responses={
            200: SavedSerializer,
            400: REFUSED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: ConflictSerializer,
        },
    )
    def partial_update(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Store answers of a draft or returned form, whatever their state: a draft loses nothing. The
        problems found come back beside the saved submission. 409 when a colleague changed the same
        question differently since `base_revision`; nothing is written then."""
        submission = self.get_object()  # who may fill it in, the service decides
        data = SaveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = data.validated_data["answers"]
        self._check_codes(submission, answers)
        try:
            saved = services.submission_save(
                submission=submission,
                answers=answers,
                base_revision=data.validated_data["base_revision"],
                by=request.user,
            )
        except services.EditConflict as conflict:
            body = {"detail": " ".join(conflict.messages), "fields": conflict.fields}
            return Response(ConflictSerializer(body).data, status=status.HTTP_409_CONFLICT)
        context = self.get_serializer_context()
        return Response(
            SavedSerializer(
                {
                    "submission": self.get_queryset().get(pk=submission.pk),
                    "errors": saved.check.errors,
                    "form_errors": saved.check.form_errors,
                    "merged": saved.merged,
                },
                context=context,
            ).data
        )

    @staticmethod
    def _check_codes(submission: Submission, answers: dict[str, Any]) -> None:
        kinds = dict(submission.campaign.form.fields.values_list("code", "kind"))
        unknown = sorted(code for code in answers if code not in kinds)
        if unknown:
            raise ValidationError(
                {"answers": [_("No such questions in the form: %(codes)s.") % {"codes": ", ".join(unknown)}]}
            )
        files = sorted(code for code in answers if kinds[code] == Field.Kind.FILE)
        if files:
            raise ValidationError(
                {"answers": [_("Files are attached on the form's page of the portal, not through the API.")]}
            )

    @extend_schema(
        request=SaveInputSerializer,
        responses={
            200: SavedSerializer,
            400: REFUSED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: ConflictSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def save(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """The same as PATCH, for clients that only POST."""
        return self.partial_update(request, pk, **kwargs)

    @extend_schema(
        request=None, responses={200: SubmissionSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Send the stored answers for review. Every question is checked first: on a problem the answer
        is 400 with a message per problem, and nothing changes. The head's submit signs off too."""
        submission = self.get_object()
        return self._answer(services.submission_submit(submission=submission, by=request.user))

    @extend_schema(
        request=None, responses={200: SubmissionSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """The head's sign-off of a submitted form, where the collection asks for it."""
        submission = self.get_object()
        return self._answer(services.submission_sign_off(submission=submission, by=request.user))

    @extend_schema(
        request=None, responses={200: SubmissionSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Accept a submitted form (the coordinators of the form's direction, the head of the
        department): its numbers become the organization's figures for the collection's period, and
        the indicators are recomputed."""
        submission = self.get_object()
        return self._answer(services.submission_accept(submission=submission, by=request.user))

    @extend_schema(
        request=ReturnInputSerializer,
        responses={200: SubmissionSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: int | str | None = None, **kwargs) -> Response:
        """Return a submitted form to the organization with a comment saying what to fix (the
        coordinators of the form's direction, the head)."""
        submission = self.get_object()
        data = ReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.submission_return(
                submission=submission, comment=data.validated_data["comment"], by=request.user
            )
        )
