"""The operator's side of the public tab: the pages of a municipality, their drafts, the preview,
publication, withdrawal and the history of published versions.

The municipality's staff (every municipal role) read these pages and the preview; its operator
and administrators (and the instance's) change drafts, publish, withdraw and restore
(reports.access.can_edit_site), the others get 403 with a page saying who may. Schools and other
municipalities get 404, as for a page that does not exist. Every change is a plain POST with its
CSRF token, redirected back with a message; the work itself is done by reports.public.
"""

import difflib
from html.parser import HTMLParser

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mcok import params
from mcok.models import Municipality
from reports import access, public, services
from reports.models import PublicPage, PublicVersion
from reports.open_views import render_public
from reports.site_forms import PageForm, markup_removed

EMBED_HEIGHT = 800
KIND_ORDER = {PublicPage.Kind.HOME: 0, PublicPage.Kind.DIRECTION: 1, PublicPage.Kind.FREE: 2}


# Who and what ---------------------------------------------------------------------------------------


def _municipality(request: HttpRequest) -> tuple[Municipality, list[Municipality]]:
    """The municipality chosen with ?municipality=slug among the user's, or the first; 404 for a
    school, a stranger or a slug not theirs."""
    municipalities = list(access.staff_municipalities(request.user))
    slug = params.query(request.GET, "municipality") or params.query(request.POST, "municipality")
    chosen = next((m for m in municipalities if m.slug == slug), None) if slug else None
    if chosen is None and (slug or not municipalities):
        raise Http404
    return chosen or municipalities[0], municipalities


