"""The Django admin of the roadmaps app: municipal projects, the regional projects they answer to,
and the roles orders give that the portal has no role for. Scoped as mcok.admin scopes; the
project's pages (roadmaps:projects) are the usual place to keep a passport."""

from django.contrib import admin

from mcok import access
from mcok.admin import MUNICIPALITY_FILTER, HistoryAdmin, ScopedAdmin, administered
from mcok.models import Document, Official, Organization
from roadmaps.models import DesignatedRole, MunicipalProject, ProjectParticipant, RegionalProject, Roadmap


class ProjectParticipantInline(admin.TabularInline):
    model = ProjectParticipant
    extra = 0
    fields = ["role", "order", "text", "official", "organization"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        models = {"official": Official, "organization": Organization}
        if db_field.name in models:
            kwargs["queryset"] = models[db_field.name].objects.filter(
                municipality__in=administered(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return access.may_use_admin_site(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(MunicipalProject)
class MunicipalProjectAdmin(ScopedAdmin):
    list_display = ["title", "start_year", "end_year", "regional_project", "is_published", "municipality"]
    list_filter = [MUNICIPALITY_FILTER, "is_published"]
    search_fields = ["title"]
    list_select_related = ["municipality", "regional_project"]
    inlines = [ProjectParticipantInline]
    filter_horizontal = ["indicators", "directions"]
    readonly_fields = ["published_at", "created_at", "updated_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        municipalities = administered(request.user)
        models = {"leader": Official, "document": Document, "roadmap": Roadmap}
        if db_field.name in models:
            kwargs["queryset"] = models[db_field.name].objects.filter(municipality__in=municipalities)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        from directions.models import Direction
        from indicators.models import Indicator

        models = {"indicators": Indicator, "directions": Direction}
        if db_field.name in models:
            kwargs["queryset"] = models[db_field.name].objects.filter(
                municipality__in=administered(request.user)
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(RegionalProject)
class RegionalProjectAdmin(HistoryAdmin):
    """A reference list of the regions' projects: read by every administrator, kept by the portal's."""

    list_display = ["name", "national_project", "region", "order"]
    list_filter = ["region"]
    search_fields = ["name", "national_project"]

    def has_module_permission(self, request):
        return access.may_use_admin_site(request.user)

    def has_view_permission(self, request, obj=None):
        return access.may_use_admin_site(request.user)

    def has_add_permission(self, request):
        return access.is_instance_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return access.is_instance_administrator(request.user)

    has_delete_permission = has_change_permission


@admin.register(DesignatedRole)
class DesignatedRoleAdmin(ScopedAdmin):
    """Roles an order gives a person that grant nothing in the portal (the ФИС ОКО organizer)."""

    list_display = ["official", "title", "start_year", "end_year", "document", "municipality"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["official__full_name", "title"]
    list_select_related = ["official", "document", "municipality"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        municipalities = administered(request.user)
        models = {"official": Official, "document": Document, "project": MunicipalProject}
        if db_field.name in models:
            kwargs["queryset"] = models[db_field.name].objects.filter(municipality__in=municipalities)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
