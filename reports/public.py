"""The public tab's services: drafts, what a page shows, publication, withdrawal and the cache.

A page's draft is edited by the operator (reports.site_views) through `page_save`, which stores
the text already sanitised. `compose` gathers what the page would show if published now, only from
what may be public; `publish` freezes it in a new PublicVersion, which is all the public ever reads
(reports.open_views). Publishing, withdrawing and restoring bump the municipality's cache
generation, so every cached public response of the municipality is discarded at once.

Who may call what is decided by the views (the municipality's operator or an administrator changes
the tab); these services trust their caller.
"""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions.fioko import COMPONENTS, natural_key
from directions.models import Component, CycleComponent, Direction, Duty, Evaluation, Responsibility
from indicators import breakdown
from indicators.models import Indicator, IndicatorValue, Target
from mcok.models import Document, Municipality, Official, Period, User
from mcok.numbers import decimal_of, number_text
from reports.models import PublicPage, PublicVersion, Report, ReportJob, TabSettings
from roadmaps.models import Event, Occurrence, Roadmap
from roadmaps.selectors import Row, events_with_occurrences

HOME_SLUG = "home"  # the home page is served at /open/<municipality>/, its slug only fills the field
# Addresses the public tab uses beside its pages: no page may take them.
RESERVED_SLUGS = frozenset({HOME_SLUG, "embed", "data", "projects"})

# The sanitiser's allow-list: text structure, links and tables; nothing that runs or styles.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "ul", "ol", "li", "a",
        "blockquote", "table", "thead", "tbody", "tr", "th", "td", "caption", "hr", "sub", "sup",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Tags removed together with their content, not only unwrapped.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "noscript",
        "template",
        "textarea",
        "select",
        "svg",
        "math",
    }
)
LINK_SCHEMES = ("http", "https")

# The share of organizations that must have reported before a period's value is headlined.
DEFAULT_COMPLETENESS_THRESHOLD = 100

CACHE_SECONDS = 10 * 60
# A generation outlives the responses made under it; when it expires a new one is made, which only
# discards the responses once more. A generation is made only for a municipality that exists, so
# made-up addresses leave nothing in the cache (tests/reports/test_public_cache_keys.py).
GENERATION_SECONDS = 24 * 60 * 60


# Sanitising ----------------------------------------------------------------------------------------

# Images only from the portal's own documents, as the public tab serves them (open:document); their
# alternative text and title keep no angle brackets, so the markup around them stays plain.
IMAGE_ATTRIBUTES = frozenset({"src", "alt", "title", "width", "height"})
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_SRC = re.compile(r'\ssrc="([^"]*)"')


