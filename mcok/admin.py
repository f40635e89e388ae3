"""The Django admin, for administrators. A municipal administrator sees and edits only their
municipality's records; an instance administrator sees everything."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from mcok import access
from mcok.models import Document, Municipality, Official, Organization, Period, Role, User

admin.site.site_header = _("МСОКО-портал: administration")
admin.site.site_title = _("МСОКО-портал")


def is_administrator(user) -> bool:
    return access.is_instance_administrator(user) or (
        user.is_staff and access.has_role(user, Role.Kind.ADMINISTRATOR)
    )


def administered(user):
    """The municipalities whose records `user` may edit here."""
    if access.is_instance_administrator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(roles__user=user, roles__kind=Role.Kind.ADMINISTRATOR)


def scoped_choices(db_field, request, kwargs):
    municipalities = administered(request.user)
    if db_field.name == "municipality":
        kwargs["queryset"] = municipalities
    elif db_field.name == "organization":
        kwargs["queryset"] = Organization.objects.filter(municipality__in=municipalities)
    elif db_field.name == "head":
        kwargs["queryset"] = Official.objects.filter(municipality__in=municipalities)


class ScopedAdmin(SimpleHistoryAdmin):
    """Rows and choices limited to the municipalities the administrator administers."""

    def scope(self, request, queryset):
        return queryset.filter(municipality__in=administered(request.user))

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Municipality)
class MunicipalityAdmin(ScopedAdmin):
    list_display = ["name", "slug", "region"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def scope(self, request, queryset):
        return queryset.filter(pk__in=administered(request.user))

    def has_add_permission(self, request):
        return access.is_instance_administrator(request.user)

    has_delete_permission = has_add_permission


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    list_display = [
        "short_name",
        "municipality",
        "kind",
        "locality",
        "low_results",
        "unfavourable_conditions",
    ]
    list_filter = ["municipality", "kind", "locality", "low_results", "unfavourable_conditions"]
    search_fields = ["short_name", "full_name"]
    list_select_related = ["municipality"]


@admin.register(Official)
class OfficialAdmin(ScopedAdmin):
    list_display = ["full_name", "position", "organization", "municipality", "user"]
    list_filter = ["municipality"]
    search_fields = ["full_name", "position"]
    list_select_related = ["municipality", "organization", "user"]
    raw_id_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    list_display = ["title", "kind", "number", "date", "municipality"]
    list_filter = ["municipality", "kind"]
    search_fields = ["title", "number"]


@admin.register(Period)
class PeriodAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "starts_on", "ends_on"]
    list_filter = ["kind", "year"]

    def has_module_permission(self, request):
        return is_administrator(request.user)

    has_view_permission = has_module_permission

    def has_add_permission(self, request):
        return access.is_instance_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return access.is_instance_administrator(request.user)

    has_delete_permission = has_change_permission


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1
    fields = ["kind", "municipality", "organization"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scoped_choices(db_field, request, kwargs)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "municipality" and not access.is_instance_administrator(request.user):
            formfield.required = True  # an empty municipality would make an instance administrator
        return formfield


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "last_name", "first_name", "email", "is_active", "last_login"]

    def get_queryset(self, request):
        return super().get_queryset(request) & access.users_visible_to(request.user)

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if access.is_instance_administrator(request.user):
            return fieldsets
        # A municipal administrator manages accounts and roles, not superuser or staff flags.
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        f
                        for f in options["fields"]
                        if f not in {"is_superuser", "user_permissions", "groups"}
                    ],
                },
            )
            for name, options in fieldsets
        ]
