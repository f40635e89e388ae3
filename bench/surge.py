"""The deadline surge: `python -m bench.surge`.

The last hour before a collection's deadline: every school asked saves its answers and submits them.
The bench builds, in its own PostgreSQL database, two municipalities of 500 schools each (new ones on
every run, slugs «bench-surge-<time>» and «bench-saturation-<time>»), one respondent per school
with an API token, a form of six numeric questions and an open collection asking every school.
Then it starts gunicorn on 127.0.0.1 with the production settings (bench/settings.py: DEBUG off, the
cache on Redis, sync workers, 2 × cores) and a Celery worker on Redis, tasks not run in-process, and
each school goes through the API as a school's own program would:

- POST /api/submissions/ {"campaign": …}: its submission, started (201) or found (200);
- POST /api/submissions/<id>/save/ {"answers": …, "base_revision": 0}: the draft;
- POST /api/submissions/<id>/submit/: sent for review.

Two runs, one collection each:

- the surge (`surge_*`): the issue's load, 500 schools each saving and submitting within 60 s. Each
  school starts at its own moment, drawn at random (a fixed seed) over the first ARRIVAL_WINDOW_S
  seconds, and goes through its three requests one after another, however slow the server is: an
  open load, as schools are, who do not wait for one another. The target: no error, every
  submission stored once, the last school through within 60 s and a 95th percentile under 300 ms;
- the saturation (`saturation_*`): the capacity, the same 500 schools sent by 50 clients as fast as
  the server answers, each client starting its next school when the last is through. Its latencies
  are those of a queue kept full on purpose; its schools per second is what the machine can do.

Every request is timed; an error is an answer outside 2xx or a failed connection. Afterwards the
database says how many submissions of each collection are submitted, whether any organization has
more than one (the unique constraint forbids it; counted all the same), and how many «submitted»
events were written. Prints `name: value` lines. Needs PostgreSQL: DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/mcok_bench_surge, created when missing and kept between runs;
Redis: REDIS_URL, by default redis://127.0.0.1:6379/6, emptied at the start. Exits non-zero when the
setup fails or a run had errors or lost submissions. Not a test: tests/monitoring/test_surge.py is
its small version in the suite.
"""

import datetime
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mcok_bench_surge"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
SCHOOLS = 500
CLIENTS = 50
QUESTIONS = 6
TARGET_S = 60.0
TARGET_P95_MS = 300.0
ARRIVAL_WINDOW_S = 50.0  # the last school starts 10 s before the minute is out
ARRIVAL_SEED = 20261123
WARM_UP_SCHOOLS = 40
OPEN_LOAD_THREADS = 250  # more than ever in flight at once: the clients never hold a school back
REQUEST_TIMEOUT_S = 60


# The collection -----------------------------------------------------------------------------------


def collection_build(schools: int, *, slug: str):
    """A municipality with `schools` schools, one respondent per school, a form of QUESTIONS whole
    numbers and an open collection of it asking every school. Returns (campaign, [(organization,
    user)]). Rows go in by bulk: the setup is not what is measured."""
    from django.utils import timezone

    from mcok import services as core_services
    from mcok.models import Municipality, Organization, Role, User
    from monitoring import services
    from monitoring.models import Field, Form, Section

    municipality = Municipality.objects.create(
        name=f"Район {slug}", slug=slug, department=f"Управление образования {slug}"
    )
    organizations = Organization.objects.bulk_create(
        Organization(
            municipality=municipality,
            kind="school",
            short_name=f"СОШ № {number}",
            full_name=f"МБОУ «Средняя школа № {number}»",
        )
        for number in range(1, schools + 1)
    )
    users = User.objects.bulk_create(
        User(username=f"{slug}-school-{number}") for number in range(1, schools + 1)
    )
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_update(users, ["password"])
    Role.objects.bulk_create(
        Role(user=user, kind=Role.Kind.RESPONDENT, municipality=municipality, organization=organization)
        for user, organization in zip(users, organizations, strict=True)
    )
    form = Form.objects.create(municipality=municipality, title="Кадры и контингент")
    section = Section.objects.create(form=form, title="Кадры", order=1)
    Field.objects.bulk_create(
        Field(
            form=form,
            section=section,
            code=f"q{number}",
            label=f"Показатель {number}",
            kind=Field.Kind.INTEGER,
            min_value=0,
            order=number,
        )
        for number in range(1, QUESTIONS + 1)
    )
    kind, year, number = core_services.period_parse("2025/26")
    period = core_services.period_get_or_create(kind=kind, year=year, number=number)
    today = timezone.localdate()
    campaign = services.campaign_create(
        form=form,
        period=period,
        title="Сбор в последний день",
        opens_on=today - datetime.timedelta(days=14),
        deadline=today,
        organizations=organizations,
        by=None,
    )
    services.campaign_open(campaign=campaign)
    return campaign, list(zip(organizations, users, strict=True))