def _document_path(src: str) -> tuple[str, int] | None:
    """(municipality slug, document id) when `src` is a path of a document's file on the portal: the
    public tab's (/open/<municipality>/documents/<id>/) or the staff's (/documents/<id>/file/, slug
    empty); an absolute address only on the portal's own SITE_URL. None for anything else."""
    from django.urls import Resolver404, resolve

    parts = urlsplit((src or "").strip())
    if parts.scheme or parts.netloc:
        site = urlsplit(getattr(settings, "SITE_URL", "") or "")
        if not site.netloc or (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return None
    if parts.query or parts.fragment or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name == "open:document":
        return match.kwargs["municipality"], int(match.kwargs["document"])
    if match.view_name == "mcok:document_file":
        return "", int(match.kwargs["pk"])
    return None


def image_documents(municipality: Municipality) -> dict[int, Document]:
    """The municipality's documents that are stored images: only these may be shown on its pages."""
    documents = Document.objects.filter(municipality=municipality).exclude(file="").order_by("title", "pk")
    return {d.pk: d for d in documents if d.file.name.lower().endswith(IMAGE_SUFFIXES)}


def image_src(municipality: Municipality, document: Document) -> str:
    """The address a page's image of `document` has: the public tab's address of its file."""
    return reverse("open:document", args=[municipality.slug, document.pk])


def sanitize(html: str, *, municipality: Municipality | None = None) -> str:
    """The rich text with only the allow-listed tags and attributes: links only to http(s), mailto or
    relative addresses, each with rel="noopener noreferrer"; no scripts, event handlers, styles,
    frames or javascript:/data: addresses. Images only of the portal's documents: with
    `municipality` (on save), only its stored image documents, their addresses written as the public
    tab serves them; without (on display), only addresses of the public tab's document files. Any
    other image is removed whole. Idempotent."""
    allowed: dict[int, Document] | None = None
    if municipality is not None:
        allowed = image_documents(municipality)

    def attribute_filter(tag: str, name: str, value: str) -> str | None:
        if tag != "img":
            return value
        if name in ("alt", "title"):
            return value.replace("<", "").replace(">", "")
        if name in ("width", "height"):
            return value if value.isdigit() and len(value) <= 5 else None
        if name != "src":
            return None
        found = _document_path(value)
        if found is None:
            return None
        slug, pk = found
        if allowed is None:
            return value if slug else None
        if pk not in allowed or (slug and slug != municipality.slug):
            return None
        return image_src(municipality, allowed[pk])

    cleaned = nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS) | {"img"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
        | {"img": set(IMAGE_ATTRIBUTES)},
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # An image whose address was refused is removed whole, not left without one.
    return _IMG_TAG.sub(lambda m: m.group(0) if _IMG_SRC.search(m.group(0)) else "", cleaned)


def body_image_ids(html: str) -> list[int]:
    """The documents a (sanitised) text shows as images, in order, each once."""
    ids: list[int] = []
    for tag in _IMG_TAG.findall(html or ""):
        src = _IMG_SRC.search(tag)
        found = _document_path(src.group(1).replace("&amp;", "&")) if src else None
        if found is not None and found[1] not in ids:
            ids.append(found[1])
    return ids


# Drafts --------------------------------------------------------------------------------------------


def _check_slug(page: PublicPage, slug: str) -> None:
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationError(
            _("The address may hold only Latin letters, digits, hyphens and underscores.")
        ) from None
    if page.kind != PublicPage.Kind.HOME and slug in RESERVED_SLUGS:
        raise ValidationError(
            _("The address «%(slug)s» is used by the public tab itself; choose another.") % {"slug": slug}
        )
    taken = PublicPage.objects.filter(municipality=page.municipality, slug=slug).exclude(pk=page.pk)
    if taken.exists():
        raise ValidationError(_("The address «%(slug)s» is already taken by another page.") % {"slug": slug})


@transaction.atomic
def page_save(
    page: PublicPage,
    *,
    user: User,
    title: str,
    body: str,
    slug: str | None = None,
    documents: list[Document] | None = None,
) -> PublicPage:
    """Save the draft of `page` (a new free page too): the body is sanitised here, so the stored draft
    is clean. The published version does not change. ValidationError with a Russian message for an
    empty title, a bad or taken address, or a document of another municipality."""
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The page needs a title."))
    old_slug = None
    if page.pk is not None:
        old_slug = PublicPage.objects.filter(pk=page.pk).values_list("slug", flat=True).first()
    if slug is not None:
        slug = slug.strip()
        _check_slug(page, slug)
        page.slug = slug
    elif not page.slug:
        raise ValidationError(_("The page needs an address."))
    if documents is not None:
        foreign = [d for d in documents if d.municipality_id != page.municipality_id]
        if foreign:
            raise ValidationError(_("Only the municipality's own documents can be linked from its page."))
    page.title = title[: PublicPage._meta.get_field("title").max_length]
    page.body = sanitize(body, municipality=page.municipality)
    page.updated_by = user
    page.save()
    if documents is not None:
        page.documents.set(documents)
    # A document shown as an image is also among the page's documents: the public tab serves the
    # files of the documents a published page lists, and only those.
    shown = body_image_ids(page.body)
    if shown:
        page.documents.add(*Document.objects.filter(municipality=page.municipality, pk__in=shown))
    if page.published_id is not None and old_slug is not None and old_slug != page.slug:
        _bump_now_and_after_commit(page.municipality)  # the public address moved
    return page


def _direction_slug(direction: Direction) -> str:
    code = re.sub(r"[^0-9a-z]+", "-", direction.code.lower()).strip("-")
    return f"napravlenie-{code}" if code else f"napravlenie-{direction.pk}"


def current_directions(municipality: Municipality) -> list[Direction]:
    """The municipality's directions in force today or in the latest period, by block and code."""
    today = timezone.localdate()
    condition = Q(valid_from__starts_on__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__ends_on__gte=today)
    )
    latest = Period.objects.order_by("-ends_on", "starts_on").first()
    if latest is not None:
        condition |= Q(valid_from__starts_on__lte=latest.ends_on) & (
            Q(valid_until__isnull=True) | Q(valid_until__ends_on__gte=latest.starts_on)
        )
    directions = Direction.objects.filter(condition, municipality=municipality).select_related("block")
    return sorted(directions, key=lambda d: (natural_key(d.block.code), natural_key(d.code), d.pk))


_KIND_ORDER = {PublicPage.Kind.HOME: 0, PublicPage.Kind.DIRECTION: 1, PublicPage.Kind.FREE: 2}


