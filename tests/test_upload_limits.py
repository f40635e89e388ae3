"""Every upload path of the portal refuses an oversized file and a ZIP bomb (a workbook or document
whose XML unpacks more than a hundred times its packed size) with a message, before the file is
parsed, and writes nothing. Each path is tested through the service its view calls."""

import functools
import importlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from directions import imports as positions
from directions.models import Position
from indicators import imports as data_values
from indicators.models import DataValue
from mcok.models import Document, Municipality
from monitoring import entry_forms, spreadsheets
from monitoring import imports as google_forms
from monitoring.models import Campaign, Field, Form, Submission
from roadmaps import docx_reader
from roadmaps import imports as roadmap_files
from roadmaps import services as roadmap_services
from roadmaps.models import Roadmap
from tests.directions.test_positions_import import make_period
from tests.monitoring.factories import make_campaign, make_submission

LIMIT = 2000  # the limit every path is given in these tests: an upload of LIMIT + 1 bytes is too large


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@functools.cache
def bomb(part: str) -> bytes:
    """A ZIP whose one XML part unpacks from some 30 KB to 30 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, b"<x>" + b" " * (30 * 1024 * 1024) + b"</x>")
    content = buffer.getvalue()
    assert len(content) * 100 < 30 * 1024 * 1024
    return content


XLSX_BOMB = "xl/worksheets/sheet1.xml"
DOCX_BOMB = "word/document.xml"


def written() -> tuple:
    """What any of the imports could write."""
    return tuple(
        model.objects.count()
        for model in (DataValue, Form, Campaign, Submission, Roadmap, Position, Document)
    )


def _refusal(call) -> str:
    """The message a path refuses with; the empty string when it accepted."""
    try:
        result = call()
    except (ValidationError, docx_reader.RoadmapFileError) as error:
        return " ".join(getattr(error, "messages", [str(error)]))
    errors = getattr(result, "errors", None)
    if errors is None and isinstance(result, tuple):
        errors = result[1]
    return " ".join(str(error) for error in errors or [])


def data_values_import(world, content: bytes, name: str) -> str:
    return _refusal(
        lambda: data_values.parse_data_values(
            io.BytesIO(content), municipality=world.municipality, filename=name
        )
    )


def google_forms_import(world, content: bytes, name: str) -> str:
    return _refusal(lambda: google_forms.read_responses(content, name))


def roadmap_import(world, content: bytes, name: str) -> str:
    return _refusal(lambda: roadmap_files.read_file(io.BytesIO(content), name))


def positions_import(world, content: bytes, name: str) -> str:
    period = make_period(2025)
    return _refusal(
        lambda: positions.positions_parse(io.BytesIO(content), municipality=world.municipality, period=period)
    )


def template_upload(world, content: bytes, name: str) -> str:
    submission = Submission.objects.get(organization=world.school)
    before = Submission.objects.values_list("revision", "answers").get(pk=submission.pk)
    message = _refusal(
        lambda: spreadsheets.template_upload(submission=submission, content=content, by=world.respondent)
    )
    assert Submission.objects.values_list("revision", "answers").get(pk=submission.pk) == before
    return message


PARSERS = {
    "data values, xlsx": (data_values_import, "values.xlsx", XLSX_BOMB, [(data_values, "MAX_FILE_BYTES")]),
    "data values, csv": (data_values_import, "values.csv", None, [(data_values, "MAX_FILE_BYTES")]),
    "google forms, xlsx": (google_forms_import, "export.xlsx", XLSX_BOMB, [(google_forms, "MAX_FILE_BYTES")]),
    "google forms, csv": (google_forms_import, "export.csv", None, [(google_forms, "MAX_FILE_BYTES")]),
    "roadmap, xlsx": (
        roadmap_import,
        "карта.xlsx",
        XLSX_BOMB,
        [(docx_reader, "MAX_FILE_BYTES"), (roadmap_files, "MAX_XLSX_BYTES")],
    ),
    "roadmap, docx": (roadmap_import, "карта.docx", DOCX_BOMB, [(docx_reader, "MAX_FILE_BYTES")]),
    "positions": (positions_import, "каталог.xlsx", XLSX_BOMB, [(positions, "MAX_FILE_BYTES")]),
    "template": (template_upload, "anketa.xlsx", XLSX_BOMB, [(spreadsheets, "MAX_TEMPLATE_BYTES")]),
}


@pytest.mark.parametrize("path", PARSERS)
def test_an_oversized_upload_is_refused(world, monkeypatch, path):
    refuse, name, _part, limits = PARSERS[path]
    for module, constant in limits:
        monkeypatch.setattr(module, constant, LIMIT)
    if refuse is template_upload:
        make_submission(make_campaign(world.municipality), world.school, by=world.respondent)
    before = written()
    assert "larger than" in refuse(world, b"x" * (LIMIT + 1), name)
    assert written() == before


@pytest.mark.parametrize("path", [path for path, (_r, _n, part, _l) in PARSERS.items() if part])
def test_a_zip_bomb_is_refused(world, path):
    refuse, name, part, _limits = PARSERS[path]
    if refuse is template_upload:
        make_submission(make_campaign(world.municipality), world.school, by=world.respondent)
    before = written()
    message = refuse(world, bomb(part), name)
    assert "compressed more than" in message or "unpacks to more than" in message, message
    assert written() == before


FORMS = {
    "data values": ("indicators.import_views", "DataValuesImportForm", "MAX_UPLOAD_BYTES", "values.csv"),
    "google forms": ("monitoring.transfer_views", "GoogleImportForm", None, "export.csv"),
    "roadmap": ("roadmaps.import_views", "RoadmapImportForm", "MAX_UPLOAD_BYTES", "карта.docx"),
    "positions": ("directions.evaluation_forms", "PositionsImportForm", None, "каталог.xlsx"),
    "template": ("monitoring.transfer_views", "TemplateUploadForm", None, "anketa.xlsx"),
}


@pytest.mark.parametrize("path", FORMS)
def test_the_upload_form_refuses_an_oversized_file_before_reading_it(world, monkeypatch, path):
    """The page's own form stops the file by its size, before the service reads it into memory."""
    module_name, form_name, constant, name = FORMS[path]
    module = importlib.import_module(module_name)
    if constant:
        monkeypatch.setattr(module, constant, LIMIT)
    for service, service_constant in [
        (google_forms, "MAX_FILE_BYTES"),
        (positions, "MAX_FILE_BYTES"),
        (spreadsheets, "MAX_TEMPLATE_BYTES"),
    ]:
        monkeypatch.setattr(service, service_constant, LIMIT)
    form_class = getattr(module, form_name)
    kwargs = {} if form_name == "TemplateUploadForm" else {"municipalities": Municipality.objects.all()}
    form = form_class({}, {"file": SimpleUploadedFile(name, b"x" * (LIMIT + 1))}, **kwargs)
    assert not form.is_valid()
    assert "larger than" in " ".join(form.errors["file"])
    small = form_class({}, {"file": SimpleUploadedFile(name, b"x" * LIMIT)}, **kwargs)
    small.is_valid()
    assert "file" not in small.errors


