"""The assignments page of a municipality (закрепление направлений): who coordinates and executes
each direction from which day to which, acting deputies, the order that says so, and the history of
every change; adding, correcting, ending («снять с даты»), transferring («передать») and deleting a
mistaken row; and the import of the order's table (Приложение 1) from a .docx or an .xlsx.

Reading: the municipality's staff (access.is_staff_in); anyone else gets a 404, as for a municipality
that does not exist. Writing: access.may_manage_responsibilities (the administrators and the head);
the other staff get a 403 with the reason. The import waits between the upload and the confirmation
in the session as the rows read (never the file), under the file's digest, which the confirmation
names; the plan is made again from the database on every step.
"""

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directions import access, services
from directions import responsibility_reader as reader
from directions.models import Direction, Duty, Responsibility
from directions.responsibility_forms import (
    ConfirmForm,
    EndForm,
    FilterForm,
    ImportForm,
    OfficialForm,
    ResponsibilityForm,
    TransferForm,
)
from mcok import params
from mcok.models import Document, Municipality

SESSION_KEY = "directions:responsibilities_import"
HISTORY_READ = 1000  # the latest changes read, to tell what each one changed
HISTORY_SHOWN = 100  # of them, the latest shown
TRACKED = ("direction", "duty", "official", "organization", "acting", "starts_on", "ends_on", "document")
RELATED = {"direction", "official", "organization", "document"}


# Access --------------------------------------------------------------------------------------------


def _municipality_for(user, slug: str) -> Municipality:
    """The municipality, for its staff; a 404 for anyone else, as for one that does not exist."""
    municipality = get_object_or_404(Municipality, slug=slug)
    if not access.is_staff_in(user, municipality):
        raise Http404
    return municipality


def _require_keeper(user, municipality: Municipality) -> None:
    if not access.may_manage_responsibilities(user, municipality):
        raise PermissionDenied(
            _("Only the administrators and the head of the department keep the assignments.")
        )


def _responsibility_for(user, pk: int) -> Responsibility:
    """The assignment, for the staff of its municipality who may write the assignments: a 404 for
    outsiders, a 403 for the rest of the staff."""
    responsibility = get_object_or_404(
        Responsibility.objects.select_related(
            "direction__municipality",
            "direction__block",
            "official__organization",
            "organization",
            "document",
        ),
        pk=pk,
    )
    municipality = responsibility.direction.municipality
    if not access.is_staff_in(user, municipality):
        raise Http404
    _require_keeper(user, municipality)
    return responsibility


def _page_url(municipality: Municipality, direction_id: int | None = None) -> str:
    url = reverse("directions:responsibilities", args=[municipality.slug])
    return f"{url}#direction-{direction_id}" if direction_id else url


# The page ------------------------------------------------------------------------------------------


@dataclass
class Group:
    direction: Direction
    rows: list[Responsibility] = field(default_factory=list)


@dataclass
class Change:
    """One record of the history: when, by whom, what («+» added, «~» changed, «-» deleted), of
    which assignment, and the fields that changed (label, before, after)."""

    record: Any
    kind: str
    changes: list[tuple[str, str, str]]


def _shown(name: str, record) -> str:
    """A field of a history record as the page shows it."""
    if name == "direction":
        return record.direction.code if record.direction_id and record.direction else "—"
    if name == "official":
        return str(record.official) if record.official_id and record.official else "—"
    if name == "organization":
        return record.organization.short_name if record.organization_id and record.organization else "—"
    if name == "document":
        return record.document.reference if record.document_id and record.document else "—"
    if name == "duty":
        return record.get_duty_display()
    if name == "acting":
        return _("yes") if record.acting else _("no")
    value = getattr(record, name)
    return date_format(value, "d.m.Y") if value else "—"


