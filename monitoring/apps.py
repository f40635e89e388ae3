from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from mcok.navigation import MENU, STAFF, MenuItem
        from monitoring.access import FILLERS

        after = next((i for i, item in enumerate(MENU) if item.url_name == "indicators:catalogue"), None)
        position = len(MENU) if after is None else after + 1
        MENU[position:position] = [
            MenuItem("monitoring:campaigns", _("Data collections"), STAFF),
            MenuItem("monitoring:forms", _("Forms"), STAFF),
            MenuItem("monitoring:my_forms", _("My forms"), frozenset(FILLERS)),
        ]

        from mcok.selectors import ATTENTION_PROVIDERS

        ATTENTION_PROVIDERS.extend([_school_attention, _staff_attention])

        from monitoring.evidence import register_evidence  # the self-assessment's proposals read it

        register_evidence()

        from mcok.selectors import PERIOD_DATA_PROVIDERS

        PERIOD_DATA_PROVIDERS.append(_period_data)

        from mcok.periods import PERIOD_USE_PROVIDERS

        PERIOD_USE_PROVIDERS.append(_period_use)

        from mcok import audit as core_audit
        from mcok.demo import register_loader
        from monitoring import audit

        core_audit.register(audit.KINDS, audit.SOURCES)  # this app's events in the audit trail
        register_loader(self.label, "monitoring.demo.load")  # load_demo runs the loaders in app order


def _period_data(municipality):
    """A period holds the municipality's data when a collection of it is open or closed (a draft for
    next year does not count)."""
    from django.db.models import Exists, OuterRef

    from monitoring.models import Campaign

    return Exists(
        Campaign.objects.filter(period=OuterRef("pk"), municipality=municipality).exclude(
            state=Campaign.State.DRAFT
        )
    )


# Imported when called: the providers' modules import models, which are not ready in ready()'s
# import phase of other apps.
def _school_attention(user, roles):
    from monitoring.entry import attention

    return attention(user, roles)


def _staff_attention(user, roles):
    from monitoring.selectors import staff_attention

    return staff_attention(user, roles)


def _period_use(municipality):
    """A period the municipality uses: a collection of it in any state, a draft included."""
    from django.db.models import Exists, OuterRef

    from monitoring.models import Campaign

    return Exists(Campaign.objects.filter(period=OuterRef("pk"), municipality=municipality))
