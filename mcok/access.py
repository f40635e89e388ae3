"""Who may read what: the one place that decides access to unpublished data.

Every view, API, export and selector that shows unpublished data starts from these functions, so
"absent" and "not yours" give the same 404 everywhere. Roles act for a whole municipality
(administrator, coordinator, executor, operator, expert) or for one organization (school
respondent, school head); an administrator with no municipality, and a superuser, see everything.
"""

from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import get_object_or_404

from mcok.models import Document, Municipality, Official, Organization, Period, Role, User

_MEMO = "_mcok_role_rows"


class RoleRow(NamedTuple):
    kind: str
    municipality_id: int | None
    organization_id: int | None


def role_rows(user) -> tuple[RoleRow, ...]:
    """The roles `user` holds, read once per user object and kept on it: a request asks who the
    user is a dozen times (may they fill in, review, see the municipality…), and each answer is
    then a look at this tuple instead of a query. A role saved or deleted through the ORM clears
    the copy on the user object it was given (the receiver below); a request's user is read fresh
    for every request."""
    if not (user.is_authenticated and user.is_active):
        return ()
    rows = getattr(user, _MEMO, None)
    if rows is None:
        rows = tuple(
            RoleRow(*row)
            for row in Role.objects.filter(user=user).values_list(
                "kind", "municipality_id", "organization_id"
            )
        )
        setattr(user, _MEMO, rows)
    return rows


@receiver([post_save, post_delete], sender=Role, dispatch_uid="mcok.access.role_rows_forget")
def _role_rows_forget(sender, instance: Role, **kwargs) -> None:
    if Role.user.is_cached(instance):
        vars(instance.user).pop(_MEMO, None)


def _roles(user) -> QuerySet[Role]:
    return Role.objects.filter(user=user) if user.is_authenticated and user.is_active else Role.objects.none()


def _ids(user, kinds, attribute: str) -> list[int]:
    """The municipality or organization ids of the user's roles of `kinds`, for an `__in` lookup."""
    return sorted({getattr(row, attribute) for row in role_rows(user) if row.kind in kinds} - {None})


def municipality_ids(user, kinds) -> list[int]:
    """The municipalities where `user` holds one of `kinds`."""
    return _ids(user, {kinds} if isinstance(kinds, str) else set(kinds), "municipality_id")


def accounts_in(municipality):
    """The accounts holding a role in `municipality`, as a subquery of user ids (an account with
    roles in two municipalities is in both)."""
    return Role.objects.filter(municipality=municipality).values("user")


def organization_addresses(organization_ids) -> set[str]:
    """The e-mail addresses of the active accounts that answer for these organizations (their
    respondents and heads): whom a letter to an organization reaches."""
    return set(
        Role.objects.filter(
            organization__in=organization_ids, kind__in=Role.ORGANIZATION_KINDS, user__is_active=True
        )
        .exclude(user__email="")
        .exclude(user__email__isnull=True)
        .values_list("user__email", flat=True)
    )


def organization_ids(user, kinds=Role.ORGANIZATION_KINDS) -> list[int]:
    """The organizations for which `user` holds one of `kinds` (a school's respondent or head)."""
    return _ids(user, {kinds} if isinstance(kinds, str) else set(kinds), "organization_id")


