from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mcok import demo


class Command(BaseCommand):
    help = "Load the demo municipalities of the seeds and print the demo logins. Safe to run again."

    def handle(self, *args, **options):
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
        self.stdout.write(_("Demo logins (password «%(password)s»):") % {"password": demo.DEMO_PASSWORD})
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} — {login.scope}")
