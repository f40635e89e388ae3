"""The indicator catalogue in the admin: data elements and indicators of the municipalities one
administers, imported and exported as files (mcok.catalogues); a change is stored through
indicators.services."""

from django.contrib import admin

from indicators import services
from indicators.models import DataElement, Indicator
from indicators.resources import DataElementResource, IndicatorResource
from mcok import access
from mcok.admin import MUNICIPALITY_FILTER, ScopedAdmin
from mcok.catalogues import CatalogueAdmin


class CatalogueScopedAdmin(CatalogueAdmin, ScopedAdmin):
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if db_field.name != "municipality" and any(
            field.name == "municipality" for field in related._meta.fields
        ):
            kwargs["queryset"] = related.objects.filter(
                municipality__in=access.administered_municipalities(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if any(field.name == "municipality" for field in related._meta.fields):
            kwargs["queryset"] = related.objects.filter(
                municipality__in=access.administered_municipalities(request.user)
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(DataElement)
class DataElementAdmin(CatalogueScopedAdmin):
    resource_classes = [DataElementResource]
    list_display = ["code", "name", "unit", "municipality"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]

    def save_model(self, request, obj, form, change):
        services.data_element_save(element=obj)


@admin.register(Indicator)
class IndicatorAdmin(CatalogueScopedAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "kind", "municipality"]
    list_filter = [MUNICIPALITY_FILTER, "kind"]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]

    def save_model(self, request, obj, form, change):
        services.indicator_save(
            indicator=obj,
            municipality=obj.municipality,
            formula_changed=bool({"numerator", "denominator", "kind", "factor"} & set(form.changed_data)),
        )
