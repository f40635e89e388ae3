"""`manage.py restore --from DIR [--database-url URL]`: a backup made by `backup` into an empty
database, the uploaded files into MEDIA_ROOT; then the restored tables are checked against the
manifest's row counts and checksums."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mcok import backups


class Command(BaseCommand):
    help = "Restore a backup into an empty PostgreSQL database and check it against its manifest."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="The folder `backup` wrote.")
        parser.add_argument(
            "--database-url",
            default="",
            help="The database to restore into (default: DATABASE_URL); it must be empty.",
        )
        parser.add_argument("--media-root", default="", help="Where the files go (default: MEDIA_ROOT).")

    def handle(self, *args, **options):
        try:
            report = backups.restore(
                Path(options["source"]),
                database_url=options["database_url"] or None,
                media_root=Path(options["media_root"]) if options["media_root"] else None,
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report, ensure_ascii=False))
        self.stdout.write(_("Restored and checked: every table matches the backup."))
