"""Reads worth a name: what a person's home page shows."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import ngettext

from mcok import access
from mcok.models import Municipality, Organization, Period, Role, User


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


# Which periods hold a municipality's data. The apps that keep data append, in their AppConfig.ready,
# functions `(municipality) -> Exists(… period=OuterRef("pk") …)`: directions (cycles, finished
# evaluations), indicators (municipal values), monitoring (collections under way or done).
PERIOD_DATA_PROVIDERS: list = []


def latest_period_with_data(municipality: Municipality, today: datetime.date | None = None) -> Period | None:
    """The calendar year the municipality's pages open on: the latest year up to today's in which it
    has data (as PERIOD_DATA_PROVIDERS say), else the current year, else the latest year before it,
    else any year; None when no year exists at all. Two queries."""
    from mcok.periods import default_period  # the one rule of every page, here for calendar years

    return default_period(municipality, kinds=[Period.Kind.YEAR], today=today)