def _page_order(page: PublicPage) -> tuple:
    return (_KIND_ORDER.get(page.kind, 3), page.order, page.title, page.pk)


@transaction.atomic
def pages_ensure(municipality: Municipality) -> list[PublicPage]:
    """Create what is missing of the home page and a page per current direction (as drafts, never
    published here); return every page of the municipality: the home page, the directions' pages,
    then the free pages."""
    existing = list(PublicPage.objects.filter(municipality=municipality))
    taken = {page.slug for page in existing}
    if not any(page.kind == PublicPage.Kind.HOME for page in existing):
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Municipal system of education quality management")
        PublicPage.objects.get_or_create(
            municipality=municipality,
            kind=PublicPage.Kind.HOME,
            defaults={"slug": HOME_SLUG, "title": title, "order": 0},
        )
        taken.add(HOME_SLUG)
    covered = {page.direction_id for page in existing if page.kind == PublicPage.Kind.DIRECTION}
    title_length = PublicPage._meta.get_field("title").max_length
    for index, direction in enumerate(current_directions(municipality), start=1):
        if direction.pk in covered:
            continue
        base = slug = _direction_slug(direction)
        number = 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        PublicPage.objects.get_or_create(
            municipality=municipality,
            kind=PublicPage.Kind.DIRECTION,
            direction=direction,
            defaults={
                "slug": slug,
                "title": f"{direction.code} {direction.name}"[:title_length],
                "order": index,
            },
        )
    pages = PublicPage.objects.filter(municipality=municipality).select_related("direction", "published")
    return sorted(pages, key=_page_order)


# What a page shows --------------------------------------------------------------------------------


def number(value: Decimal | float | int | None) -> str | None:
    """A number as the frozen content keeps it: a plain decimal string («62.5», «100»), or None."""
    if value is None:
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    return format(Decimal(value).normalize(), "f")


def _period(period: Period | None) -> dict | None:
    if period is None:
        return None
    return {"code": period.code, "label": period.label, "kind": period.kind}


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


def _document(document: Document, municipality: Municipality, **extra: Any) -> dict:
    """A document as the public reads it: the title, the reference («Приказ № 1048 от 05.07.2021»)
    and an address only for a stored file (served by open:document) or an http(s) link."""
    href = ""
    if document.file:
        href = reverse("open:document", args=[municipality.slug, document.pk])
    elif document.url and urlsplit(document.url).scheme.lower() in LINK_SCHEMES:
        href = document.url
    return {
        "id": document.pk,
        "title": document.title,
        "reference": document.reference,
        "href": href,
        **extra,
    }


def _person(official: Official) -> dict:
    """Name and position only: never an e-mail, a phone or an account."""
    return {
        "name": official.full_name,
        "position": official.position,
        "organization": official.organization.short_name if official.organization_id else "",
    }


def _municipality(municipality: Municipality) -> dict:
    return {
        "slug": municipality.slug,
        "name": municipality.name,
        "region": municipality.region,
        "department": municipality.department,
    }


def _latest_evaluation(municipality: Municipality) -> Evaluation | None:
    """The latest finished evaluation with results, as the dashboard and the report pick it
    (directions.models.EvaluationQuerySet.latest_finished): of the latest period, an expert one
    before a self-assessment."""
    return Evaluation.objects.latest_finished(municipality)


def _page_documents(page: PublicPage) -> list[dict]:
    if page.pk is None:
        return []
    documents = page.documents.order_by("-date", "title", "pk")
    return [_document(d, page.municipality, source="page") for d in documents]


def compose(page: PublicPage) -> dict:
    """What `page` would show if published now, as JSON-ready data (numbers as decimal strings),
    built only from what may be public: published indicators, published cycle components, names and
    positions of officials, published reports. A fixed number of queries whatever the rows."""
    with translation.override(settings.LANGUAGE_CODE):
        if page.kind == PublicPage.Kind.HOME:
            return _compose_home(page)
        if page.kind == PublicPage.Kind.DIRECTION:
            return _compose_direction(page)
        return {
            "kind": str(PublicPage.Kind.FREE),
            "municipality": _municipality(page.municipality),
            "documents": _page_documents(page),
        }


