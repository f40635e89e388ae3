from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mcok import access, selectors
from mcok.filters import DocumentFilter, OfficialFilter, OrganizationFilter
from mcok.lists import Columns, list_page


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    return redirect("mcok:home" if request.user.is_authenticated else "login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "mcok/home.html", {"home": selectors.home_for(request.user)})


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    def columns() -> Columns:
        def yes_no(flag: bool) -> str:
            return _("yes") if flag else _("no")

        return Columns(
            [
                _("Municipality"),
                _("Short name"),
                _("Full name"),
                _("Kind"),
                _("Locality"),
                _("Low results (ШНОР)"),
                _("Unfavourable social conditions"),
                _("Head"),
            ],
            lambda o: (
                o.municipality.name,
                o.short_name,
                o.full_name,
                o.get_kind_display(),
                o.get_locality_display(),
                yes_no(o.low_results),
                yes_no(o.unfavourable_conditions),
                o.head.full_name if o.head else "",
            ),
        )

    return list_page(
        request,
        queryset=access.organizations_visible_to(request.user).select_related("municipality", "head"),
        filterset_class=OrganizationFilter,
        template="mcok/organization_list.html",
        name="organizations",
        title=_("Organizations"),
        columns=columns,
        sorts={
            "name": ["short_name"],
            "kind": ["kind", "short_name"],
            "locality": ["locality", "short_name"],
            "head": ["head__full_name", "short_name"],
            "municipality": ["municipality__name", "short_name"],
        },
    )


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
    def columns() -> Columns:
        return Columns(
            [
                _("Municipality"),
                pgettext("person", "Full name"),
                _("Position"),
                _("Workplace"),
                _("E-mail"),
                _("Phone"),
            ],
            lambda o: (o.municipality.name, o.full_name, o.position, o.workplace, o.email, o.phone),
        )

    return list_page(
        request,
        queryset=access.officials_visible_to(request.user).select_related(
            "municipality", "organization", "user"
        ),
        filterset_class=OfficialFilter,
        template="mcok/official_list.html",
        name="officials",
        title=_("Officials"),
        columns=columns,
        sorts={
            "name": ["full_name"],
            "position": ["position", "full_name"],
            "workplace": ["organization__short_name", "full_name"],
            "municipality": ["municipality__name", "full_name"],
        },
    )


@login_required
def official_detail(request: HttpRequest, pk: int) -> HttpResponse:
    official = access.get_official_for(request.user, pk)
    context = {
        "official": official,
        "account_shown": access.may_see_account(request.user, official.user_id),
        "history": official.history.select_related("history_user")[:20],
    }
    return render(request, "mcok/official_detail.html", context)


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    def columns() -> Columns:
        return Columns(
            [_("Municipality"), _("Kind"), _("Title"), _("Number"), _("Date"), _("Organization"), _("Link")],
            lambda d: (
                d.municipality.name,
                d.get_kind_display(),
                d.title,
                d.number,
                d.date,
                d.organization.short_name if d.organization else "",
                d.url,
            ),
        )

    return list_page(
        request,
        queryset=access.documents_visible_to(request.user).select_related("municipality", "organization"),
        filterset_class=DocumentFilter,
        template="mcok/document_list.html",
        name="documents",
        title=_("Documents"),
        columns=columns,
        sorts={
            "date": ["date", "number"],
            "title": ["title"],
            "organization": ["organization__short_name", "title"],
            "municipality": ["municipality__name", "title"],
        },
    )


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
