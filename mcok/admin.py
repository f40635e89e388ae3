"""The Django admin, for administrators. A municipal administrator sees and edits only their
municipality's records; an instance administrator sees everything."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from mcok import access, second_factor
from mcok.catalogues import CatalogueAdmin
from mcok.models import AccountEvent, Document, Municipality, Official, Organization, Period, Role, User
from mcok.resources import OfficialResource, OrganizationResource

admin.site.site_header = _("МСОКО-портал: administration")
admin.site.site_title = _("МСОКО-портал")


def administered(user):
    """The municipalities whose records `user` may edit here (mcok.access.administered_municipalities);
    kept for the other apps' admin modules."""
    return access.administered_municipalities(user)


def scoped_choices(db_field, request, kwargs):
    municipalities = access.administered_municipalities(request.user)
    if db_field.name == "municipality":
        kwargs["queryset"] = municipalities
    elif db_field.name == "organization":
        kwargs["queryset"] = Organization.objects.filter(municipality__in=municipalities)
    elif db_field.name == "head":
        kwargs["queryset"] = Official.objects.filter(municipality__in=municipalities)


# The same words for an account that does not exist and one that is not the administrator's to link.
UNLINKABLE_ACCOUNT = _(
    "Choose an account of this municipality: there is no such account, or only the administrator "
    "of the whole portal may link it (it has roles elsewhere or administers the portal)."
)

# Only the municipalities of the rows shown, not every municipality's name.
MUNICIPALITY_FILTER = ("municipality", admin.RelatedOnlyFieldListFilter)


