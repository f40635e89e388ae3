"""Reads worth a name: what a person's home page shows."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import ngettext

from mcok import access
from mcok.models import Organization, Role, User


@dataclass
class AttentionItem:
    """One thing that waits for the person: a sentence and where to act on it."""

    text: str
    url: str = ""
    severity: str = "info"  # info | warning | danger


@dataclass
class Home:
    roles: list[Role]
    organizations: list[Organization] = field(default_factory=list)
    items: list[AttentionItem] = field(default_factory=list)


# Later apps append functions `(user, roles) -> list[AttentionItem]`: drafts to write, approvals
# waiting, forms to submit, pages to publish.
ATTENTION_PROVIDERS: list = []


def roles_of(user: User) -> QuerySet[Role]:
    """The roles the person holds, as their home page lists them (mcok.access.roles_held)."""
    return access.roles_held(user)


def core_attention(user: User, roles: list[Role]) -> list[AttentionItem]:
    """Gaps in the catalogues that administrators, coordinators and the head close
    (mcok.access.sees_catalogue_gaps); officials without an account, for administrators."""
    if not access.sees_catalogue_gaps(user):
        return []
    headless = access.organizations_visible_to(user).educational().filter(is_active=True, head=None).count()
    items = []
    if headless:
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d organization has no head recorded.",
                    "%(count)d organizations have no head recorded.",
                    headless,
                )
                % {"count": headless},
                reverse("mcok:organizations") + "?" + urlencode({"has_head": "false"}),
                "warning",
            )
        )
    officials = access.officials_visible_to(user).filter(is_active=True, organization__isnull=True)
    without_account = officials.filter(user__isnull=True).count()
    if without_account and access.manages_accounts(user):
        items.append(
            AttentionItem(
                ngettext(
                    "%(count)d department official has no account yet.",
                    "%(count)d department officials have no account yet.",
                    without_account,
                )
                % {"count": without_account},
                reverse("mcok:officials") + "?" + urlencode({"department": "true", "has_account": "false"}),
            )
        )
    return items


ATTENTION_PROVIDERS.append(core_attention)


def home_for(user: User) -> Home:
    """What the person's home page shows: their roles, their organizations, and what waits for them."""
    roles = list(roles_of(user))
    organizations = [role.organization for role in roles if role.organization_id]
    items: list[AttentionItem] = []
    for provider in ATTENTION_PROVIDERS:
        items.extend(provider(user, roles))
    return Home(roles=roles, organizations=list(dict.fromkeys(organizations)), items=items)
