"""The public tab as anonymous visitors read it: /open/<municipality>/ and its pages, the copies for
embedding in the department's site, the open data and the published files.

Everything here is read from published versions only, so the public never sees a draft or data that
changed after publication. Pages are rendered without the request's context processors: no menu, no
user, no CSRF token, no session, so no cookie is set and one cached response serves everyone. A
response is cached (the HTML bytes) under the municipality's cache generation
(reports.public.generation), which every publication and withdrawal replaces. A published page the
cache holds is answered by reports.open_cache.PublishedPageMiddleware (`cached_page`) before the
session, the user and the rest of the chain: one read of the cache.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, get_urlconf, path, resolve, reverse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_http_date_safe
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from directions import charts as direction_charts
from directions.models import EVALUATION_MARKS, Component
from indicators import charts
from mcok import site
from mcok.models import Document, Municipality
from reports import open_data, open_sets, public
from reports.models import PublicPage
from roadmaps.models import Occurrence

BROWSER_SECONDS = 5 * 60
# No script at all; styles and images only from the portal itself; forms go nowhere.
CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
INLINE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg")
SLUG_MAX = PublicPage._meta.get_field("slug").max_length

# The version for the visually impaired (ГОСТ Р 52872-2019): larger type, high contrast, no images,
# wider spacing. It is chosen by the query parameter, which every address of the tab carries on: a
# cookie would make the cached pages differ per visitor and is refused to a frame on another site.
VI_PARAM = "vi"
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT_ATTRIBUTE = re.compile(r"""\balt=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
HREF_ATTRIBUTE = re.compile(r'\bhref="([^"]*)"')


def _vi(request: HttpRequest) -> bool:
    return request.GET.get(VI_PARAM) == "1"


def tab_url(url: str, vi: bool) -> str:
    """An address of the tab in the version being read: the visually impaired one keeps its mark."""
    if not vi or not url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{VI_PARAM}=1"


def _mode_context(request: HttpRequest, vi: bool) -> dict:
    """The switch between the versions, shown on every page of the tab."""
    return {
        "vi": vi,
        "vi_on_url": f"{request.path}?{VI_PARAM}=1",
        "vi_off_url": request.path,
    }


def _vi_body(html: str, municipality: Municipality) -> str:
    """The sanitised rich text for the visually impaired: each image replaced by its text
    alternative, and links into the tab kept in this version."""

    def alternative(match: re.Match) -> str:
        found = ALT_ATTRIBUTE.search(match.group(0))
        text = (found.group(1) or found.group(2) or "") if found else ""
        if not text:
            return ""
        return f'<span class="vi-image">{_("Image")}: {text}</span>'

    prefix = reverse("open:home", args=[municipality.slug])

    def link(match: re.Match) -> str:
        address = match.group(1)
        if address.startswith(prefix) and f"{VI_PARAM}=" not in address:
            address += f"{'&amp;' if '?' in address else '?'}{VI_PARAM}=1"
        return f'href="{address}"'

    return HREF_ATTRIBUTE.sub(link, IMG_TAG.sub(alternative, html))


# Responses ----------------------------------------------------------------------------------------


def _public_headers(response: HttpResponse, modified: float | None, *, embed: bool = False) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=BROWSER_SECONDS)
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Content-Security-Policy"] = CSP if embed else f"{CSP}; frame-ancestors 'none'"
    if embed:
        response.xframe_options_exempt = True
    return response


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _entry(content: bytes, content_type: str, modified: float | None, **headers: str) -> dict:
    """What the cache keeps of a public response."""
    return {"content": content, "type": content_type, "modified": modified, "headers": headers}


def _replay(request: HttpRequest, entry: dict, *, embed: bool = False) -> HttpResponse:
    response = HttpResponse(entry["content"], content_type=entry["type"])
    for name, value in entry["headers"].items():
        response[name] = value
    _public_headers(response, entry["modified"], embed=embed)
    if entry["modified"] is not None:
        conditional = get_conditional_response(
            request, last_modified=int(entry["modified"]), response=response
        )
        if conditional is not response:
            return conditional
    return response