def test_an_oversized_file_answer_is_refused(world):
    """A file answer is stored, never unpacked: its limit is the question's own size."""
    question = Field(code="scan", label="Скан", kind=Field.Kind.FILE, file_types="pdf, xlsx", max_file_mb=1)
    too_large = SimpleUploadedFile("scan.pdf", b"x" * (1024 * 1024 + 1))
    assert entry_forms.file_problem(question, too_large) == "The file is larger than 1 MB."
    assert entry_forms.file_problem(question, SimpleUploadedFile("scan.pdf", b"x" * 1024)) is None


def test_oversized_evidence_of_a_roadmap_event_is_refused(world, settings):
    """Evidence is stored as a document, never unpacked: its limit is the documents' size."""
    settings.DOCUMENT_MAX_BYTES = LIMIT
    before = written()
    with pytest.raises(ValidationError, match="larger than"):
        roadmap_services._attach(None, SimpleUploadedFile("report.pdf", b"x" * (LIMIT + 1)), world.respondent)
    assert written() == before


def test_an_oversized_document_is_refused_by_the_admin(client, world, settings):
    settings.DOCUMENT_MAX_BYTES = LIMIT
    world.administrator.is_staff = True
    world.administrator.save()
    client.force_login(world.administrator)
    response = client.post(
        reverse("admin:mcok_document_add"),
        {
            "municipality": world.municipality.pk,
            "kind": Document.Kind.ORDER,
            "title": "Приказ",
            "file": SimpleUploadedFile("order.pdf", b"x" * (LIMIT + 1)),
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Document.objects.exists()


def newer_zip_version(part: str) -> bytes:
    """A small ZIP whose directory says a newer unzip version is needed (6.4) than Python's zipfile
    reads: Hypothesis found such a damaged workbook, on which zipfile raises NotImplementedError."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    content = bytearray(buffer.getvalue())
    directory = content.find(b"PK\x01\x02")
    while directory != -1:
        content[directory + 6 : directory + 8] = (64).to_bytes(2, "little")  # version needed to extract
        directory = content.find(b"PK\x01\x02", directory + 4)
    with pytest.raises(NotImplementedError):
        zipfile.ZipFile(io.BytesIO(bytes(content)))
    return bytes(content)


@pytest.mark.parametrize("path", [path for path, (_r, _n, part, _l) in PARSERS.items() if part])
def test_a_zip_of_an_unknown_version_is_refused_with_a_message(world, path):
    refuse, name, part, _limits = PARSERS[path]
    if refuse is template_upload:
        make_submission(make_campaign(world.municipality), world.school, by=world.respondent)
    before = written()
    assert refuse(world, newer_zip_version(part), name)  # a refusal that says why, not an exception
    assert written() == before
