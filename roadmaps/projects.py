"""Municipal projects: their passports (writes and the reads with meaning), the dossier's section of
the directions a project serves, and the passport as HTML and PDF.

A passport keeps the order's words: the leader, deputies, executors and co-executors are stored as
written, each line linked to the municipality's official or organization whose name begins it
(«Загуменнова Л.В., заместитель начальника УОМПиС» → the official Загуменнова Л.В.); tasks, risks
and effects are ordered lists of lines. Who may write is decided by roadmaps.access
(`can_edit_project`, `may_keep_projects`); every function here that writes checks it.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directions.models import Direction
from indicators.models import Indicator
from mcok import names
from mcok.models import Document, Municipality, Official, Organization, Period, User
from roadmaps import access
from roadmaps.models import (
    DesignatedRole,
    MunicipalProject,
    ProjectParticipant,
    RegionalProject,
    Roadmap,
)

Role = ProjectParticipant.Role

# Called with the municipality when a project is published or withdrawn: the public tab (a higher
# app) registers the renewal of its cached pages here from its AppConfig.ready.
ON_PUBLICATION: list[Callable[[Municipality], None]] = []


def lines(text: str) -> list[str]:
    """The non-empty lines of a text field, stripped, in their order."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# Writes ---------------------------------------------------------------------------------------------


def _require(user: User, municipality: Municipality) -> None:
    if not access.may_keep_projects(user, municipality):
        raise PermissionDenied(access.REFUSED_PROJECT)


def _check_years(start_year: int | None, end_year: int | None) -> None:
    if start_year and end_year and end_year < start_year:
        raise ValidationError(_("The project's last year comes before its first year."))


def _same_municipality(municipality: Municipality, records: Iterable, label: str) -> None:
    for record in records:
        if record is not None and record.municipality_id != municipality.pk:
            raise ValidationError(
                _("%(what)s «%(name)s» belongs to another municipality.") % {"what": label, "name": record}
            )


def _match(text: str, officials: list[Official], organizations: list[Organization]) -> dict:
    """The official named before the first comma or bracket of the line, else the organization whose
    name begins it (mcok.names: spellings of a name agree, an ambiguous one links nobody)."""
    head = re.split(r"[,(;]", text, maxsplit=1)[0]
    official = names.best_official(head, officials) if names.person_key(head) else None
    if official is not None:
        return {"official": official}
    organization = names.organization_at_start(text, organizations)
    return {"organization": organization} if organization is not None else {}


def participants_set(*, project: MunicipalProject, role: str, texts: list[str]) -> list[ProjectParticipant]:
    """Replace the project's participants of one role by the lines as written, each linked to the
    official or organization of the municipality whose name begins it."""
    officials = list(Official.objects.filter(municipality=project.municipality_id, is_active=True))
    organizations = list(Organization.objects.filter(municipality=project.municipality_id))
    ProjectParticipant.objects.filter(project=project, role=role).delete()
    rows = [
        ProjectParticipant(
            project=project, role=role, text=text[:1000], order=n, **_match(text, officials, organizations)
        )
        for n, text in enumerate(texts)
    ]
    return ProjectParticipant.objects.bulk_create(rows)


@dataclass
class PassportInput:
    """What a passport form gives; participants as lines, each «name, position» as written."""

    title: str
    start_year: int | None = None
    end_year: int | None = None
    leader: Official | None = None
    leader_text: str = ""
    basis: str = ""
    goal: str = ""
    tasks: list[str] | None = None
    events_text: str = ""
    risks: list[str] | None = None
    effects: list[str] | None = None
    regional_project: RegionalProject | None = None
    roadmap: Roadmap | None = None
    document: Document | None = None
    indicators: list[Indicator] | None = None
    directions: list[Direction] | None = None
    deputies: list[str] | None = None
    executors: list[str] | None = None
    co_executors: list[str] | None = None


