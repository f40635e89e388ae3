"""The XLSX template of a submission (download, fill in, upload) and the exports of a collection."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from monitoring import spreadsheets
from monitoring.models import Submission, SubmissionEvent
from tests.factories import make_organization
from tests.monitoring.factories import make_campaign, make_form, make_submission


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids; the pages themselves speak Russian."""
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(world):
    return make_campaign(world.municipality)


@pytest.fixture
def submission(world, campaign):
    return make_submission(campaign, world.school, {"teachers": "40"}, by=world.respondent)


def ru(message: str) -> str:
    """The page's language: requests are answered in Russian."""
    with translation.override("ru"):
        return translation.gettext(message)


def download(client, submission) -> bytes:
    response = client.get(reverse("monitoring:template_download", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.exports.XLSX_TYPE
    return response.content


def answer_cells(workbook) -> dict:
    """Question code → its answer cell, found by the hidden code column."""
    sheet = workbook.worksheets[0]
    return {row[4].value: row[3] for row in sheet.iter_rows(min_row=12) if row[4].value}


def fill(content: bytes, answers: dict) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    cells = answer_cells(workbook)
    for code, value in answers.items():
        cells[code].value = value
        if isinstance(value, str):
            cells[code].data_type = "s"  # as Excel keeps what is typed in a text cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, submission, content: bytes, name: str = "anketa.xlsx"):
    return client.post(
        reverse("monitoring:template_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


# The template ------------------------------------------------------------------------------------


def test_the_template_holds_the_header_the_questions_and_the_answers(client, world, campaign, submission):
    client.force_login(world.respondent)
    workbook = load_workbook(io.BytesIO(download(client, submission)))
    sheet = workbook.worksheets[0]
    facts = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(2, 7)}
    assert facts[ru("Data collection")] == campaign.title
    assert facts[ru("Organization")] == world.school.short_name
    assert facts[ru("Period")] == campaign.period.label
    assert facts[ru("Deadline")].date() == campaign.deadline
    cells = answer_cells(workbook)
    assert list(cells) == ["teachers", "teachers_diagnosed", "format", "comment"]
    assert cells["teachers"].value == 40  # a number stays a number
    assert cells["teachers_diagnosed"].value is None
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=12) if row[4].value}
    assert rows["teachers"][1].value == "Всего учителей *"  # required
    assert rows["format"][1].value == "Форма диагностики"
    assert "Очная" in rows["format"][2].value
    assert sheet.column_dimensions["E"].hidden
    # Excel's own lists and number checks on the answer cells.
    kinds = {str(rule.sqref): rule.type for rule in sheet.data_validations.dataValidation}
    assert kinds[cells["format"].coordinate] == "list"
    assert kinds[cells["teachers"].coordinate] == "whole"
    assert workbook["mcok"].sheet_state == "veryHidden"


def test_a_filled_template_is_saved_as_the_draft(client, world, submission):
    client.force_login(world.respondent)
    content = fill(
        download(client, submission),
        {"teachers": 42, "teachers_diagnosed": 30, "format": " очная", "comment": "=1+1 и всё"},
    )
    response = upload(client, submission, content)
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:submission", kwargs={"pk": submission.pk})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT
    assert submission.answers == {
        "teachers": "42",
        "teachers_diagnosed": "30",
        "format": "Очная",
        "comment": "=1+1 и всё",
    }
    assert submission.events.filter(action=SubmissionEvent.Action.SAVED).count() == 2


def test_reordered_rows_are_found_by_their_code(client, world, submission):
    client.force_login(world.respondent)
    workbook = load_workbook(io.BytesIO(download(client, submission)))
    sheet = workbook.worksheets[0]
    sheet.protection.sheet = False
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=12, max_row=15)]
    for offset, values in enumerate(reversed(rows)):  # the questions upside down
        for column, value in enumerate(values, start=1):
            sheet.cell(row=12 + offset, column=column, value=value)
    answer_cells(workbook)["teachers_diagnosed"].value = 25
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(client, submission, buffer.getvalue()).status_code == 302
    submission.refresh_from_db()
    assert submission.answers["teachers_diagnosed"] == "25"
    assert submission.answers["teachers"] == "40"


def test_a_text_in_a_number_cell_is_reported_and_the_draft_still_stored(client, world, submission):
    client.force_login(world.respondent)
    content = fill(download(client, submission), {"teachers": "сорок", "teachers_diagnosed": 30})
    response = upload(client, submission, content)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "сорок"
    assert submission.answers["teachers_diagnosed"] == "30"
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("Всего учителей" in m for m in shown)


def test_the_service_returns_the_problems_per_question(world, submission):
    content = spreadsheets.template_bytes(submission)
    uploaded = spreadsheets.template_upload(
        submission=submission, content=fill(content, {"teachers": "сорок"}), by=world.respondent
    )
    assert uploaded.saved.check.errors == {"teachers": ["Enter a number."]}
    assert uploaded.problems() == ["Всего учителей: Enter a number."]


def test_a_template_of_another_submission_is_refused(client, world, campaign, submission):
    other = make_submission(campaign, world.other_school, by=world.other_respondent)
    foreign = fill(spreadsheets.template_bytes(other), {"teachers": 99})
    client.force_login(world.respondent)
    response = upload(client, submission, foreign)
    assert response.status_code == 200
    assert "другой организации" in str(response.context["form"].errors["file"])
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40"}


def test_a_tampered_check_value_is_refused(world, submission):
    workbook = load_workbook(io.BytesIO(spreadsheets.template_bytes(submission)))
    workbook["mcok"]["B3"] = workbook["mcok"]["B3"].value[:-2] + "xx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(spreadsheets.ValidationError, match="not a template of this portal"):
        spreadsheets.template_upload(submission=submission, content=buffer.getvalue(), by=world.respondent)