def _history(municipality: Municipality, item: int | None) -> list[Change]:
    """The latest changes of the municipality's assignments (of one, with `item`), newest first,
    each with what it changed: one query."""
    records = Responsibility.history.filter(direction__municipality=municipality)
    if item is not None:
        records = records.filter(id=item)
    records = list(
        records.select_related("history_user", "direction", "official", "organization", "document").order_by(
            "-history_date", "-history_id"
        )[:HISTORY_READ]
    )
    labels = {name: str(Responsibility._meta.get_field(name).verbose_name) for name in TRACKED}
    previous: dict[int, Any] = {}
    changes = []
    for record in reversed(records):
        before = previous.get(record.id)
        changed = []
        if record.history_type == "~" and before is not None:
            for name in TRACKED:
                attribute = f"{name}_id" if name in RELATED else name
                if getattr(before, attribute) != getattr(record, attribute):
                    changed.append((labels[name], _shown(name, before), _shown(name, record)))
        previous[record.id] = record
        if record.history_type == "~" and before is not None and not changed:
            continue  # saved without a change
        changes.append(Change(record=record, kind=record.history_type, changes=changed))
    changes.reverse()
    return changes[:HISTORY_SHOWN]


def _state(responsibility: Responsibility, today: date) -> str:
    if responsibility.ends_on is not None and responsibility.ends_on < today:
        return "ended"
    if responsibility.starts_on is not None and responsibility.starts_on > today:
        return "future"
    return "current"


@login_required
def responsibilities(request: HttpRequest, slug: str) -> HttpResponse:
    """The assignments of the municipality by direction, with the filters and the history. A fixed
    number of queries, whatever the number of rows."""
    municipality = _municipality_for(request.user, slug)
    may_manage = access.may_manage_responsibilities(request.user, municipality)
    filters = FilterForm(request.GET or None, municipality=municipality)
    rows = Responsibility.objects.filter(direction__municipality=municipality).select_related(
        "official__organization", "organization", "document"
    )
    directions = Direction.objects.filter(municipality=municipality).select_related("block")
    narrowed = False
    if filters.is_valid():
        if filters.cleaned_data["direction"] is not None:
            rows = rows.filter(direction=filters.cleaned_data["direction"])
            directions = directions.filter(pk=filters.cleaned_data["direction"].pk)
        person = filters.chosen_person()
        if person is not None:
            rows = rows.filter(**{f"{person[0]}_id": person[1]})
            narrowed = True
        if filters.cleaned_data["on"] is not None:
            rows = rows.in_force_on(filters.cleaned_data["on"])
            narrowed = True
    groups = {
        direction.pk: Group(direction)
        for direction in directions.order_by("block__code", "code", "-valid_from__starts_on")
    }
    today = timezone.localdate()
    for row in rows.order_by("duty", "acting", "starts_on", "pk"):
        row.state = _state(row, today)
        groups[row.direction_id].rows.append(row)
    shown = [group for group in groups.values() if group.rows or not narrowed]
    item = params.as_id(request.GET.get("item"))
    context = {
        "municipality": municipality,
        "filters": filters,
        "groups": shown,
        "count": sum(len(group.rows) for group in shown),
        "may_manage": may_manage,
        "history": _history(municipality, item),
        "history_item": item,
        "today": today,
    }
    return render(request, "directions/responsibilities.html", context)


# Writes ----------------------------------------------------------------------------------------------


def _form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "directions/responsibilities_form.html", context)


