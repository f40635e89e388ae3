"""python manage.py import_google_form FILE --municipality SLUG --period CODE --title "TITLE"
[--org-column "COLUMN TITLE"] [--kind CODE=TYPE ...] [--element CODE=ELEMENT ...] [--dry-run]"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mcok import services as core_services
from mcok.models import Municipality
from monitoring import imports

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = (
        "Import a Google Forms response export (CSV or XLSX, first column «Отметка времени») as a form, "
        "an open collection for the period and one submitted answer per organization (its latest "
        "response): all or nothing. Prints one JSON object {form, campaign, submissions, errors, unknown, "
        "superseded, rows}; with errors nothing is written and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx export of the form's responses")
        # Checked in handle(), not by argparse, so that a missing one is named in Russian.
        parser.add_argument("--municipality", default="", help="the municipality's slug (required)")
        parser.add_argument(
            "--period", default="", help="a period code: 2025, 2025/26, 2025-H1, 2025-Q3 (required)"
        )
        parser.add_argument("--title", default="", help="the title of the form and the collection (required)")
        parser.add_argument(
            "--org-column",
            default="",
            help="the title of the column naming the organization (default: guessed)",
        )
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            metavar="CODE=TYPE",
            help=f"change a proposed question's type; types: {', '.join(imports.IMPORT_KINDS)}",
        )
        parser.add_argument(
            "--element",
            action="append",
            default=[],
            metavar="CODE=ELEMENT",
            help="bind a grid's table question to a data element split by categories",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report every row, write nothing"
        )

    def handle(self, *args, **options):
        missing = [f"--{name}" for name in ("municipality", "period", "title") if not options[name].strip()]
        if missing:
            raise CommandError(_("Give the arguments %(arguments)s.") % {"arguments": ", ".join(missing)})
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("File %(path)s does not exist.") % {"path": path})
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("There is no municipality «%(slug)s».") % {"slug": options["municipality"]})
        try:
            core_services.period_parse(options["period"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error}
            ) from None
        try:
            sheet = imports.read_responses(content, path.name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        proposal = imports.propose(sheet, municipality)
        organization_column = proposal.organization_column
        if options["org_column"]:
            organization_column = imports.organization_column_by_title(sheet, options["org_column"])
            if organization_column is None:
                raise CommandError(
                    _("There is no column «%(column)s» in the file. Its columns: %(columns)s.")
                    % {
                        "column": options["org_column"],
                        "columns": "; ".join(f"«{title}»" for title in sheet.header[1:]),
                    }
                )
        edits = self._kinds(options["kind"], proposal)
        for index, element in self._elements(options["element"], proposal).items():
            edits.setdefault(index, {})["data_element"] = element
        proposal, problems = imports.proposal_edit(
            sheet, proposal, edits, organization_column, municipality=municipality
        )
        if problems:
            raise CommandError("\n".join(problems))
        outcome = imports.import_responses(
            sheet,
            proposal,
            municipality=municipality,
            period_code=options["period"],
            title=options["title"],
            by=None,
            dry_run=options["dry_run"],
        )
        self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
        if outcome.errors:
            raise CommandError(problems_text(outcome.errors))

    def _kinds(self, pairs: list[str], proposal: imports.Proposal) -> dict[int, dict[str, str]]:
        """Column index → {"kind": …} from the CODE=TYPE arguments."""
        by_code = {column.code: column for column in proposal.columns}
        edits = {}
        for pair in pairs:
            code, _sign, kind = pair.partition("=")
            column = by_code.get(code.strip())
            if column is None:
                raise CommandError(
                    _("No proposed question has the code «%(code)s». The codes: %(codes)s.")
                    % {"code": code, "codes": ", ".join(by_code)}
                )
            if kind.strip() not in imports.IMPORT_KINDS:
                raise CommandError(
                    _("«%(kind)s» is not a question type. The types: %(kinds)s.")
                    % {"kind": kind, "kinds": ", ".join(imports.IMPORT_KINDS)}
                )
            edits[column.index] = {"kind": kind.strip()}
        return edits

    def _elements(self, pairs: list[str], proposal: imports.Proposal) -> dict[int, str]:
        """Column index → the data element's code, from the CODE=ELEMENT arguments."""
        grids = {column.code: column for column in proposal.columns if column.grid}
        found = {}
        for pair in pairs:
            code, _sign, element = pair.partition("=")
            column = grids.get(code.strip())
            if column is None:
                raise CommandError(
                    _("No grid of the file is proposed with the code «%(code)s». The grids: %(codes)s.")
                    % {"code": code, "codes": ", ".join(grids) or "—"}
                )
            found[column.index] = element.strip()
        return found


def problems_text(errors: list[dict]) -> str:
    """The problems one a line, the first SHOWN_PROBLEMS of them."""
    lines = [
        _("Row %(row)s: %(message)s") % error if error["row"] else error["message"]
        for error in errors[:SHOWN_PROBLEMS]
    ]
    if len(errors) > SHOWN_PROBLEMS:
        lines.append(_("…and %(count)s more problems.") % {"count": len(errors) - SHOWN_PROBLEMS})
    return "\n".join(lines)
