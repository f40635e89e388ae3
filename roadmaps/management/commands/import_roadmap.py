"""python manage.py import_roadmap FILE --municipality SLUG [--direction CODE] [--dry-run]: import the
roadmaps of a Word document (.docx) or an XLSX workbook and print one JSON summary."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directions.models import Direction
from mcok.models import Municipality
from roadmaps import docx_reader, imports


class Command(BaseCommand):
    help = (
        "Import the roadmaps of FILE (.docx or .xlsx) into a municipality, optionally for one of its "
        "directions, and print one JSON object {'roadmaps': [{title, sections, events}], 'warnings': "
        "[...]}. With --dry-run nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .docx or .xlsx file")
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument(
            "--direction", default="", help="the code of the municipality's direction, e.g. 1.1"
        )
        parser.add_argument("--dry-run", action="store_true", help="read and match, write nothing")

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("No municipality «%(slug)s».") % {"slug": options["municipality"]})
        direction = None
        if options["direction"]:
            direction = (
                Direction.objects.filter(municipality=municipality, code=options["direction"])
                .order_by("-pk")
                .first()
            )
            if direction is None:
                raise CommandError(
                    _("The municipality has no direction «%(code)s».") % {"code": options["direction"]}
                )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file «%(path)s».") % {"path": path})
        if path.stat().st_size > docx_reader.MAX_FILE_BYTES:
            raise CommandError(
                _("The file is larger than %(size)s MB; it is refused.")
                % {"size": docx_reader.MAX_FILE_BYTES // (1024 * 1024)}
            )
        try:
            result = imports.read_file(path.read_bytes(), path.name)
        except docx_reader.RoadmapFileError as error:
            raise CommandError(str(error)) from None
        summary = imports.roadmaps_import(
            result=result, municipality=municipality, direction=direction, dry_run=options["dry_run"]
        )
        summary["dry_run"] = options["dry_run"]
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
