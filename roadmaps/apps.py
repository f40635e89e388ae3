from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Roadmaps")

    def ready(self):
        from mcok.navigation import EVERYONE, MENU, STAFF, MenuItem

        after = next((i for i, item in enumerate(MENU) if item.url_name == "monitoring:forms"), None)
        position = len(MENU) if after is None else after + 1
        MENU[position:position] = [
            MenuItem("roadmaps:roadmaps", _("Roadmaps"), STAFF),
            MenuItem("roadmaps:groups", _("Project groups"), STAFF),
            MenuItem("roadmaps:recommendations", _("Recommendations"), EVERYONE),
        ]