def is_instance_administrator(user) -> bool:
    """A superuser, or an administrator of the whole instance (a role with no municipality)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(
        row.kind == Role.Kind.ADMINISTRATOR and row.municipality_id is None for row in role_rows(user)
    )


def has_role(
    user, kinds, *, municipality: Municipality | None = None, organization: Organization | None = None
) -> bool:
    """Whether `user` holds one of `kinds` for the municipality (or the organization)."""
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    return any(
        row.kind in kinds
        and (municipality is None or row.municipality_id == municipality.pk)
        and (organization is None or row.organization_id == organization.pk)
        for row in role_rows(user)
    )


def role_kinds(user) -> set[str]:
    """The kinds of role `user` holds anywhere; an instance administrator counts as administrator."""
    kinds = {row.kind for row in role_rows(user)}
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
    condition = Q(**{f"{municipality}__in": _ids(user, Role.MUNICIPAL_KINDS, "municipality_id")})
    if organization is not None:
        condition |= Q(**{f"{organization}__in": _ids(user, Role.ORGANIZATION_KINDS, "organization_id")})
        if shared_with_organizations:
            condition |= Q(
                **{
                    f"{organization}__isnull": True,
                    f"{municipality}__in": _ids(user, Role.ORGANIZATION_KINDS, "municipality_id"),
                }
            )
    return queryset.filter(condition)


def municipalities_visible_to(user) -> QuerySet[Municipality]:
    """Municipalities where `user` holds any role."""
    if is_instance_administrator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=_ids(user, Role.Kind.values, "municipality_id"))


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


def users_manageable_by(user) -> QuerySet[User]:
    """Accounts `user` sees and manages in the admin site (edits, resets the password of,
    deactivates, grants roles to) and links to officials: every account for an administrator of
    the instance; for a municipal administrator, only an account whose roles all lie in one
    municipality they administer. An account with roles in two municipalities, with no role at all,
    or with staff, superuser or instance-wide rights is the instance administrator's alone: a
    municipal administrator who could reset its password would act in the other municipality too."""
    if is_instance_administrator(user):
        return User.objects.all()
    administered = municipality_ids(user, Role.Kind.ADMINISTRATOR)
    if not administered:
        return User.objects.none()
    elsewhere = Role.objects.filter(Q(municipality=None) | ~Q(municipality__in=administered))
    return (
        User.objects.filter(is_superuser=False, is_staff=False)
        .exclude(pk__in=elsewhere.values("user"))
        .annotate(_municipalities=Count("roles__municipality", distinct=True))
        .filter(_municipalities=1)
    )


def users_linkable_to(user, municipality: Municipality) -> QuerySet[User]:
    """Accounts `user` may link to an official of `municipality`: those they manage
    (users_manageable_by); for a municipal administrator, only those whose roles are in that very
    municipality. One account may act as several officials."""
    manageable = users_manageable_by(user)
    if is_instance_administrator(user):
        return manageable
    return manageable.filter(pk__in=Role.objects.filter(municipality=municipality).values("user"))


# The get_<record>_for functions answer 404 alike for "does not exist" and "not yours".
def get_organization_for(user, pk: int) -> Organization:
    return get_object_or_404(organizations_visible_to(user).select_related("municipality", "head"), pk=pk)


def get_official_for(user, pk: int) -> Official:
    return get_object_or_404(
        officials_visible_to(user).select_related("municipality", "organization", "user"), pk=pk
    )


def get_document_for(user, pk: int) -> Document:
    return get_object_or_404(documents_visible_to(user).select_related("municipality", "organization"), pk=pk)


# The menu, the audit trail, the home page and the admin site ------------------------------------------
# The kinds of role a menu entry is for: mcok.navigation and the apps' ready() declare their entries
# with these sets; who sees an entry is decided by sees_menu_entry below.
STAFF_KINDS = frozenset(Role.MUNICIPAL_KINDS)  # the department's people, the head included
EVERYONE_KINDS = frozenset(Role.Kind.values)
SCHOOL_KINDS = frozenset(Role.ORGANIZATION_KINDS)
# Who reads the audit trail of a municipality (and sees its menu entry).
AUDIT_KINDS = frozenset({Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR, Role.Kind.DEPARTMENT_HEAD})
# Who closes the gaps of the core catalogues (organizations without a head) shown on the home page.
CATALOGUE_KEEPER_KINDS = frozenset(
    {Role.Kind.COORDINATOR, Role.Kind.ADMINISTRATOR, Role.Kind.DEPARTMENT_HEAD}
)


def menu_kinds(user) -> frozenset[str]:
    """The kinds of role whose menu entries `user` sees: those they hold anywhere; an administrator
    of the whole instance counts as an administrator and as the head of the department."""
    kinds = set(role_kinds(user))
    if is_instance_administrator(user):
        kinds |= {Role.Kind.ADMINISTRATOR, Role.Kind.DEPARTMENT_HEAD}
    return frozenset(kinds)


def sees_menu_entry(user, kinds) -> bool:
    """Whether the menu shows `user` an entry meant for `kinds`."""
    return bool(menu_kinds(user) & set(kinds))


def is_staff_anywhere(user) -> bool:
    """Whether `user` works in some department (any municipal role, the head included), or
    administers the instance: the pages then show them the staff's details (accounts, history)."""
    return bool(menu_kinds(user) & STAFF_KINDS)


