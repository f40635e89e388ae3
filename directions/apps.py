from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectionsConfig(AppConfig):
    name = "directions"
    verbose_name = _("Directions")

    def ready(self):
        from directions import selectors  # noqa: F401  (adds "my work" of the cycle to the home page)
        from mcok.navigation import MENU, STAFF, MenuItem

        MENU.insert(1, MenuItem("directions:overview", _("Directions"), STAFF))
        MENU.insert(2, MenuItem("directions:evaluations", _("Evaluations"), STAFF))