def _compose_home(page: PublicPage) -> dict:
    municipality = page.municipality
    directions = current_directions(municipality)
    published = dict(
        PublicPage.objects.filter(
            municipality=municipality, kind=PublicPage.Kind.DIRECTION, published__isnull=False
        ).values_list("direction_id", "slug")
    )
    evaluation = _latest_evaluation(municipality)
    results = evaluation.results if evaluation else {}
    direction_percents = results.get("directions") or {}
    block_percents = results.get("blocks") or {}
    blocks: dict[str, dict] = {}
    for direction in directions:
        block = blocks.setdefault(
            direction.block.code,
            {
                "code": direction.block.code,
                "name": direction.block_title,
                "percent": number((block_percents.get(direction.block.code) or {}).get("percent")),
                "directions": [],
            },
        )
        block["directions"].append(
            {
                "code": direction.code,
                "name": direction.name,
                "page": published.get(direction.pk),
                "percent": number((direction_percents.get(direction.code) or {}).get("percent")),
            }
        )
    index = None
    if evaluation is not None:
        index = {
            "period": _period(evaluation.period),
            "kind": evaluation.kind,
            "percent": number((results.get("total") or {}).get("percent")),
        }
    free = PublicPage.objects.filter(
        municipality=municipality, kind=PublicPage.Kind.FREE, published__isnull=False
    ).order_by("order", "title", "pk")
    return {
        "kind": str(PublicPage.Kind.HOME),
        "municipality": _municipality(municipality),
        "blocks": list(blocks.values()),
        "index": index,
        "free_pages": [
            {"slug": slug, "title": title} for slug, title in free.values_list("slug", "published__title")
        ],
        "documents": _page_documents(page),
    }


def _compose_direction(page: PublicPage) -> dict:
    municipality = page.municipality
    direction = (
        Direction.objects.select_related("block")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("official__organization", "organization"),
            )
        )
        .get(pk=page.direction_id)
    )
    components = list(
        CycleComponent.objects.filter(cycle__direction=direction, state=CycleComponent.State.PUBLISHED)
        .select_related("cycle__period")
        .prefetch_related("documents")
        .order_by("-cycle__period__starts_on", "component")
    )
    labels = dict(Component.choices)
    documents, seen = [], set()
    for item in components:
        for document in sorted(item.documents.all(), key=lambda d: (d.date or date.min, d.pk), reverse=True):
            if document.pk in seen:
                continue
            seen.add(document.pk)
            documents.append(
                _document(
                    document,
                    municipality,
                    source="cycle",
                    component=str(labels.get(item.component, item.component)),
                    period=_period(item.cycle.period),
                )
            )
    for document in _page_documents(page):
        if document["id"] not in seen:
            seen.add(document["id"])
            documents.append(document)
    goals = next((item for item in components if item.component == Component.GOALS), None)
    return {
        "kind": str(PublicPage.Kind.DIRECTION),
        "municipality": _municipality(municipality),
        "direction": {
            "code": direction.code,
            "name": direction.name,
            "block": {"code": direction.block.code, "name": direction.block_title},
            "goal": direction.goal,
            "measures": direction.measure_list,
        },
        # The assignments in force on the day the page is composed: the public reads who answers now.
        "coordinators": [_person(r.official) for r in direction.holders(Duty.COORDINATOR) if r.official_id],
        "executors": [_person(r.official) for r in direction.holders(Duty.EXECUTOR) if r.official_id],
        "executor_organizations": [
            r.organization.short_name for r in direction.holders(Duty.EXECUTOR) if r.organization_id
        ],
        "goals": {"period": _period(goals.cycle.period), "content": goals.content} if goals else None,
        "documents": documents,
        "indicators": _indicators(direction),
        "roadmaps": _roadmaps(direction),
        "index": _direction_index(municipality, direction),
        "reports": _reports(municipality, direction),
    }


def _period_order(period: Period) -> tuple:
    """Later periods last; of two ending the same day, the longer (the year) last."""
    return (period.ends_on, -period.starts_on.toordinal())


def completeness_threshold(municipality: Municipality | int) -> int:
    """The municipality's completeness threshold in per cent (TabSettings; 100 when never set)."""
    municipality_id = getattr(municipality, "pk", municipality)
    found = (
        TabSettings.objects.filter(municipality_id=municipality_id)
        .values_list("completeness_threshold", flat=True)
        .first()
    )
    return found if found is not None else DEFAULT_COMPLETENESS_THRESHOLD


def is_complete(value: IndicatorValue, threshold: int) -> bool:
    """Whether enough of the organizations expected to report did: reported / expected ≥ threshold %.
    A value no organization was expected for (entered for the municipality as a whole) is complete."""
    if not value.expected:
        return True
    return value.reported * 100 >= threshold * value.expected


def preliminary_text(completeness: dict | None) -> str:
    """«предварительно: 1 из 5 организаций» for a value below the threshold; "" for a complete one."""
    if not completeness:
        return ""
    expected = int(completeness.get("expected") or 0)
    return ngettext(
        "preliminary: %(reported)s of %(expected)s organization",
        "preliminary: %(reported)s of %(expected)s organizations",
        expected,
    ) % {"reported": int(completeness.get("reported") or 0), "expected": expected}


