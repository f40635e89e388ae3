from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mcok import access, exports, selectors
from mcok.filters import DocumentFilter, OfficialFilter, OrganizationFilter

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def _stamp() -> str:
    return timezone.localtime().strftime("%Y-%m-%d")


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    return redirect("mcok:home" if request.user.is_authenticated else "login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "mcok/home.html", {"home": selectors.home_for(request.user)})


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    queryset = access.organizations_visible_to(request.user).select_related("municipality", "head")
    filterset = OrganizationFilter(request.GET, queryset=queryset, request=request)
    organizations = filterset.qs
    if request.GET.get("format") == "xlsx":
        headers = [
            _("Municipality"), _("Short name"), _("Full name"), _("Kind"), _("Locality"),
            _("Low results (ШНОР)"), _("Unfavourable social conditions"), _("Head"),
        ]  # fmt: skip
        rows = (
            (
                o.municipality.name,
                o.short_name,
                o.full_name,
                o.get_kind_display(),
                o.get_locality_display(),
                _("yes") if o.low_results else _("no"),
                _("yes") if o.unfavourable_conditions else _("no"),
                o.head.full_name if o.head else "",
            )  # fmt: skip
            for o in organizations.iterator(chunk_size=2000)
        )
        return exports.xlsx_response(f"organizations-{_stamp()}.xlsx", _("Organizations"), headers, rows)
    context = {
        "filter": filterset,
        "page": _page(request, organizations),
        "query": _query_without_page(request),
    }
    return render(request, "mcok/organization_list.html", context)


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.get_organization_for(request.user, pk)
    context = {
        "organization": organization,
        "officials": access.officials_visible_to(request.user).filter(organization=organization),
        "documents": access.documents_visible_to(request.user).filter(organization=organization),
        "history": organization.history.select_related("history_user")[:20],
    }
    return render(request, "mcok/organization_detail.html", context)


@login_required
def official_list(request: HttpRequest) -> HttpResponse:
    queryset = access.officials_visible_to(request.user).select_related(
        "municipality", "organization", "user"
    )
    filterset = OfficialFilter(request.GET, queryset=queryset, request=request)
    officials = filterset.qs
    if request.GET.get("format") == "xlsx":
        headers = [
            _("Municipality"),
            pgettext("person", "Full name"),
            _("Position"),
            _("Workplace"),
            _("E-mail"),
            _("Phone"),
        ]
        rows = (
            (o.municipality.name, o.full_name, o.position, o.workplace, o.email, o.phone)
            for o in officials.iterator(chunk_size=2000)
        )
        return exports.xlsx_response(f"officials-{_stamp()}.xlsx", _("Officials"), headers, rows)
    context = {"filter": filterset, "page": _page(request, officials), "query": _query_without_page(request)}
    return render(request, "mcok/official_list.html", context)


@login_required
def official_detail(request: HttpRequest, pk: int) -> HttpResponse:
    official = access.get_official_for(request.user, pk)
    context = {"official": official, "history": official.history.select_related("history_user")[:20]}
    return render(request, "mcok/official_detail.html", context)


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    queryset = access.documents_visible_to(request.user).select_related("municipality", "organization")
    filterset = DocumentFilter(request.GET, queryset=queryset, request=request)
    documents = filterset.qs
    if request.GET.get("format") == "xlsx":
        headers = [
            _("Municipality"),
            _("Kind"),
            _("Title"),
            _("Number"),
            _("Date"),
            _("Organization"),
            _("Link"),
        ]
        rows = (
            (
                d.municipality.name,
                d.get_kind_display(),
                d.title,
                d.number,
                d.date,
                d.organization.short_name if d.organization else "",
                d.url,
            )  # fmt: skip
            for d in documents.iterator(chunk_size=2000)
        )
        return exports.xlsx_response(f"documents-{_stamp()}.xlsx", _("Documents"), headers, rows)
    context = {"filter": filterset, "page": _page(request, documents), "query": _query_without_page(request)}
    return render(request, "mcok/document_list.html", context)


@login_required
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    """A stored document's file, served only to those who may read the document."""
    document = access.get_document_for(request.user, pk)
    if not document.file:
        raise Http404
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer and docker-compose: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
