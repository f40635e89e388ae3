"""A real Celery worker on Redis, against the test database: the round trip that eager mode skips
(arguments serialised to JSON, the task acknowledged late, the result carried back when asked for:
the portal itself keeps no results, its work and progress are rows)."""

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection

from config.celery import app as celery_app
from mcok.models import Period
from mcok.tasks import periods_ensure

ON_SERVICES = bool(settings.REDIS_URL) and connection.vendor == "postgresql"
pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not ON_SERVICES, reason="needs REDIS_URL and DATABASE_URL of PostgreSQL"),
]


@dataclass
class Worker:
    queue: str
    hostname: str


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    """A worker of its own, on a queue of its own, so parallel test processes never share one."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@localhost"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0"}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", hostname]
    command += ["--concurrency", "1", "-l", "warning", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=1):
            assert process.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not answer within a minute"
        yield Worker(queue, hostname)
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_on_the_worker_and_writes_to_the_database(worker):
    assert not Period.objects.filter(year=2041).exists()
    result = periods_ensure.apply_async(args=[2041], queue=worker.queue, ignore_result=False)
    assert result.get(timeout=90) == 16
    assert Period.objects.filter(year__in=[2041, 2042]).count() == 16
    # Run again: idempotent, nothing new.
    assert (
        periods_ensure.apply_async(args=[2041], queue=worker.queue, ignore_result=False).get(timeout=60) == 0
    )


@pytest.mark.django_db(transaction=True)
def test_worker_reports_the_task_settings_that_keep_work_safe(worker):
    replies = (
        celery_app.control.inspect(destination=[worker.hostname], timeout=10).conf(with_defaults=True) or {}
    )
    assert replies, "no worker answered"
    conf = next(iter(replies.values()))
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1


def test_cache_is_redis_when_redis_url_is_set():
    assert type(caches["default"]).__name__ == "RedisCache"
    key = f"probe-{uuid.uuid4().hex}"
    cache.set(key, {"n": 1}, 30)
    assert cache.get(key) == {"n": 1}
    cache.delete(key)
    # One client per connection pool, not one per operation.
    client = caches["default"]._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client(write=True)


@pytest.mark.django_db(transaction=True)
def test_the_worker_computes_and_stores_an_evaluations_indices(worker, world):
    from directions.models import Block, Direction, Evaluation, Position, Score
    from directions.tasks import evaluation_compute
    from mcok.services import periods_ensure

    periods_ensure(year=2025)
    period = Period.objects.get(code="2025")
    block, _created = Block.objects.get_or_create(code="1", defaults={"name": "Блок 1"})
    direction = Direction.objects.create(
        municipality=world.municipality, block=block, code="1.1", name="Оценка качества", valid_from=period
    )
    evaluation = Evaluation.objects.create(
        municipality=world.municipality, period=period, created_by=world.coordinator
    )
    for code, component, maximum, score in [
        ("Ц.1", "goals", 2, 1),
        ("Ц.2", "goals", 1, 1),
        ("П.1", "indicators", 3, 0),
    ]:
        position = Position.objects.create(
            municipality=world.municipality,
            period=period,
            direction=direction,
            component=component,
            code=code,
            text=code,
            max_score=maximum,
        )
        Score.objects.create(evaluation=evaluation, position=position, score=score)
    result = evaluation_compute.apply_async(
        args=[evaluation.pk], queue=worker.queue, ignore_result=False
    ).get(timeout=60)
    # 2 of 6 points: 33.3 %; goals 2 of 3: 66.7 %; indicators 0 of 3.
    assert result["total"] == {"score": 2, "max": 6, "percent": 33.3}
    evaluation.refresh_from_db()
    assert evaluation.results["components"]["1.1"]["goals"] == {"score": 2, "max": 3, "percent": 66.7}
    assert evaluation.computed_at is not None
