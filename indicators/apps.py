from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from mcok.navigation import MENU, STAFF, MenuItem

        # After «Directions» when that app has added it (it comes first in INSTALLED_APPS), else last.
        after = next((i for i, item in enumerate(MENU) if item.url_name == "directions:overview"), None)
        position = len(MENU) if after is None else after + 1
        MENU.insert(position, MenuItem("indicators:catalogue", _("Indicators"), STAFF))

        from indicators.evidence import register_evidence  # the self-assessment's proposals read it

        register_evidence()
