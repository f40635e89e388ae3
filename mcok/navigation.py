"""The menu, by role. Later apps add their entries to MENU."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mcok.models import Role

STAFF = frozenset(Role.MUNICIPAL_KINDS)
EVERYONE = frozenset(Role.Kind.values)


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    kinds: frozenset  # roles that see the entry

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU: list[MenuItem] = [
    MenuItem("mcok:home", _("My work"), EVERYONE),
    MenuItem("mcok:organizations", _("Organizations"), EVERYONE),
    MenuItem("mcok:officials", _("Officials"), EVERYONE),
    MenuItem("mcok:documents", _("Documents"), EVERYONE),
    MenuItem("mcok:audit", _("Audit trail"), frozenset({Role.Kind.ADMINISTRATOR, Role.Kind.COORDINATOR})),
]


def menu_for(kinds: set[str]) -> list[MenuItem]:
    return [item for item in MENU if item.kinds & kinds]