def preliminary_headline(preliminary: dict | None, unit: str = "") -> dict | None:
    """A newer period's value below the threshold as the tab shows it beside the headline."""
    if not preliminary:
        return None
    value = preliminary.get("value")
    period = preliminary.get("period") or {}
    return {
        "value": number_text(decimal_of(value), unit) if value is not None else "—",
        "period": period.get("label", ""),
        "note": preliminary_text(preliminary),
    }


def _breakdowns(indicators: list[Indicator], latest: dict[int, IndicatorValue]) -> dict[int, list[dict]]:
    """The published indicators over disaggregated figures by the options of each category they are
    split by, in the period of their headline: the municipality's value per option (Σ numerators /
    Σ denominators), and each organization's when the indicator publishes them. No risk group: it
    names organizations. A fixed number of queries per distinct headline period."""
    by_period: dict[int, tuple[Period, list[Indicator]]] = {}
    for indicator in indicators:
        if indicator.pk in latest:
            period = latest[indicator.pk].period
            by_period.setdefault(period.pk, (period, []))[1].append(indicator)
    result: dict[int, list[dict]] = {}
    for period, members in by_period.values():
        lookup = {indicator.pk: indicator for indicator in members}
        for indicator_id, found in breakdown.breakdowns(members, period).items():
            indicator = lookup[indicator_id]
            items = []
            for shown in found:
                item = {
                    "category": shown.category.name,
                    "period": _period(period),
                    "options": [
                        {
                            "name": option.option.name,
                            "value": number(option.municipal.value),
                            "numerator": number(option.municipal.numerator),
                            "denominator": number(option.municipal.denominator),
                        }
                        for option in shown.options
                    ],
                    "organizations": None,
                }
                if indicator.publish_organization_values:
                    reported = sorted(
                        {pk for option in shown.options for pk in option.organizations},
                        key=lambda pk: (shown.names.get(pk, "").casefold(), pk),
                    )
                    item["organizations"] = [
                        {
                            "name": shown.names.get(pk, ""),
                            "values": [
                                number(option.organizations[pk].value) if pk in option.organizations else None
                                for option in shown.options
                            ],
                        }
                        for pk in reported
                    ]
                items.append(item)
            result[indicator_id] = items
    return result


def _indicators(direction: Direction) -> list[dict]:
    indicators = list(
        Indicator.objects.published()
        .filter(direction=direction)
        .select_related("group")
        .order_by(Length("code"), "code", "pk")
    )
    if not indicators:
        return []
    targets = {
        (t.indicator_id, t.period_id): t.value for t in Target.objects.filter(indicator__in=indicators)
    }
    threshold = completeness_threshold(direction.municipality_id)
    series: dict[int, list[IndicatorValue]] = {}
    values = (
        IndicatorValue.objects.filter(
            indicator__in=indicators, organization__isnull=True, value__isnull=False
        )
        .select_related("period")
        .order_by("period__starts_on", "period__ends_on")
    )
    for value in values:
        series.setdefault(value.indicator_id, []).append(value)
    # The headline is the latest period whose value is complete enough; a newer one is preliminary.
    latest: dict[int, IndicatorValue] = {}
    preliminary: dict[int, IndicatorValue] = {}
    for indicator_id, items in series.items():
        complete = [v for v in items if is_complete(v, threshold)]
        if complete:
            latest[indicator_id] = max(complete, key=lambda v: _period_order(v.period))
        newest = max(items, key=lambda v: _period_order(v.period))
        headline = latest.get(indicator_id)
        if headline is None or _period_order(newest.period) > _period_order(headline.period):
            preliminary[indicator_id] = newest
    by_organization: dict[int, list[dict]] = {}
    open_ones = [i for i in indicators if i.publish_organization_values and i.pk in latest]
    if open_ones:
        wanted = {(i.pk, latest[i.pk].period_id) for i in open_ones}
        organization_values = (
            IndicatorValue.objects.filter(
                indicator__in=open_ones,
                period__in={period for _i, period in wanted},
                organization__isnull=False,
                value__isnull=False,
            )
            .select_related("organization")
            .order_by("organization__short_name", "pk")
        )
        for value in organization_values:
            if (value.indicator_id, value.period_id) in wanted:
                by_organization.setdefault(value.indicator_id, []).append(
                    {"name": value.organization.short_name, "value": number(value.value)}
                )
    breakdowns = _breakdowns(indicators, latest)
    result = []
    for indicator in indicators:
        last = latest.get(indicator.pk)
        item = {
            "code": indicator.code,
            "name": indicator.name,
            "group": indicator.group.heading if indicator.group else "",
            "unit": indicator.unit,
            "higher_is_better": indicator.higher_is_better,
            "latest": None,
            "preliminary": None,
            "dynamics": [
                {
                    "period": _period(value.period),
                    "value": number(value.value),
                    "target": number(targets.get((indicator.pk, value.period_id))),
                    "completeness": None
                    if is_complete(value, threshold)
                    else {"reported": value.reported, "expected": value.expected},
                }
                for value in series.get(indicator.pk, [])
            ],
            "organizations": None,
        }
        newer = preliminary.get(indicator.pk)
        if newer is not None:
            item["preliminary"] = {
                "period": _period(newer.period),
                "value": number(newer.value),
                "reported": newer.reported,
                "expected": newer.expected,
            }
        if last is not None:
            item["latest"] = {
                "period": _period(last.period),
                "value": number(last.value),
                "target": number(targets.get((indicator.pk, last.period_id))),
            }
            if indicator.publish_organization_values:
                item["organizations"] = by_organization.get(indicator.pk, [])
            if breakdowns.get(indicator.pk):
                item["breakdowns"] = breakdowns[indicator.pk]
        result.append(item)
    return result


