"""The report's files, made through the Celery task (eager in tests): the PDF reads in Russian with its
figures and charts and embeds no local file; the XLSX holds numbers as numbers and text as text;
the job claims itself once, records its stages, and fails with a Russian message, never left running."""

import datetime
import io
from unittest import mock

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from indicators.models import IndicatorValue
from reports import jobs, pdf, tasks
from reports.models import ReportJob
from tests.reports.test_analytics import LONG_NAME, SHORT_NAME, make_report_world

Status = ReportJob.Status


def _make(report, format, user, django_capture_on_commit_callbacks) -> ReportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(report, format, user)
    job.refresh_from_db()
    return job


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _attached_files(content: bytes) -> list[bytes]:
    """The files a PDF carries: document attachments and file-attachment annotations."""
    reader = PdfReader(io.BytesIO(content))
    found = [data for files in reader.attachments.values() for data in files]
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                found.append(annotation["/FS"].get_object()["/EF"]["/F"].get_object().get_data())
    return found


# The PDF --------------------------------------------------------------------------------------------------


def test_pdf_through_the_task_reads_in_russian_with_figures_and_charts(
    world, django_capture_on_commit_callbacks
):
    w = make_report_world(
        world, indicators=1, conclusions='Ссылка: <a rel="attachment" href="file:///etc/passwd">x</a>'
    )
    job = _make(w.report, "pdf", world.coordinator, django_capture_on_commit_callbacks)
    assert (job.status, job.progress, job.error) == (Status.DONE, 100, "")
    content = job.file.read()
    assert content.startswith(b"%PDF") and job.size == len(content)
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert pages > 1  # the nine components, the tables and three charts fill more than a page
    text = _text(content)
    with translation.override("ru"):  # the task writes in the site's language
        footer = translation.gettext("page %(page)s of %(pages)s") % {"page": pages, "pages": pages}
    assert footer in text
    assert "Аналитическая справка по направлению 1.1 за 2024 год" in text
    assert "Доля педагогов, прошедших диагностику" in text
    assert "62,5 %" in text and "55,0" in text
    assert SHORT_NAME in text  # the organizations' bar chart: its labels are text in the PDF
    assert LONG_NAME in text  # … and the table beside it
    assert 'href="file:///etc/passwd"' in text  # the markup in the conclusions is shown, never run
    assert _attached_files(content) == []
    assert b"root:x:" not in content


def test_the_fetcher_refuses_local_files_a_link_names(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("секретное содержимое")
    html = f'<p>Приложение: <a rel="attachment" href="{secret.as_uri()}">файл</a></p>'

    import weasyprint

    # The check below sees an embedded file: WeasyPrint's own fetcher embeds it.
    unsafe = weasyprint.HTML(string=html, url_fetcher=URLFetcher()).write_pdf()
    assert _attached_files(unsafe) == ["секретное содержимое".encode()]
    assert _attached_files(pdf.html_to_pdf(html)) == []


def test_page_counter_css_escapes_the_translation():
    with mock.patch("reports.pdf._", return_value='стр. %(page)s "из" %(pages)s</style>'):
        css = pdf.page_counter_css()
    assert css == '"стр. " counter(page) " \\22 из\\22  " counter(pages) "\\3c /style\\3e "'


# The XLSX -------------------------------------------------------------------------------------------------


def test_xlsx_holds_numbers_as_numbers_and_text_as_text(world, django_capture_on_commit_callbacks):
    w = make_report_world(world, indicators=2, conclusions='=HYPERLINK("http://example.com")')
    w.weak.short_name = "=1+1"
    w.weak.save()
    job = _make(w.report, "xlsx", world.coordinator, django_capture_on_commit_callbacks)
    assert job.status == Status.DONE
    book = load_workbook(io.BytesIO(job.file.read()))
    with translation.override("ru"):
        names = [
            translation.gettext(name)
            for name in ("Indicators", "Organizations", "Roadmap", "Recommendations", "Indices")
        ]
    assert book.sheetnames == names

    indicators = book[names[0]]
    assert indicators.freeze_panes == "A2"
    assert indicators["A1"].font.b
    header = [cell.value for cell in indicators[1]]
    rows = {row[0]: row for row in indicators.iter_rows(min_row=2, values_only=True)}
    stored = IndicatorValue.objects.get(indicator=w.indicators[0], period=w.period, organization=None)
    value = rows["П1"][header.index(w.period.label)]
    assert isinstance(value, float) and value == float(stored.value) == 62.5
    assert rows["П1"][header.index(w.previous.label)] == 55

    organizations = book[names[1]]
    cells = {row[0].value: row for row in organizations.iter_rows(min_row=2) if row[2].value == "=1+1"}
    weak_row = cells["П1"]
    assert weak_row[2].data_type == "s"  # a name starting with «=» is text, not a formula
    assert weak_row[5].value == 40 and weak_row[5].data_type == "n"

    roadmap = book[names[2]]
    assert roadmap.max_row == 3  # the header and the two instances due in 2024
    indices = book[names[4]]
    assert any(row[2] == w.direction.name and row[5] == 75 for row in indices.iter_rows(values_only=True))


def test_summary_xlsx_lists_every_directions_indicators(world):
    from reports import xlsx
    from reports.models import Report

    w = make_report_world(world, indicators=2)
    summary = Report.objects.create(
        municipality=world.municipality,
        kind=Report.Kind.SUMMARY,
        period=w.period,
        title="Сводная справка за 2024 год",
        created_by=world.coordinator,
    )
    book = load_workbook(io.BytesIO(xlsx.report_xlsx(summary)))
    indicators = book.worksheets[0]
    rows = list(indicators.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2]) for row in rows] == [("П1", "1.1"), ("П2", "1.1")]
    assert book.worksheets[3].max_row == 2  # the header and the one recommendation issued