def cache_key(generation: str, municipality_slug: str, key: str) -> str:
    """The cache key of a public response: the municipality's generation, its slug and the address."""
    return f"open:page:{generation}:{municipality_slug}:{key}"


def page_key(page_slug: str | None, *, embed: bool, vi: bool) -> str:
    """The address part of a page's cache key: the page (none for the home page), the copy for
    embedding or the page itself, and the version for the visually impaired."""
    return f"{page_slug or ''}:{'embed' if embed else 'page'}{':vi' if vi else ''}"


def _cached(
    request: HttpRequest, municipality_slug: str, key: str, build: Callable[[], dict], *, embed: bool = False
) -> HttpResponse:
    """The response kept in the cache under the municipality's generation, or built and kept now.
    A hit reads the cache only: no database query."""
    if len(municipality_slug) > SLUG_MAX or len(key) > 2 * SLUG_MAX:
        raise Http404  # longer than any address of the tab: not worth a cache key
    current = public.generation(municipality_slug)
    if current is None:
        raise Http404  # no such municipality: nothing is kept for a made-up address
    full_key = cache_key(current, municipality_slug, key)
    entry = _local.get(full_key)
    if entry is None:
        entry = cache.get(full_key)
        if entry is None:
            entry = build()  # Http404 passes through, and nothing is kept
            cache.set(full_key, entry, public.CACHE_SECONDS)
        _remember(full_key, entry)
    return _replay(request, entry, embed=embed)


# What a key holds never changes, since the key carries the generation: each process keeps the
# responses it served last beside the shared cache, and asks the shared cache for the generation only.
# A publication makes a new generation, so the old keys are simply never asked for again.
_local: dict[str, dict] = {}
LOCAL_ENTRIES = 200


def _remember(key: str, entry: dict) -> None:
    while len(_local) >= LOCAL_ENTRIES:
        _local.pop(next(iter(_local)), None)  # the oldest first
    _local[key] = entry


def _friendly_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            response = HttpResponseNotFound(render_to_string("open/404.html", {}))
            response["Content-Security-Policy"] = f"{CSP}; frame-ancestors 'none'"
            return response

    return wrapper


# Rendering ----------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _value_text(value: Any, unit: str = "") -> str:
    return charts.number_text(_decimal(value), unit)


def _percent_text(value: Any) -> str:
    return direction_charts.percent_text(_decimal(value))


def _label(period: dict | None) -> str:
    return (period or {}).get("label") or (period or {}).get("code") or "—"


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _state_labels() -> dict[str, str]:
    return {
        **{str(value): str(label) for value, label in Occurrence.State.choices},
        "overdue": _("Overdue"),
    }


def _site_url(municipality: Municipality) -> str:
    """The department's official site for the footer link, only as an http(s) address: the field is
    typed by staff, and a javascript: address in a link would run on the public tab."""
    address = (municipality.site_url or "").strip()
    try:
        scheme = urlsplit(address).scheme.lower()
    except ValueError:
        return ""
    return address if scheme in public.LINK_SCHEMES else ""


def _evaluation_kind(kind: str | None) -> str:
    """The mark of the evaluation the index comes from: «самооценка» or «экспертная оценка»."""
    return str(EVALUATION_MARKS.get(kind, "")) if kind else ""


