import logging
from contextlib import contextmanager

from django.apps import apps
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mcok import demo

# The in-process tasks report each run at INFO, and kombu warns that no broker host is given: neither
# is news to someone who loads the demo, who wants the logins.
QUIET = ("celery", "celery.app.trace", "celery.worker", "kombu", "kombu.connection")


@contextmanager
def _quiet():
    loggers = [logging.getLogger(name) for name in QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        # The demo's own letters (an opening collection, a reminder) go nowhere: the addresses are on
        # a reserved domain, and the console is for the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo municipalities of the seeds and print the demo logins. Safe to run again."

    def handle(self, *args, **options):
        with _quiet():
            logins = self._load()
        self.stdout.write(_("Demo logins (password «%(password)s»):") % {"password": demo.DEMO_PASSWORD})
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} — {login.scope}")

    def _load(self) -> list:
        # Every app registers its demo loader (<app>/demo.py's load(), which may return logins of its
        # own) from its AppConfig.ready; they run in the order of INSTALLED_APPS, the core's first.
        logins = []
        for config in apps.get_app_configs():
            path = demo.LOADERS.get(config.label)
            if path:
                logins += import_string(path)() or []
        return logins
