"""Open data of the public tab: tables made only of the frozen content of the versions published now.

Nothing here reads the live data: a value changed after publication reaches the open data only when
the operator publishes the page again. CSV goes through mcok.exports (UTF-8 with a BOM, `;`, text
that could run as a formula quoted, a decimal comma, Russian headers with the column names beside
them); JSON is {"table", "municipality", "updated", "columns", "rows"}.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions.fioko import natural_key
from mcok.exports import csv_bytes
from mcok.models import Municipality
from reports.models import PublicPage, PublicVersion
from roadmaps.models import Occurrence

FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class Column:
    name: str
    title: Promise
    type: str = "string"  # one of open_sets.TYPES: how the values of the column are written
    description: Promise | None = None  # for the structure of the set, where the title is too short


@dataclass(frozen=True)
class Spec:
    name: str
    title: Promise
    description: Promise
    columns: tuple[Column, ...]
    rows: Callable[[Municipality, PublicVersion], Iterator[list]] = field(repr=False)
    subject: Promise = gettext_lazy("education, quality of education")
    # The day the columns were last changed: a new column or a changed meaning gets a new date, and
    # so new names of the structure and data files.
    structure_date: date = date(2026, 12, 7)


@dataclass
class Table:
    spec: Spec
    municipality: Municipality
    rows: list[list]
    updated: datetime | None

    @property
    def name(self) -> str:
        return self.spec.name


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _period(period: dict | None) -> str:
    return (period or {}).get("code", "")


def _direction_code(content: dict) -> str:
    return (content.get("direction") or {}).get("code", "")


def _indicator_rows(municipality: Municipality, version: PublicVersion) -> Iterator[list]:
    content = version.content or {}
    for indicator in content.get("indicators") or []:
        for row in indicator.get("dynamics") or []:
            yield [
                municipality.name,
                _direction_code(content),
                indicator.get("code", ""),
                indicator.get("name", ""),
                indicator.get("unit", ""),
                _period(row.get("period")),
                _decimal(row.get("value")),
                _decimal(row.get("target")),
                1 if row.get("completeness") else 0,
            ]


def _organization_rows(municipality: Municipality, version: PublicVersion) -> Iterator[list]:
    content = version.content or {}
    for indicator in content.get("indicators") or []:
        organizations = indicator.get("organizations")
        if not organizations:  # None: the organizations' values are not published
            continue
        period = _period((indicator.get("latest") or {}).get("period"))
        for row in organizations:
            yield [
                municipality.name,
                _direction_code(content),
                indicator.get("code", ""),
                indicator.get("name", ""),
                indicator.get("unit", ""),
                period,
                row.get("name", ""),
                _decimal(row.get("value")),
            ]


def _event_rows(municipality: Municipality, version: PublicVersion) -> Iterator[list]:
    content = version.content or {}
    states = {str(value): str(label) for value, label in Occurrence.State.choices} | {"overdue": _("Overdue")}
    for roadmap in content.get("roadmaps") or []:
        for event in roadmap.get("events") or []:
            yield [
                municipality.name,
                _direction_code(content),
                roadmap.get("title", ""),
                event.get("number", ""),
                event.get("content", ""),
                event.get("deadline", ""),
                event.get("responsible", ""),
                states.get(event.get("state", ""), event.get("state", "")),
            ]


def _index_rows(municipality: Municipality, version: PublicVersion) -> Iterator[list]:
    content = version.content or {}
    index = content.get("index")
    if not index:
        return
    direction = content.get("direction") or {}
    yield [
        municipality.name,
        _period(index.get("period")),
        direction.get("code", ""),
        direction.get("name", ""),
        _decimal(index.get("percent")),
    ]


MUNICIPALITY = Column("municipality", gettext_lazy("Municipality"))
DIRECTION = Column("direction", gettext_lazy("Code of the direction"))
INDICATOR = Column("indicator", gettext_lazy("Code of the indicator"))
NAME = Column("name", gettext_lazy("Name of the indicator"))
UNIT = Column("unit", gettext_lazy("Unit"))
PERIOD = Column("period", gettext_lazy("Period"))

SPECS = (
    Spec(
        "indicators",
        gettext_lazy("Indicators"),
        gettext_lazy(
            "The municipality's value of each published indicator in every period, with the target "
            "for the period."
        ),
        (
            MUNICIPALITY,
            DIRECTION,
            INDICATOR,
            NAME,
            UNIT,
            PERIOD,
            Column("value", gettext_lazy("Value"), "number"),
            Column("target", gettext_lazy("Target"), "number"),
            Column(
                "preliminary",
                gettext_lazy("Preliminary"),
                "integer",
                description=gettext_lazy(
                    "1 when the value is preliminary: fewer organizations reported for the period "
                    "than the completeness threshold asks (the public tab marks it «preliminary: N of M "
                    "organizations»); 0 when it is complete"
                ),
            ),
        ),
        _indicator_rows,
        gettext_lazy("education, quality of education, indicators, monitoring"),
    ),
    Spec(
        "organization-values",
        gettext_lazy("Values of the organizations"),
        gettext_lazy(
            "The value of each organization in the latest period, only for the indicators whose "
            "organizations' values are published."
        ),
        (
            MUNICIPALITY,
            DIRECTION,
            INDICATOR,
            NAME,
            UNIT,
            PERIOD,
            Column("organization", gettext_lazy("Organization")),
            Column("value", gettext_lazy("Value"), "number"),
        ),
        _organization_rows,
        gettext_lazy("education, quality of education, educational organizations, monitoring"),
    ),
    Spec(
        "events",
        gettext_lazy("Roadmap events"),
        gettext_lazy("The events of the directions' roadmaps with their deadlines, responsible and state."),
        (
            MUNICIPALITY,
            DIRECTION,
            Column("roadmap", gettext_lazy("Roadmap")),
            Column(
                "number", gettext_lazy("No."), description=gettext_lazy("Number of the event in the roadmap")
            ),
            Column("content", gettext_lazy("Event")),
            Column("deadline", gettext_lazy("Deadline")),
            Column("responsible", gettext_lazy("Responsible")),
            Column("state", gettext_lazy("State")),
        ),
        _event_rows,
        gettext_lazy("education, roadmaps, events"),
    ),
    Spec(
        "indices",
        gettext_lazy("Indices of the management cycle"),
        gettext_lazy(
            "The index of each direction by the latest finished evaluation (FIOKO methodology), "
            "per cent; the row without a direction is the municipal index."
        ),
        (
            MUNICIPALITY,
            Column("period", gettext_lazy("Period of the evaluation")),
            DIRECTION,
            Column("direction_name", gettext_lazy("Direction")),
            Column("percent", gettext_lazy("Index, %"), "number"),
        ),
        _index_rows,
        gettext_lazy("education, management mechanisms, evaluation, FIOKO"),
    ),
)
TABLES = {spec.name: spec for spec in SPECS}


def published_versions(municipality: Municipality) -> list[PublicVersion]:
    """The versions the public reads now, one per published page, in the pages' order."""
    published = PublicPage.objects.filter(municipality=municipality, published__isnull=False).values(
        "published"
    )
    return list(
        PublicVersion.objects.filter(pk__in=published)
        .select_related("page")
        .order_by("page__order", "page__title", "page__pk")
    )


