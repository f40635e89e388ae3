"""The offline template merges like the web form (issue 18, item 7): the workbook carries the revision
it was downloaded at; an answer a colleague changed since then and the file changed too is a
conflict, reported in Russian and not overwritten; an answer changed only in the file is saved; an
answer changed only by the colleague is kept."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from monitoring import services
from monitoring.models import Submission
from tests.monitoring.factories import make_campaign, make_submission
from tests.monitoring.test_spreadsheets import answer_cells, download, fill

START = {"teachers": "40", "teachers_diagnosed": "10", "comment": "Исходный комментарий"}


@pytest.fixture
def submission(world):
    campaign = make_campaign(world.municipality)
    return make_submission(campaign, world.school, START, by=world.respondent)


def colleague_saves(world, submission: Submission, answers: dict) -> None:
    """The head of the school saves on the web form meanwhile, from the current revision."""
    current = Submission.objects.get(pk=submission.pk)
    services.submission_save(
        submission=current, answers=answers, base_revision=current.revision, by=world.head
    )


def upload(client, submission: Submission, content: bytes):
    return client.post(
        reverse("monitoring:template_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile("anketa.xlsx", content)},
        follow=True,
    )


def test_the_template_carries_its_revision(client, world, submission):
    client.force_login(world.respondent)
    workbook = load_workbook(io.BytesIO(download(client, submission)))
    meta = {row[0]: row[1] for row in workbook["mcok"].iter_rows(values_only=True) if row[0]}
    assert meta["revision"].startswith(f"{submission.pk}.r{submission.revision}:")


def test_a_colleagues_answers_saved_after_the_download_are_not_overwritten(client, world, submission):
    client.force_login(world.respondent)
    template = download(client, submission)
    colleague_saves(world, submission, {"teachers": "45", "comment": "Комментарий коллеги"})
    # The file changes teachers (as the colleague did: a conflict) and teachers_diagnosed (only the
    # file); the comment stays as the template wrote it.
    content = fill(template, {"teachers": 50, "teachers_diagnosed": 12})

    response = upload(client, submission, content)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "45"  # the conflict: the colleague's answer is kept
    assert submission.answers["teachers_diagnosed"] == "12"  # changed only in the file: saved
    assert submission.answers["comment"] == "Комментарий коллеги"  # changed only by the colleague: kept

    with translation.override("ru"):
        expected = translation.gettext(
            "«%(question)s»: a colleague saved «%(theirs)s» after the template was downloaded, and the "
            "workbook has «%(yours)s». The colleague's answer is kept; if yours is right, enter it on "
            "the form's page."
        ) % {"question": "Всего учителей", "theirs": "45", "yours": "50"}
    assert expected != "" and "коллег" in expected  # translated
    assert expected in html.unescape(response.content.decode())


def test_without_a_colleague_every_change_of_the_file_is_saved(client, world, submission):
    client.force_login(world.respondent)
    template = download(client, submission)
    content = fill(template, {"teachers": 50, "comment": "Новый комментарий"})
    response = upload(client, submission, content)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.answers == {**START, "teachers": "50", "comment": "Новый комментарий"}


def test_the_same_answer_as_the_colleagues_is_no_conflict(client, world, submission):
    client.force_login(world.respondent)
    template = download(client, submission)
    colleague_saves(world, submission, {"teachers": "50"})
    response = upload(client, submission, fill(template, {"teachers": 50}))
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "50"
    assert "коллега сохранил" not in html.unescape(response.content.decode())


def test_a_revision_edited_in_the_workbook_counts_as_none(client, world, submission):
    """The mark is signed: a workbook claiming a later revision cannot silence the conflict."""
    client.force_login(world.respondent)
    template = download(client, submission)
    colleague_saves(world, submission, {"teachers": "45"})
    workbook = load_workbook(io.BytesIO(fill(template, {"teachers": 50})))
    meta = workbook["mcok"]
    for row in meta.iter_rows():
        if row[0].value == "revision":
            row[1].value = f"{submission.pk}.r{submission.revision + 1}"
    assert answer_cells(workbook)["teachers"].value == 50
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, submission, buffer.getvalue())
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "45"
