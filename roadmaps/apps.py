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
            MenuItem("roadmaps:my_events", _("My events"), EVERYONE - STAFF),
            MenuItem("roadmaps:groups", _("Project groups"), STAFF),
            MenuItem("roadmaps:projects", _("Municipal projects"), STAFF),
            MenuItem("roadmaps:instructions", _("Instructions"), STAFF),
            MenuItem("roadmaps:recommendations", _("Recommendations"), EVERYONE),
        ]

        from mcok.selectors import ATTENTION_PROVIDERS

        ATTENTION_PROVIDERS.extend([_events_attention, _recommendations_attention, _instructions_attention])

        from indicators.links import RISK_GROUP_ACTIONS

        RISK_GROUP_ACTIONS.append(_risk_group_recommendation)

        from roadmaps.evidence import register_evidence  # the self-assessment's proposals read it

        register_evidence()

        from directions.dossier import SECTION_PROVIDERS

        SECTION_PROVIDERS.append(_projects_section)

        from mcok.periods import PERIOD_USE_PROVIDERS

        PERIOD_USE_PROVIDERS.append(_period_use)

        from mcok import audit as core_audit
        from mcok.demo import register_loader
        from roadmaps import audit

        core_audit.register(audit.KINDS, audit.SOURCES)  # this app's events in the audit trail
        register_loader(self.label, "roadmaps.demo.load")  # load_demo runs the loaders in app order


# Imported when called: the providers' modules import models, not ready in ready()'s import phase.
def _events_attention(user, roles):
    from roadmaps.selectors import attention

    return attention(user, roles)


def _recommendations_attention(user, roles):
    from roadmaps.recommendations import attention

    return attention(user, roles)


def _instructions_attention(user, roles):
    from roadmaps.instructions import attention

    return attention(user, roles)


def _projects_section(user, direction, period):
    from roadmaps.projects import dossier_sections

    return dossier_sections(user, direction, period)


def _risk_group_recommendation(user, indicator, period, rows):
    from roadmaps.links import risk_group_recommendation

    return risk_group_recommendation(user, indicator, period, rows)


def _period_use(municipality):
    """A period the municipality uses: a recommendation or a decision of it, a year its roadmaps run."""
    from django.db.models import Exists, OuterRef

    from roadmaps.models import Decision, Recommendation, Roadmap

    return (
        Exists(Recommendation.objects.filter(period=OuterRef("pk"), municipality=municipality))
        | Exists(Decision.objects.filter(period=OuterRef("pk"), municipality=municipality))
        | Exists(
            Roadmap.objects.filter(
                municipality=municipality,
                start_year__lte=OuterRef("year"),
                end_year__gte=OuterRef("year"),
            )
        )
    )
