"""Real processes for the fault drills: a Redis, a PostgreSQL cluster, a Celery worker and gunicorn
of the drill's own, each on a free port and in a process group of its own, so that a drill stops
exactly what it started and never the machine's PostgreSQL (5432) or Redis (6379)."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = shutil.which("redis-server")
GUNICORN = Path(sys.executable).with_name("gunicorn")

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the drills run the portal's processes against PostgreSQL: SQLite is one process's file",
)
needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server to start its own")
needs_pg_cluster = pytest.mark.skipif(
    not (PG_BIN / "initdb").exists(), reason=f"needs {PG_BIN}/initdb to start a cluster of its own"
)

# Straight to the loopback servers, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05):
    """Poll until `check` returns something true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def database_url(settings_dict: dict | None = None) -> str:
    """The test database (pytest-django's) as the subprocesses' DATABASE_URL."""
    db = settings_dict or connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Stop the process group the drill started (led by `process`), then make sure it is gone."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group's stragglers (a prefork child)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _portal_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DEBUG="1",
        SECRET_KEY=settings.SECRET_KEY,
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


# Redis -------------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of the drill's own, without persistence: stopping it loses what it held, as a
    crashed broker would."""

    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--daemonize", "no"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process, signal.SIGKILL)
            self.process = None


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), directory / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def celery_client(broker_url: str) -> Celery:
    """A client of the drill's broker for the test process, which sends by task name as beat does;
    the suite's own app stays eager and on the machine's Redis."""
    return Celery("drill", broker=broker_url, backend=broker_url, set_as_current=False)


# Celery worker -------------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str
    log: Path

    def kill(self) -> None:
        """SIGKILL to the whole group, main process and pool children at once: a crashed machine."""
        _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop_group(self.process, signal.SIGTERM, timeout=15)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def worker_start(*, broker_url: str, directory: Path, client: Celery, name: str) -> Worker:
    hostname = f"{name}-{os.getpid()}-{free_port()}@localhost"
    log = directory / f"{name}.log"
    env = _portal_env(DATABASE_URL=database_url(), REDIS_URL=broker_url, LOG_LEVEL="INFO")
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", hostname]
    command += [
        "--concurrency",
        "1",
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=out, stderr=out, start_new_session=True
        )
    worker = Worker(process, hostname, log)

    def ready() -> bool:
        assert process.poll() is None, f"the worker exited:\n{worker.output()[-3000:]}"
        return bool(client.control.ping(destination=[hostname], timeout=0.5))

    try:
        wait_until(ready, timeout=60, what="the worker's answer to a ping")
    except BaseException:
        worker.kill()
        raise
    return worker


# gunicorn ----------------------------------------------------------------------------------------


@dataclass
class Portal:
    process: subprocess.Popen
    port: int
    log: Path
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(
        self, path: str, *, method: str = "GET", body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request; an HTTP error is an answer too."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url(path), data=data, method=method)
        request.add_header("Host", "127.0.0.1")
        if data is not None or method == "POST":
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with _OPENER.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def portal(*, directory: Path, database: str, redis: str = "") -> Iterator[Portal]:
    """The portal under gunicorn (one sync worker), with the drill's database and broker."""
    port = free_port()
    log = directory / "gunicorn.log"
    env = _portal_env(DATABASE_URL=database, REDIS_URL=redis)
    command = [str(GUNICORN), "config.wsgi:application", f"--bind=127.0.0.1:{port}", "--workers=1"]
    command += ["--worker-class=sync", "--timeout=60", "--graceful-timeout=5", "--log-level=warning"]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=out, stderr=out, start_new_session=True
        )
    server = Portal(process, port, log)
    try:

        def up() -> bool:
            assert process.poll() is None, f"gunicorn exited:\n{server.output()[-3000:]}"
            try:
                return server.request("/healthz")[0] == 200
            except OSError:
                return False

        wait_until(up, timeout=60, what="gunicorn's /healthz", interval=0.1)
        yield server
    finally:
        _stop_group(process, signal.SIGTERM)


# PostgreSQL ----------------------------------------------------------------------------------------


def _as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """initdb and pg_ctl refuse to run as root: as the postgres user when the tests run as root."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, **kwargs)


@dataclass
class PostgresCluster:
    """A throw-away cluster in a temporary directory, stopped and started by the drill."""

    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> None:
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--no-instructions",
            ]
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += " -c synchronous_commit=off -c full_page_writes=off"
        log = self.directory / "postgres.log"
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def copy_database(self, source_url: str, name: str) -> str:
        """A copy of the test database (schema and rows) in this cluster; its URL."""
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            capture_output=True,
        )
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", source_url], check=True, capture_output=True
        )
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        return self.url(name)


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    directory = Path(tempfile.mkdtemp(prefix="mcok-drill-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PostgresCluster(directory, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