class HistoryAdmin(SimpleHistoryAdmin):
    """The revert form of a history record saves on POST, and django-simple-history checks only
    the view permission before it: saving needs the change permission here."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedAdmin(HistoryAdmin):
    """Rows and choices limited to the municipalities the administrator administers."""

    def scope(self, request, queryset):
        return queryset.filter(municipality__in=access.administered_municipalities(request.user))

    def in_scope(self, request, obj) -> bool:
        return access.administered_municipalities(request.user).filter(pk=obj.municipality_id).exists()

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return access.may_use_admin_site(request.user)

    def has_view_permission(self, request, obj=None):
        # The history views build `obj` from a history record, past get_queryset: check it here.
        return access.may_use_admin_site(request.user) and (obj is None or self.in_scope(request, obj))

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
        return queryset.filter(pk__in=access.administered_municipalities(request.user))

    def in_scope(self, request, obj) -> bool:
        return access.administered_municipalities(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return access.is_instance_administrator(request.user)

    has_delete_permission = has_add_permission


@admin.register(Organization)
class OrganizationAdmin(CatalogueAdmin, ScopedAdmin):
    resource_classes = [OrganizationResource]
    list_display = [
        "short_name",
        "municipality",
        "kind",
        "locality",
        "low_results",
        "unfavourable_conditions",
    ]
    list_filter = [MUNICIPALITY_FILTER, "kind", "locality", "low_results", "unfavourable_conditions"]
    search_fields = ["short_name", "full_name"]
    list_select_related = ["municipality"]


@admin.register(Official)
class OfficialAdmin(CatalogueAdmin, ScopedAdmin):
    resource_classes = [OfficialResource]
    list_display = ["full_name", "position", "organization", "municipality", "user"]
    list_filter = [MUNICIPALITY_FILTER]
    search_fields = ["full_name", "position"]
    list_select_related = ["municipality", "organization", "user"]
    # The autocomplete asks UserAdmin, so it finds only accounts the administrator manages, and
    # shows the chosen one's name from the field's own (scoped) queryset; a raw id widget would
    # print the name of any account whose id is typed in.
    autocomplete_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = access.users_manageable_by(request.user)
            kwargs["error_messages"] = {"invalid_choice": UNLINKABLE_ACCOUNT}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class OfficialForm(form):
            def clean(self):
                cleaned_data = super().clean()
                account, municipality = cleaned_data.get("user"), cleaned_data.get("municipality")
                if (
                    account is not None
                    and municipality is not None
                    and not access.users_linkable_to(user, municipality).filter(pk=account.pk).exists()
                ):
                    self.add_error("user", ValidationError(str(UNLINKABLE_ACCOUNT), code="invalid_choice"))
                return cleaned_data

        return OfficialForm


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    list_display = ["title", "kind", "number", "date", "municipality"]
    list_filter = [MUNICIPALITY_FILTER, "kind"]
    search_fields = ["title", "number"]


@admin.register(Period)
class PeriodAdmin(HistoryAdmin):
    list_display = ["code", "kind", "starts_on", "ends_on"]
    list_filter = ["kind", "year"]

    def has_module_permission(self, request):
        return access.may_use_admin_site(request.user)

    def has_view_permission(self, request, obj=None):
        return access.may_use_admin_site(request.user)

    def has_add_permission(self, request):
        return access.is_instance_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return access.is_instance_administrator(request.user)

    has_delete_permission = has_change_permission


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1
    fields = ["kind", "municipality", "organization"]

    def get_min_num(self, request, obj=None, **kwargs):
        # An account without a role is the instance administrator's (users_manageable_by): a
        # municipal administrator creates an account with its first role, or not at all.
        if obj is None and not access.is_instance_administrator(request.user):
            return 1
        return super().get_min_num(request, obj, **kwargs)

    def get_queryset(self, request):
        # Roles elsewhere stay out of the form, so a municipal administrator cannot delete them.
        queryset = super().get_queryset(request)
        if access.is_instance_administrator(request.user):
            return queryset
        return queryset.filter(municipality__in=access.administered_municipalities(request.user))

    # Roles are managed by administrators, who hold no Django model permissions.
    def has_view_permission(self, request, obj=None):
        return access.may_use_admin_site(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

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
        # A subquery: users_manageable_by groups its rows, and `&` refuses to mix that with the rest.
        manageable = access.users_manageable_by(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=manageable)

    def get_object(self, request, object_id, from_field=None):
        # Every page of one account (change, password, history, delete) starts here: an account
        # the administrator does not manage is absent, a 404 that names nobody.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_module_permission(self, request):
        return access.may_use_admin_site(request.user)

    def has_view_permission(self, request, obj=None):
        if not access.may_use_admin_site(request.user):
            return False
        return obj is None or access.users_manageable_by(request.user).filter(pk=obj.pk).exists()

    has_change_permission = has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return access.may_use_admin_site(request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if access.is_instance_administrator(request.user):
            if obj is None:
                return fieldsets
            return [*fieldsets, (_("Second factor"), {"fields": ["second_factor_exempt"]})]
        # A municipal administrator manages accounts and roles, not the staff, superuser or
        # permission flags: a staff account is the instance administrator's (users_manageable_by).
        hidden = {"is_staff", "is_superuser", "user_permissions", "groups"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    # The second factor and the lockout: the account's page says where it stands, and its
    # administrator resets the one and lifts the other (each an entry of the audit trail).
    change_form_template = "admin/mcok/user/change_form.html"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/second-factor-reset/",
                self.admin_site.admin_view(self.second_factor_reset_view),
                name="mcok_user_second_factor_reset",
            ),
            path(
                "<path:object_id>/unlock/",
                self.admin_site.admin_view(self.unlock_view),
                name="mcok_user_unlock",
            ),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        account = self.get_object(request, object_id)
        if account is not None and access.may_reset_second_factor(request.user, account):
            extra_context["account_security"] = {
                "second_factor": second_factor.has_second_factor(account),
                "locked": second_factor.account_locked(account),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _security_action(self, request, object_id, *, title: str, question: str, act, done: str):
        account = self.get_object(request, object_id)  # 404 for an account the administrator does not manage
        if not access.may_reset_second_factor(request.user, account):
            raise PermissionDenied
        if request.method == "POST":
            act(account=account, by=request.user, request=request)
            self.message_user(request, done % {"user": account.get_username()}, messages.SUCCESS)
            return redirect(reverse("admin:mcok_user_change", args=[account.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question % {"user": account.get_username()},
            "account": account,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/mcok/user/security_action.html", context)

    def second_factor_reset_view(self, request, object_id):
        return self._security_action(
            request,
            object_id,
            title=gettext("Reset the second factor"),
            question=gettext(
                "Remove the authenticator application and the recovery codes of %(user)s? At the next "
                "sign-in the account signs in with the password alone and, where its role needs one, "
                "sets up a new second factor."
            ),
            act=second_factor.second_factor_reset,
            done=gettext("The second factor of %(user)s is reset."),
        )

    def unlock_view(self, request, object_id):
        return self._security_action(
            request,
            object_id,
            title=gettext("Unlock the account"),
            question=gettext(
                "Forget the wrong passwords recorded for %(user)s, so it may log in again at once?"
            ),
            act=second_factor.account_unlock,
            done=gettext("%(user)s is unlocked."),
        )


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Every account's security events, read-only, for the administrators of the whole instance (a
    municipality's administrators read their accounts' events in the audit trail)."""

    list_display = ["at", "kind", "user", "by", "address", "user_agent"]
    list_filter = ["kind"]
    search_fields = ["user__username", "address"]
    list_select_related = ["user", "by"]
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return access.may_use_admin_site(request.user) and access.is_instance_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
