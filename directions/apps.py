from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectionsConfig(AppConfig):
    name = "directions"
    verbose_name = _("Directions")

    def ready(self):
        from directions import selectors  # noqa: F401  (adds "my work" of the cycle to the home page)
        from directions.expert_home import expert_attention
        from mcok.selectors import ATTENTION_PROVIDERS

        ATTENTION_PROVIDERS.append(expert_attention)  # the positions waiting for an expert's score
        from mcok.navigation import MENU, STAFF, MenuItem

        MENU.insert(1, MenuItem("directions:overview", _("Directions"), STAFF))
        MENU.insert(2, MenuItem("directions:evaluations", _("Evaluations"), STAFF))

        from mcok.selectors import PERIOD_DATA_PROVIDERS

        PERIOD_DATA_PROVIDERS.append(_period_data)

        from mcok.periods import PERIOD_USE_PROVIDERS

        PERIOD_USE_PROVIDERS.append(_period_use)

        from directions import audit
        from mcok import audit as core_audit
        from mcok.demo import register_loader

        core_audit.register(audit.KINDS, audit.SOURCES)  # this app's events in the audit trail
        register_loader(self.label, "directions.demo.load")  # load_demo runs the loaders in app order


def _period_data(municipality):
    """A period holds the municipality's data when a cycle of it is opened or an evaluation finished."""
    from django.db.models import Exists, OuterRef

    from directions.models import Cycle, Evaluation

    cycles = Cycle.objects.filter(period=OuterRef("pk"), direction__municipality=municipality)
    finished = Evaluation.objects.filter(
        period=OuterRef("pk"), municipality=municipality, state=Evaluation.State.FINISHED
    )
    return Exists(cycles) | Exists(finished)


def _period_use(municipality):
    """A period the municipality uses: one of its cycles, evaluations or evaluation positions."""
    from django.db.models import Exists, OuterRef

    from directions.models import Cycle, Evaluation, Position

    return (
        Exists(Cycle.objects.filter(period=OuterRef("pk"), direction__municipality=municipality))
        | Exists(Evaluation.objects.filter(period=OuterRef("pk"), municipality=municipality))
        | Exists(Position.objects.filter(period=OuterRef("pk"), municipality=municipality))
    )
