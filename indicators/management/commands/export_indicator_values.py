"""python manage.py export_indicator_values --municipality SLUG [--period CODE ...]
[--indicator CODE ...] [--format csv|xlsx|json] [--output FILE]"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators import imports
from indicators.models import Indicator
from mcok import services as core_services
from mcok.models import Municipality, Period


class Command(BaseCommand):
    help = (
        "Export the computed indicator values of a municipality (all, or only the given periods and "
        "indicators) as CSV, XLSX or JSON: to FILE with --output, else to standard output (CSV and "
        "JSON only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument(
            "--period", action="append", default=[], help="a period code (2024, 2024/25, 2024-H1, 2024-Q3)"
        )
        parser.add_argument("--indicator", action="append", default=[], help="an indicator code")
        parser.add_argument("--format", choices=imports.EXPORT_FORMATS, default="csv")
        parser.add_argument("--output", help="the file to write; standard output when absent")

    def handle(self, *args, **options):
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError(_("An XLSX export needs --output FILE."))
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError(_("There is no municipality «%(slug)s».") % {"slug": options["municipality"]})
        periods = self.periods(options["period"]) if options["period"] else None
        indicators = self.indicators(municipality, options["indicator"]) if options["indicator"] else None
        content = imports.export_indicator_values(
            municipality=municipality, periods=periods, indicators=indicators, fmt=fmt
        )
        if output:
            try:
                Path(output).write_bytes(content)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(path)s: %(error)s.") % {"path": output, "error": error}
                ) from None
        else:  # the BOM is for Excel opening a file, not for a terminal or a pipe
            self.stdout.write(content.decode("utf-8-sig"), ending="" if fmt == "csv" else "\n")

    def periods(self, codes: list[str]) -> list[Period]:
        periods = []
        for code in codes:
            try:
                kind, year, number = core_services.period_parse(code)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            period = Period.objects.filter(kind=kind, year=year, number=number).first()
            if period is None:
                raise CommandError(_("There is no period %(code)s.") % {"code": code})
            periods.append(period)
        return periods

    def indicators(self, municipality: Municipality, codes: list[str]) -> list[Indicator]:
        found = {i.code: i for i in Indicator.objects.filter(municipality=municipality, code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise CommandError(
                _("%(municipality)s has no indicators %(codes)s.")
                % {"municipality": municipality, "codes": ", ".join(f"«{code}»" for code in missing)}
            )
        return list(found.values())
