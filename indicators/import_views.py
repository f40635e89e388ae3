"""The page that imports data values from a CSV or XLSX file: upload → a dry run that shows the
first entries, the counts and every problem → confirm.

Nothing the browser sends back on confirmation is trusted: the uploaded bytes wait in the session
under their SHA-256, the confirmation names only the digest, and the file is read and checked again
before it is written. Who may import: the coordinators, executors, administrators and head of the
municipality's department (access.can_enter_values). Anyone else gets a 404, as for a municipality
that does not exist: a school user, who may enter values nowhere, does not see the page at all, and
a municipality the user may not enter values into is not offered, nor accepted when posted.
"""

import base64
import hashlib
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import access, imports
from mcok.models import Municipality

SESSION_KEY = "indicators:values_import"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # what may wait in the session for the confirmation
PREVIEW_ENTRIES = 50
SHOWN_ERRORS = 200


class DataValuesImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy(
            "Columns: организация, период, элемент, значение. An empty organization is the "
            "municipality's own figure. CSV in UTF-8 or Windows-1251, separated by «;» or «,». "
            "At most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, municipalities: QuerySet[Municipality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].slug

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return file


@login_required
def data_values_import(request: HttpRequest) -> HttpResponse:
    allowed = access.municipalities_for_entry(request.user)
    if not allowed.exists():
        raise Http404
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, allowed)
    slug = request.POST.get("municipality")
    if request.method == "POST" and slug and not allowed.filter(slug=slug).exists():
        raise Http404  # the same answer for "no such municipality" and "not yours"
    form = DataValuesImportForm(request.POST or None, request.FILES or None, municipalities=allowed)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        upload = form.cleaned_data["file"]
        content = b"".join(upload.chunks())
        digest = hashlib.sha256(content).hexdigest()
        result = imports.parse_data_values(
            io.BytesIO(content), municipality=municipality, filename=upload.name
        )
        summary = None
        if result.errors:
            request.session.pop(SESSION_KEY, None)
        else:
            summary = imports.import_data_values(result, by=request.user, dry_run=True)
            # One file waits at a time: a new upload replaces the one before.
            request.session[SESSION_KEY] = {
                digest: {
                    "municipality": municipality.pk,
                    "filename": upload.name,
                    "content": base64.b64encode(content).decode("ascii"),
                }
            }
        context |= _preview(result, summary, digest)
    return render(request, "indicators/data_values_import.html", context)


def _confirm(request: HttpRequest, allowed: QuerySet[Municipality]) -> HttpResponse:
    digest = request.POST.get("digest", "")
    pending = request.session.get(SESSION_KEY, {}).get(digest)
    if not pending:
        messages.error(request, _("The preview is out of date: upload the file again."))
        return redirect(request.path)
    municipality = allowed.filter(pk=pending["municipality"]).first()
    if municipality is None:
        raise Http404
    content = base64.b64decode(pending["content"])
    if hashlib.sha256(content).hexdigest() != digest:
        raise Http404
    result = imports.parse_data_values(
        io.BytesIO(content), municipality=municipality, filename=pending["filename"]
    )
    request.session.pop(SESSION_KEY, None)
    if result.errors:  # the catalogue changed since the preview
        messages.error(request, _("Nothing is imported: the file no longer passes the checks."))
        form = DataValuesImportForm(municipalities=allowed, initial={"municipality": municipality.slug})
        context = {"form": form, **_preview(result, None, digest)}
        return render(request, "indicators/data_values_import.html", context)
    summary = imports.import_data_values(result, by=request.user, dry_run=False)
    messages.success(
        request,
        _(
            "The file «%(file)s» is imported into %(municipality)s: %(created)s new values, %(updated)s "
            "changed, %(unchanged)s unchanged."
        )
        % {
            "file": pending["filename"],
            "municipality": municipality,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
    )
    return redirect(request.path)


def _preview(result: imports.ParseResult, summary: imports.Summary | None, digest: str) -> dict[str, Any]:
    entries = [
        {
            "line": line,
            "organization": entry.organization,
            "period": entry.period,
            "element": entry.element,
            "value": imports.plain_number(entry.value),
        }
        for line, entry in zip(result.lines[:PREVIEW_ENTRIES], result.entries[:PREVIEW_ENTRIES], strict=True)
    ]
    return {
        "preview": True,
        "result": result,
        "summary": summary,
        "digest": digest,
        "entries": entries,
        "more_entries": max(len(result.entries) - PREVIEW_ENTRIES, 0),
        "errors": result.errors[:SHOWN_ERRORS],
        "more_errors": max(len(result.errors) - SHOWN_ERRORS, 0),
    }