def _responsible(event: Event) -> str:
    """The responsible as the roadmap writes them; else their names, positions and organizations."""
    if event.responsible_text.strip():
        return event.responsible_text.strip()
    people = [str(official) for official in event.responsible_officials.all()]
    organizations = [organization.short_name for organization in event.responsible_organizations.all()]
    return "; ".join(people + organizations)


def _event_state(event: Event, today: date) -> tuple[str, str | None]:
    """The state of the event's current instance (overdue first, else the nearest open one, else the
    last closed one) and that instance's due date."""
    occurrences = list(event.occurrences.all())
    overdue = [o for o in occurrences if o.is_overdue(today)]
    row = Row(event, occurrences, overdue)
    open_ = [o for o in occurrences if o.state not in Occurrence.CLOSED]
    current = (overdue or open_ or occurrences[-1:] or [None])[0]
    return str(row.state), _iso(current.due_on) if current is not None else None


def _roadmaps(direction: Direction) -> list[dict]:
    roadmaps = list(
        Roadmap.objects.filter(direction=direction)
        .select_related("document")
        .order_by("-start_year", "title", "pk")
    )
    if not roadmaps:
        return []
    today = timezone.localdate()
    events: dict[int, list[dict]] = {}
    for event in events_with_occurrences(
        Event.objects.filter(roadmap__in=roadmaps).order_by("roadmap", "order", "pk")
    ):
        state, due = _event_state(event, today)
        events.setdefault(event.roadmap_id, []).append(
            {
                "section": str(event.section) if event.section_id else "",
                "number": event.number,
                "content": event.content,
                "deadline": event.deadline_text,
                "responsible": _responsible(event),
                "result": event.result,
                "state": state,
                "due": due,
            }
        )
    result = []
    for roadmap in roadmaps:
        years = ""
        if roadmap.start_year and roadmap.end_year and roadmap.start_year != roadmap.end_year:
            years = f"{roadmap.start_year}–{roadmap.end_year}"
        elif roadmap.start_year or roadmap.end_year:
            years = str(roadmap.start_year or roadmap.end_year)
        result.append(
            {
                "title": roadmap.title,
                "years": years,
                "document": roadmap.document.reference if roadmap.document_id else "",
                "events": events.get(roadmap.pk, []),
            }
        )
    return result


def _direction_index(municipality: Municipality, direction: Direction) -> dict | None:
    evaluation = _latest_evaluation(municipality)
    if evaluation is None:
        return None
    figure = (evaluation.results.get("directions") or {}).get(direction.code)
    if figure is None:
        return None
    components = (evaluation.results.get("components") or {}).get(direction.code) or {}
    return {
        "period": _period(evaluation.period),
        "kind": evaluation.kind,
        "percent": number(figure.get("percent")),
        "score": number(figure.get("score")),
        "max": number(figure.get("max")),
        "components": [
            {
                "component": key,
                "percent": number(components[key].get("percent")),
                "score": number(components[key].get("score")),
                "max": number(components[key].get("max")),
            }
            for key in COMPONENTS
            if key in components
        ],
    }


def published_reports(municipality: Municipality):
    """Reports whose PDF the operator published: approved, with a finished PDF job."""
    return Report.objects.filter(
        municipality=municipality,
        state=Report.State.APPROVED,
        published_job__isnull=False,
        published_job__format=ReportJob.Format.PDF,
        published_job__status=ReportJob.Status.DONE,
    )


