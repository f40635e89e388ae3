"""python manage.py import_data_values FILE --municipality SLUG [--dry-run]"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators import imports
from mcok.models import Municipality

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = (
        "Import data values of a municipality from a CSV or XLSX file in long format (columns "
        "организация, период, элемент, значение; English names too): all or nothing. Prints a JSON "
        "summary {rows, created, updated, unchanged, errors}; with errors, nothing is written and the "
        "command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File %(path)s does not exist.") % {"path": path})
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("There is no municipality «%(slug)s».") % {"slug": options["municipality"]})
        try:
            with path.open("rb") as file:
                result = imports.parse_data_values(file, municipality=municipality, filename=path.name)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error}
            ) from None
        summary = {"rows": result.rows_read, "created": 0, "updated": 0, "unchanged": 0}
        if not result.errors:
            try:
                done = imports.import_data_values(result, by=None, dry_run=options["dry_run"])
            except ValidationError as error:  # the data changed between reading and writing
                result.errors = error.messages
            else:
                summary |= done.as_json()
        self.stdout.write(json.dumps({**summary, "errors": result.errors}, ensure_ascii=False, indent=2))
        if result.errors:
            raise CommandError(problems_text(result.errors))


def problems_text(problems: list[str]) -> str:
    """The problems one a line, the first SHOWN_PROBLEMS of them."""
    lines = problems[:SHOWN_PROBLEMS]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(_("…and %(count)s more problems.") % {"count": len(problems) - SHOWN_PROBLEMS})
    return "\n".join(lines)
