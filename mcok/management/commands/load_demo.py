import logging
from contextlib import contextmanager
from importlib import import_module

from django.core.management.base import BaseCommand
from django.test.utils import override_settings
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
        logins = demo.load()
        # Later apps add their seed content in <app>/demo.py with a load() function, which may return
        # logins of its own (the people the orders assign to directions).
        for app in ("directions", "indicators", "monitoring", "roadmaps", "reports"):
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            logins += module.load() or []
        return logins
