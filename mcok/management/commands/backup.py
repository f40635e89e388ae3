"""`manage.py backup --to DIR`: the database (pg_dump, custom format) and the uploaded files (a tar of
MEDIA_ROOT) in one folder, with a manifest of row counts and checksums that `restore` checks."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mcok import backups


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the uploaded files into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="The folder to write; created when missing.")

    def handle(self, *args, **options):
        folder = Path(options["to"])
        try:
            manifest = backups.backup(folder)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(manifest["summary"], ensure_ascii=False))
        self.stdout.write(_("Backup written to %(folder)s.") % {"folder": folder})
