from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class McokConfig(AppConfig):
    name = "mcok"
    verbose_name = _("Core")

    def ready(self) -> None:
        from mcok import tokens  # noqa: F401  (connects the password-change receiver)
        from mcok.demo import register_loader

        register_loader(self.label, "mcok.demo.load")  # the municipalities, people and periods first