def _reports(municipality: Municipality, direction: Direction) -> list[dict]:
    reports = (
        published_reports(municipality)
        .filter(direction=direction)
        .select_related("period", "published_job")
        .order_by("-period__starts_on", "-approved_at", "-pk")
    )
    return [
        {
            "id": report.pk,
            "title": report.title,
            "period": _period(report.period),
            "approved": _iso(report.approved_at),
            "size": report.published_job.size,
            "href": reverse("open:report_file", args=[municipality.slug, report.pk]),
        }
        for report in reports
    ]


# Publication ---------------------------------------------------------------------------------------


def _next_number(page: PublicPage) -> int:
    return (page.versions.aggregate(last=Max("number"))["last"] or 0) + 1


def _set_published(page: PublicPage, locked: PublicPage, version: PublicVersion | None) -> None:
    PublicPage.objects.filter(pk=locked.pk).update(published=version)
    locked.published = version
    page.published = version


@transaction.atomic
def publish(page: PublicPage, *, user: User) -> PublicVersion:
    """Publish the draft: a new version (number max + 1) with its title and body and the content
    `compose` gives now; the public reads it at once. The page is locked meanwhile, so two
    publications never get the same number."""
    locked = PublicPage.objects.select_for_update().select_related("municipality").get(pk=page.pk)
    version = PublicVersion.objects.create(
        page=locked,
        number=_next_number(locked),
        title=locked.title,
        body=sanitize(locked.body),
        content=compose(locked),
        published_by=user,
    )
    _set_published(page, locked, version)
    _bump_now_and_after_commit(locked.municipality)
    return version


@transaction.atomic
def withdraw(page: PublicPage, *, user: User) -> PublicVersion | None:
    """Take the page off the public tab: its version is marked withdrawn, the public gets 404. Returns
    the withdrawn version; nothing happens (None) when the page is not published."""
    locked = PublicPage.objects.select_for_update().select_related("municipality").get(pk=page.pk)
    if locked.published_id is None:
        page.published = None
        return None
    version = PublicVersion.objects.get(pk=locked.published_id)
    version.withdrawn_by = user
    version.withdrawn_at = timezone.now()
    version.save(update_fields=["withdrawn_by", "withdrawn_at"])
    _set_published(page, locked, None)
    _bump_now_and_after_commit(locked.municipality)
    return version


@transaction.atomic
def restore(version: PublicVersion, *, user: User) -> PublicVersion:
    """Publish an earlier version again, as a new version with its title, body and frozen content."""
    locked = PublicPage.objects.select_for_update().select_related("municipality").get(pk=version.page_id)
    restored = PublicVersion.objects.create(
        page=locked,
        number=_next_number(locked),
        title=version.title,
        body=sanitize(version.body),
        content=version.content,
        published_by=user,
    )
    _set_published(version.page, locked, restored)
    _bump_now_and_after_commit(locked.municipality)
    return restored


def is_stale(page: PublicPage) -> bool:
    """Whether the data changed since publication: what the page would show now differs from what
    the public reads. False for a page that is not published."""
    if page.published_id is None:
        return False
    published = page.published
    return compose(page) != published.content


def last_update(municipality: Municipality) -> datetime | None:
    """When the newest of the municipality's published versions was published; None if none is."""
    return PublicPage.objects.filter(municipality=municipality, published__isnull=False).aggregate(
        last=Max("published__published_at")
    )["last"]


# The cache -----------------------------------------------------------------------------------------


def _generation_key(municipality_slug: str) -> str:
    return f"open:gen:{municipality_slug}"


def _slug_of(municipality: Municipality | str) -> str:
    return municipality if isinstance(municipality, str) else municipality.slug


def generation(municipality_slug: str) -> str | None:
    """The current generation of the municipality's public responses: part of every cache key, so a
    new generation discards them all. Made on the first read and kept for a day (if the cache drops
    it earlier, a new one is made, which only discards the responses once more).

    None, and nothing written, for a slug no municipality has: a made-up address leaves no key. The
    database is asked only when the generation is missing, so a cache hit still costs no query."""
    key = _generation_key(municipality_slug)
    value = cache.get(key)
    if value is None:
        if not Municipality.objects.filter(slug=municipality_slug).exists():
            return None
        cache.add(key, uuid.uuid4().hex, timeout=GENERATION_SECONDS)
        value = cache.get(key) or uuid.uuid4().hex
    return value


def generation_kept(municipality_slug: str) -> str | None:
    """The municipality's current generation as the cache keeps it, or None when it keeps none:
    one read of the cache, no query, nothing written."""
    return cache.get(_generation_key(municipality_slug))


