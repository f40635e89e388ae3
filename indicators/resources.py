"""Data elements and indicators in the admin's import and export (mcok.catalogues), each found by its
municipality and code; written through indicators.services (an indicator's formula checked against
the municipality's data elements, its values recomputed after commit)."""

from django.core.exceptions import ValidationError
from import_export import fields

from directions.models import Direction
from indicators import services
from indicators.models import DataElement, Indicator
from mcok.catalogues import InMunicipalityWidget, ScopedResource


class DataElementResource(ScopedResource):
    class Meta:
        model = DataElement
        fields = ("municipality", "code", "name", "value_type", "unit", "has_total")
        import_id_fields = ("municipality", "code")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def do_instance_save(self, instance, is_create):
        services.data_element_save(element=instance)


class IndicatorResource(ScopedResource):
    direction = fields.Field(
        attribute="direction",
        column_name="direction",
        widget=InMunicipalityWidget(Direction, "code", "direction"),
    )

    class Meta:
        model = Indicator
        fields = (
            "municipality",
            "code",
            "name",
            "direction",
            "unit",
            "kind",
            "numerator",
            "denominator",
            "factor",
            "periodicity",
            "higher_is_better",
            "risk_threshold",
            "method",
            "source",
            "criterion",
        )
        import_id_fields = ("municipality", "code")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.municipality_id and "numerator" not in errors and "denominator" not in errors:
            try:
                services.indicator_check(instance)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def do_instance_save(self, instance, is_create):
        services.indicator_save(indicator=instance, municipality=instance.municipality, formula_changed=True)
