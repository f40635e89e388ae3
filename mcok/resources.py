"""The core's catalogues in the admin's import and export (mcok.catalogues): organizations and
officials, each found by its municipality and its name."""

from import_export import fields

from mcok.catalogues import InMunicipalityWidget, ScopedResource
from mcok.models import Official, Organization


class OrganizationResource(ScopedResource):
    class Meta:
        model = Organization
        fields = (
            "municipality",
            "short_name",
            "full_name",
            "kind",
            "locality",
            "low_results",
            "unfavourable_conditions",
            "is_active",
        )
        import_id_fields = ("municipality", "short_name")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class OfficialResource(ScopedResource):
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=InMunicipalityWidget(Organization, "short_name", "organization"),
    )

    class Meta:
        model = Official
        fields = ("municipality", "full_name", "position", "organization", "email", "phone", "is_active")
        import_id_fields = ("municipality", "full_name", "position")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