def _page_for(request: HttpRequest, pk: int) -> PublicPage:
    queryset = access.pages_visible_to(request.user).select_related(
        "municipality", "direction", "updated_by", "published__published_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _refusal() -> str:
    return _(
        "Only the municipal operator or an administrator changes, publishes and withdraws the pages "
        "of the public tab. Ask them, or read the page and its preview here."
    )


# Addresses ------------------------------------------------------------------------------------------


def _public_path(page: PublicPage) -> str:
    if page.kind == PublicPage.Kind.HOME:
        return reverse("open:home", args=[page.municipality.slug])
    return reverse("open:page", args=[page.municipality.slug, page.slug])


def _embed_path(page: PublicPage) -> str:
    if page.kind == PublicPage.Kind.HOME:
        return reverse("open:embed_home", args=[page.municipality.slug])
    return reverse("open:embed", args=[page.municipality.slug, page.slug])


def _absolute(request: HttpRequest, path_: str) -> str:
    """The address as the department's site must write it: on SITE_URL when it is set, else on the
    host this request came to."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path_}" if base else request.build_absolute_uri(path_)


def _state(page: PublicPage, *, ever_published: bool, stale: bool = False) -> tuple[str, str]:
    """(css name, label) of the page's state."""
    if page.published_id is not None:
        if stale:
            return "approved", _("The data changed after publication")
        return "published", _("Published on the public tab")
    if ever_published:
        return "withdrawn", _("Withdrawn from publication")
    return "drafted", _("Draft")


# The list -------------------------------------------------------------------------------------------


@login_required
def page_list(request: HttpRequest) -> HttpResponse:
    municipality, municipalities = _municipality(request)
    return _list_response(request, municipality, municipalities)


def _list_response(
    request: HttpRequest,
    municipality: Municipality,
    municipalities: list[Municipality],
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    public.pages_ensure(municipality)
    pages = (
        PublicPage.objects.filter(municipality=municipality)
        .select_related("municipality", "direction", "updated_by", "published__published_by")
        .annotate(ever_published=Exists(PublicVersion.objects.filter(page=OuterRef("pk"))))
    )
    pages = list(pages)
    rows = []
    for page in sorted(pages, key=lambda p: (KIND_ORDER.get(p.kind, 3), p.order, p.title, p.pk)):
        css, label = _state(page, ever_published=page.ever_published)
        rows.append({"page": page, "state": label, "state_css": css, "public_url": _public_path(page)})
    context = {
        "municipality": municipality,
        "municipalities": municipalities,
        "rows": rows,
        "changed": public.pages_changed(municipality, pages),
        "threshold": public.completeness_threshold(municipality),
        "can_edit": access.can_edit_site(request.user, municipality),
        "home_url": reverse("open:home", args=[municipality.slug]),
        "data_url": reverse("open:data", args=[municipality.slug]),
        "refusal": refusal,
    }
    return render(request, "reports/site/page_list.html", context, status=status)


# A new free page ------------------------------------------------------------------------------------


@login_required
def page_create(request: HttpRequest) -> HttpResponse:
    municipality, municipalities = _municipality(request)
    if not access.can_edit_site(request.user, municipality):
        return _list_response(request, municipality, municipalities, refusal=_refusal(), status=403)
    form = PageForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        last = (
            PublicPage.objects.filter(municipality=municipality, kind=PublicPage.Kind.FREE)
            .order_by("-order")
            .first()
        )
        page = PublicPage(
            municipality=municipality,
            kind=PublicPage.Kind.FREE,
            slug=data["slug"],
            title=data["title"],
            order=(last.order + 1) if last is not None else 1,
        )
        try:
            page = _save(request, page, form, slug=data["slug"])
        except ValidationError as error:
            form.add_error(None, error)
        except IntegrityError:  # another page took the address in the meantime
            form.add_error("slug", _("Another page of the municipality already has this address."))
        else:
            messages.success(request, _("The page is created as a draft; the public does not see it yet."))
            return redirect("reports:site_page", pk=page.pk)
    context = {"municipality": municipality, "form": form, "page": None}
    return render(request, "reports/site/page_form.html", context)


def _save(request: HttpRequest, page: PublicPage, form: PageForm, *, slug: str | None) -> PublicPage:
    """Save the draft through the service; say when the sanitiser removed something."""
    data = form.cleaned_data
    page = public.page_save(
        page,
        user=request.user,
        title=data["title"],
        body=data["body"],
        slug=slug,
        documents=list(data["documents"]),
    )
    if markup_removed(data["body"], page.body):
        messages.warning(
            request,
            _(
                "Some markup was removed from the text because it is not safe on a public page "
                "(scripts, event handlers, styles, images or other tags it does not allow). "
                "Check the preview."
            ),
        )
    return page


# A page ---------------------------------------------------------------------------------------------


@login_required
def page_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_response(request, _page_for(request, pk))


def _detail_response(
    request: HttpRequest, page: PublicPage, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    versions = list(page.versions.select_related("published_by", "withdrawn_by").order_by("-number"))
    stale = page.published_id is not None and public.is_stale(page)
    css, label = _state(page, ever_published=bool(versions), stale=stale)
    published = page.published
    embed_url = _absolute(request, _embed_path(page))
    context = {
        "page": page,
        "municipality": page.municipality,
        "state": label,
        "state_css": css,
        "stale": stale,
        "draft_differs": published is not None
        and (published.title != page.title or published.body != page.body),
        "versions": versions,
        "documents": page.documents.order_by("-date", "title"),
        "body": public.sanitize(page.body),
        "can_edit": access.can_edit_site(request.user, page.municipality),
        "public_url": _absolute(request, _public_path(page)),
        "embed_url": embed_url,
        "embed_title": page.title,
        "embed_height": EMBED_HEIGHT,
        "refusal": refusal,
    }
    return render(request, "reports/site/page_detail.html", context, status=status)


@login_required
def page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for(request, pk)
    if not access.can_edit_site(request.user, page.municipality):
        return _detail_response(request, page, refusal=_refusal(), status=403)
    ever_published = page.versions.exists()
    slug_editable = page.kind == PublicPage.Kind.FREE and not ever_published
    form = PageForm(
        request.POST or None, municipality=page.municipality, page=page, slug_editable=slug_editable
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, page, form, slug=form.cleaned_data["slug"] if slug_editable else None)
        except ValidationError as error:
            form.add_error(None, error)
        except IntegrityError:  # another page took the address in the meantime
            page.refresh_from_db()
            form.add_error("slug", _("Another page of the municipality already has this address."))
        else:
            if page.published_id is not None:
                messages.success(request, _("The draft is saved; the published version has not changed."))
            else:
                messages.success(request, _("The draft is saved."))
            return redirect("reports:site_page", pk=page.pk)
    context = {"municipality": page.municipality, "form": form, "page": page}
    return render(request, "reports/site/page_form.html", context)


@login_required
def page_preview(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for(request, pk)
    return render_public(
        request,
        municipality=page.municipality,
        page=page,
        title=page.title,
        body=page.body,
        content=public.compose(page),
        preview=True,
    )


@require_POST
@login_required
def page_publish(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for(request, pk)
    if not access.can_edit_site(request.user, page.municipality):
        return _detail_response(request, page, refusal=_refusal(), status=403)
    try:
        version = public.publish(page, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s is published; the public sees it now.") % {"number": version.number},
        )
    return redirect("reports:site_page", pk=page.pk)


@require_POST
@login_required
def page_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page_for(request, pk)
    if not access.can_edit_site(request.user, page.municipality):
        return _detail_response(request, page, refusal=_refusal(), status=403)
    if page.published_id is None:
        messages.error(request, _("The page is not published: there is nothing to withdraw."))
        return redirect("reports:site_page", pk=page.pk)
    try:
        public.withdraw(page, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The page is withdrawn; the public no longer sees it."))
    return redirect("reports:site_page", pk=page.pk)


@require_POST
@login_required
def version_restore(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(
        access.versions_visible_to(request.user).select_related("page__municipality"), pk=pk
    )
    page = _page_for(request, version.page_id)
    if not access.can_edit_site(request.user, page.municipality):
        return _detail_response(request, page, refusal=_refusal(), status=403)
    if version.pk == page.published_id:
        messages.info(request, _("This version is already on the public tab."))
        return redirect("reports:site_page", pk=page.pk)
    try:
        restored = public.restore(version, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(old)s is published again as version %(number)s.")
            % {"old": version.number, "number": restored.number},
        )
    return redirect("reports:site_page", pk=page.pk)


# The completeness threshold ------------------------------------------------------------------------


@require_POST
@login_required
def tab_settings(request: HttpRequest) -> HttpResponse:
    """The operator sets the municipality's completeness threshold of the public tab."""
    municipality, municipalities = _municipality(request)
    if not access.can_edit_site(request.user, municipality):
        return _list_response(request, municipality, municipalities, refusal=_refusal(), status=403)
    try:
        services.tab_settings_set(
            municipality=municipality,
            by=request.user,
            completeness_threshold=params.query(request.POST, "completeness_threshold"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "The completeness threshold is saved. Pages show values by it from their next "
                "publication; the pages it changes are marked as having changed data."
            ),
        )
    return redirect(f"{reverse('reports:site')}?municipality={municipality.slug}")


# An old version and what differs from the published one --------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page's HTML, a line per block, for comparing two versions."""

    BLOCKS = frozenset({"p", "h2", "h3", "h4", "li", "tr", "br", "blockquote", "hr", "caption", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.lines.append("")
        elif tag in ("td", "th") and self.lines[-1]:
            self.lines[-1] += " | "
        if tag == "img":
            alt = dict(attrs).get("alt") or ""
            self.lines[-1] += f"[{_('image')}: {alt}]" if alt else f"[{_('image')}]"

    def handle_data(self, data):
        self.lines[-1] += " ".join(data.split()) if data.strip() else ""


def text_lines(title: str, html: str) -> list[str]:
    """The title and the visible text of `html`, a line per paragraph, heading, list item or row."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return [title] + [line.strip() for line in parser.lines if line.strip()]


def text_diff(old: list[str], new: list[str]) -> list[dict]:
    """The lines of both texts in order, each marked same, removed (only in `old`) or added."""
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [{"kind": "same", "sign": "", "text": line} for line in old[i1:i2]]
            continue
        rows += [{"kind": "removed", "sign": "−", "text": line} for line in old[i1:i2]]
        rows += [{"kind": "added", "sign": "+", "text": line} for line in new[j1:j2]]
    return rows


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published version as it was, and what differs between it and the version on the public tab
    (or the draft when the page is not published): what «Restore» would change."""
    version = get_object_or_404(
        access.versions_visible_to(request.user).select_related("published_by", "withdrawn_by"), pk=pk
    )
    page = _page_for(request, version.page_id)
    current = page.published
    if current is not None:
        against, against_label = (
            current,
            _("the version on the public tab (No. %(number)s)") % {"number": current.number},
        )
        current_title, current_body = current.title, current.body
    else:
        against, against_label = None, _("the draft (the page is not published)")
        current_title, current_body = page.title, page.body
    old_lines = text_lines(version.title, public.sanitize(version.body))
    new_lines = text_lines(current_title, public.sanitize(current_body))
    diff = text_diff(new_lines, old_lines)
    context = {
        "page": page,
        "municipality": page.municipality,
        "version": version,
        "body": public.sanitize(version.body),
        "against": against,
        "against_label": against_label,
        "diff": diff,
        "identical": all(row["kind"] == "same" for row in diff),
        "is_current": version.pk == page.published_id,
        "can_edit": access.can_edit_site(request.user, page.municipality),
    }
    return render(request, "reports/site/version_detail.html", context)


urlpatterns = [
    path("site/", page_list, name="site"),
    path("site/new/", page_create, name="site_page_create"),
    path("site/<int:pk>/", page_detail, name="site_page"),
    path("site/<int:pk>/edit/", page_edit, name="site_page_edit"),
    path("site/<int:pk>/preview/", page_preview, name="site_page_preview"),
    path("site/<int:pk>/publish/", page_publish, name="site_page_publish"),
    path("site/<int:pk>/withdraw/", page_withdraw, name="site_page_withdraw"),
    path("site/versions/<int:pk>/", version_detail, name="site_version"),
    path("site/versions/<int:pk>/restore/", version_restore, name="site_version_restore"),
    path("site/settings/", tab_settings, name="site_settings"),
]