@transaction.atomic
def project_save(
    *, municipality: Municipality, data: PassportInput, by: User, project: MunicipalProject | None = None
) -> MunicipalProject:
    """Create the project (without `project`) or change its passport. The leader, roadmap, document,
    indicators and directions must be the municipality's own."""
    _require(by, municipality)
    if project is not None and project.municipality_id != municipality.pk:
        raise ValidationError(_("The project belongs to another municipality."))
    title = " ".join((data.title or "").split())
    if not title:
        raise ValidationError(_("Give the project a title."))
    _check_years(data.start_year, data.end_year)
    _same_municipality(municipality, [data.leader], _("The official"))
    _same_municipality(municipality, [data.roadmap], _("The roadmap"))
    _same_municipality(municipality, [data.document], _("The document"))
    _same_municipality(municipality, data.indicators or [], _("The indicator"))
    _same_municipality(municipality, data.directions or [], _("The direction"))
    project = project or MunicipalProject(municipality=municipality)
    project.title = title
    project.start_year = data.start_year
    project.end_year = data.end_year
    project.leader = data.leader
    project.leader_text = (data.leader_text or "").strip()
    project.basis = data.basis or ""
    project.goal = data.goal or ""
    project.tasks = list(data.tasks or [])
    project.events_text = data.events_text or ""
    project.risks = list(data.risks or [])
    project.effects = list(data.effects or [])
    project.regional_project = data.regional_project
    project.roadmap = data.roadmap
    project.document = data.document
    project.updated_at = timezone.now()
    project.save()
    if data.indicators is not None:
        project.indicators.set(data.indicators)
    if data.directions is not None:
        project.directions.set(data.directions)
    for role, texts in (
        (Role.DEPUTY, data.deputies),
        (Role.EXECUTOR, data.executors),
        (Role.CO_EXECUTOR, data.co_executors),
    ):
        if texts is not None:
            participants_set(project=project, role=role, texts=texts)
    if project.is_published:
        _after_publication(municipality)
    return project


def _after_publication(municipality: Municipality) -> None:
    for listener in ON_PUBLICATION:
        transaction.on_commit(lambda listener=listener: listener(municipality))


@transaction.atomic
def project_publish(*, project: MunicipalProject, by: User, published: bool = True) -> MunicipalProject:
    """Show the project's passport on the public tab (or withdraw it)."""
    _require(by, project.municipality)
    locked = MunicipalProject.objects.select_for_update().get(pk=project.pk)
    if locked.is_published != published:
        locked.is_published = published
        locked.published_at = timezone.now() if published else None
        locked.save(update_fields=["is_published", "published_at"])
        _after_publication(project.municipality)
    project.is_published, project.published_at = locked.is_published, locked.published_at
    return project


@transaction.atomic
def project_delete(*, project: MunicipalProject, by: User) -> None:
    _require(by, project.municipality)
    municipality, was_published = project.municipality, project.is_published
    project.delete()
    if was_published:
        _after_publication(municipality)


def regional_project_ensure(
    *, region: str, name: str, national_project: str = "", order: int = 0
) -> RegionalProject:
    """The region's project of that name, made when missing (the reference list is kept in the admin)."""
    project, _created = RegionalProject.objects.get_or_create(
        region=region, name=name, defaults={"national_project": national_project, "order": order}
    )
    return project


def designated_role_save(
    *,
    official: Official,
    title: str,
    text: str = "",
    document: Document | None = None,
    project: MunicipalProject | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
) -> DesignatedRole:
    """Record a role an order gives the official that the portal has no role for, as written; it
    grants nothing. One row per official and title."""
    role, _created = DesignatedRole.objects.update_or_create(
        municipality_id=official.municipality_id,
        official=official,
        title=title,
        defaults={
            "text": text,
            "document": document,
            "project": project,
            "start_year": start_year,
            "end_year": end_year,
        },
    )
    return role


# Reads ----------------------------------------------------------------------------------------------