def may_read_audit(user, municipality: Municipality | None = None) -> bool:
    """Whether `user` reads the audit trail of the municipality (of any, when None): its coordinators,
    administrators and head, and the instance's administrators."""
    if is_instance_administrator(user):
        return True
    if municipality is None:
        return any(row.kind in AUDIT_KINDS for row in role_rows(user))
    return has_role(user, AUDIT_KINDS, municipality=municipality)


def municipalities_audited_by(user) -> QuerySet[Municipality]:
    """Municipalities whose audit trail `user` reads, by name: those where they coordinate, administer
    or head the department; every one for an instance administrator."""
    municipalities = Municipality.objects.order_by("name")
    if is_instance_administrator(user):
        return municipalities
    return municipalities.filter(pk__in=municipality_ids(user, AUDIT_KINDS))


def roles_held(user) -> QuerySet[Role]:
    """The roles `user` holds, with their municipality and organization: what their home page lists."""
    return _roles(user).select_related("municipality", "organization")


def sees_catalogue_gaps(user) -> bool:
    """Whether the home page tells `user` of gaps in the core catalogues (organizations without a
    head): coordinators, administrators and heads of a department, and the instance's administrators."""
    return is_instance_administrator(user) or any(
        row.kind in CATALOGUE_KEEPER_KINDS for row in role_rows(user)
    )


def manages_accounts(user) -> bool:
    """Administrators (of a municipality or of the instance) keep the accounts: the home page tells
    them of officials without one."""
    return is_instance_administrator(user) or has_role(user, Role.Kind.ADMINISTRATOR)


def may_use_admin_site(user) -> bool:
    """Django's admin site is for administrators (of a municipality or of the instance) whose account
    may enter it (`is_staff`)."""
    return bool(user.is_authenticated and user.is_staff and manages_accounts(user))


def administered_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities whose records `user` edits in the admin site: every one for an instance
    administrator, those they administer for a municipal administrator."""
    if is_instance_administrator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=municipality_ids(user, Role.Kind.ADMINISTRATOR))


def may_see_account(user, account_id: int | None) -> bool:
    """Whether `user` reads the login of the account linked to an official: their own, or one they
    manage. Other staff read only that an account is linked: a link made to another tenant's account
    must not show its login."""
    if account_id is None or not (user.is_authenticated and user.is_active):
        return False
    return account_id == user.pk or users_manageable_by(user).filter(pk=account_id).exists()


# The second factor ----------------------------------------------------------------------------------
# The roles that keep accounts, approve and publish: with OTP_REQUIRED on, they sign in with a second
# factor; the other roles may set one up.
SECOND_FACTOR_KINDS = frozenset(
    {Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR, Role.Kind.OPERATOR, Role.Kind.DEPARTMENT_HEAD}
)


def second_factor_required(user) -> bool:
    """Whether `user` must sign in with a second factor: on an instance with OTP_REQUIRED, an
    administrator (the instance's and a superuser too), coordinator, operator or head of a department,
    unless the account is one of the demo's."""
    if not (settings.OTP_REQUIRED and user.is_authenticated and user.is_active):
        return False
    if user.second_factor_exempt:
        return False
    return bool(menu_kinds(user) & SECOND_FACTOR_KINDS)


def may_reset_second_factor(user, account) -> bool:
    """Whether `user` resets the second factor of `account` and unlocks it: the administrators who
    manage the account (users_manageable_by), never their own."""
    return account.pk != user.pk and users_manageable_by(user).filter(pk=account.pk).exists()