def answers_for(index: int) -> dict[str, int]:
    return {f"q{number}": (index * 7 + number) % 900 for number in range(1, QUESTIONS + 1)}


def collection_counts(campaign) -> dict[str, int]:
    """What the database holds of the collection: submitted submissions, organizations with more than
    one submission, «submitted» events, and submitted submissions without exactly one such event."""
    from django.db.models import Count, Q

    from monitoring.models import Submission, SubmissionEvent

    submissions = Submission.objects.filter(campaign=campaign)
    duplicates = submissions.values("organization").annotate(n=Count("pk")).filter(n__gt=1).order_by().count()
    events = SubmissionEvent.objects.filter(
        submission__campaign=campaign, action=SubmissionEvent.Action.SUBMITTED
    )
    per_submission = (
        submissions.filter(status=Submission.Status.SUBMITTED)
        .annotate(n=Count("events", filter=Q(events__action=SubmissionEvent.Action.SUBMITTED)))
        .exclude(n=1)
        .count()
    )
    return {
        "stored": submissions.filter(status=Submission.Status.SUBMITTED).count(),
        "duplicates": duplicates,
        "events": events.count(),
        "without_one_event": per_submission,
    }


# The clients --------------------------------------------------------------------------------------


class Surge:
    """Schools on the API from a thread pool; every request's time and every error kept."""

    def __init__(self, base: str, campaign_id: int):
        from bench.public_tab import _OPENER

        self.base = base
        self.campaign_id = campaign_id
        self.opener = _OPENER
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def _post(self, path: str, token: str, body: dict | None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body or {}).encode(),
            method="POST",
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        started = time.perf_counter()
        try:
            try:
                with self.opener.open(request, timeout=REQUEST_TIMEOUT_S) as answer:
                    code, raw = answer.status, answer.read()
            except urllib.error.HTTPError as error:
                code, raw = error.code, error.read()
        except OSError as error:
            self._record(time.perf_counter() - started, f"{path}: {type(error).__name__}: {error}")
            return 0, {}
        wrong = None if 200 <= code < 300 else f"{path}: {code} {raw[:300]!r}"
        self._record(time.perf_counter() - started, wrong)
        try:
            return code, json.loads(raw or b"{}")
        except ValueError:
            return code, {}

    def _record(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(seconds * 1000)
            if error:
                self.errors.append(error)

    def school(self, index: int, token: str) -> bool:
        """One school's deadline: start (or find) the submission, save the draft, submit."""
        code, submission = self._post("/api/submissions/", token, {"campaign": self.campaign_id})
        if code not in (200, 201) or "id" not in submission:
            return False
        path = f"/api/submissions/{submission['id']}/"
        body = {"answers": answers_for(index), "base_revision": submission.get("revision", 0)}
        code, _saved = self._post(path + "save/", token, body)
        if code != 200:
            return False
        code, _submitted = self._post(path + "submit/", token, None)
        return code == 200

    def run(self, tokens: list[str], clients: int) -> float:
        """The saturation: `clients` threads, each taking the next school as soon as its last is
        through. The seconds from the first request to the last answer."""
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(self.school, range(len(tokens)), tokens))
        return time.perf_counter() - started

    def arrive(self, tokens: list[str], window_s: float, seed: int) -> tuple[float, int]:
        """The surge: every school starts at its own moment within `window_s`, whatever the others
        are doing. The seconds from the start to the last answer, and the most schools that were
        in flight at once."""
        draw = random.Random(seed)
        moments = sorted(draw.uniform(0, window_s) for _token in tokens)
        in_flight, most = 0, 0
        counter = threading.Lock()

        def one(index: int, token: str) -> None:
            nonlocal in_flight, most
            with counter:
                in_flight += 1
                most = max(most, in_flight)
            try:
                self.school(index, token)
            finally:
                with counter:
                    in_flight -= 1

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=OPEN_LOAD_THREADS) as pool:
            for index, (moment, token) in enumerate(zip(moments, tokens, strict=True)):
                delay = started + moment - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, index, token)
        return time.perf_counter() - started, most


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value below which `share` of the values lie."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# Main ---------------------------------------------------------------------------------------------


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """The processor time used so far by each gunicorn, PostgreSQL and Celery process of the machine
    and by this bench's own (its client threads), from /proc, by process id. The difference over a
    run, divided by its requests, is what one request costs each kind of process (cpu_report)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            kind = "client"
        elif "gunicorn" in command:
            kind = "gunicorn"
        elif "celery" in command:
            kind = "celery"
        elif command.startswith("postgres"):
            kind = "postgres"
        else:
            continue
        found[pid] = (kind, (int(fields[11]) + int(fields[12])) / tick)  # utime and stime
    return found


def cpu_report(prefix: str, before: dict, after: dict, requests: int) -> None:
    """Per kind of process, the milliseconds of processor time a request cost. A process started
    within the run counts in full; one that ended within it (a database connection closed after
    CONN_MAX_AGE) takes its time with it, so the figures are lower bounds."""
    from bench.indicators import _report

    spent = dict.fromkeys(("gunicorn", "postgres", "celery", "client"), 0.0)
    for pid, (kind, seconds) in after.items():
        previous = before.get(pid)
        spent[kind] += seconds - (previous[1] if previous and previous[0] == kind else 0.0)
    for kind, seconds in spent.items():
        _report(f"{prefix}_cpu_ms_per_request_{kind}", f"{seconds * 1000 / max(requests, 1):.1f}")


def _worker_start(log) -> subprocess.Popen:
    """A Celery worker of the bench's settings on the bench's Redis, in its own session."""
    celery = ROOT / ".venv" / "bin" / "celery"
    if not celery.exists():
        celery = Path(shutil.which("celery") or celery)
    command = [str(celery), "-A", "config", "worker", "--concurrency=1", "--loglevel=warning"]
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)


def _worker_stop(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _collection_with_tokens(slug: str, schools: int = SCHOOLS):
    from rest_framework.authtoken.models import Token

    campaign, schools = collection_build(schools, slug=slug)
    tokens = [
        token.key
        for token in Token.objects.bulk_create(
            Token(user=user, key=Token.generate_key()) for _organization, user in schools
        )
    ]
    return campaign, tokens


def _results(prefix: str, surge: Surge, campaign, duration: float) -> bool:
    """Print a run's figures; whether it lost nothing and had no error."""
    from bench.indicators import _report

    counts = collection_counts(campaign)
    latencies = surge.latencies_ms
    _report(f"{prefix}_schools", SCHOOLS)
    _report(f"{prefix}_requests", len(latencies))
    _report(f"{prefix}_errors", len(surge.errors))
    _report(f"{prefix}_stored", counts["stored"])
    _report(f"{prefix}_duplicates", counts["duplicates"])
    _report(f"{prefix}_submitted_events", counts["events"])
    _report(f"{prefix}_submissions_without_one_event", counts["without_one_event"])
    _report(f"{prefix}_p50_ms", f"{statistics.median(latencies) if latencies else 0:.1f}")
    _report(f"{prefix}_p95_ms", f"{percentile(latencies, 0.95):.1f}")
    _report(f"{prefix}_p99_ms", f"{percentile(latencies, 0.99):.1f}")
    _report(f"{prefix}_max_ms", f"{max(latencies, default=0):.1f}")
    _report(f"{prefix}_duration_s", f"{duration:.1f}")
    _report(f"{prefix}_schools_per_s", f"{SCHOOLS / duration:.1f}")
    for error in surge.errors[:5]:
        _report(f"{prefix}_error_sample", error)
    return (
        not surge.errors
        and counts["stored"] == SCHOOLS
        and counts["duplicates"] == 0
        and counts["without_one_event"] == 0
    )


