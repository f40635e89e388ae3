"""The Django admin of the directions app, for administrators, scoped as mcok.admin scopes."""

from django.contrib import admin

from directions.models import CycleComponent, Direction, Position, ProposalRule, Responsibility
from directions.resources import PositionResource
from mcok.admin import MUNICIPALITY_FILTER, ScopedAdmin, administered
from mcok.catalogues import CatalogueAdmin
from mcok.models import Document, Official, Organization


@admin.register(Responsibility)
class ResponsibilityAdmin(ScopedAdmin):
    """The assignments (закрепление); the page directions:responsibilities is the usual place."""

    list_display = [
        "direction",
        "duty",
        "official",
        "organization",
        "acting",
        "starts_on",
        "ends_on",
        "document",
    ]
    list_filter = [("direction__municipality", admin.RelatedOnlyFieldListFilter), "duty", "acting"]
    search_fields = ["direction__code", "official__full_name", "organization__short_name"]
    list_select_related = ["direction", "official", "organization", "document"]

    def scope(self, request, queryset):
        return queryset.filter(direction__municipality__in=administered(request.user))

    def in_scope(self, request, obj) -> bool:
        return administered(request.user).filter(pk=obj.direction.municipality_id).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        municipalities = administered(request.user)
        models = {
            "direction": Direction,
            "official": Official,
            "organization": Organization,
            "document": Document,
        }
        if db_field.name in models:
            kwargs["queryset"] = models[db_field.name].objects.filter(municipality__in=municipalities)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CycleComponent)
class CycleComponentAdmin(ScopedAdmin):
    """The components of the cycles with their documents; the component's page is the usual place,
    where the technology card decides who attaches."""

    list_display = ["cycle", "component", "state", "changed_at"]
    list_filter = [("cycle__direction__municipality", admin.RelatedOnlyFieldListFilter), "component", "state"]
    list_select_related = ["cycle__direction", "cycle__period"]
    fields = ["cycle", "component", "state", "content", "due_on", "documents"]
    readonly_fields = ["cycle", "component", "state", "content", "due_on"]  # the card decides who writes them
    filter_horizontal = ["documents"]

    def has_add_permission(self, request):
        return False  # components come with the cycle

    def scope(self, request, queryset):
        return queryset.filter(cycle__direction__municipality__in=administered(request.user))

    def in_scope(self, request, obj) -> bool:
        return administered(request.user).filter(pk=obj.cycle.direction.municipality_id).exists()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "documents":
            kwargs["queryset"] = Document.objects.filter(municipality__in=administered(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ProposalRule)
class ProposalRuleAdmin(ScopedAdmin):
    """The rules by which the portal proposes a self-assessment's scores; the page
    directions:position_rule is the usual place. A position without one follows its component's
    default (directions/proposals.py)."""

    list_display = ["position", "kind", "params", "changed_by", "changed_at"]
    list_filter = [("position__municipality", admin.RelatedOnlyFieldListFilter), "kind"]
    search_fields = ["position__code", "position__direction__code"]
    list_select_related = ["position", "changed_by"]
    readonly_fields = ["changed_by", "changed_at"]

    def scope(self, request, queryset):
        return queryset.filter(position__municipality__in=administered(request.user))

    def in_scope(self, request, obj) -> bool:
        return administered(request.user).filter(pk=obj.position.municipality_id).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "position":
            kwargs["queryset"] = Position.objects.filter(municipality__in=administered(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Position)
class PositionAdmin(CatalogueAdmin, ScopedAdmin):
    """The evaluation catalogue as files: its page directions:positions is the usual place to edit it."""

    resource_classes = [PositionResource]
    list_display = ["code", "direction", "period", "component", "max_score", "municipality"]
    list_filter = [MUNICIPALITY_FILTER, "period", "component"]
    search_fields = ["code", "text"]
    list_select_related = ["municipality", "direction", "period"]

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the catalogue's rules (directions.imports.position_save)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return ScopedAdmin.has_add_permission(self, request)

    def has_add_permission(self, request):
        return False
