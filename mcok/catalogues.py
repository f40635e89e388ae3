"""The reference catalogues in and out of the admin through django-import-export: the shared formats,
the resource every catalogue's resource extends and the admin mixin that offers them.

- Formats: SafeXLSX and SafeCSV read an upload through mcok.uploads (the archive checks, one CSV
  decoder and delimiter, one cell reading, mcok.workbooks' bounded rows) and write through
  mcok.exports (text never a formula, CSV for Russian Excel). django-import-export's own export
  escaping is not used: it strips only a leading «=».
- ScopedResource: a municipal administrator imports and exports only their municipalities' rows
  (mcok.access.administered_municipalities): another municipality's slug in a row is a row error, an
  empty one is their municipality when they administer one. Rows are looked up by their natural key
  (the municipality and a code or a name), never by id.
- CatalogueAdmin: the import is a dry run first, shown row by row with its errors, then all or
  nothing (rollback_on_validation_errors). A file that cannot be read says why in Russian.

Each app declares its catalogues' resources beside its admin (mcok: organizations and officials,
indicators: data elements and indicators, directions: evaluation positions); a resource saves
through its app's services where the app has one for the catalogue.
"""

from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from mcok import access, exports, uploads, workbooks
from mcok.models import Municipality

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50


def _too_large() -> ValidationError:
    return ValidationError(
        _("The file is larger than %(size)s MB; it is refused.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
    )


def _dataset(records) -> tablib.Dataset:
    """A dataset whose headers are the first record and whose rows are as wide as the headers."""
    records = list(records)
    if not records:
        raise ValidationError(_("The file is empty."))
    header = [uploads.cell_text(cell) for cell in records[0]]
    while header and not header[-1]:
        header.pop()
    dataset = tablib.Dataset(headers=header)
    for cells in records[1:]:
        row = list(cells[: len(header)]) + [None] * (len(header) - len(cells))
        dataset.append(row)
    return dataset


def _cell(value: Any) -> Any:
    """A workbook's cell for a widget: booleans and empties as they are, anything else as typed text
    (a code 1.1 stays «1.1», a number 40.0 reads «40»)."""
    if value is None or isinstance(value, bool):
        return value
    return uploads.cell_text(value)


class SafeXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        content = bytes(in_stream)
        if len(content) > MAX_FILE_BYTES:
            raise _too_large()
        workbook = uploads.open_workbook(content)
        try:
            if not workbook.worksheets:
                raise ValidationError(_("The workbook has no sheet."))
            sheet = workbook.worksheets[0]
            rows = workbooks.rows(sheet, width=MAX_COLUMNS, limit=MAX_ROWS + 1)
            return _dataset([_cell(value) for value in cells] for _number, cells in rows)
        except workbooks.TooManyRows:
            raise ValidationError(
                _("The file has more than %(count)s data rows; split it into several files.")
                % {"count": MAX_ROWS}
            ) from None
        except workbooks.TooManyColumns:
            raise ValidationError(
                _("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}
            ) from None
        finally:
            workbook.close()

    def export_data(self, dataset, **kwargs):
        return exports.xlsx_bytes(dataset.title or "data", list(dataset.headers or []), list(dataset))


class SafeCSV(base_formats.CSV):
    """CSV read as bytes (UTF-8 with or without a BOM, or Windows-1251) and written for Russian Excel."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        content = in_stream if isinstance(in_stream, bytes) else str(in_stream).encode("utf-8")
        if len(content) > MAX_FILE_BYTES:
            raise _too_large()
        return _dataset(cells for _number, cells in uploads.csv_records(content, max_rows=MAX_ROWS))

    def export_data(self, dataset, **kwargs):
        return exports.csv_bytes(list(dataset.headers or []), list(dataset))


FORMATS = [SafeXLSX, SafeCSV]


class MunicipalityWidget(widgets.ForeignKeyWidget):
    """A municipality by its slug, among those the importing administrator administers."""

    def __init__(self, resource: "ScopedResource"):
        super().__init__(Municipality, field="slug")
        self.resource = resource

    def get_queryset(self, value, row, *args, **kwargs):
        return self.resource.administered()

    def clean(self, value, row=None, **kwargs):
        try:
            found = super().clean(value, row, **kwargs)
        except Municipality.DoesNotExist:
            found = None
        if found is None:
            raise ValidationError(
                {
                    "municipality": _(
                        "No municipality «%(slug)s» among those you administer: give the slug of your "
                        "municipality."
                    )
                    % {"slug": value or ""}
                }
            )
        return found


class InMunicipalityWidget(widgets.ForeignKeyWidget):
    """A row's reference to another catalogue of the same municipality (an organization by its short
    name, a direction by its code); a Russian row error when there is none."""

    def __init__(self, model, field: str, attribute: str):
        super().__init__(model, field=field)
        self.attribute = attribute

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(municipality__slug=(row or {}).get("municipality"))

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            message = _("«%(value)s» is not in the municipality's catalogue.") % {"value": value}
        except self.model.MultipleObjectsReturned:
            message = _("«%(value)s» names several records.") % {"value": value}
        raise ValidationError({self.attribute: message})


class ScopedResource(resources.ModelResource):
    """A catalogue's resource limited to the municipalities the user administers."""

    municipality = fields.Field(
        attribute="municipality",
        column_name="municipality",
        widget=widgets.ForeignKeyWidget(Municipality, "slug"),
    )

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._administered = None
        self.fields["municipality"].widget = MunicipalityWidget(self)

    def administered(self):
        if self._administered is None:
            self._administered = access.administered_municipalities(self.user)
        return self._administered

    def get_queryset(self):
        return super().get_queryset().filter(municipality__in=self.administered())

    def import_data(self, dataset, **kwargs):
        """All or nothing: a row with a validation error rolls the whole file back (the library's
        default stores the valid rows and skips the others)."""
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        """An empty municipality is the administrator's own, when they administer exactly one."""
        if "municipality" in row and not (row.get("municipality") or "").strip():
            slugs = list(self.administered().values_list("slug", flat=True)[:2])
            if len(slugs) == 1:
                row["municipality"] = slugs[0]
        super().before_import_row(row, **kwargs)


class CatalogueAdmin(ImportExportMixin):
    """Import and export of a catalogue in its admin page: the safe formats, the user's tenancy, a dry
    run then all or nothing."""

    formats = FORMATS
    import_formats = FORMATS
    export_formats = FORMATS
    skip_import_confirm = False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ValidationError):
            for message in e.messages:
                form.add_error("import_file", message)
            return
        form.add_error("import_file", uploads.unreadable_workbook())