def _home_context(municipality: Municipality, content: dict, vi: bool = False) -> dict:
    """The home page: frozen names and indices; the links follow the pages published now, so the
    home page never links to a withdrawn page and links a page published after it."""
    live = list(
        PublicPage.objects.filter(municipality=municipality, published__isnull=False)
        .order_by("order", "title", "pk")
        .values("kind", "slug", "direction__code", "published__title", "published__published_at")
    )
    links = {
        row["direction__code"]: tab_url(reverse("open:page", args=[municipality.slug, row["slug"]]), vi)
        for row in live
        if row["kind"] == PublicPage.Kind.DIRECTION
    }
    free_pages = [
        {
            "title": row["published__title"],
            "href": tab_url(reverse("open:page", args=[municipality.slug, row["slug"]]), vi),
        }
        for row in live
        if row["kind"] == PublicPage.Kind.FREE
    ]
    blocks = []
    for block in content.get("blocks") or []:
        directions = [
            {
                "code": item.get("code", ""),
                "name": item.get("name", ""),
                "href": links.get(item.get("code")),
                "percent": _decimal(item.get("percent")),
                "percent_text": _percent_text(item.get("percent")),
            }
            for item in block.get("directions") or []
        ]
        chart = None
        if any(item["percent"] is not None for item in directions):
            chart = direction_charts.bar_chart(
                [(f"{item['code']} {item['name']}", item["percent"]) for item in directions],
                title=_("Indices of the directions of block %(block)s")
                % {"block": f"{block.get('code', '')}. {block.get('name', '')}"},
            )
        blocks.append(
            {
                "code": block.get("code", ""),
                "name": block.get("name", ""),
                "percent_text": _percent_text(block.get("percent")) if block.get("percent") else "",
                "directions": directions,
                "chart": chart,
            }
        )
    index = content.get("index")
    if index:
        index = {
            "percent_text": _percent_text(index.get("percent")),
            "period": _label(index.get("period")),
            "kind": _evaluation_kind(index.get("kind")),
        }
    updated = max((row["published__published_at"] for row in live), default=None)
    return {"blocks": blocks, "index": index, "free_pages": free_pages, "live_updated": updated}


def _indicator(item: dict) -> dict:
    unit = item.get("unit") or ""
    latest = item.get("latest") or {}
    dynamics = item.get("dynamics") or []
    kind = (latest.get("period") or {}).get("kind")
    points = [
        (_label(row.get("period")), _decimal(row.get("value")))
        for row in dynamics
        if (row.get("period") or {}).get("kind") == kind and not row.get("completeness")
    ]
    title = f"{item.get('code', '')} {item.get('name', '')}".strip()
    line = None
    if len(points) > 1:
        line = charts.line_chart(
            points,
            title=_("%(indicator)s: the municipality's value by period") % {"indicator": title},
            unit=unit,
        )
    organizations = item.get("organizations")
    bars = None
    rows = None
    if organizations is not None:
        rows = [
            {"name": row.get("name", ""), "value": _value_text(row.get("value"))} for row in organizations
        ]
        if organizations:
            bars = charts.bar_chart(
                [(row.get("name", ""), _decimal(row.get("value"))) for row in organizations],
                title=_("%(indicator)s: the organizations' values, %(period)s")
                % {"indicator": title, "period": _label(latest.get("period"))},
                unit=unit,
            )
    shown = []
    for part in item.get("breakdowns") or []:
        options = part.get("options") or []
        period = _label(part.get("period"))
        category = part.get("category", "")
        chart = None
        if any(option.get("value") is not None for option in options):
            chart = charts.bar_chart(
                [(option.get("name", ""), _decimal(option.get("value"))) for option in options],
                title=_("%(indicator)s by option: %(category)s, %(period)s")
                % {"indicator": title, "category": category, "period": period},
                unit=unit,
            )
        organizations = part.get("organizations")
        shown.append(
            {
                "category": category,
                "period": period,
                "options": [
                    {"name": option.get("name", ""), "value": _value_text(option.get("value"))}
                    for option in options
                ],
                "organizations": None
                if organizations is None
                else [
                    {
                        "name": row.get("name", ""),
                        "values": [_value_text(value) for value in row.get("values") or []],
                    }
                    for row in organizations
                ],
                "chart": chart,
            }
        )
    return {
        "code": item.get("code", ""),
        "name": item.get("name", ""),
        "group": item.get("group", ""),
        "unit": unit,
        "latest": _value_text(latest.get("value"), unit) if latest else "",
        "latest_period": _label(latest.get("period")) if latest else "",
        "target": _value_text(latest.get("target"), unit) if latest.get("target") is not None else "",
        "dynamics": [
            {
                "period": _label(row.get("period")),
                "value": _value_text(row.get("value")),
                "target": _value_text(row.get("target")) if row.get("target") is not None else "—",
                "preliminary": public.preliminary_text(row.get("completeness")),
            }
            for row in dynamics
        ],
        "preliminary": public.preliminary_headline(item.get("preliminary"), unit),
        "line": line,
        "organizations": rows,
        "bars": bars,
        "breakdowns": shown,
    }


