"""The Django admin of the directions app, for administrators, scoped as mcok.admin scopes."""

from django.contrib import admin

from directions.models import Direction, Responsibility
from mcok.admin import ScopedAdmin, administered
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
