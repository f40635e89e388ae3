"""Stored XSS on the public tab: whatever staff typed into a name, a text or a link reaches the
public, the embed copies, the open data and the operator's preview as inert text, never as markup.

One world holds a hostile payload in every field the public tab shows; every page is fetched and
parsed, and must hold no script, no event handler, no javascript: address, no frame or style of the
data and no script in its charts, while each payload still reads as text (so a field that is simply
dropped fails the test too).
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from directions.models import (
    Block,
    Component,
    Cycle,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    Responsibility,
)
from indicators.models import Indicator, IndicatorValue
from mcok.models import Document, Official
from reports import public
from reports.models import PublicPage, Report, ReportJob
from roadmaps.models import Event, Occurrence, Roadmap
from tests.factories import make_organization
from tests.indicators.factories import make_period

# Every payload at once, the most dangerous first: a chart cuts its labels to 28 characters.
PAYLOAD = (
    '<script>alert(1)</script>"><img src=x onerror=alert(1)></svg><script>alert(2)</script>'
    "]]>{{ 7*7 }}{% debug %}'; -- <style>*{display:none}</style><iframe src=//evil.example></iframe>"
)
SHORT_PAYLOAD = '<script>1</script>"><b onclick=1>'  # for a document's number: 50 characters
# Every field of the public tab that staff type, holding "fNN payload": the marker tells which
# field a finding came from.
FIELDS = (
    "municipality.name",
    "municipality.department",
    "block.name",
    "direction.name",
    "direction.goal",
    "direction.measure",
    "coordinator.full_name",
    "coordinator.position",
    "executor.full_name",
    "executor.position",
    "executor.organization",
    "executing_organization",
    "school.short_name",
    "other_school.short_name",
    "indicator.name",
    "goals.content",
    "cycle_document.title",
    "cycle_document.number",
    "page_document.title",
    "link_document.title",
    "roadmap.title",
    "roadmap_document.number",
    "event.content",
    "event.deadline",
    "event.responsible",
    "event.result",
    "responsible_official",
    "responsible_organization",
    "report.title",
    "home.title",
    "direction_page.title",
    "free.title",
)
SHORT_FIELDS = ("cycle_document.number", "roadmap_document.number")
HOSTILE = {
    field: f"f{index:02d} {SHORT_PAYLOAD if field in SHORT_FIELDS else PAYLOAD}"
    for index, field in enumerate(FIELDS)
}
UNIT = "u <script>1</script>"  # a unit takes 30 characters
JAVASCRIPT_URL = "javascript:alert(1)"
BODY = (
    "<p>Безопасный текст страницы</p>"
    '<p onclick="alert(1)">Абзац</p><script>alert(1)</script>'
    f'<a href="{JAVASCRIPT_URL}">ссылка-скрипт</a> <a href=" JaVaScRiPt:alert(1)">ещё одна</a>'
    '<a href="https://example.org/">внешняя</a> <a href="/open/">относительная</a> '
    '<a href="mailto:mcoko@example.org">почта</a>'
    '<style>body{display:none}</style><iframe src="https://evil.example/"></iframe>'
    '<svg><foreignObject><script>alert(3)</script></foreignObject></svg><img src=x onerror="alert(4)">'
)
BODY_TEXTS = ("Безопасный текст страницы", "ссылка-скрипт", "внешняя", "относительная", "почта")

HOME_FIELDS = (
    "municipality.name",
    "municipality.department",
    "block.name",
    "direction.name",
    "home.title",
    "free.title",
    "page_document.title",
)
DIRECTION_FIELDS = (  # the direction's name is the page's title, which the operator typed instead
    "municipality.name",
    "block.name",
    "direction.goal",
    "direction.measure",
    "coordinator.full_name",
    "coordinator.position",
    "executor.full_name",
    "executor.position",
    "executor.organization",
    "executing_organization",
    "school.short_name",
    "other_school.short_name",
    "indicator.name",
    "goals.content",
    "cycle_document.title",
    "cycle_document.number",
    "link_document.title",
    "roadmap.title",
    "roadmap_document.number",
    "event.content",
    "event.deadline",
    "event.responsible",
    "event.result",
    "responsible_official",
    "responsible_organization",
    "report.title",
    "direction_page.title",
)
FREE_FIELDS = ("municipality.name", "free.title", "page_document.title", "link_document.title")
# Tags the public tab's own templates never write: any of them comes from the data.
FORBIDDEN_TAGS = frozenset(
    {"script", "iframe", "frame", "style", "object", "embed", "img", "foreignobject", "form"}
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text")


@dataclass
class Site:
    municipality: object
    home: PublicPage
    page: PublicPage
    free: PublicPage
    report: Report


class Page(HTMLParser):
    """The elements, attributes and text of a page as a browser reads them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def _hostile_world(world) -> Site:
    municipality = world.municipality
    # The hostile site holds its own direction 9.1 only, not the world's 1.1 and 2.3.
    world.direction.delete()
    world.other_direction.delete()
    municipality.name = HOSTILE["municipality.name"]
    municipality.department = HOSTILE["municipality.department"]
    municipality.site_url = JAVASCRIPT_URL
    municipality.save()
    operator = world.operator
    p2024, p2025 = make_period("2024"), make_period("2025")
    school, other_school = world.school, world.other_school
    school.short_name = HOSTILE["school.short_name"]
    other_school.short_name = HOSTILE["other_school.short_name"]
    school.save()
    other_school.save()
    employer = make_organization(
        municipality, short_name=HOSTILE["executor.organization"], full_name=HOSTILE["executor.organization"]
    )
    executing = make_organization(municipality, short_name=HOSTILE["executing_organization"])
    block = Block.objects.create(code="9", name=HOSTILE["block.name"])
    direction = Direction.objects.create(
        municipality=municipality,
        block=block,
        code="9.1",
        name=HOSTILE["direction.name"],
        goal=HOSTILE["direction.goal"],
        measures=f"{HOSTILE['direction.measure']}\nВторая мера",
        valid_from=p2024,
    )
    coordinator = Official.objects.create(
        municipality=municipality,
        full_name=HOSTILE["coordinator.full_name"],
        position=HOSTILE["coordinator.position"],
    )
    executor = Official.objects.create(
        municipality=municipality,
        full_name=HOSTILE["executor.full_name"],
        position=HOSTILE["executor.position"],
        organization=employer,
    )
    Responsibility.objects.create(direction=direction, duty=Duty.COORDINATOR, official=coordinator)
    Responsibility.objects.create(direction=direction, duty=Duty.EXECUTOR, official=executor)
    Responsibility.objects.create(direction=direction, duty=Duty.EXECUTOR, organization=executing)
    indicator = Indicator.objects.create(
        municipality=municipality,
        direction=direction,
        code="9.1.1",
        name=HOSTILE["indicator.name"],
        unit=UNIT,
        is_published=True,
        publish_organization_values=True,
    )
    for period, value in ((p2024, "40"), (p2025, "55.5")):
        IndicatorValue.objects.create(
            indicator=indicator, period=period, municipality=municipality, value=Decimal(value)
        )
    for organization, value in ((school, "120"), (other_school, "35")):
        IndicatorValue.objects.create(
            indicator=indicator,
            period=p2025,
            municipality=municipality,
            organization=organization,
            value=Decimal(value),
        )
    cycle = Cycle.objects.create(direction=direction, period=p2025)
    goals = CycleComponent.objects.create(
        cycle=cycle,
        component=Component.GOALS,
        state=CycleComponent.State.PUBLISHED,
        content=HOSTILE["goals.content"],
    )
    cycle_document = Document.objects.create(
        municipality=municipality,
        title=HOSTILE["cycle_document.title"],
        number=HOSTILE["cycle_document.number"],
        date=date(2025, 3, 1),
    )
    cycle_document.file.save("prikaz.pdf", ContentFile(b"%PDF-1.4"))
    link_document = Document.objects.create(
        municipality=municipality, title=HOSTILE["link_document.title"], url=JAVASCRIPT_URL
    )
    goals.documents.set([cycle_document, link_document])
    roadmap = Roadmap.objects.create(
        municipality=municipality,
        direction=direction,
        title=HOSTILE["roadmap.title"],
        start_year=2024,
        end_year=2026,
        document=Document.objects.create(
            municipality=municipality, title="Дорожная карта", number=HOSTILE["roadmap_document.number"]
        ),
    )
    written = Event.objects.create(
        roadmap=roadmap,
        number="'; --<b>",
        content=HOSTILE["event.content"],
        deadline_text=HOSTILE["event.deadline"],
        responsible_text=HOSTILE["event.responsible"],
        result=HOSTILE["event.result"],
        order=1,
    )
    linked = Event.objects.create(roadmap=roadmap, number="2", content="Семинар", order=2)
    linked.responsible_officials.set(
        [Official.objects.create(municipality=municipality, full_name=HOSTILE["responsible_official"])]
    )
    linked.responsible_organizations.set(
        [make_organization(municipality, short_name=HOSTILE["responsible_organization"])]
    )
    for event in (written, linked):
        Occurrence.objects.create(event=event, due_on=date(2025, 9, 1), state=Occurrence.State.PLANNED)
    Evaluation.objects.create(
        municipality=municipality,
        period=p2025,
        state=Evaluation.State.FINISHED,
        created_by=world.administrator,
        results={
            "components": {"9.1": {"goals": {"score": 3, "max": 4, "percent": 75.0}}},
            "directions": {"9.1": {"score": 3, "max": 4, "percent": 75.0}},
            "blocks": {"9": {"score": 3, "max": 4, "percent": 75.0}},
            "total": {"score": 3, "max": 4, "percent": 75.0},
        },
    )
    report = Report.objects.create(
        municipality=municipality,
        direction=direction,
        period=p2025,
        title=HOSTILE["report.title"],
        state=Report.State.APPROVED,
        created_by=operator,
        approved_at=timezone.now(),
    )
    job = ReportJob.objects.create(
        report=report, format=ReportJob.Format.PDF, status=ReportJob.Status.DONE, requested_by=operator
    )
    job.file.save("report.pdf", ContentFile(b"%PDF-1.7"), save=False)
    job.size = 8
    job.save()
    report.published_job = job
    report.published_at = timezone.now()
    report.save()

    pages = public.pages_ensure(municipality)
    home = next(p for p in pages if p.kind == PublicPage.Kind.HOME)
    page = next(p for p in pages if p.kind == PublicPage.Kind.DIRECTION)
    page_document = Document.objects.create(
        municipality=municipality, title=HOSTILE["page_document.title"], url="https://example.org/doc"
    )
    public.page_save(home, user=operator, title=HOSTILE["home.title"], body=BODY, documents=[page_document])
    public.page_save(page, user=operator, title=HOSTILE["direction_page.title"], body=BODY)
    free = PublicPage(municipality=municipality, kind=PublicPage.Kind.FREE, order=9)
    public.page_save(
        free,
        user=operator,
        title=HOSTILE["free.title"],
        body=BODY,
        slug="materials",
        documents=[page_document, link_document],
    )
    for item in (page, free, home):
        public.publish(item, user=operator)
    return Site(municipality, home, page, free, report)