def _direction_context(content: dict) -> dict:
    states = _state_labels()
    roadmaps = []
    for roadmap in content.get("roadmaps") or []:
        events = [
            {
                **event,
                "state_label": states.get(event.get("state", ""), event.get("state", "")),
                "due": _date(event.get("due")),
            }
            for event in roadmap.get("events") or []
        ]
        roadmaps.append({**roadmap, "events": events})
    index = content.get("index")
    if index:
        labels = dict(Component.choices)
        components = [
            {
                "label": str(labels.get(item.get("component"), item.get("component", ""))),
                "percent": _decimal(item.get("percent")),
                "percent_text": _percent_text(item.get("percent")),
                "score": _value_text(item.get("score")),
                "max": _value_text(item.get("max")),
            }
            for item in index.get("components") or []
        ]
        direction = content.get("direction") or {}
        index = {
            "percent_text": _percent_text(index.get("percent")),
            "score": _value_text(index.get("score")),
            "max": _value_text(index.get("max")),
            "period": _label(index.get("period")),
            "kind": _evaluation_kind(index.get("kind")),
            "components": components,
            "chart": direction_charts.bar_chart(
                [(item["label"], item["percent"]) for item in components],
                title=_("Formation of the components of the cycle of direction %(direction)s")
                % {"direction": direction.get("code", "")},
            )
            if components
            else None,
        }
    reports = [
        {
            **report,
            "period": _label(report.get("period")),
            "approved": _date(report.get("approved")),
        }
        for report in content.get("reports") or []
    ]
    goals = content.get("goals")
    if goals:
        goals = {"period": _label(goals.get("period")), "content": goals.get("content", "")}
    return {
        "direction": content.get("direction") or {},
        "coordinators": content.get("coordinators") or [],
        "executors": content.get("executors") or [],
        "executor_organizations": content.get("executor_organizations") or [],
        "goals": goals,
        "indicators": [_indicator(item) for item in content.get("indicators") or []],
        "roadmaps": roadmaps,
        "index": index,
        "reports": reports,
    }


def render_public(
    request: HttpRequest,
    *,
    municipality: Municipality,
    page: PublicPage,
    title: str,
    body: str,
    content: dict,
    preview: bool = False,
    embed: bool = False,
    vi: bool | None = None,
) -> HttpResponse:
    """The page exactly as the public sees it, from a version's fields (or, for the operator's
    preview, from the draft: its title and body and `public.compose(page)`). With `preview` a banner
    says the page is not published, search engines are told not to index it, and nothing is cached.

    The template gets no request: nothing per user reaches the page, and no cookie is set. `vi`
    (by default from the request's query) renders the version for the visually impaired."""
    content = content or {}
    kind = page.kind
    if vi is None:
        vi = _vi(request)
    body = public.sanitize(body)
    if vi:
        body = _vi_body(body, municipality)
    context: dict[str, Any] = {
        "municipality": municipality,
        "page": page,
        "kind": kind,
        "title": title,
        "body": mark_safe(body),  # sanitised just now, whatever the caller passed
        "documents": [
            {**document, "period": _label(document.get("period")) if document.get("period") else ""}
            for document in content.get("documents") or []
        ],
        "preview": preview,
        "embed": embed,
        "layout": "open/embed.html" if embed else "open/base.html",
        "home_url": tab_url(reverse("open:home", args=[municipality.slug]), vi),
        "data_url": tab_url(reverse("open:data", args=[municipality.slug]), vi),
        "site_url": _site_url(municipality),
        **_mode_context(request, vi),
    }
    updated = None
    if not preview and page.published_id is not None:
        updated = page.published.published_at
    if kind == PublicPage.Kind.HOME:
        context.update(_home_context(municipality, content, vi))
        if not preview:
            updated = max(filter(None, [updated, context["live_updated"]]), default=None)
        template = "open/home.html"
    else:
        if kind == PublicPage.Kind.DIRECTION:
            context.update(_direction_context(content))
        template = "open/page.html"
    context["updated"] = updated
    html = render_to_string(template, context)
    if preview:
        response = HttpResponse(html)
        response["X-Robots-Tag"] = "noindex"
        response["Content-Security-Policy"] = f"{CSP}; frame-ancestors 'none'"
        add_never_cache_headers(response)
        return response
    return _public_headers(HttpResponse(html), _timestamp(updated), embed=embed)


