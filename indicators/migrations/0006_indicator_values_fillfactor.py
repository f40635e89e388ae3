"""Indicator values are rewritten in place by every recompute whose inputs changed (indicators.sql
updates the rows that differ). With half of each page left free, PostgreSQL keeps the new version
of a row on its page and touches none of the table's indexes (a HOT update): a recompute of a
municipality whose every figure changed took half the time in the bench. SQLite has no such setting."""

from django.db import migrations

TABLE = "indicators_indicatorvalue"


def fillfactor(percent: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = {percent})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("indicators", "0005_as_written")]

    operations = [migrations.RunPython(fillfactor(50), fillfactor(100))]
