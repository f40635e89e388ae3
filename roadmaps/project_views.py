"""The municipal projects' pages: the list with the table pairing regional and municipal projects, a
project's passport (printable, and as PDF), its form, and publishing it on the public tab.

Projects are found through roadmaps.access: the municipality's staff read them, anyone else gets 404
as for an absent one. Those access.can_edit_project allows (the municipality's coordinators and
administrators and the head) change them, always through roadmaps.projects; others get 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mcok.lists import PAGE_SIZE
from mcok.models import Municipality
from roadmaps import access, projects
from roadmaps.models import MunicipalProject
from roadmaps.project_forms import ProjectForm


@require_GET
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    rows = projects.project_list(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    own = {row.municipality for row in page.object_list}
    context = {
        "page": page,
        "may_create": access.project_municipalities_for(request.user),
        "several": access.is_instance_administrator(request.user) or len(own) > 1,
        "pairs": [
            (municipality, projects.regional_pairs(municipality))
            for municipality in sorted(own, key=lambda m: m.name)
        ],
    }
    return render(request, "roadmaps/projects/list.html", context)


def _passport_context(request: HttpRequest, project: MunicipalProject) -> dict:
    return {
        "project": project,
        "passport": projects.passport(project),
        "may_edit": access.can_edit_project(request.user, project),
    }


@require_GET
@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = access.get_project_for(request.user, pk)
    return render(request, "roadmaps/projects/detail.html", _passport_context(request, project))


@require_GET
@login_required
def project_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    project = access.get_project_for(request.user, pk)
    response = HttpResponse(projects.passport_pdf(project), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="project-{project.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _form_page(request: HttpRequest, municipality: Municipality, project: MunicipalProject | None):
    if not access.may_keep_projects(request.user, municipality):
        raise PermissionDenied(access.REFUSED_PROJECT)
    form = ProjectForm(request.POST or None, municipality=municipality, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            saved = projects.project_save(
                municipality=municipality, data=form.passport_input(), by=request.user, project=project
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The project's passport is saved."))
            return redirect("roadmaps:project", pk=saved.pk)
    return render(
        request,
        "roadmaps/projects/form.html",
        {"form": form, "project": project, "municipality": municipality},
    )


@require_http_methods(["GET", "POST"])
@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("municipality", "")
    allowed = {m.slug: m for m in access.project_municipalities_for(request.user)}
    if slug not in allowed:
        if len(allowed) == 1 and not slug:
            slug = next(iter(allowed))
        elif access.is_staff(request.user):
            raise PermissionDenied(access.REFUSED_PROJECT)
        else:
            raise Http404
    municipality = get_object_or_404(Municipality, slug=slug)
    return _form_page(request, municipality, None)


@require_http_methods(["GET", "POST"])
@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = access.get_project_for(request.user, pk)
    return _form_page(request, project.municipality, project)


@require_POST
@login_required
def project_publish(request: HttpRequest, pk: int) -> HttpResponse:
    project = access.get_project_for(request.user, pk)
    if not access.can_edit_project(request.user, project):
        raise PermissionDenied(access.REFUSED_PROJECT)
    publish = request.POST.get("publish") == "1"
    projects.project_publish(project=project, by=request.user, published=publish)
    if publish:
        messages.success(request, _("The project's passport is published on the public tab."))
    else:
        messages.success(request, _("The project's passport is withdrawn from the public tab."))
    return redirect("roadmaps:project", pk=project.pk)


urlpatterns = [
    path("projects/", project_list, name="projects"),
    path("projects/new/", project_new, name="project_new"),
    path("projects/<int:pk>/", project_detail, name="project"),
    path("projects/<int:pk>/passport.pdf", project_pdf, name="project_pdf"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    path("projects/<int:pk>/publish/", project_publish, name="project_publish"),
]