# The pages ----------------------------------------------------------------------------------------


def _page_response(
    request: HttpRequest, municipality_slug: str, page_slug: str | None, *, embed: bool
) -> HttpResponse:
    def build() -> dict:
        municipality = get_object_or_404(Municipality, slug=municipality_slug)
        pages = PublicPage.objects.select_related("published").filter(
            municipality=municipality, published__isnull=False
        )
        if page_slug is None:
            page = get_object_or_404(pages, kind=PublicPage.Kind.HOME)
        else:
            page = get_object_or_404(pages.exclude(kind=PublicPage.Kind.HOME), slug=page_slug)
        version = page.published
        response = render_public(
            request,
            municipality=municipality,
            page=page,
            title=version.title,
            body=version.body,
            content=version.content,
            embed=embed,
            vi=vi,
        )
        return _entry(response.content, response["Content-Type"], _modified(response))

    vi = _vi(request)
    return _cached(request, municipality_slug, page_key(page_slug, embed=embed, vi=vi), build, embed=embed)


def _modified(response: HttpResponse) -> float | None:
    value = parse_http_date_safe(response.get("Last-Modified", ""))
    return float(value) if value is not None else None


@require_safe
@_friendly_404
def home(request: HttpRequest, municipality: str) -> HttpResponse:
    return _page_response(request, municipality, None, embed=False)


@require_safe
@_friendly_404
def page(request: HttpRequest, municipality: str, page: str) -> HttpResponse:
    if page == public.HOME_SLUG:
        return redirect("open:home", municipality, permanent=True)
    return _page_response(request, municipality, page, embed=False)


@require_safe
@xframe_options_exempt
@_friendly_404
def embed_home(request: HttpRequest, municipality: str) -> HttpResponse:
    return _page_response(request, municipality, None, embed=True)


@require_safe
@xframe_options_exempt
@_friendly_404
def embed(request: HttpRequest, municipality: str, page: str) -> HttpResponse:
    if page == public.HOME_SLUG:
        return redirect("open:embed_home", municipality, permanent=True)
    return _page_response(request, municipality, page, embed=True)


# Open data ----------------------------------------------------------------------------------------


def _open_municipality(slug: str) -> Municipality:
    """The municipality whose public tab is open (its home page is published); else 404."""
    municipality = get_object_or_404(Municipality, slug=slug)
    if not PublicPage.objects.filter(
        municipality=municipality, kind=PublicPage.Kind.HOME, published__isnull=False
    ).exists():
        raise Http404
    return municipality


def _data_context(request: HttpRequest, found: Municipality, title: str, vi: bool) -> dict:
    return {
        "municipality": found,
        "title": title,
        "layout": "open/base.html",
        "home_url": tab_url(reverse("open:home", args=[found.slug]), vi),
        "data_url": tab_url(reverse("open:data", args=[found.slug]), vi),
        "site_url": _site_url(found),
        **_mode_context(request, vi),
    }


def _base_digest(base: str) -> str:
    """A short mark of the portal's address for the cache key of a file that holds full addresses."""
    return hashlib.sha256(base.encode()).hexdigest()[:12]


@require_safe
@_friendly_404
def data(request: HttpRequest, municipality: str) -> HttpResponse:
    """The list of the municipality's open data sets, each with its passport and files."""
    vi = _vi(request)

    def build() -> dict:
        found = _open_municipality(municipality)
        sets = open_sets.passports(found)
        updated = max(filter(None, (item.table.updated for item in sets)), default=None)
        context = {
            **_data_context(request, found, _("Open data"), vi),
            "sets": [
                {
                    "passport": item,
                    "page_href": tab_url(item.page_href, vi),
                    "rows": len(item.table.rows),
                    "files": [
                        {
                            "format": format.upper(),
                            "href": reverse("open:data_file", args=[found.slug, item.spec.name, format]),
                            "size": len(open_data.export(item.table, format)[0]),
                        }
                        for format in open_data.FORMATS
                    ],
                }
                for item in sets
            ],
            "list_href": reverse("open:data_list", args=[found.slug]),
            "updated": updated,
        }
        html = render_to_string("open/data.html", context)
        return _entry(html.encode(), "text/html; charset=utf-8", _timestamp(updated))

    return _cached(request, municipality, f"data{':vi' if vi else ''}", build)