def project_list(user: User) -> QuerySet[MunicipalProject]:
    """The projects `user` reads, with what the list shows; a fixed number of queries."""
    return (
        access.projects_visible_to(user)
        .select_related("municipality", "leader", "regional_project", "roadmap")
        .annotate(directions_count=Count("directions", distinct=True))
        .order_by("municipality__name", "order", "title", "pk")
    )


@dataclass
class Passport:
    project: MunicipalProject
    deputies: list[ProjectParticipant]
    executors: list[ProjectParticipant]
    co_executors: list[ProjectParticipant]
    directions: list[Direction]
    indicators: list[Indicator]
    designated_roles: list[DesignatedRole]

    @property
    def leader(self) -> str:
        if self.project.leader_text:
            return self.project.leader_text
        leader = self.project.leader
        if leader is None:
            return ""
        return f"{leader.full_name}, {leader.position}" if leader.position else leader.full_name


def passport(project: MunicipalProject) -> Passport:
    """Everything the passport prints; a fixed number of queries."""
    participants = list(
        project.participants.select_related("official", "organization").order_by("role", "order", "pk")
    )
    return Passport(
        project=project,
        deputies=[p for p in participants if p.role == Role.DEPUTY],
        executors=[p for p in participants if p.role == Role.EXECUTOR],
        co_executors=[p for p in participants if p.role == Role.CO_EXECUTOR],
        directions=list(project.directions.select_related("block").order_by("code")),
        indicators=list(project.indicators.order_by("code")),
        designated_roles=list(project.designated_roles.select_related("official", "document").order_by("pk")),
    )


def regional_pairs(municipality: Municipality) -> list[tuple[RegionalProject | None, list[MunicipalProject]]]:
    """The table pairing the region's projects with the municipality's: every regional project of the
    municipality's region with the municipal projects answering to it (none: an empty cell, as the
    order leaves it), then the municipal projects answering to none."""
    projects = list(
        MunicipalProject.objects.filter(municipality=municipality)
        .select_related("regional_project")
        .order_by("order", "title", "pk")
    )
    rows: list[tuple[RegionalProject | None, list[MunicipalProject]]] = [
        (regional, [p for p in projects if p.regional_project_id == regional.pk])
        for regional in RegionalProject.objects.filter(region=municipality.region).order_by("order", "name")
    ]
    alone = [p for p in projects if p.regional_project_id is None and p.roadmap_id is None]
    if alone:
        rows.append((None, alone))
    return rows


def passport_pdf(project: MunicipalProject) -> bytes:
    """The passport as an A4 PDF, through the same safe fetcher as the protocols."""
    from roadmaps.protocol import _weasyprint, safe_url_fetcher

    html = render_to_string(
        "roadmaps/projects/passport_pdf.html", {"project": project, "passport": passport(project)}
    )
    base = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    return _weasyprint().HTML(string=html, base_url=base, url_fetcher=safe_url_fetcher()).write_pdf()


# The dossier's section ------------------------------------------------------------------------------

DOSSIER_TITLE = gettext_lazy("Municipal projects")


def dossier_sections(user: User, direction: Direction, period: Period) -> list:
    """The municipal projects serving the direction (two queries), for directions.dossier."""
    from directions.dossier import Section

    projects = list(
        direction.municipal_projects.select_related("leader", "regional_project", "roadmap")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("code")))
        .order_by("order", "title", "pk")
    )
    for project in projects:  # whether the project runs in the dossier's year
        project.current = (
            (project.start_year or period.year) <= period.year <= (project.end_year or period.year)
        )
    return [
        Section(
            key="municipal_projects",
            title=str(DOSSIER_TITLE),
            template="roadmaps/projects/_dossier.html",
            order=65,
            items=projects,
            link=reverse("roadmaps:projects"),
            link_label=_("All municipal projects"),
            empty=_("No municipal project serves this direction."),
        )
    ]