# The job ------------------------------------------------------------------------------------------------


def test_a_job_runs_once_and_records_its_stages(world, django_capture_on_commit_callbacks):
    w = make_report_world(world, indicators=1)
    stages = []
    real = jobs.job_progress

    def spy(job_id, progress, stage):
        stages.append(progress)
        return real(job_id, progress, stage)

    # The stages, not WeasyPrint, are under test here: the rendering is replaced by a stand-in.
    with (
        mock.patch("reports.jobs.job_progress", side_effect=spy),
        mock.patch("reports.pdf.html_to_pdf", return_value=b"%PDF-1.7 stand-in"),
    ):
        job = _make(w.report, "pdf", world.coordinator, django_capture_on_commit_callbacks)
    assert stages == [20, 50, 80, 100]
    assert job.status == Status.DONE and job.started_at and job.finished_at
    assert job.file.read() == b"%PDF-1.7 stand-in"
    name = job.file.name
    assert tasks.report_job_run.delay(job.pk).get() == Status.DONE  # a second message changes nothing
    job.refresh_from_db()
    assert job.file.name == name


def test_a_failing_job_is_failed_with_a_russian_message(world, django_capture_on_commit_callbacks):
    w = make_report_world(world, indicators=1)
    with mock.patch("reports.pdf.html_to_pdf", side_effect=RuntimeError("cairo exploded")):
        job = _make(w.report, "pdf", world.coordinator, django_capture_on_commit_callbacks)
    assert job.status == Status.FAILED and job.finished_at is not None
    with translation.override("ru"):
        expected = translation.gettext(
            "The file could not be made because of an internal error. Try again; if it fails again, "
            "tell the administrator."
        )
    assert job.error == expected and "cairo" not in job.error
    assert not job.file


def test_a_job_queued_while_the_broker_was_down_is_sent_again(world, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    w = make_report_world(world, indicators=1)
    with mock.patch.object(tasks.report_job_run, "delay", side_effect=OperationalError("down")):
        job = _make(w.report, "xlsx", world.coordinator, django_capture_on_commit_callbacks)
    assert job.status == Status.QUEUED  # saved; the doorbell did not ring

    assert jobs.jobs_requeue() == {"requeued": 0, "failed": 0}  # too recent to ring again
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert jobs.jobs_requeue(now=later) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == Status.DONE


def test_a_job_whose_worker_died_is_failed_by_the_sweeper(world):
    w = make_report_world(world, indicators=1)
    job = ReportJob.objects.create(report=w.report, format="pdf", requested_by=world.coordinator)
    ReportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, started_at=timezone.now(), progress=50)
    assert jobs.jobs_requeue() == {"requeued": 0, "failed": 0}
    later = timezone.now() + jobs.STALE_AFTER + datetime.timedelta(seconds=1)
    assert jobs.jobs_requeue(now=later) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error


def test_unknown_format_is_refused(world):
    w = make_report_world(world, indicators=1)
    with pytest.raises(ValueError):
        jobs.job_start(w.report, "docx", world.coordinator)
    assert not ReportJob.objects.exists()
