"""python manage.py import_responsibilities FILE --municipality SLUG --starts-on YYYY-MM-DD
[--document ID] [--skip-unknown] [--dry-run]: the import of the order's table of assignments
(Приложение 1) from the shell, as the page does it; prints one JSON summary."""

import json
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directions import responsibility_reader as reader
from directions import services
from mcok.models import Document, Municipality


class Command(BaseCommand):
    help = (
        "Import the assignments of the directions from the order's table in FILE (.docx or .xlsx) into "
        "a municipality, from the date given, citing the document (the order) given: all or nothing. "
        "Names or directions not found stop the import unless --skip-unknown. Prints one JSON object "
        "{added, present, unknown, problems, dry_run}. Importing the same table again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .docx or .xlsx file")
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--starts-on", required=True, help="the first day of the assignments, YYYY-MM-DD")
        parser.add_argument(
            "--document", type=int, help="the id of the order (a document of the municipality)"
        )
        parser.add_argument("--skip-unknown", action="store_true", help="leave out the names not found")
        parser.add_argument("--dry-run", action="store_true", help="read and match, write nothing")

    def handle(self, *args, **options):
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("There is no municipality «%(slug)s».") % {"slug": options["municipality"]})
        try:
            starts_on = date.fromisoformat(options["starts_on"])
        except ValueError:
            raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
        document = None
        if options["document"] is not None:
            document = Document.objects.filter(pk=options["document"], municipality=municipality).first()
            if document is None:
                raise CommandError(
                    _("The municipality has no document %(id)s.") % {"id": options["document"]}
                )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File %(path)s does not exist.") % {"path": path})
        try:
            result = reader.read_assignments(path)
        except reader.ResponsibilityFileError as error:
            raise CommandError(str(error)) from None
        if options["dry_run"]:
            plan = services.responsibilities_import_plan(
                result=result, municipality=municipality, starts_on=starts_on
            )
        else:
            try:
                plan = services.responsibilities_import(
                    result=result,
                    municipality=municipality,
                    starts_on=starts_on,
                    document=document,
                    by=None,
                    skip_unknown=options["skip_unknown"],
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        summary = {
            "added": plan.created if not options["dry_run"] else len(plan.new),
            "present": len(plan.present),
            "unknown": plan.unknown_names,
            "unknown_directions": list(
                dict.fromkeys(item.code for item in plan.of(services.ImportStatus.NO_DIRECTION))
            ),
            "problems": plan.problems,
            "dry_run": options["dry_run"],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
