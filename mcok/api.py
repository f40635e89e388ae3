"""The core records over REST, filtered by the same access rules as the pages."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from mcok import access, params, second_factor, tokens
from mcok.filters import DocumentFilter, OfficialFilter, OrganizationFilter
from mcok.models import Document, Municipality, Official, Organization, Period, Role


def exception_handler(exc, context):
    """Services raise Django's errors; the API answers them as DRF would its own: 400 and 403."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()
    return drf_exception_handler(exc, context)


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "slug", "name", "region", "department", "site_url"]


class OrganizationSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    head = serializers.StringRelatedField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "municipality",
            "short_name",
            "full_name",
            "kind",
            "locality",
            "low_results",
            "unfavourable_conditions",
            "head",
            "is_active",
        ]


class OfficialSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organization = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Official
        fields = [
            "id",
            "municipality",
            "full_name",
            "position",
            "organization",
            "email",
            "phone",
            "is_active",
        ]


class PeriodSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Period
        fields = ["id", "code", "kind", "year", "number", "label", "starts_on", "ends_on"]


class DocumentSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    file = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "municipality", "organization", "kind", "title", "number", "date", "url", "file"]

    def get_file(self, document: Document) -> str | None:
        if not document.file:
            return None
        from django.urls import reverse

        return reverse("mcok:document_file", args=[document.pk])


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    lookup_field = "slug"
    lookup_value_regex = params.SLUG_PATTERN

    def get_queryset(self):
        return access.municipalities_visible_to(self.request.user)


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering_fields = ["short_name", "kind"]

    def get_queryset(self):
        return access.organizations_visible_to(self.request.user).select_related("municipality", "head")


class OfficialViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilter
    ordering_fields = ["full_name"]

    def get_queryset(self):
        return access.officials_visible_to(self.request.user).select_related("municipality")


class PeriodViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PeriodSerializer
    filterset_fields = ["kind", "year"]
    ordering_fields = ["starts_on"]

    def get_queryset(self):
        return access.periods_visible_to(self.request.user)


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["date", "title"]

    def get_queryset(self):
        return access.documents_visible_to(self.request.user).select_related("municipality")


class RoleSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Role
        fields = ["kind", "municipality", "organization"]


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        full_name = serializers.CharField(source="get_full_name")
        roles = RoleSerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        """The signed-in user and their roles."""
        return Response(self.OutputSerializer(request.user).data)


class TokenIssueApi(ObtainAuthToken):
    """A new API token for a username and password; the previous one stops working."""

    # No authentication: a client refreshing its token may still send the expired one.
    authentication_classes = ()
    parser_classes = (FormParser, MultiPartParser, params.JSONParser)  # a nesting bomb is a 400

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires = serializers.DateTimeField()

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField()
        otp = serializers.CharField(
            required=False,
            help_text=gettext_lazy(
                "With a second factor: the authenticator application's code or a recovery code."
            ),
        )

    @extend_schema(request=TokenInputSerializer, responses=TokenOutputSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):  # django-axes refused before the password
                detail = _("Too many wrong passwords: getting a token is blocked for 15 minutes.")
                return Response({"detail": detail}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        if access.second_factor_required(user) or second_factor.has_second_factor(user):
            # The password alone does not give a token to an account with a second factor.
            code = request.data.get("otp")
            if not second_factor.has_second_factor(user):
                detail = _(
                    "Your account needs a second factor: set it up on the portal's pages first, then ask "
                    "for a token with the code from the application in the «otp» field."
                )
                return Response({"otp": [detail]}, status=status.HTTP_400_BAD_REQUEST)
            if not isinstance(code, str) or not code.strip():
                detail = _(
                    "Your account signs in with a second factor: "
                    "send the code from the application in the «otp» field."
                )
                return Response({"otp": [detail]}, status=status.HTTP_400_BAD_REQUEST)
            if not second_factor.code_matches(user=user, code=code):
                detail = _("The second factor's code is wrong or has expired.")
                return Response({"otp": [detail]}, status=status.HTTP_400_BAD_REQUEST)
        token = tokens.api_token_issue(user=user)
        output = {"token": token.key, "expires": tokens.token_expires_at(token)}
        return Response(self.TokenOutputSerializer(output).data)
