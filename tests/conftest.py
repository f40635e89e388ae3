import os
import uuid

import pytest
from celery._state import _set_task_join_will_block
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app
from tests.browser.support import browser, new_page  # noqa: F401 - fixtures for every test module
from tests.factories import World, make_world

# Property tests draw new examples on every local run, to find what no one thought of; CI
# (HYPOTHESIS_PROFILE=ci, set by .ci/run) draws the same ones every time, so that its verdict on a
# commit does not depend on luck. A failure prints the blob that reproduces it.
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True, scope="session")
def _tasks_in_process():
    """Tasks run in the test's own process, even when REDIS_URL names a broker; the tests marked
    `worker` send theirs to a real worker instead."""
    celery_app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _joins_allowed():
    """Celery keeps «joining a result would block» in one process-wide flag that eager tasks set and
    restore; tasks run eagerly by several threads at once (the race tests, the live server) can leave
    it set, and then the worker tests' result.get() refuses to wait. The test process is no worker."""
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # A cache of its own per test (the public tab caches whole pages), on the configured backend.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db) -> World:
    """Two municipalities, their schools and one user per role: see tests/factories.py."""
    return make_world()


@pytest.fixture
def count_queries():
    """The one query counter of the query-count tests. count_queries(client, url) is the number of
    queries of a GET of the page, which must answer 200 (warm=True: a first GET warms the caches and
    the second is counted); count_queries(callable) is the number of queries of calling it."""

    def count(target, url: str | None = None, *, warm: bool = False, **params) -> int:
        if url is not None and warm:
            target.get(url, **params)
        with CaptureQueriesContext(connection) as context:
            if url is None:
                target()
            else:
                response = target.get(url, **params)
                assert response.status_code == 200, (url, response.status_code)
        return len(context.captured_queries)

    return count
