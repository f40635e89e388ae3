"""The menu. Later apps add their entries to MENU, each meant for a set of role kinds (the sets are
mcok.access's); whom the menu shows an entry is decided by mcok.access.sees_menu_entry."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mcok import access

STAFF = access.STAFF_KINDS
EVERYONE = access.EVERYONE_KINDS


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
    MenuItem("mcok:audit", _("Audit trail"), access.AUDIT_KINDS),
]


def menu_for(user) -> list[MenuItem]:
    """The entries the menu shows `user`."""
    return [item for item in MENU if access.sees_menu_entry(user, item.kinds)]
