"""The published municipal projects on the public tab: /open/<municipality>/projects/ and a project's
passport. Only projects their keepers published are read here; anything else answers 404 as an
absent one. Rendered without the request's context (no menu, no user, no cookie), under the public
tab's policy of no script at all. The public tab's URLs include these before its own pages.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from mcok.models import Municipality
from roadmaps import access, projects

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
BROWSER_SECONDS = 5 * 60


def _respond(template: str, context: dict, modified=None) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context))
    patch_cache_control(response, public=True, max_age=BROWSER_SECONDS)
    response["Content-Security-Policy"] = CSP
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    return response


def _base(municipality: Municipality, title: str) -> dict:
    return {
        "municipality": municipality,
        "title": title,
        "layout": "open/base.html",
        "home_url": reverse("open:home", args=[municipality.slug]),
        "data_url": reverse("open:data", args=[municipality.slug]),
        "projects_url": reverse("open:projects", args=[municipality.slug]),
        "site_url": municipality.site_url,
    }


@require_safe
def public_projects(request: HttpRequest, municipality: str) -> HttpResponse:
    found = get_object_or_404(Municipality, slug=municipality)
    rows = list(
        access.published_projects(found).select_related("regional_project").order_by("order", "title", "pk")
    )
    if not rows:
        raise Http404
    context = {**_base(found, _("Municipal projects")), "projects": rows}
    return _respond(
        "open/projects.html",
        context,
        max((row.published_at for row in rows if row.published_at), default=None),
    )


@require_safe
def public_project(request: HttpRequest, municipality: str, pk: int) -> HttpResponse:
    found = get_object_or_404(Municipality, slug=municipality)
    project = get_object_or_404(
        access.published_projects(found).select_related("leader", "regional_project", "roadmap", "document"),
        pk=pk,
    )
    context = {**_base(found, project.title), "project": project, "passport": projects.passport(project)}
    return _respond("open/project.html", context, project.published_at)


urlpatterns = [
    path("<slug:municipality>/projects/", public_projects, name="projects"),
    path("<slug:municipality>/projects/<int:pk>/", public_project, name="project"),
]
