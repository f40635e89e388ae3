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

        from indicators import signals

        signals.connect()


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
    """A period the municipality uses: a data value of it or of its organizations.

    The periods are found by a walk over the index (municipality, period): the smallest period
    after the last one found, one index probe per period with values. An EXISTS per period let
    PostgreSQL choose a sequential scan, which reads most of the values when they were entered
    period after period (half a second at 640,000 values, on every page with a period picker)."""
    from django.db import connection
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    from indicators.models import DataValue

    table = connection.ops.quote_name(DataValue._meta.db_table)
    walk = (
        "WITH RECURSIVE used(period_id) AS ("
        f"SELECT MIN(period_id) FROM {table} WHERE municipality_id = %s"
        " UNION ALL "
        f"SELECT (SELECT MIN(v.period_id) FROM {table} v WHERE v.municipality_id = %s"
        " AND v.period_id > used.period_id) FROM used WHERE used.period_id IS NOT NULL"
        ") SELECT period_id FROM used WHERE period_id IS NOT NULL"
    )
    return Q(pk__in=RawSQL(walk, [municipality.pk, municipality.pk]))
