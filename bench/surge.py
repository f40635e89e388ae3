"""The deadline surge: `python -m bench.surge`.

The last hour before a collection's deadline: every school asked saves its answers and submits them
at once. The bench builds, in its own PostgreSQL database, a municipality of 500 schools (a new
one on every run, slug «bench-surge-<time>»), one respondent per school with an API token, a form
of six numeric questions and an open collection asking every school. Then it starts gunicorn on
127.0.0.1 with the production settings (bench/settings.py: DEBUG off, the cache on Redis, sync
workers, 2 × cores) and lets the schools in through a pool of 50 client threads, each school on the
API as a school's own program would:

- POST /api/submissions/ {"campaign": …}: its submission, started (201) or found (200);
- POST /api/submissions/<id>/save/ {"answers": …, "base_revision": 0}: the draft;
- POST /api/submissions/<id>/submit/: sent for review.

Every request is timed; an error is an answer outside 2xx or a failed connection. Afterwards the
database says how many submissions of the collection are submitted, whether any organization has
more than one (the unique constraint forbids it; counted all the same), and how many «submitted»
events were written. Prints `name: value` lines; the target is every school through within 60 s
with no error. Needs PostgreSQL: DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/mcok_bench_surge, created when missing and kept between runs;
Redis: REDIS_URL, by default redis://127.0.0.1:6379/6, emptied at the start. Exits non-zero when
the setup fails or the surge had errors or lost submissions. Not a test: tests/monitoring/
test_surge.py is its small version in the suite.
"""

import datetime
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mcok_bench_surge"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
SCHOOLS = 500
CLIENTS = 50
QUESTIONS = 6
TARGET_S = 60.0
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
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(self.school, range(len(tokens)), tokens))
        return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value below which `share` of the values lie."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# Main ---------------------------------------------------------------------------------------------


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
            from rest_framework.authtoken.models import Token

            _report("database", connection.settings_dict["NAME"])
            call_command("migrate", verbosity=0, interactive=False)
            call_command("collectstatic", verbosity=0, interactive=False)
            built = time.perf_counter()
            slug = f"bench-surge-{int(time.time())}"
            campaign, schools = collection_build(SCHOOLS, slug=slug)
            tokens = [
                token.key
                for token in Token.objects.bulk_create(
                    Token(user=user, key=Token.generate_key()) for _organization, user in schools
                )
            ]
            _report("municipality", slug)
            _report("setup_s", f"{time.perf_counter() - built:.1f}")
            connections.close_all()  # gunicorn's workers open their own

            cores = os.cpu_count() or 1
            workers = 2 * cores
            port = public_tab._free_port()
            base = f"http://127.0.0.1:{port}"
            _report("cpu_count", cores)
            _report("gunicorn_workers", workers)
            _report("clients", CLIENTS)
            surge = Surge(base, campaign.pk)
            log_path = workdir / "gunicorn.log"
            with log_path.open("wb") as log:
                server = public_tab._gunicorn_start(port, workers, log)
                try:
                    public_tab._wait_ready(server, [base + "/bench/bare/"])
                    public_tab._warm_up(base + "/bench/bare/", workers)
                    _report("load_average_before", f"{os.getloadavg()[0]:.2f}")
                    duration = surge.run(tokens, CLIENTS)
                    _report("load_average_after", f"{os.getloadavg()[0]:.2f}")
                except public_tab.SetupError:
                    sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
                    raise
                finally:
                    public_tab._gunicorn_stop(server)
            if surge.errors:
                sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        except public_tab.SetupError as error:
            _report("bench_error", str(error))
            return 2

    counts = collection_counts(campaign)
    latencies = surge.latencies_ms
    _report("surge_schools", SCHOOLS)
    _report("surge_requests", len(latencies))
    _report("surge_errors", len(surge.errors))
    _report("surge_stored", counts["stored"])
    _report("surge_duplicates", counts["duplicates"])
    _report("surge_submitted_events", counts["events"])
    _report("surge_submissions_without_one_event", counts["without_one_event"])
    _report("surge_p50_ms", f"{statistics.median(latencies) if latencies else 0:.1f}")
    _report("surge_p95_ms", f"{percentile(latencies, 0.95):.1f}")
    _report("surge_p99_ms", f"{percentile(latencies, 0.99):.1f}")
    _report("surge_max_ms", f"{max(latencies, default=0):.1f}")
    _report("surge_duration_s", f"{duration:.1f}")
    _report("surge_schools_per_s", f"{SCHOOLS / duration:.1f}")
    _report("target_within_60s", duration <= TARGET_S)
    for error in surge.errors[:5]:
        _report("surge_error_sample", error)
    _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
    clean = (
        not surge.errors
        and counts["stored"] == SCHOOLS
        and counts["duplicates"] == 0
        and counts["without_one_event"] == 0
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