@pytest.fixture
def site(world) -> Site:
    return _hostile_world(world)


def _urls(site: Site) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every HTML page of the public tab with the fields it shows."""
    slug = site.municipality.slug
    return {
        "home": (reverse("open:home", args=[slug]), HOME_FIELDS),
        "home-embed": (reverse("open:embed_home", args=[slug]), HOME_FIELDS[2:]),
        "direction": (reverse("open:page", args=[slug, site.page.slug]), DIRECTION_FIELDS),
        "direction-embed": (reverse("open:embed", args=[slug, site.page.slug]), DIRECTION_FIELDS[1:]),
        "free": (reverse("open:page", args=[slug, site.free.slug]), FREE_FIELDS),
        "free-embed": (reverse("open:embed", args=[slug, site.free.slug]), FREE_FIELDS[1:]),
        "data": (reverse("open:data", args=[slug]), ("municipality.name",)),
    }


def _svgs(html: str) -> list[str]:
    """The inline SVG charts of a page: any tag a label could smuggle would end its chart early."""
    return ["<svg" + part.split("</svg>")[0] + "</svg>" for part in html.split("<svg")[1:]]


def _inert(html: str) -> Page:
    """The page, after checking that nothing in it runs: no script, handler, javascript: address,
    frame or style of the data, no script or foreign object in the inline SVG."""
    parsed = Page(html)
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<style", "<img", "<foreignobject", "<object", "<embed"):
        assert tag not in lowered, tag
    for tag, attrs in parsed.tags:
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name != "style", (tag, value)
            if name in ("href", "src", "action", "formaction", "xlink:href", "srcdoc"):
                address = "".join(ch for ch in (value or "") if ch > " ").lower()
                assert not address.startswith(BAD_SCHEMES), (tag, name, value)
    for svg in _svgs(html):
        inside = {tag for tag, _attrs in Page(svg).tags}
        assert not inside & {"script", "foreignobject", "iframe", "style", "a"}, inside
    return parsed


def _shows(parsed: Page, fields: tuple[str, ...]) -> None:
    text = parsed.text
    missing = [field for field in fields if HOSTILE[field] not in text]
    assert not missing, missing


@pytest.mark.parametrize(
    "name", ["home", "home-embed", "direction", "direction-embed", "free", "free-embed", "data"]
)
def test_every_public_page_shows_the_hostile_text_as_text(client, site, name):
    url, fields = _urls(site)[name]
    response = client.get(url)
    assert response.status_code == 200
    parsed = _inert(response.content.decode())
    _shows(parsed, fields)
    if name != "data":
        assert "'none'" in response["Content-Security-Policy"]  # no script may run even if one slipped
    if name in ("home", "direction", "free"):
        assert all(text in parsed.text for text in BODY_TEXTS)  # the rich text kept its safe part


def test_charts_carry_the_hostile_labels_escaped_in_their_titles(client, site):
    html = client.get(_urls(site)["direction"][0]).content.decode()
    svgs = _svgs(html)
    assert len(svgs) == 3  # the line of the values, the organizations' bars, the index of the cycle
    titles = "".join(Page(svg).text for svg in svgs)
    for field in ("indicator.name", "school.short_name", "other_school.short_name"):
        assert HOSTILE[field] in titles
    home = client.get(_urls(site)["home"][0]).content.decode()
    assert HOSTILE["block.name"] in Page(_svgs(home)[0]).text


def test_links_keep_only_safe_schemes(client, site):
    parsed = _inert(client.get(_urls(site)["free"][0]).content.decode())
    hrefs = {value for _tag, attrs in parsed.tags for name, value in attrs if name == "href"}
    assert {"https://example.org/", "/open/", "mailto:mcoko@example.org", "https://example.org/doc"} <= hrefs
    assert not any("javascript" in (href or "").lower() for href in hrefs)
    # The document whose link is javascript: is listed by its title, without a link.
    assert HOSTILE["link_document.title"] in parsed.text


def test_the_operators_preview_is_as_inert(client, site, world):
    client.force_login(world.operator)
    for page, fields in ((site.home, HOME_FIELDS), (site.page, DIRECTION_FIELDS), (site.free, FREE_FIELDS)):
        response = client.get(reverse("reports:site_page_preview", args=[page.pk]))
        assert response.status_code == 200
        _shows(_inert(response.content.decode()), fields)


@pytest.mark.parametrize("table", ["indicators", "organization-values", "events", "indices"])
def test_open_data_files_carry_the_hostile_text_as_data(client, site, table):
    slug = site.municipality.slug
    expected = {
        "indicators": ("municipality.name", "indicator.name"),
        "organization-values": ("indicator.name", "school.short_name", "other_school.short_name"),
        "events": ("roadmap.title", "event.content", "event.deadline", "event.responsible"),
        "indices": ("municipality.name", "direction.name"),
    }[table]
    response = client.get(reverse("open:data_file", args=[slug, table, "json"]))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed and rendered as HTML
    document = json.loads(response.content)
    cells = {cell for row in document["rows"] for cell in row if isinstance(cell, str)}
    assert {HOSTILE[field] for field in expected} <= cells
    assert document["municipality"]["name"] == HOSTILE["municipality.name"]

    response = client.get(reverse("open:data_file", args=[slug, table, "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = response.content.decode("utf-8-sig")
    for field in expected:
        assert HOSTILE[field].replace('"', '""') in text


def test_the_report_and_the_documents_are_served_as_files_not_pages(client, site):
    slug = site.municipality.slug
    response = client.get(reverse("open:report_file", args=[slug, site.report.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = client.get(_urls(site)["direction"][0]).content.decode()
    assert reverse("open:report_file", args=[slug, site.report.pk]) in html
