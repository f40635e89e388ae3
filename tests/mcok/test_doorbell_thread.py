"""Long work on the embedded default (mcok.doorbell, TASKS_IN_BACKGROUND_THREAD): the task runs after
the commit in a thread of its own, so the request that rang returns at once; a failure is logged,
never raised at the person who saved; the thread closes its database connection. Off in the tests
unless a test turns it on, as these do."""

import logging
import threading
import time

import pytest
from django.conf import settings as project_settings
from django.utils import timezone

from mcok import doorbell


class SlowTask:
    """A task's stand-in: records the thread it ran in, after a pause."""

    name = "tests.slow"

    def __init__(self, pause: float = 0.3, fail: bool = False):
        self.pause, self.fail = pause, fail
        self.ran_in: list[str] = []
        self.done = threading.Event()

    def __call__(self, *args):
        time.sleep(self.pause)
        self.ran_in.append(threading.current_thread().name)
        self.done.set()
        if self.fail:
            raise RuntimeError("the chart could not be drawn")

    def delay(self, *args):  # what ring calls without the thread mode: here, in the caller
        self(*args)


def test_the_tests_keep_tasks_in_the_caller_by_default():
    assert project_settings.TASKS_IN_BACKGROUND_THREAD is False
    task = SlowTask(pause=0)
    assert doorbell.ring(task, 1, what="Slow") is True
    assert task.ran_in == [threading.current_thread().name]


def test_a_rung_task_runs_in_a_thread_of_its_own_and_the_caller_returns_at_once(settings):
    settings.TASKS_IN_BACKGROUND_THREAD = True
    task = SlowTask(pause=0.5)
    started = time.monotonic()
    assert doorbell.ring(task, 1, what="Slow") is True
    assert time.monotonic() - started < 0.4 and task.ran_in == []
    assert task.done.wait(5)
    assert task.ran_in == ["mcok-task-tests.slow"]


def test_a_failing_task_is_logged_and_never_raised(settings, caplog):
    settings.TASKS_IN_BACKGROUND_THREAD = True
    task = SlowTask(pause=0, fail=True)
    with caplog.at_level(logging.ERROR, logger="mcok.doorbell"):
        thread = doorbell.run_in_thread(task, what="Report job 7")
        thread.join(5)
    assert not thread.is_alive()
    assert "Report job 7 failed in the background thread." in caplog.text
    assert "the chart could not be drawn" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_report_job_is_made_by_the_thread_after_the_commit(world, settings):
    from django.db import transaction

    from reports import jobs
    from reports.models import ReportJob
    from tests.reports.test_analytics import make_report_world

    settings.TASKS_IN_BACKGROUND_THREAD = True
    w = make_report_world(world, indicators=1)
    with transaction.atomic():
        job = jobs.job_start(w.report, "xlsx", world.coordinator)
        assert ReportJob.objects.get(pk=job.pk).status == ReportJob.Status.QUEUED
    deadline = timezone.now().timestamp() + 60
    while timezone.now().timestamp() < deadline:
        job.refresh_from_db()
        if job.status not in (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING):
            break
        time.sleep(0.1)
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.file.read()[:2] == b"PK"