def _errors_to(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@login_required
def responsibility_add(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = _municipality_for(request.user, slug)
    _require_keeper(request.user, municipality)
    initial = {"duty": request.GET.get("duty") or Duty.EXECUTOR}
    if (direction := params.as_id(request.GET.get("direction"))) is not None:
        initial["direction"] = direction
    form = ResponsibilityForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.responsibility_add(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The assignment is added."))
            return redirect(_page_url(municipality, added.direction_id))
    return _form_page(
        request,
        {
            "municipality": municipality,
            "form": form,
            "heading": _("A new assignment"),
            "submit": _("Add"),
            "help": _(
                "An acting deputy («исполняющий обязанности») is an assignment of its own: tick «acting» "
                "and give the days of the absence."
            ),
        },
    )


@login_required
def responsibility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    responsibility = _responsibility_for(request.user, pk)
    municipality = responsibility.direction.municipality
    form = ResponsibilityForm(request.POST or None, municipality=municipality, instance=responsibility)
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_update(
                responsibility=responsibility, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The assignment is corrected."))
            return redirect(_page_url(municipality, responsibility.direction_id))
    return _form_page(
        request,
        {
            "municipality": municipality,
            "form": form,
            "item": responsibility,
            "heading": _("Correct the assignment"),
            "submit": _("Save"),
            "help": _(
                "Correct a mistake here. When another person takes the duty, use «Transfer»: the "
                "history then shows who held it when."
            ),
        },
    )


@login_required
def responsibility_end(request: HttpRequest, pk: int) -> HttpResponse:
    responsibility = _responsibility_for(request.user, pk)
    municipality = responsibility.direction.municipality
    form = EndForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_end(
                responsibility=responsibility, ends_on=form.cleaned_data["ends_on"], by=request.user
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("The assignment is ended; it stays in the history."))
            return redirect(_page_url(municipality, responsibility.direction_id))
    return _form_page(
        request,
        {
            "municipality": municipality,
            "form": form,
            "item": responsibility,
            "heading": _("End the assignment"),
            "submit": _("End on this day"),
            "help": _("The assignment holds until the day given, inclusive, and is kept as history."),
        },
    )


@login_required
def responsibility_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    responsibility = _responsibility_for(request.user, pk)
    municipality = responsibility.direction.municipality
    form = TransferForm(
        request.POST or None,
        municipality=municipality,
        initial={"ends_on": timezone.localdate(), "document": responsibility.document_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_transfer(
                responsibility=responsibility, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to(form, error)
            responsibility.refresh_from_db()
        else:
            messages.success(request, _("The duty is transferred."))
            return redirect(_page_url(municipality, responsibility.direction_id))
    return _form_page(
        request,
        {
            "municipality": municipality,
            "form": form,
            "item": responsibility,
            "heading": _("Transfer the duty"),
            "submit": _("Transfer"),
            "help": _(
                "The current assignment ends on the day given and the new holder takes the same duty "
                "from the next day, both at once."
            ),
        },
    )


@login_required
def responsibility_delete(request: HttpRequest, pk: int) -> HttpResponse:
    responsibility = _responsibility_for(request.user, pk)
    municipality = responsibility.direction.municipality
    if request.method == "POST":
        direction_id = responsibility.direction_id
        services.responsibility_delete(responsibility=responsibility, by=request.user)
        messages.success(request, _("The mistaken assignment is deleted; the history keeps it."))
        return redirect(_page_url(municipality, direction_id))
    return _form_page(
        request,
        {
            "municipality": municipality,
            "form": None,
            "item": responsibility,
            "heading": _("Delete the assignment"),
            "submit": _("Delete"),
            "danger": True,
            "help": _(
                "Delete only an assignment entered by mistake. One that has ended is ended with «End», "
                "so that the history shows who held the duty when."
            ),
        },
    )


# The import --------------------------------------------------------------------------------------------


def _pending(request: HttpRequest, municipality: Municipality) -> dict | None:
    pending = request.session.get(SESSION_KEY)
    return pending if pending and pending.get("municipality") == municipality.pk else None


def _result(pending: dict) -> reader.ReadResult:
    return reader.ReadResult(
        rows=[reader.AssignmentRow(**row) for row in pending["rows"]], problems=list(pending["problems"])
    )


def _prefill(name: str) -> tuple[str, str]:
    """(full name, position) of an unknown name of the table, for the form that adds the official:
    «и. о. Петрова В.В., методист» → («Петрова В.В.», «методист»)."""
    from roadmaps.docx_reader import PERSON

    match = PERSON.search(name)
    if not match:
        return name, ""
    rest = (name[: match.start()] + " " + name[match.end() :]).strip(" ,;()")
    rest = reader.ACTING.sub("", rest).strip(" ,;()")
    return match[0], " ".join(rest.split())


@login_required
def responsibilities_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload → a preview of what is added, already there and not found → add the missing officials
    or choose to skip them → confirm (all or nothing)."""
    municipality = _municipality_for(request.user, slug)
    _require_keeper(request.user, municipality)
    here = reverse("directions:responsibilities_import", args=[municipality.slug])
    action = request.POST.get("action", "upload") if request.method == "POST" else None
    if action == "cancel":
        request.session.pop(SESSION_KEY, None)
        messages.info(request, _("The import is cancelled."))
        return redirect(_page_url(municipality))
    if action == "confirm":
        return _confirm(request, municipality, here)
    if action == "official":
        return _official(request, municipality, here)
    form = ImportForm(
        request.POST if action else None,
        request.FILES if action else None,
        municipality=municipality,
        initial={"starts_on": timezone.localdate()},
    )
    if action == "upload" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = b"".join(upload.chunks())
        try:
            result = reader.read_assignments(content, upload.name)
        except reader.ResponsibilityFileError as error:
            request.session.pop(SESSION_KEY, None)
            form.add_error("file", str(error))
        else:
            request.session[SESSION_KEY] = {
                "municipality": municipality.pk,
                "digest": hashlib.sha256(content).hexdigest(),
                "file": upload.name,
                "rows": [asdict(row) for row in result.rows],
                "problems": result.problems,
                "starts_on": form.cleaned_data["starts_on"].isoformat(),
                "document": form.cleaned_data["document"].pk,
            }
            return redirect(here)
    context: dict[str, Any] = {"municipality": municipality, "form": form}
    pending = _pending(request, municipality)
    if pending is not None:
        starts_on = date.fromisoformat(pending["starts_on"])
        plan = services.responsibilities_import_plan(
            result=_result(pending), municipality=municipality, starts_on=starts_on
        )
        creatable = {item.name for item in plan.of(services.ImportStatus.UNKNOWN) if item.person}
        context |= {
            "pending": pending,
            "plan": plan,
            "starts_on": starts_on,
            "document": Document.objects.filter(pk=pending["document"], municipality=municipality).first(),
            "confirm": ConfirmForm(initial={"digest": pending["digest"]}),
            "missing": [(name, *_prefill(name)) for name in plan.unknown_names if name in creatable],
            "unmatched": [name for name in plan.unknown_names if name not in creatable],
        }
    return render(request, "directions/responsibilities_import.html", context)


def _confirm(request: HttpRequest, municipality: Municipality, here: str) -> HttpResponse:
    pending = _pending(request, municipality)
    form = ConfirmForm(request.POST)
    if pending is None or not form.is_valid() or form.cleaned_data["digest"] != pending["digest"]:
        messages.error(request, _("The preview is out of date: upload the file again."))
        return redirect(here)
    document = Document.objects.filter(pk=pending["document"], municipality=municipality).first()
    if document is None:
        messages.error(request, _("The order chosen is no longer in the catalogue: upload the file again."))
        return redirect(here)
    try:
        plan = services.responsibilities_import(
            result=_result(pending),
            municipality=municipality,
            starts_on=date.fromisoformat(pending["starts_on"]),
            document=document,
            by=request.user,
            skip_unknown=form.cleaned_data["skip_unknown"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(here)
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        ngettext(
            "%(count)d assignment is added from «%(file)s».",
            "%(count)d assignments are added from «%(file)s».",
            plan.created,
        )
        % {"count": plan.created, "file": pending["file"]},
    )
    skipped = plan.unknown_names
    if skipped:
        messages.warning(request, _("Skipped, not found: %(names)s") % {"names": ", ".join(skipped)})
    return redirect(_page_url(municipality))


def _official(request: HttpRequest, municipality: Municipality, here: str) -> HttpResponse:
    form = OfficialForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the official's name."))
        return redirect(here)
    try:
        official = services.official_add(
            municipality=municipality,
            full_name=form.cleaned_data["full_name"],
            position=form.cleaned_data["position"],
            by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s is added to the officials.") % {"name": official.full_name})
    return redirect(here)