def test_any_workbook_is_not_a_template(world, submission):
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(spreadsheets.ValidationError, match="not a template of this portal"):
        spreadsheets.template_upload(submission=submission, content=buffer.getvalue(), by=world.respondent)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"a renamed text file", "not an XLSX workbook"),
        (zip_bomb(), "compressed more than"),
    ],
)
def test_malformed_uploads_are_refused(world, submission, content, message):
    with pytest.raises(spreadsheets.ValidationError, match=message):
        spreadsheets.template_upload(submission=submission, content=content, by=world.respondent)
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40"}


def test_a_submitted_form_takes_no_workbook(client, world, campaign):
    submission = make_submission(
        campaign,
        world.school,
        {"teachers": "40", "teachers_diagnosed": "30"},
        by=world.respondent,
        submit=True,
    )
    client.force_login(world.respondent)
    response = client.get(reverse("monitoring:template_upload", args=[submission.pk]))
    assert response.status_code == 200 and response.context["editable"] is False
    content = fill(spreadsheets.template_bytes(submission), {"teachers": 1})
    upload(client, submission, content)
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "40"


@pytest.mark.parametrize(
    ("actor", "download_status", "upload_status"),
    [
        ("respondent", 200, 200),
        ("head", 200, 200),
        ("coordinator", 200, 403),  # sees the school's form, does not fill it
        ("other_respondent", 404, 404),
        ("outsider", 404, 404),
        ("outsider_school", 404, 404),
    ],
)
def test_template_routes_respect_roles(client, world, submission, actor, download_status, upload_status):
    client.force_login(getattr(world, actor))
    assert client.get(reverse("monitoring:template_download", args=[submission.pk])).status_code == (
        download_status
    )
    assert (
        client.get(reverse("monitoring:template_upload", args=[submission.pk])).status_code == upload_status
    )


def test_another_school_cannot_upload_into_a_submission(client, world, submission):
    content = fill(spreadsheets.template_bytes(submission), {"teachers": 1})
    client.force_login(world.other_respondent)
    assert upload(client, submission, content).status_code == 404
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40"}


# Exports -----------------------------------------------------------------------------------------


@pytest.fixture
def answered(world, campaign):
    make_submission(
        campaign,
        world.school,
        {
            "teachers": "40",
            "teachers_diagnosed": "30",
            "format": "очная",
            "comment": '=HYPERLINK("http://x")',
        },
        by=world.respondent,
        submit=True,
    )
    make_submission(campaign, world.other_school, {"teachers": "12,5"}, by=world.other_respondent)
    return campaign


def export(client, campaign, layout: str, fmt: str):
    url = reverse("monitoring:campaign_export", args=[campaign.pk])
    return client.get(url, {"layout": layout, "format": fmt})


def test_the_wide_xlsx_export_has_a_row_per_organization(client, world, answered):
    client.force_login(world.coordinator)
    response = export(client, answered, "wide", "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == (ru("Organization"), ru("Status"), ru("Submitted at"), "Всего учителей")
    by_school = {row[0]: row for row in rows[1:]}
    school = by_school[world.school.short_name]
    assert school[3] == 40 and school[4] == 30  # numbers stay numbers
    assert school[5] == "Очная"  # the option as the form writes it
    assert by_school[world.other_school.short_name][3] == "12,5"  # a draft's slip, as typed
    # The formula is text, not a formula: its cell is a string.
    cell = next(c for c in sheet[2 if rows[1][0] == world.school.short_name else 3] if c.column == 7)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_the_long_csv_export_neutralises_formulas(client, world, answered):
    client.force_login(world.coordinator)
    response = export(client, answered, "long", "csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [ru("Organization"), ru("Question code"), ru("Question"), ru("Answer"), ru("Status")]
    answers = {(row[0], row[1]): row[3] for row in rows[1:]}
    assert answers[(world.school.short_name, "teachers")] == "40"
    assert answers[(world.school.short_name, "comment")] == '\'=HYPERLINK("http://x")'
    assert answers[(world.other_school.short_name, "teachers")] == "12,5"
    assert (world.other_school.short_name, "comment") not in answers


def test_the_long_xlsx_and_wide_csv_exports(client, world, answered):
    client.force_login(world.coordinator)
    sheet = load_workbook(io.BytesIO(export(client, answered, "long", "xlsx").content)).worksheets[0]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert (world.school.short_name, "teachers", "Всего учителей", 40) in [v[:4] for v in values]
    text = export(client, answered, "wide", "csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and world.other_school.short_name in text


def test_bad_export_parameters_are_refused(client, world, answered):
    client.force_login(world.coordinator)
    assert export(client, answered, "tall", "xlsx").status_code == 400
    assert export(client, answered, "wide", "pdf").status_code == 400


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("executor", 200),
        ("administrator", 200),
        ("respondent", 404),  # a school never downloads the others' answers
        ("outsider", 404),
        ("outsider_school", 404),
    ],
)
def test_the_export_is_for_the_municipality_staff(client, world, answered, actor, status):
    client.force_login(getattr(world, actor))
    assert export(client, answered, "wide", "xlsx").status_code == status


def test_export_queries_do_not_grow_with_organizations(client, world):
    client.force_login(world.coordinator)

    def queries(schools: int) -> int:
        organizations = [make_organization(world.municipality) for _ in range(schools)]
        form = make_form(world.municipality, elements=False)
        campaign = make_campaign(world.municipality, form=form, organizations=organizations)
        for organization in organizations:
            make_submission(campaign, organization, {"teachers": "10"})
        with CaptureQueriesContext(connection) as context:
            response = export(client, campaign, "wide", "xlsx")
        assert response.status_code == 200
        return len(context.captured_queries)

    assert queries(2) == queries(10)
