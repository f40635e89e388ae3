"""Approval pins the exact file (issue 18, item 6): the coordinator's approval records the SHA-256 of
the PDF approved; the operator publishes that PDF and no other, only while its bytes match; any
change to an approved report, a new file included, returns it to draft and off the public tab."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import public
from reports.models import Report, ReportJob
from tests.reports.test_analytics import make_report_world

Status = ReportJob.Status
APPROVED_BYTES = b"%PDF-1.7 the text the coordinator read"


def ru(message: str) -> str:
    with translation.override("ru"):
        return gettext(message)


def _done_pdf(report: Report, user, content: bytes = APPROVED_BYTES) -> ReportJob:
    """A finished PDF job with a stand-in file, without rendering."""
    job = ReportJob.objects.create(
        report=report, format="pdf", requested_by=user, status=Status.DONE, progress=100, size=len(content)
    )
    job.file.save("report.pdf", ContentFile(content))
    return job


def _approve(client, world, report: Report) -> None:
    client.force_login(world.coordinator)
    assert client.post(reverse("reports:report_approve", args=[report.pk])).status_code == 302


def _publish(client, world, report: Report):
    client.force_login(world.operator)
    return client.post(reverse("reports:report_publish", args=[report.pk]), follow=True)


def test_approval_records_the_hash_of_the_pdf_approved(client, world):
    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.executor)
    _approve(client, world, w.report)
    w.report.refresh_from_db()
    assert w.report.state == Report.State.APPROVED
    assert w.report.approved_job == job
    assert w.report.approved_sha256 == hashlib.sha256(APPROVED_BYTES).hexdigest()


def test_a_new_pdf_after_approval_returns_the_report_to_draft_and_is_not_published(client, world):
    """The finding as reproduced: approved, then the executor makes a new PDF, then the operator
    publishes — the new PDF went out stamped «Утверждён координатором»."""
    w = make_report_world(world, indicators=1)
    _done_pdf(w.report, world.executor)
    _approve(client, world, w.report)

    client.force_login(world.executor)
    response = client.post(reverse("reports:report_generate", args=[w.report.pk, "pdf"]), follow=True)
    assert response.status_code == 200
    w.report.refresh_from_db()
    assert (w.report.state, w.report.approved_by, w.report.approved_job) == (Report.State.DRAFT, None, None)
    assert (
        ru(
            "A new file is being made, so the report is returned to draft and taken off the public "
            "tab: the coordinator approves it again with the new file."
        )
        in response.content.decode()
    )
    # The queued job finishes with other bytes.
    new = ReportJob.objects.filter(report=w.report, format="pdf", status=Status.QUEUED).get()
    new.file.save("changed.pdf", ContentFile(b"%PDF-1.7 changed after approval"))
    ReportJob.objects.filter(pk=new.pk).update(status=Status.DONE, progress=100)

    response = _publish(client, world, w.report)
    assert ru("Only an approved report can be published; the coordinator approves it first.") in (
        response.content.decode()
    )
    w.report.refresh_from_db()
    assert w.report.published_job is None
    assert not public.published_reports(w.report.municipality).exists()
    # The history says why it went back to draft.
    back = w.report.history.filter(state=Report.State.DRAFT).order_by("-history_date").first()
    assert back is not None and back.history_user == world.executor
    assert back.history_change_reason


def test_only_the_approved_pdf_is_published_even_when_a_newer_one_exists(client, world):
    """A PDF queued before the approval and finished after it is not the approved one."""
    w = make_report_world(world, indicators=1)
    approved = _done_pdf(w.report, world.executor)
    _approve(client, world, w.report)
    newer = _done_pdf(w.report, world.executor, b"%PDF-1.7 finished after the approval")
    assert newer.pk > approved.pk
    _publish(client, world, w.report)
    w.report.refresh_from_db()
    assert w.report.published_job == approved


def test_a_pdf_whose_bytes_changed_after_approval_is_refused(client, world):
    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.executor)
    _approve(client, world, w.report)
    with job.file.storage.open(job.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 replaced behind the coordinator's back")

    response = _publish(client, world, w.report)
    assert (
        ru(
            "The PDF is not the one the coordinator approved: it was changed after the approval. "
            "It is not published; make the PDF again and have the report approved again."
        )
        in response.content.decode()
    )
    w.report.refresh_from_db()
    assert w.report.published_job is None


def test_a_report_approved_without_a_pdf_cannot_publish_a_later_one(client, world):
    w = make_report_world(world, indicators=1)
    _approve(client, world, w.report)
    # A PDF appears without going through the form (a job queued before the approval).
    _done_pdf(w.report, world.executor)
    response = _publish(client, world, w.report)
    assert (
        ru(
            "The report was approved without a PDF: make the PDF, and the coordinator approves "
            "the report again; then publish it."
        )
        in response.content.decode()
    )
    w.report.refresh_from_db()
    assert w.report.published_job is None


@pytest.mark.parametrize("change", ["title", "conclusions"])
def test_an_edit_of_an_approved_and_published_report_returns_it_to_draft(client, world, change):
    w = make_report_world(world, indicators=1)
    _done_pdf(w.report, world.executor)
    _approve(client, world, w.report)
    _publish(client, world, w.report)
    w.report.refresh_from_db()
    assert w.report.published_job is not None
    data = {
        "kind": "direction",
        "direction": w.direction.pk,
        "period": w.period.pk,
        "title": w.report.title,
        "suggested_title": "",
        "conclusions": w.report.conclusions,
    }
    data[change] = "Изменено после утверждения"
    client.force_login(world.executor)
    assert client.post(reverse("reports:report_edit", args=[w.report.pk]), data).status_code == 302
    w.report.refresh_from_db()
    assert getattr(w.report, change) == "Изменено после утверждения"
    assert (w.report.state, w.report.approved_job, w.report.approved_sha256) == (Report.State.DRAFT, None, "")
    assert w.report.published_job is None  # off the public tab until approved and published again
    assert not public.published_reports(w.report.municipality).exists()


@pytest.mark.parametrize("change", ["period", "direction"])
def test_a_new_period_or_direction_returns_the_report_to_draft(world, change):
    from reports import services

    w = make_report_world(world, indicators=1)
    _done_pdf(w.report, world.executor)
    services.report_approve(report=w.report, by=world.coordinator)
    values = {
        "kind": w.report.kind,
        "direction": w.report.direction,
        "period": w.report.period,
        "title": w.report.title,
        "conclusions": w.report.conclusions,
    }
    values[change] = w.previous if change == "period" else world.other_direction
    report, returned = services.report_update(report=w.report, by=world.chief, **values)
    assert returned and report.state == Report.State.DRAFT and report.approved_sha256 == ""


def test_saving_an_approved_report_unchanged_keeps_the_approval(world):
    from reports import services

    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.executor)
    services.report_approve(report=w.report, by=world.coordinator)
    report, returned = services.report_update(
        report=w.report,
        by=world.executor,
        kind=w.report.kind,
        direction=w.report.direction,
        period=w.report.period,
        title=w.report.title,
        conclusions=w.report.conclusions,
    )
    assert not returned
    assert (report.state, report.approved_job) == (Report.State.APPROVED, job)
