"""The report's pages: who reads and who acts, the form, making and downloading files, approval,
editing back to draft, publication, and a list whose queries do not grow with its rows."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import services
from reports.models import Report, ReportJob
from tests.reports.test_analytics import make_report_world

Status = ReportJob.Status


def ru(message: str) -> str:
    with translation.override("ru"):
        return gettext(message)


def _done_pdf(report: Report, user) -> ReportJob:
    """A finished PDF job with a stand-in file, without rendering."""
    job = ReportJob.objects.create(
        report=report, format="pdf", requested_by=user, status=Status.DONE, progress=100
    )
    job.file.save("report.pdf", ContentFile(b"%PDF-1.7 stand-in"))
    return job


@pytest.mark.parametrize(
    ("actor", "read", "create", "write"),
    [
        ("coordinator", 200, 200, 200),  # of the report's direction 1.1
        ("executor", 200, 200, 200),  # of 1.1: drafts its report
        ("chief", 200, 200, 200),  # the head of the department writes any report
        ("other_coordinator", 200, 200, 403),  # of 2.3: may write a summary, not 1.1's report
        ("administrator", 200, 403, 403),  # keeps users and catalogues, writes no reports
        ("operator", 200, 403, 403),
        ("expert", 200, 403, 403),
        ("respondent", 404, 404, 404),
        ("head", 404, 404, 404),
        ("outsider", 404, 404, 404),
        ("outsider_school", 404, 404, 404),
    ],
)
def test_who_reads_and_who_writes(client, world, actor, read, create, write):
    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.coordinator)
    client.force_login(getattr(world, actor))
    response = client.get(reverse("reports:report", args=[w.report.pk]))
    assert response.status_code == read
    if read == 200:
        assert w.report.title in response.content.decode()
    assert client.get(reverse("reports:report_file", args=[job.pk])).status_code == read
    list_url = reverse("reports:reports") + f"?municipality={world.municipality.slug}"
    assert client.get(list_url).status_code == read
    create_url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"
    assert client.get(create_url).status_code == create
    assert client.get(reverse("reports:report_edit", args=[w.report.pk])).status_code == write
    response = client.post(reverse("reports:report_generate", args=[w.report.pk, "xlsx"]))
    assert response.status_code == (302 if write == 200 else write)
    assert ReportJob.objects.filter(report=w.report, format="xlsx").exists() is (write == 200)


def test_anonymous_is_sent_to_log_in(client, world):
    w = make_report_world(world, indicators=1)
    response = client.get(reverse("reports:report", args=[w.report.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_report_page_shows_the_body_and_charts(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    body = client.get(reverse("reports:report", args=[w.report.pk])).content.decode()
    assert "Система оценки качества подготовки обучающихся" in body
    assert "62,5 %" in body and "70,0 %" in body
    assert body.count("<svg") == 3  # the dynamics, the organizations, the indices
    assert "Нужна помощь одной школе." in body
    assert "htmx" in body  # the progress fragments poll through htmx


# Making and downloading files -------------------------------------------------------------------------


def test_generate_makes_a_pdf_that_downloads(client, world, django_capture_on_commit_callbacks):
    w = make_report_world(world, indicators=1)
    client.force_login(world.executor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_generate", args=[w.report.pk, "pdf"]))
    assert response.status_code == 302
    job = ReportJob.objects.get(report=w.report)
    assert (job.status, job.format, job.requested_by) == (Status.DONE, "pdf", world.executor)
    download = client.get(reverse("reports:report_file", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''" in disposition and "%D0%90" in disposition  # «А» of «Аналитическая»
    page = client.get(reverse("reports:report", args=[w.report.pk])).content.decode()
    assert reverse("reports:report_file", args=[job.pk]) in page


def test_generate_for_htmx_answers_with_the_fragment(client, world, django_capture_on_commit_callbacks):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    htmx = {"HX-Request": "true"}
    with django_capture_on_commit_callbacks(execute=True):  # the task is rung after the answer's commit
        response = client.post(reverse("reports:report_generate", args=[w.report.pk, "xlsx"]), headers=htmx)
    job = ReportJob.objects.get(report=w.report)
    body = response.content.decode()
    assert response.status_code == 200 and f'id="job-{job.pk}"' in body
    assert 'hx-trigger="every 2s"' in body  # queued when answered: it polls
    assert job.status == Status.DONE
    fragment = client.get(reverse("reports:report_job", args=[job.pk]), headers=htmx).content.decode()
    assert reverse("reports:report_file", args=[job.pk]) in fragment
    assert "hx-trigger" not in fragment  # done: no more polling


def test_a_waiting_job_polls_itself_and_has_no_file(client, world):
    w = make_report_world(world, indicators=1)
    job = ReportJob.objects.create(report=w.report, format="pdf", requested_by=world.coordinator)
    client.force_login(world.coordinator)
    url = reverse("reports:report_job", args=[job.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}"' in fragment and 'hx-trigger="every 2s"' in fragment
    assert 'hx-swap="outerHTML"' in fragment
    page = client.get(url)
    assert page.status_code == 302 and page["Location"].endswith(f"#job-{job.pk}")
    assert client.get(reverse("reports:report_file", args=[job.pk])).status_code == 404
    report_page = client.get(reverse("reports:report", args=[w.report.pk])).content.decode()
    assert 'http-equiv="refresh"' in report_page  # without JavaScript the page refreshes itself


def test_a_failed_job_shows_its_russian_error(client, world, django_capture_on_commit_callbacks, monkeypatch):
    w = make_report_world(world, indicators=1)

    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr("reports.xlsx.report_xlsx", broken)
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report_generate", args=[w.report.pk, "xlsx"]))
    job = ReportJob.objects.get(report=w.report)
    assert job.status == Status.FAILED
    page = client.get(reverse("reports:report", args=[w.report.pk])).content.decode()
    message = ru(
        "The file could not be made because of an internal error. Try again; if it fails again, "
        "tell the administrator."
    )
    assert message in page and "no space left" not in page
    assert client.get(reverse("reports:report_file", args=[job.pk])).status_code == 404


def test_an_unknown_format_is_404(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    assert client.post(reverse("reports:report_generate", args=[w.report.pk, "docx"])).status_code == 404
    assert not ReportJob.objects.exists()


# The form ---------------------------------------------------------------------------------------------


def test_the_new_report_form_suggests_the_title(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    url = reverse("reports:report_create")
    query = f"?municipality={world.municipality.slug}&period=2024&direction={w.direction.pk}"
    body = client.get(url + query).content.decode()
    with translation.override("ru"):
        title = gettext("Analytic report on direction %(code)s for %(period)s") % {
            "code": "1.1",
            "period": w.period.label,
        }
    assert f'value="{title}"' in body


def test_creating_a_report_with_the_suggested_title_follows_the_choice(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"
    suggested = "Аналитическая справка по направлению 1.1 за 2023 год"
    response = client.post(
        url,
        {
            "kind": "summary",
            "direction": w.direction.pk,  # a summary has none: dropped
            "period": w.period.pk,
            "title": suggested,
            "suggested_title": suggested,
            "conclusions": "=1+1",
        },
    )
    assert response.status_code == 302
    report = Report.objects.exclude(pk=w.report.pk).get()
    assert (report.kind, report.direction, report.period, report.created_by) == (
        "summary",
        None,
        w.period,
        world.coordinator,
    )
    with translation.override("ru"):
        expected = gettext("Municipal summary analytic report for %(period)s") % {"period": w.period.label}
    assert report.title == expected and report.municipality == world.municipality
    summary = client.get(reverse("reports:report", args=[report.pk]))
    assert summary.status_code == 200 and "1.1" in summary.content.decode()


def test_a_direction_report_needs_its_direction(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"
    response = client.post(url, {"kind": "direction", "period": w.period.pk, "title": "Справка"})
    assert response.status_code == 200
    assert ru("Choose the direction of the report.") in response.content.decode()
    assert Report.objects.count() == 1


def test_another_municipalitys_direction_is_refused(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.outsider)
    url = reverse("reports:report_create") + f"?municipality={world.elsewhere.slug}"
    response = client.post(url, {"kind": "direction", "direction": w.direction.pk, "period": w.period.pk})
    assert response.status_code == 200
    assert Report.objects.count() == 1


# Approval, editing, publication -----------------------------------------------------------------------


def test_approving_and_editing_returns_to_draft(client, world):
    w = make_report_world(world, indicators=1)
    approve = reverse("reports:report_approve", args=[w.report.pk])
    client.force_login(world.executor)
    assert client.post(approve).status_code == 403
    client.force_login(world.coordinator)
    assert client.get(approve).status_code == 405
    assert client.post(approve).status_code == 302
    w.report.refresh_from_db()
    assert (w.report.state, w.report.approved_by) == (Report.State.APPROVED, world.coordinator)

    client.force_login(world.executor)
    edit = reverse("reports:report_edit", args=[w.report.pk])
    form = client.get(edit).content.decode()
    notice = (
        "The report is approved. Saving changes returns it to draft, and the coordinator approves it again."
    )
    assert ru(notice) in form
    response = client.post(
        edit,
        {
            "kind": "direction",
            "direction": w.direction.pk,
            "period": w.period.pk,
            "title": w.report.title,
            "suggested_title": "Аналитическая справка по направлению 1.2 за 2024 год",  # a title of one's own
            "conclusions": "Новые выводы.",
        },
    )
    assert response.status_code == 302
    w.report.refresh_from_db()
    assert (w.report.state, w.report.approved_by, w.report.approved_at) == (Report.State.DRAFT, None, None)
    assert w.report.conclusions == "Новые выводы."
    assert w.report.title == "Аналитическая справка по направлению 1.1 за 2024 год"


def test_publish_is_refused_for_a_draft_and_allowed_when_approved(client, world):
    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.coordinator)
    publish = reverse("reports:report_publish", args=[w.report.pk])
    client.force_login(world.coordinator)
    assert client.post(publish).status_code == 403  # the operator publishes

    client.force_login(world.operator)
    response = client.post(publish, follow=True)
    assert ru("Only an approved report can be published; the coordinator approves it first.") in (
        response.content.decode()
    )
    w.report.refresh_from_db()
    assert w.report.published_job is None

    ReportJob.objects.filter(pk=job.pk).update(status=Status.FAILED)
    services.report_approve(report=w.report, by=world.coordinator)
    client.post(publish)
    w.report.refresh_from_db()
    assert w.report.published_job is None  # no finished PDF yet

    # Approval pins the finished PDF: approved again once it is made.
    ReportJob.objects.filter(pk=job.pk).update(status=Status.DONE)
    Report.objects.filter(pk=w.report.pk).update(state=Report.State.DRAFT)
    services.report_approve(report=w.report, by=world.coordinator)
    client.post(publish)
    w.report.refresh_from_db()
    assert (w.report.published_job, w.report.published_by) == (job, world.operator)
    assert w.report.published_at is not None

    client.post(reverse("reports:report_unpublish", args=[w.report.pk]))
    w.report.refresh_from_db()
    assert (w.report.published_job, w.report.published_by, w.report.published_at) == (None, None, None)


# The list ---------------------------------------------------------------------------------------------


def _add_reports(w, user, count: int) -> None:
    for number in range(count):
        report = Report.objects.create(
            municipality=w.report.municipality,
            direction=w.direction,
            period=w.period,
            title=f"Справка № {number}",
            created_by=user,
        )
        _done_pdf(report, user)


def test_the_list_shows_the_municipalitys_reports_filtered(client, world):
    w = make_report_world(world, indicators=1)
    _add_reports(w, world.coordinator, 1)
    Report.objects.create(
        municipality=world.municipality,
        kind="summary",
        period=w.previous,
        title="Сводная справка за 2023 год",
        created_by=world.coordinator,
    )
    Report.objects.create(
        municipality=world.elsewhere,
        kind="summary",
        period=w.period,
        title="Чужая справка",
        created_by=world.outsider,
    )
    client.force_login(world.coordinator)
    url = reverse("reports:reports")
    body = client.get(url).content.decode()
    assert "Справка № 0" in body and "Сводная справка за 2023 год" in body and "Чужая справка" not in body
    assert body.index("Сводная справка за 2023 год") < body.index("Справка № 0")  # the newest first
    filtered = client.get(url, {"period": "2023"}).content.decode()
    assert "Сводная справка за 2023 год" in filtered and "Справка № 0" not in filtered
    by_direction = client.get(url, {"direction": w.direction.pk}).content.decode()
    assert "Справка № 0" in by_direction and "Сводная справка" not in by_direction
    client.force_login(world.outsider)
    assert client.get(url, {"municipality": world.municipality.slug}).status_code == 404


def test_the_list_queries_do_not_grow_with_rows(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.coordinator)
    url = reverse("reports:reports")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    _add_reports(w, world.coordinator, 2)
    few = queries()
    _add_reports(w, world.executor, 8)
    assert queries() == few


# Rights by assignment ---------------------------------------------------------------------------------


def refusal(caplog) -> str:
    """The message of the last PermissionDenied a page answered 403 with (Django logs it)."""
    denied = [
        record.exc_info[1]
        for record in caplog.records
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied)
    ]
    assert denied, "no refusal was logged"
    return str(denied[-1])


WRITING = (
    "Only the executors and coordinators of the report's direction and the head of the department "
    "write a report of a direction; a municipal summary is written by the municipality's "
    "coordinators and executors."
)


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 302),
        ("chief", 302),
        ("executor", 403),  # drafts, does not approve
        ("other_coordinator", 403),  # coordinates 2.3, not 1.1
        ("administrator", 403),
        ("operator", 403),
    ],
)
def test_the_coordinator_of_the_direction_and_the_head_approve(client, world, caplog, actor, status):
    w = make_report_world(world, indicators=1)
    client.force_login(getattr(world, actor))
    response = client.post(reverse("reports:report_approve", args=[w.report.pk]))
    assert response.status_code == status
    w.report.refresh_from_db()
    assert w.report.state == (Report.State.APPROVED if status == 302 else Report.State.DRAFT)
    if status == 403:
        assert refusal(caplog) == ru(
            "Only the coordinator of the report's direction or the head of the department approves it; "
            "a municipal summary is approved by the municipality's coordinator."
        )
    # The button is offered to those who may approve, while the report waits for approval.
    Report.objects.filter(pk=w.report.pk).update(state=Report.State.DRAFT)
    page = client.get(reverse("reports:report", args=[w.report.pk])).content.decode()
    assert (reverse("reports:report_approve", args=[w.report.pk]) in page) is (status == 302)


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 302),
        ("other_coordinator", 302),
        ("chief", 302),
        ("executor", 403),
        ("administrator", 403),
    ],
)
def test_a_summary_follows_the_municipal_roles(client, world, actor, status):
    w = make_report_world(world, indicators=1)
    summary = Report.objects.create(
        municipality=world.municipality,
        kind=Report.Kind.SUMMARY,
        period=w.period,
        title="Сводная справка",
        created_by=world.executor,
    )
    client.force_login(getattr(world, actor))
    assert client.post(reverse("reports:report_approve", args=[summary.pk])).status_code == status
    summary.refresh_from_db()
    assert (summary.state == Report.State.APPROVED) is (status == 302)


def test_the_executor_drafts_the_report_of_their_direction(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.executor)
    url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"
    response = client.post(
        url, {"kind": "direction", "direction": w.direction.pk, "period": w.period.pk, "title": "Проект"}
    )
    assert response.status_code == 302
    report = Report.objects.get(title="Проект")
    assert (report.direction, report.created_by, report.state) == (w.direction, world.executor, "draft")
    page = client.get(reverse("reports:report", args=[report.pk])).content.decode()
    assert reverse("reports:report_edit", args=[report.pk]) in page
    assert reverse("reports:report_approve", args=[report.pk]) not in page


def test_the_form_offers_only_the_directions_one_writes_for(client, world, caplog):
    w = make_report_world(world, indicators=1)
    url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"

    def offered(user) -> set[int]:
        client.force_login(user)
        response = client.get(url + "&period=2024")
        return {direction.pk for direction in response.context["form"].fields["direction"].queryset}

    other = world.other_direction
    assert offered(world.other_coordinator) == {other.pk}
    assert offered(world.executor) == {w.direction.pk}
    assert offered(world.chief) == {w.direction.pk, other.pk}

    # Posting the other direction anyway creates nothing.
    client.force_login(world.other_coordinator)
    data = {"kind": "direction", "direction": w.direction.pk, "period": w.period.pk, "title": "Чужая"}
    response = client.post(url, data)
    assert response.status_code == 200 and "direction" in response.context["form"].errors
    assert not Report.objects.filter(title="Чужая").exists()
    # Nor may they edit 1.1's report or make its files.
    assert client.post(reverse("reports:report_edit", args=[w.report.pk]), data).status_code == 403
    assert refusal(caplog) == ru(WRITING)
    assert client.post(reverse("reports:report_generate", args=[w.report.pk, "pdf"])).status_code == 403
    w.report.refresh_from_db()
    assert w.report.title != "Чужая" and not ReportJob.objects.filter(report=w.report).exists()


def test_a_user_with_no_right_to_write_gets_the_russian_refusal(client, world, caplog):
    make_report_world(world, indicators=1)
    client.force_login(world.administrator)
    url = reverse("reports:report_create") + f"?municipality={world.municipality.slug}"
    response = client.get(url)
    assert response.status_code == 403
    assert refusal(caplog) == ru(WRITING)
    assert ru(WRITING) in response.content.decode()  # the 403 page says who may
    body = client.get(reverse("reports:reports")).content.decode()
    assert reverse("reports:report_create") not in body


@pytest.mark.parametrize(
    ("actor", "status"),
    [("operator", 302), ("administrator", 403), ("chief", 403), ("coordinator", 403), ("executor", 403)],
)
def test_only_the_operator_publishes_the_approved_file(client, world, caplog, actor, status):
    w = make_report_world(world, indicators=1)
    job = _done_pdf(w.report, world.coordinator)
    services.report_approve(report=w.report, by=world.coordinator)  # pins the PDF
    client.force_login(getattr(world, actor))
    assert client.post(reverse("reports:report_publish", args=[w.report.pk])).status_code == status
    w.report.refresh_from_db()
    assert w.report.published_job == (job if status == 302 else None)
    if status == 403:
        assert refusal(caplog) == ru(
            "Only the municipal operator publishes reports on the public tab and withdraws them."
        )


def test_the_list_queries_do_not_grow_for_the_head(client, world):
    w = make_report_world(world, indicators=1)
    client.force_login(world.chief)
    url = reverse("reports:reports")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
            assert response.status_code == 200 and response.context["may_create"]
        return len(context.captured_queries)

    _add_reports(w, world.coordinator, 2)
    few = queries()
    _add_reports(w, world.executor, 8)
    assert queries() == few
