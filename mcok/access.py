"""Who may read what: the one place that decides access to unpublished data.

Every view, API, export and selector that shows unpublished data starts from these functions, so
"absent" and "not yours" give the same 404 everywhere. Roles act for a whole municipality
(administrator, coordinator, executor, operator, expert) or for one organization (school
respondent, school head); an administrator with no municipality, and a superuser, see everything.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from mcok.models import Document, Municipality, Official, Organization, Period, Role, User


def _roles(user) -> QuerySet[Role]:
    return Role.objects.filter(user=user) if user.is_authenticated and user.is_active else Role.objects.none()


def is_instance_administrator(user) -> bool:
    """A superuser, or an administrator of the whole instance (a role with no municipality)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or _roles(user).filter(kind=Role.Kind.ADMINISTRATOR, municipality=None).exists()


def has_role(
    user, kinds, *, municipality: Municipality | None = None, organization: Organization | None = None
) -> bool:
    """Whether `user` holds one of `kinds` for the municipality (or the organization)."""
    roles = _roles(user).filter(kind__in=[kinds] if isinstance(kinds, str) else kinds)
    if municipality is not None:
        roles = roles.filter(municipality=municipality)
    if organization is not None:
        roles = roles.filter(organization=organization)
    return roles.exists()


def role_kinds(user) -> set[str]:
    """The kinds of role `user` holds anywhere; an instance administrator counts as administrator."""
    kinds = set(_roles(user).values_list("kind", flat=True))
    if user.is_authenticated and user.is_superuser:
        kinds.add(Role.Kind.ADMINISTRATOR)
    return kinds


def visible(
    queryset: QuerySet,
    user,
    *,
    municipality: str = "municipality",
    organization: str | None = None,
    shared_with_organizations: bool = False,
) -> QuerySet:
    """The rows of `queryset` whose unpublished data `user` may read.

    `municipality` is the lookup path from the row to its municipality; `organization` the path to
    its organization, when the row belongs to one. Municipal roles read every row of their
    municipalities. Organization roles read the rows of their own organization, and, when
    `shared_with_organizations`, the rows of their municipality that belong to no organization
    (the department's own documents and officials). Everyone else reads nothing.
    """
    if is_instance_administrator(user):
        return queryset
    roles = _roles(user)
    condition = Q(
        **{f"{municipality}__in": roles.filter(kind__in=Role.MUNICIPAL_KINDS).values("municipality")}
    )
    if organization is not None:
        own = roles.filter(kind__in=Role.ORGANIZATION_KINDS)
        condition |= Q(**{f"{organization}__in": own.values("organization")})
        if shared_with_organizations:
            condition |= Q(
                **{f"{organization}__isnull": True, f"{municipality}__in": own.values("municipality")}
            )
    return queryset.filter(condition)


def municipalities_visible_to(user) -> QuerySet[Municipality]:
    """Municipalities where `user` holds any role."""
    if is_instance_administrator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=_roles(user).values("municipality"))


def organizations_visible_to(user) -> QuerySet[Organization]:
    """Organizations whose unpublished data `user` may read: all of a municipality for its staff,
    one's own for a school user."""
    return visible(Organization.objects.all(), user, organization="pk")


def officials_visible_to(user) -> QuerySet[Official]:
    """Officials of the user's municipalities; a school user sees the department's and their own."""
    return visible(Official.objects.all(), user, organization="organization", shared_with_organizations=True)


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents of the user's municipalities; a school user sees the department's and their own."""
    return visible(Document.objects.all(), user, organization="organization", shared_with_organizations=True)


def periods_visible_to(user) -> QuerySet[Period]:
    """Periods are a shared calendar: anyone signed in may read them."""
    return Period.objects.all() if user.is_authenticated else Period.objects.none()


def users_visible_to(user) -> QuerySet[User]:
    """Accounts an administrator manages: all for the instance's; for a municipal administrator,
    those with a role in their municipality, never an instance administrator's; nobody else's."""
    if is_instance_administrator(user):
        return User.objects.all()
    municipalities = _roles(user).filter(kind=Role.Kind.ADMINISTRATOR).values("municipality")
    instance_administrators = Role.objects.filter(kind=Role.Kind.ADMINISTRATOR, municipality=None).values(
        "user"
    )
    return (
        User.objects.filter(roles__municipality__in=municipalities, is_superuser=False)
        .exclude(pk__in=instance_administrators)
        .distinct()
    )


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours".
def get_organization_for(user, pk: int) -> Organization:
    return get_object_or_404(organizations_visible_to(user).select_related("municipality", "head"), pk=pk)


def get_official_for(user, pk: int) -> Official:
    return get_object_or_404(
        officials_visible_to(user).select_related("municipality", "organization", "user"), pk=pk
    )


def get_document_for(user, pk: int) -> Document:
    return get_object_or_404(documents_visible_to(user).select_related("municipality", "organization"), pk=pk)