@require_safe
@_friendly_404
def data_set(request: HttpRequest, municipality: str, table: str) -> HttpResponse:
    """The passport of one set as a page: its fields, its structure and its files."""
    if table not in open_data.TABLES:
        raise Http404
    vi = _vi(request)
    base = site.base_url(request)

    def build() -> dict:
        found = _open_municipality(municipality)
        item = open_sets.passport(found, table)
        context = {
            **_data_context(request, found, str(item.spec.title), vi),
            "passport": item,
            "fields": item.fields(base),
            "structure": item.structure_rows(),
            "types": {name: str(label) for name, label in open_sets.TYPES.items()},
            "rows": len(item.table.rows),
            "updated": item.table.updated,
        }
        html = render_to_string("open/data_set.html", context)
        return _entry(html.encode(), "text/html; charset=utf-8", _timestamp(item.table.updated))

    key = f"set:{table}:{_base_digest(base)}{':vi' if vi else ''}"
    return _cached(request, municipality, key, build)


@require_safe
@_friendly_404
def data_set_file(request: HttpRequest, municipality: str, table: str, name: str) -> HttpResponse:
    """meta.csv (the passport), structure-<date>.csv and data-<date>-structure-<date>.csv of a set.
    Only the current names are served: a file of another date is not kept, so it is not found."""
    if table not in open_data.TABLES or not name.endswith(".csv"):
        raise Http404
    stem = name.removesuffix(".csv")
    base = site.base_url(request)

    def build() -> dict:
        found = _open_municipality(municipality)
        item = open_sets.passport(found, table)
        if stem == "meta":
            content = item.meta_csv(base)
        elif stem == item.structure_name:
            content = item.structure_csv()
        elif stem == item.data_name:
            content = item.data_csv()
        else:
            raise Http404
        headers = {
            "Content-Disposition": f'attachment; filename="{item.identifier}-{name}"',
            "Access-Control-Allow-Origin": "*",
        }
        return _entry(content, open_data.CONTENT_TYPES["csv"], _timestamp(item.table.updated), **headers)

    key = f"set:{table}:{stem}:{_base_digest(base)}"
    return _cached(request, municipality, key, build)


@require_safe
@_friendly_404
def data_list(request: HttpRequest, municipality: str) -> HttpResponse:
    """list.csv: the register of the municipality's sets with the addresses of their passports."""
    base = site.base_url(request)

    def build() -> dict:
        found = _open_municipality(municipality)
        sets = open_sets.passports(found)
        updated = max(filter(None, (item.table.updated for item in sets)), default=None)
        headers = {"Content-Disposition": f'attachment; filename="{found.slug}-list.csv"'}
        headers["Access-Control-Allow-Origin"] = "*"
        content = open_sets.list_csv(found, sets, base)
        return _entry(content, open_data.CONTENT_TYPES["csv"], _timestamp(updated), **headers)

    return _cached(request, municipality, f"data:list:{_base_digest(base)}", build)


@require_safe
@_friendly_404
def data_file(request: HttpRequest, municipality: str, table: str, format: str) -> HttpResponse:
    if table not in open_data.TABLES or format not in open_data.FORMATS:
        raise Http404

    def build() -> dict:
        found = _open_municipality(municipality)
        result = open_data.table(found, table)
        content, content_type = open_data.export(result, format)
        headers = {"Content-Disposition": f'attachment; filename="{found.slug}-{table}.{format}"'}
        if format == "json":
            headers["Access-Control-Allow-Origin"] = "*"
        return _entry(content, content_type, _timestamp(result.updated), **headers)

    return _cached(request, municipality, f"data:{table}.{format}", build)


# Files --------------------------------------------------------------------------------------------


