from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from directions.dossier import SECTION_PROVIDERS
        from mcok.navigation import MENU, STAFF, MenuItem
        from reports.access import SITE_MENU_KINDS
        from reports.dossier import direction_sections

        SECTION_PROVIDERS.append(direction_sections)

        # A municipal project published or withdrawn renews the public tab's cached pages.
        from reports.public import bump
        from roadmaps.projects import ON_PUBLICATION

        ON_PUBLICATION.append(bump)

        # The dashboard comes first for the department's staff; reports and the public tab last.
        after = next((i for i, item in enumerate(MENU) if item.url_name == "mcok:home"), None)
        MENU.insert(0 if after is None else after + 1, MenuItem("reports:dashboard", _("Dashboard"), STAFF))
        MENU.extend(
            [
                MenuItem("reports:reports", _("Reports"), STAFF),
                MenuItem("reports:site", _("Public tab"), SITE_MENU_KINDS),
            ]
        )

        from mcok.periods import PERIOD_USE_PROVIDERS

        PERIOD_USE_PROVIDERS.append(_period_use)

        from mcok import audit as core_audit
        from mcok.demo import register_loader
        from reports import audit

        core_audit.register(audit.KINDS, audit.SOURCES)  # this app's events in the audit trail
        register_loader(self.label, "reports.demo.load")  # load_demo runs the loaders in app order


def _period_use(municipality):
    """A period the municipality uses: one of its reports."""
    from django.db.models import Exists, OuterRef

    from reports.models import Report

    return Exists(Report.objects.filter(period=OuterRef("pk"), municipality=municipality))
