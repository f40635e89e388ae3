"""The indicator catalogue in the admin: data elements and indicators of the municipalities one
administers, imported and exported as files (mcok.catalogues); a change is stored through
indicators.services. Beside them the categories a figure is split by (with their options), their
combinations and the indicator groups, scoped the same way: a combination's cells follow its
categories' options (indicators.services.category_combo_sync) after every save."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indicators import services
from indicators.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    DataElement,
    Indicator,
    IndicatorGroup,
)
from indicators.resources import DataElementResource, IndicatorResource
from mcok import access
from mcok.admin import MUNICIPALITY_FILTER, ScopedAdmin
from mcok.catalogues import CatalogueAdmin


class MunicipalChoices:
    """Choices of records that belong to a municipality limited to the administered ones."""

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


class CatalogueScopedAdmin(MunicipalChoices, CatalogueAdmin, ScopedAdmin):
    pass


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


# Categories, their combinations and the indicator groups -------------------------------------------


def sync_combos(category: Category) -> None:
    """The cells of every combination that splits by the category follow its options."""
    for combo in CategoryCombo.objects.filter(first=category) | CategoryCombo.objects.filter(second=category):
        services.category_combo_sync(combo)


class CategoryOptionInline(admin.TabularInline):
    model = CategoryOption
    extra = 1
    fields = ["order", "code", "name"]

    def has_view_permission(self, request, obj=None):
        return access.may_use_admin_site(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Category)
class CategoryAdmin(MunicipalChoices, ScopedAdmin):
    list_display = ["name", "code", "municipality"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["code", "name"]
    list_select_related = ["municipality"]
    inlines = [CategoryOptionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sync_combos(form.instance)


class CategoryComboForm(forms.ModelForm):
    class Meta:
        model = CategoryCombo
        fields = ["municipality", "code", "name", "first", "second"]

    def clean(self):
        data = super().clean()
        municipality, first, second = data.get("municipality"), data.get("first"), data.get("second")
        if first is not None and second is not None and first == second:
            self.add_error("second", _("The second category must differ from the first."))
        for name, category in (("first", first), ("second", second)):
            if (
                municipality is not None
                and category is not None
                and category.municipality_id != municipality.pk
            ):
                self.add_error(name, _("Choose a category of the combination's municipality."))
        return data


@admin.register(CategoryCombo)
class CategoryComboAdmin(MunicipalChoices, ScopedAdmin):
    form = CategoryComboForm
    list_display = ["name", "code", "first", "second", "municipality"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["code", "name"]
    list_select_related = ["municipality", "first", "second"]

    def get_readonly_fields(self, request, obj=None):
        # The cells of a combination in use hold figures: its categories stay as they are.
        if obj is not None and obj.data_elements.exists():
            return ["first", "second"]
        return []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_combo_sync(obj)


@admin.register(IndicatorGroup)
class IndicatorGroupAdmin(ScopedAdmin):
    list_display = ["heading", "order", "municipality"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["heading"]
    list_select_related = ["municipality"]
