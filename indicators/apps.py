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

        from mcok.selectors import PERIOD_DATA_PROVIDERS

        PERIOD_DATA_PROVIDERS.append(_period_data)

        from mcok.periods import PERIOD_USE_PROVIDERS

        PERIOD_USE_PROVIDERS.append(_period_use)

        from mcok.demo import register_loader

        # load_demo runs the loaders in app order; the tables of ВПР come after the catalogues.
        register_loader(self.label, "indicators.demo_vpr.load")


def _period_data(municipality):
    """A period holds the municipality's data when it has a computed municipal value."""
    from django.db.models import Exists, OuterRef

    from indicators.models import IndicatorValue

    return Exists(
        IndicatorValue.objects.filter(
            period=OuterRef("pk"), municipality=municipality, organization__isnull=True, value__isnull=False
        )
    )


def _period_use(municipality):
    """A period the municipality uses: a data value of it or of its organizations."""
    from django.db.models import Exists, OuterRef

    from indicators.models import DataValue

    return Exists(DataValue.objects.filter(period=OuterRef("pk"), municipality=municipality))