@require_safe
@_friendly_404
def report_file(request: HttpRequest, municipality: str, report: int) -> HttpResponse:
    """The PDF of an analytic report the operator published, shown in the browser."""
    found = get_object_or_404(Municipality, slug=municipality)
    item = get_object_or_404(public.published_reports(found).select_related("published_job"), pk=report)
    job = item.published_job
    if not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{found.slug}-report-{item.pk}.pdf",
    )
    return _public_headers(response, _timestamp(item.published_at or job.finished_at))


@require_safe
@_friendly_404
def document_file(request: HttpRequest, municipality: str, document: int) -> HttpResponse:
    """A stored document's file, only while a published page of the municipality links it."""
    found = get_object_or_404(Municipality, slug=municipality)
    if document not in open_data.published_document_ids(found):
        raise Http404
    item = get_object_or_404(Document, pk=document, municipality=found)
    if not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = item.file.name.rsplit("/", 1)[-1]
    inline = name.rsplit(".", 1)[-1].lower() in INLINE_EXTENSIONS
    response = FileResponse(handle, as_attachment=not inline, filename=name)
    return _public_headers(response, _timestamp(item.created_at))


# Served before the session, the user and the rest of the chain ------------------------------------


@lru_cache(maxsize=1024)
def _page_address(path_info: str, urlconf: str | None) -> tuple[bool, str, str | None] | None:
    """Whether the address is a page of the tab: (embedded, municipality, page), or None. Kept for the
    addresses asked last (an address always resolves the same), so a cached page costs no resolving."""
    try:
        match = resolve(path_info, urlconf)
    except Resolver404:
        return None
    embedded = _PAGE_VIEWS.get(match.func)
    if embedded is None:
        return None
    municipality_slug = match.kwargs["municipality"]
    page_slug = match.kwargs.get("page")
    if page_slug == public.HOME_SLUG or len(municipality_slug) > SLUG_MAX:
        return None
    return embedded, municipality_slug, page_slug


def cached_page(request: HttpRequest) -> HttpResponse | None:
    """The published page (or its copy for embedding) at the request's address as the cache holds
    it, with the headers the view gives it; None when the address is no page of the tab or the
    cache does not hold the page under the municipality's current generation, and the view answers.
    Costs one read of the shared cache (the generation) when this process served the page before,
    two otherwise; never a query and never a write, so a made-up address leaves nothing behind."""
    if request.method != "GET":
        return None
    found = _page_address(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
    if found is None:
        return None
    embedded, municipality_slug, page_slug = found
    current = public.generation_kept(municipality_slug)
    if current is None:
        return None
    full_key = cache_key(current, municipality_slug, page_key(page_slug, embed=embedded, vi=_vi(request)))
    entry = _local.get(full_key)
    if entry is None:
        entry = cache.get(full_key)
        if entry is None:
            return None
        _remember(full_key, entry)
    response = _replay(request, entry, embed=embedded)
    # What the chain below would add: the frame rule of the pages, the language and the length.
    if not embedded:
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS.upper())
    patch_vary_headers(response, ("Accept-Language",))
    response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
    response.headers.setdefault("Content-Length", str(len(response.content)))
    return response


# Fixed addresses first: a page's slug can never shadow them.
urlpatterns = [
    path("<slug:municipality>/", home, name="home"),
    path("<slug:municipality>/embed/", embed_home, name="embed_home"),
    path("<slug:municipality>/data/", data, name="data"),
    path("<slug:municipality>/data/list.csv", data_list, name="data_list"),
    path("<slug:municipality>/data/<slug:table>/", data_set, name="data_set"),
    path("<slug:municipality>/data/<slug:table>/<str:name>", data_set_file, name="data_set_file"),
    path("<slug:municipality>/data/<slug:table>.<str:format>", data_file, name="data_file"),
    path("<slug:municipality>/reports/<int:report>.pdf", report_file, name="report_file"),
    path("<slug:municipality>/documents/<int:document>/", document_file, name="document"),
    path("<slug:municipality>/<slug:page>/", page, name="page"),
    path("<slug:municipality>/<slug:page>/embed/", embed, name="embed"),
]

# The page views and whether each serves the copy for embedding (cached_page).
_PAGE_VIEWS: dict[Callable[..., HttpResponse], bool] = {
    home: False,
    page: False,
    embed_home: True,
    embed: True,
}
