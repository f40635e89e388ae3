"""The evaluation positions in the admin's import and export (mcok.catalogues): a position found by
its municipality, period, direction and code, written by directions.imports.position_save under the
catalogue's rules (a direction in force, a unique code, a maximum never below a given score)."""

from import_export import fields, widgets

from directions.imports import position_save
from directions.models import Direction, Position
from mcok.catalogues import InMunicipalityWidget, ScopedResource
from mcok.models import Period


class PositionResource(ScopedResource):
    period = fields.Field(
        attribute="period", column_name="period", widget=widgets.ForeignKeyWidget(Period, "code")
    )
    direction = fields.Field(
        attribute="direction",
        column_name="direction",
        widget=InMunicipalityWidget(Direction, "code", "direction"),
    )

    class Meta:
        model = Position
        fields = (
            "municipality",
            "period",
            "direction",
            "component",
            "code",
            "text",
            "max_score",
            "track",
            "source",
        )
        import_id_fields = ("municipality", "period", "direction", "code")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def do_instance_save(self, instance, is_create):
        position_save(position=instance, by=self.user)