def main() -> int:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    from bench import public_tab
    from bench.indicators import _database_setup, _report

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mcok-bench-surge-") as directory:
        workdir = Path(directory)
        try:
            public_tab._environment(workdir)
            _database_setup()
            public_tab._redis_flush()
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connection, connections

            _report("database", connection.settings_dict["NAME"])
            call_command("migrate", verbosity=0, interactive=False)
            call_command("collectstatic", verbosity=0, interactive=False)
            built = time.perf_counter()
            stamp = int(time.time())
            surge_campaign, surge_tokens = _collection_with_tokens(f"bench-surge-{stamp}")
            saturation_campaign, saturation_tokens = _collection_with_tokens(f"bench-saturation-{stamp}")
            warm_campaign, warm_tokens = _collection_with_tokens(f"bench-warm-up-{stamp}", WARM_UP_SCHOOLS)
            with connection.cursor() as cursor:  # statistics of the new rows, as a live database has
                cursor.execute("ANALYZE")
            _report("municipality", f"bench-surge-{stamp}")
            _report("setup_s", f"{time.perf_counter() - built:.1f}")
            connections.close_all()  # gunicorn's workers open their own

            # The setup ran its tasks in-process; the server and the worker send theirs through Redis.
            os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
            cores = os.cpu_count() or 1
            workers = 2 * cores
            port = public_tab._free_port()
            base = f"http://127.0.0.1:{port}"
            _report("cpu_count", cores)
            _report("gunicorn_workers", workers)
            _report("celery_workers", 1)
            _report("arrival_window_s", ARRIVAL_WINDOW_S)
            _report("saturation_clients", CLIENTS)
            surge = Surge(base, surge_campaign.pk)
            saturation = Surge(base, saturation_campaign.pk)
            log_path = workdir / "gunicorn.log"
            with log_path.open("wb") as log:
                worker = _worker_start(log)
                server = public_tab._gunicorn_start(port, workers, log)
                try:
                    public_tab._wait_ready(server, [base + "/bench/bare/"])
                    public_tab._warm_up(base + "/bench/bare/", workers)
                    # Every worker through the API's start, save and submit once before the measure.
                    warm = Surge(base, warm_campaign.pk)
                    warm.run(warm_tokens, 2 * workers)
                    if warm.errors:
                        raise public_tab.SetupError(f"warm-up: {warm.errors[:3]}")
                    _report("load_average_before", f"{os.getloadavg()[0]:.2f}")
                    cpu_start = cpu_seconds()
                    duration, most_in_flight = surge.arrive(surge_tokens, ARRIVAL_WINDOW_S, ARRIVAL_SEED)
                    cpu_surge = cpu_seconds()
                    _report("load_average_after_surge", f"{os.getloadavg()[0]:.2f}")
                    saturation_duration = saturation.run(saturation_tokens, CLIENTS)
                    cpu_saturation = cpu_seconds()
                    _report("load_average_after_saturation", f"{os.getloadavg()[0]:.2f}")
                except public_tab.SetupError:
                    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
                    raise
                finally:
                    public_tab._gunicorn_stop(server)
                    _worker_stop(worker)
            if surge.errors or saturation.errors:
                sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        except public_tab.SetupError as error:
            _report("bench_error", str(error))
            return 2

    surge_clean = _results("surge", surge, surge_campaign, duration)
    _report("surge_most_schools_in_flight", most_in_flight)
    _report("target_within_60s", duration <= TARGET_S)
    _report("target_p95_under_300ms", percentile(surge.latencies_ms, 0.95) < TARGET_P95_MS)
    cpu_report("surge", cpu_start, cpu_surge, len(surge.latencies_ms))
    saturation_clean = _results("saturation", saturation, saturation_campaign, saturation_duration)
    cpu_report("saturation", cpu_surge, cpu_saturation, len(saturation.latencies_ms))
    _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
    return 0 if surge_clean and saturation_clean else 1


if __name__ == "__main__":
    sys.exit(main())
