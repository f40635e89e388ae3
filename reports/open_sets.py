"""Open data sets as Russian official sites publish them (the methodological recommendations on the
publication of open data, version 3.0): each table of reports.open_data is a set with a passport
(meta.csv), a structure file describing every column (structure-<date>.csv) and a data file named by
the date of the data and the date of the structure (data-<date>-structure-<date>.csv); list.csv is
the register of a municipality's sets.

The files are machine-readable: UTF-8 without a BOM, comma separated, numbers with a decimal point.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mcok.exports import machine_csv_bytes
from mcok.models import Municipality
from reports.models import PublicVersion
from reports.open_data import SPECS, TABLES, Spec, Table, published_versions, table

STANDARD_VERSION = "http://opendata.gosmonitor.ru/standard/3.0"
SET_FORMAT = "csv"
TYPES = {
    "string": gettext_lazy("string"),
    "number": gettext_lazy("number (the decimal separator is a point)"),
    "integer": gettext_lazy("integer"),
    "date": gettext_lazy("date (YYYY-MM-DD)"),
}


def stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def structure_name(spec: Spec) -> str:
    return f"structure-{stamp(spec.structure_date)}"


def data_name(spec: Spec, day: date) -> str:
    return f"data-{stamp(day)}-structure-{stamp(spec.structure_date)}"


def set_identifier(municipality: Municipality, spec: Spec) -> str:
    """«<code of the municipality>-<set>»: the code is the municipality's slug, unique on the portal."""
    return f"{municipality.slug}-{spec.name}"


def open_csv(headers: list[str], rows: Iterator[list] | list[list]) -> bytes:
    """CSV as the recommendations ask for machine-readable sets (mcok.exports.machine_csv_bytes)."""
    return machine_csv_bytes(headers, rows)


def parses_as(value: str, type_name: str) -> bool:
    """Whether a CSV cell of a data file is written as its column's type says (empty is «no value»)."""
    if value == "":
        return True
    if type_name == "string":
        return True
    if type_name == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if type_name == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if type_name == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    return False


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""


@dataclass
class Passport:
    spec: Spec
    municipality: Municipality
    table: Table
    created: date | None
    contact: Contact

    @property
    def identifier(self) -> str:
        return set_identifier(self.municipality, self.spec)

    @property
    def data_date(self) -> date:
        if self.table.updated is None:
            return self.spec.structure_date
        return timezone.localdate(self.table.updated)

    @property
    def structure_date(self) -> date:
        return self.spec.structure_date

    @property
    def data_name(self) -> str:
        return data_name(self.spec, self.data_date)

    @property
    def structure_name(self) -> str:
        return structure_name(self.spec)

    @property
    def site_url(self) -> str:
        address = (self.municipality.site_url or "").strip()
        return address if address.lower().startswith(("http://", "https://")) else ""

    @property
    def creator(self) -> str:
        return self.municipality.department or self.municipality.name

    def href(self, name: str) -> str:
        return reverse("open:data_set_file", args=[self.municipality.slug, self.spec.name, f"{name}.csv"])

    @property
    def page_href(self) -> str:
        return reverse("open:data_set", args=[self.municipality.slug, self.spec.name])

    @property
    def data_href(self) -> str:
        return self.href(self.data_name)

    @property
    def structure_href(self) -> str:
        return self.href(self.structure_name)

    @property
    def meta_href(self) -> str:
        return self.href("meta")

    def fields(self, base: str = "") -> list[tuple[str, str, str]]:
        """(property, Russian title, value) in the order of meta.csv; addresses prefixed by `base`."""
        contact = self.contact
        return [
            ("standardversion", _("Version of the methodological recommendations"), STANDARD_VERSION),
            ("identifier", _("Identifier of the set"), self.identifier),
            ("title", _("Title of the set"), str(self.spec.title)),
            ("description", _("Description of the set"), str(self.spec.description)),
            ("creator", _("Owner of the set"), self.creator),
            ("format", _("Format of the data"), SET_FORMAT),
            ("subject", _("Keywords"), str(self.spec.subject)),
            ("created", _("Date of the first publication"), stamp(self.created) if self.created else ""),
            ("modified", _("Date of the data"), stamp(self.data_date)),
            ("structure", _("Date of the structure"), stamp(self.structure_date)),
            ("version", _("Version of the set"), self.data_name),
            (self.data_name, _("Address of the data file"), base + self.data_href),
            (self.structure_name, _("Address of the structure file"), base + self.structure_href),
            ("publishername", _("Responsible for the set"), contact.name),
            ("publisherphone", _("Phone of the responsible"), contact.phone),
            ("publishermbox", _("E-mail of the responsible"), contact.email),
            ("publisherpage", _("Site of the owner"), self.site_url),
        ]

    def meta_csv(self, base: str = "") -> bytes:
        return open_csv(["property", "title", "value"], [list(row) for row in self.fields(base)])

    def structure_rows(self) -> list[list[str]]:
        return [
            [column.name, str(column.description or column.title), column.type]
            for column in self.spec.columns
        ]

    def structure_csv(self) -> bytes:
        return open_csv(["field name", "russian description", "format"], self.structure_rows())

    def data_csv(self) -> bytes:
        return open_csv([column.name for column in self.spec.columns], self.table.rows)


def open_data_contact(municipality: Municipality) -> Contact:
    """Whom the passports name as responsible for the sets: the department itself. Officials'
    phones and addresses never reach the public tab, so no person is named from the portal's
    records; the department's own site, when known, is where to write."""
    return Contact(municipality.department or municipality.name)


def first_publication(municipality: Municipality) -> date | None:
    first = (
        PublicVersion.objects.filter(page__municipality=municipality)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else None


def passports(municipality: Municipality) -> list[Passport]:
    """The passport of every set of the municipality, in the order of SPECS."""
    versions = published_versions(municipality)
    created = first_publication(municipality)
    contact = open_data_contact(municipality)
    return [
        Passport(spec, municipality, table(municipality, spec.name, versions), created, contact)
        for spec in SPECS
    ]


def passport(municipality: Municipality, name: str) -> Passport:
    spec = TABLES[name]
    return Passport(
        spec,
        municipality,
        table(municipality, name),
        first_publication(municipality),
        open_data_contact(municipality),
    )


def list_csv(municipality: Municipality, found: list[Passport], base: str = "") -> bytes:
    """The register of the municipality's sets: identifier, title, passport address, format."""
    return open_csv(
        ["property", "title", "value", "format"],
        [[item.identifier, str(item.spec.title), base + item.meta_href, SET_FORMAT] for item in found],
    )