def bump(municipality: Municipality | str) -> str:
    """A new generation for the municipality: every cached public response of it is discarded."""
    value = uuid.uuid4().hex
    cache.set(_generation_key(_slug_of(municipality)), value, timeout=GENERATION_SECONDS)
    return value


def _bump_now_and_after_commit(municipality: Municipality) -> None:
    """Bump at once, so nobody gets the old page from the cache from now on, and again after
    commit, to discard a page some reader rendered from the data as it was before the commit."""
    slug = municipality.slug
    bump(slug)
    transaction.on_commit(lambda: bump(slug))


# What waits for publication -------------------------------------------------------------------------


def pages_awaiting_report(report: Report) -> list[PublicPage]:
    """The pages that show (or, once published, will show) `report`'s PDF but do not yet: its
    direction's page when it is not published, or was published before the report was. A summary
    report is shown by no page."""
    if report.direction_id is None or report.published_job_id is None:
        return []
    pages = PublicPage.objects.filter(
        municipality_id=report.municipality_id,
        kind=PublicPage.Kind.DIRECTION,
        direction_id=report.direction_id,
    ).select_related("published")
    return [
        page
        for page in pages
        if page.published is None
        or report.pk not in {item.get("id") for item in page.published.content.get("reports") or []}
        or (report.published_at and report.published_at > page.published.published_at)
    ]


def pages_changed(municipality: Municipality, pages: list[PublicPage] | None = None) -> list[dict]:
    """The municipality's pages that changed since their publication, each with the reasons: a draft
    not yet published, a report published after the page (or withdrawn since, though the page still
    lists it), the home page's list of pages no longer the published one. Whether the indicators and
    other data a page shows changed is checked on the page itself (`is_stale`), as it costs a
    composition per page. A fixed number of queries whatever the pages."""
    if pages is None:
        pages = list(
            PublicPage.objects.filter(municipality=municipality).select_related("published", "direction")
        )
    reports = list(
        published_reports(municipality)
        .filter(direction__isnull=False)
        .only("pk", "title", "direction_id", "published_at")
    )
    published_ids = {report.pk for report in reports}
    live_free = sorted(
        (page.slug, page.published.title)
        for page in pages
        if page.kind == PublicPage.Kind.FREE and page.published is not None
    )
    live_directions = {
        page.direction_id: page.slug
        for page in pages
        if page.kind == PublicPage.Kind.DIRECTION and page.published is not None
    }
    result = []
    for page in sorted(pages, key=_page_order):
        version = page.published
        if version is None:
            if page.kind == PublicPage.Kind.DIRECTION:
                waiting = [r for r in reports if r.direction_id == page.direction_id]
                if waiting:
                    titles = ", ".join(f"«{r.title}»" for r in waiting)
                    result.append(
                        {
                            "page": page,
                            "reasons": [
                                _("Not published, while a report it shows is: %(titles)s")
                                % {"titles": titles}
                            ],
                        }
                    )
            continue
        reasons = []
        if version.title != page.title or version.body != page.body:
            reasons.append(_("The draft has changes not yet published"))
        content = version.content or {}
        if page.kind == PublicPage.Kind.DIRECTION:
            shown = {item.get("id"): item for item in content.get("reports") or []}
            newer = [
                r
                for r in reports
                if r.direction_id == page.direction_id
                and (r.pk not in shown or (r.published_at and r.published_at > version.published_at))
            ]
            if newer:
                reasons.append(
                    _("A report's PDF was published after the page: %(titles)s")
                    % {"titles": ", ".join(f"«{r.title}»" for r in newer)}
                )
            gone = [item for pk, item in shown.items() if pk not in published_ids]
            if gone:
                reasons.append(
                    _("It still lists a report withdrawn since: %(titles)s")
                    % {"titles": ", ".join(f"«{item.get('title', '')}»" for item in gone)}
                )
        if page.kind == PublicPage.Kind.HOME:
            listed_free = sorted(
                (item.get("slug"), item.get("title")) for item in content.get("free_pages") or []
            )
            listed_directions = {
                direction.get("code"): direction.get("page")
                for block in content.get("blocks") or []
                for direction in block.get("directions") or []
            }
            live_by_code = {
                page_.direction.code: page_.slug
                for page_ in pages
                if page_.kind == PublicPage.Kind.DIRECTION and page_.direction_id in live_directions
            }
            changed_directions = any(
                listed_directions.get(code) != slug for code, slug in live_by_code.items()
            ) or any(slug and code not in live_by_code for code, slug in listed_directions.items())
            if listed_free != live_free or changed_directions:
                reasons.append(_("The list of the tab's published pages changed since"))
        if reasons:
            result.append({"page": page, "reasons": reasons})
    return result
