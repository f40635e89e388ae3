"""The embedded default as a newcomer runs it: `manage.py runserver` on an SQLite file with the demo,
no broker, tasks in a background thread of the web process (TASKS_IN_BACKGROUND_THREAD's default
outside the tests), driven in headless chromium.

The suite's own live server would not do: its SQLite is in memory and shared with the test's thread,
so neither a «database is locked» between an autosave and a submit nor a task's own thread could
happen there. So the module starts the portal as `make run` does, on a file of its own, once.

- A school changes an answer and presses «Отправить» within a second of the autosave, three times
  in a row (the coordinator returns the form between the rounds): never a 5xx, the submission is
  accepted, the last value kept.
- «Сформировать PDF» returns at once: the page shows the job's progress, then the download link;
  the new report's title follows the direction and the period chosen, until one types one's own.
"""

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import log_in

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = "Профессиональное развитие педагогов — 2025"
pytestmark = pytest.mark.timeout(900)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env: dict, *args: str, log) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=log, stderr=log
    )


@pytest.fixture(scope="module")
def portal(tmp_path_factory, browser):
    """The portal served by runserver on an SQLite file with the demo: (base URL, database path)."""
    folder = tmp_path_factory.mktemp("embedded")
    database = folder / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "CELERY_TASK_ALWAYS_EAGER")
        and not key.startswith(("PYTEST", "DJANGO_ALLOW_ASYNC"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(folder / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("TASKS_IN_BACKGROUND_THREAD", None)  # the default of the embedded portal: on
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        _manage(env, "migrate", "-v0", log=log)
        _manage(env, "load_demo", log=log)
    port = _free_port()
    log = log_path.open("a")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(120):
            try:
                urllib.request.urlopen(url + "/accounts/login/", timeout=2)  # noqa: S310 - our own server
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("the portal did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        yield url, database, log_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def page_on(browser, portal):
    url = portal[0]
    contexts = []

    def make():
        context = browser.new_context(base_url=url, locale="ru-RU")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _row(database: Path, sql: str, *args):
    with sqlite3.connect(database, timeout=20) as connection:
        return connection.execute(sql, args).fetchone()


def _failures(page) -> list[str]:
    """Every response of 500 or more the page receives, as «status url»."""
    failed: list[str] = []

    def seen(response) -> None:
        if response.status >= 500:
            failed.append(f"{response.status} {response.url}")

    page.on("response", seen)
    return failed


# Point 1: the autosave and the submit -------------------------------------------------------------------


def test_a_submit_right_after_the_autosave_never_fails_and_keeps_the_last_value(portal, page_on):
    _url, database, log_path = portal
    school, coordinator = page_on(), page_on()
    school_failures = _failures(school)
    coordinator_failures = _failures(coordinator)
    log_in(school, "dobryanka-school")
    log_in(coordinator, "dobryanka-sykuleva")
    school.goto("/monitoring/my/")
    school.locator("tr", has_text=COLLECTION).locator("a.button").click()
    match = re.search(r"/monitoring/submissions/(\d+)/", school.url)
    assert match, school.url
    submission = int(match.group(1))

    for round_, value in enumerate(["41", "42", "43"]):
        if round_:
            school.goto(f"/monitoring/submissions/{submission}/")
        school.fill("#id-answer-ped_diagnosed", "20")
        school.fill("#id-answer-young_teachers", "5")
        school.fill("#id-answer-young_mentored", "4")
        school.fill("#id-answer-ped_total", value)  # the answer changed last
        school.locator("#id-answer-ped_total").blur()  # the autosave starts
        school.wait_for_timeout(150 * round_)  # within a second of it: at once, 0.15 s, 0.3 s
        school.click("#submit-button")
        school.wait_for_load_state("networkidle")
        (status,) = _row(database, "SELECT status FROM monitoring_submission WHERE id = ?", submission)
        assert status == "submitted", (
            round_,
            status,
            school.locator(".errorlist, #page-errors").all_inner_texts(),
        )
        (answers,) = _row(database, "SELECT answers FROM monitoring_submission WHERE id = ?", submission)
        assert json.loads(answers)["ped_total"] in (value, int(value)), answers
        if round_ < 2:  # the coordinator returns it, so that the school can change it again
            coordinator.goto(f"/monitoring/submissions/{submission}/review/")
            coordinator.fill("textarea[name=comment]", f"Проверьте число педагогов, раунд {round_ + 1}.")
            coordinator.click("button.button-danger")
            coordinator.wait_for_load_state("networkidle")
            (status,) = _row(database, "SELECT status FROM monitoring_submission WHERE id = ?", submission)
            assert status == "returned"

    # The last value is the one kept: the review page shows 43.
    coordinator.goto(f"/monitoring/submissions/{submission}/review/")
    assert "43" in coordinator.inner_text("main")
    assert school_failures == [] and coordinator_failures == []
    assert "database is locked" not in log_path.read_text()


# Point 8: the report's file and title --------------------------------------------------------------------


def test_the_new_reports_title_follows_the_direction_and_the_period(portal, page_on):
    page = page_on()
    log_in(page, "ishimbay-sherstkina")
    page.goto("/reports/new/?municipality=ishimbay")
    title = page.locator("#id_title")
    direction, period = page.locator("#id_direction"), page.locator("#id_period")
    assert page.locator("#id_period option", has_text="---------").count() == 0
    assert page.locator("#id_period optgroup").count() >= 1

    options = direction.locator("option[value]:not([value=''])")
    assert options.count() >= 2
    second = options.nth(1)
    code = second.inner_text().split()[0]
    direction.select_option(second.get_attribute("value"))
    expect(title).to_have_value(re.compile(rf"направлению {re.escape(code)} "))

    periods = period.locator("option")
    other = next(
        periods.nth(i) for i in range(periods.count()) if periods.nth(i).get_attribute("selected") is None
    )
    label = other.inner_text().strip()
    period.select_option(other.get_attribute("value"))
    expect(title).to_have_value(re.compile(rf"{re.escape(code)} за {re.escape(label)}$"))

    page.locator("#id_kind").select_option("summary")
    expect(title).to_have_value(re.compile(rf"за {re.escape(label)}$"))
    expect(title).not_to_have_value(re.compile(rf"направлению {re.escape(code)}"))

    title.fill("Моя справка о качестве")  # one's own title stays
    page.locator("#id_kind").select_option("direction")
    direction.select_option(options.nth(0).get_attribute("value"))
    expect(title).to_have_value("Моя справка о качестве")


def test_making_the_pdf_returns_at_once_and_the_page_polls_the_job(portal, page_on):
    _url, database, log_path = portal
    page = page_on()
    failures = _failures(page)
    log_in(page, "ishimbay-sherstkina")
    page.goto("/reports/new/?municipality=ishimbay")
    page.locator("form.form-wide button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/reports/\d+/$", page.url), page.url

    make_pdf = page.locator("form[action*='/generate/pdf/'] button")
    started = time.monotonic()
    make_pdf.click()
    job = page.locator("#report-files .report-job").first
    expect(job).to_be_visible(timeout=5_000)
    answered = time.monotonic() - started
    # The click came back with the job still waiting or running: its progress, not the file.
    expect(job.locator("progress")).to_be_visible(timeout=1_000)
    assert answered < 2.5, f"the click waited {answered:.1f} s"
    # The page polls the job; the thread makes the file, and the link appears.
    expect(job.get_by_role("link", name=re.compile("Скачать PDF"))).to_be_visible(timeout=120_000)
    (status,) = _row(database, "SELECT status FROM reports_reportjob ORDER BY id DESC LIMIT 1")
    assert status == "done"
    assert failures == []
    assert "failed in the background thread" not in log_path.read_text()