def _home_index_rows(municipality: Municipality, version: PublicVersion) -> Iterator[list]:
    index = (version.content or {}).get("index")
    if index:
        yield [municipality.name, _period(index.get("period")), "", "", _decimal(index.get("percent"))]


def table(municipality: Municipality, name: str, versions: list[PublicVersion] | None = None) -> Table:
    """The table `name` of the municipality, made of the published versions' frozen content; its
    `updated` is when the newest version that gave it rows was published."""
    spec = TABLES[name]
    versions = published_versions(municipality) if versions is None else versions
    rows: list[list] = []
    updated = None
    for version in versions:
        kind = version.page.kind
        if kind == PublicPage.Kind.DIRECTION:
            found = list(spec.rows(municipality, version))
        elif kind == PublicPage.Kind.HOME and name == "indices":
            found = list(_home_index_rows(municipality, version))
        else:
            found = []
        if found:
            rows += found
            updated = max(filter(None, [updated, version.published_at]))
    if updated is None:  # no rows: the table is as of the latest publication
        updated = max((version.published_at for version in versions), default=None)
    if name == "indices":
        rows.sort(key=lambda row: (row[1], row[2] != "", natural_key(row[2])))
    return Table(spec, municipality, rows, updated)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def csv_header(column: Column) -> str:
    """A CSV column's header for a person with the machine name beside it: «Код показателя
    (indicator)»; the JSON keeps the bare names."""
    return f"{column.title} ({column.name})"


def export(result: Table, format: str) -> tuple[bytes, str]:
    """The table as a file: (content, content type) for "csv" or "json"."""
    columns = result.spec.columns
    if format == "csv":
        return csv_bytes([csv_header(column) for column in columns], result.rows), CONTENT_TYPES["csv"]
    document = {
        "table": result.name,
        "title": str(result.spec.title),
        "municipality": {"slug": result.municipality.slug, "name": result.municipality.name},
        "updated": timezone.localtime(result.updated).isoformat() if result.updated else None,
        "columns": [{"name": column.name, "title": str(column.title)} for column in columns],
        "rows": [[_json_value(value) for value in row] for row in result.rows],
    }
    content = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    return content, CONTENT_TYPES["json"]


def catalogue(municipality: Municipality) -> list[dict]:
    """Every table with its description, columns, number of rows, last update and its files with
    their addresses and sizes."""
    versions = published_versions(municipality)
    result = []
    for spec in SPECS:
        made = table(municipality, spec.name, versions)
        files = []
        for format in FORMATS:
            content, _type = export(made, format)
            files.append(
                {
                    "format": format.upper(),
                    "href": reverse("open:data_file", args=[municipality.slug, spec.name, format]),
                    "size": len(content),
                }
            )
        result.append(
            {
                "name": spec.name,
                "title": spec.title,
                "description": spec.description,
                "columns": spec.columns,
                "rows": len(made.rows),
                "updated": made.updated,
                "files": files,
            }
        )
    return result


def published_document_ids(municipality: Municipality) -> set[int]:
    """The documents a published page of the municipality links: only their files are served."""
    ids = set()
    for version in published_versions(municipality):
        for document in (version.content or {}).get("documents") or []:
            if isinstance(document.get("id"), int):
                ids.add(document["id"])
    return ids
