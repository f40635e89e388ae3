"""Benchmark of a public page under load: `python -m bench.public_tab` (part of `make bench`).

Loads the demo municipalities (`load_demo`) into its own PostgreSQL database, makes sure their
public pages exist (reports.public.pages_ensure) and picks the published direction page that shows
the most indicators and roadmap events, preferring Ishimbay's; a page not yet published is
published by the municipality's demo operator. Then it starts gunicorn on 127.0.0.1 with the
production settings (bench/settings.py: DEBUG off, the cache on Redis, sync workers, 2 × cores)
and loads with wrk, 50 connections on 2 threads for 15 s each:

- the public page, /open/<municipality>/<page>/, which its cache answers after the first visit
  (reports.open_cache: before the session, the user and the rest of the chain, one read of Redis);
- the bare view bench/bare/ on the same server, through the same middleware, answering «ok»
  without the database: the most any page could do, the baseline.

A warm-up goes first: a few hundred requests to each, and a few rounds in which every worker
renders the page after the cache was emptied. Prints `name: value` lines: requests per second of
each and their ratio, the percentiles of latency (wrk's Lua `done()`: 50, 95, 99), the non-2xx
answers and socket errors (both must be 0), and the time of a request that misses the cache and
renders the page in a worker that has rendered it before (median of 5, each after the cache was
emptied). Targets: the public page serves at least 0.8 of the bare view's requests per second
(`public_vs_bare_ratio`), with a 95th percentile (`public_p95_ms`) of 50 ms or less. wrk runs on
the same machine as the server, and anything else running there lowers both figures: the load
average before and after is printed with them.

Needs PostgreSQL: DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/mcok_bench_public, a
database created when missing and kept between runs; Redis: REDIS_URL, by default
redis://127.0.0.1:6379/5, a database emptied at the start and used as the cache; `wrk` on PATH.
Exits non-zero when the setup fails or a run had errors; missed targets only print `false`.
Not a test.
"""

import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.indicators import _database_setup, _report

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mcok_bench_public"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
PREFERRED_MUNICIPALITY = "ishimbay"
CONNECTIONS = 50
THREADS = 2
DURATION_S = 15  # per address, in rounds that alternate the two, so that drifting load hits both alike
ROUNDS = 3
WARMUP_REQUESTS = 300
UNCACHED_RUNS = 5
RENDER_WARM_UP_ROUNDS = 3
SETTLE_S = 2
STARTUP_TIMEOUT_S = 60
TARGET_SHARE_OF_BARE = 0.8
TARGET_P95_MS = 50.0
ROOT = Path(__file__).resolve().parent.parent

# wrk's threads each have their own Lua state: every thread counts the answers outside 2xx, and
# done() (in the main state) sums them through the thread objects setup() kept.
WRK_SCRIPT = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("non2xx")
  end
  local errors = summary.errors
  io.write(string.format("bench requests %d\\n", summary.requests))
  io.write(string.format("bench duration_us %d\\n", summary.duration))
  io.write(string.format("bench p50_us %d\\n", latency:percentile(50.0)))
  io.write(string.format("bench p95_us %d\\n", latency:percentile(95.0)))
  io.write(string.format("bench p99_us %d\\n", latency:percentile(99.0)))
  io.write(string.format("bench non2xx %d\\n", non2xx))
  io.write(string.format("bench socket_errors %d\\n",
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


class SetupError(Exception):
    """The bench could not get to the measurement: a message for the console, no traceback."""


# Before Django ------------------------------------------------------------------------------------


def _environment(workdir: Path) -> None:
    """The bench's settings for this process and for gunicorn, which inherits the environment."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_STATIC_ROOT"] = str(workdir / "static")
    if _compile_translations(workdir / "locale"):
        os.environ["BENCH_LOCALE_ROOT"] = str(workdir / "locale")
    _report("translations_compiled", "BENCH_LOCALE_ROOT" in os.environ)


def _compile_translations(target: Path) -> bool:
    """The Russian catalogues as production has them (`make messages-compile` writes into the
    checkout; the bench keeps its copies in its own directory). False when msgfmt is missing or fails."""
    msgfmt = shutil.which("msgfmt")
    sources = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
    if msgfmt is None or not sources:
        return False
    for source in sources:
        compiled = target / source.relative_to(ROOT / "locale").with_suffix(".mo")
        compiled.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([msgfmt, "-o", str(compiled), str(source)], capture_output=True, check=False)
        if done.returncode != 0:
            return False
    return True


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def _redis_flush() -> None:
    """Empty REDIS_URL's database, and only that one: the cache starts cold on every run."""
    import redis

    client = _redis()
    try:
        client.flushdb()
    except redis.RedisError as error:
        raise SetupError(f"Redis at REDIS_URL does not answer: {error}") from error
    finally:
        client.close()
    _report("redis", os.environ["REDIS_URL"])


# The page -----------------------------------------------------------------------------------------


def _demo_load() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    _report("load_demo_s", f"{time.perf_counter() - started:.1f}")


def _page_pick():
    """The direction page to load: of a demo municipality, with indicators and roadmap events,
    Ishimbay's first, then the most published indicators, then the most events. Published by the
    municipality's demo operator when it is not yet. Returns the page, its address and its counts."""
    from django.urls import reverse

    from indicators.models import Indicator
    from mcok.demo_data import MUNICIPALITIES
    from mcok.models import Municipality, User
    from reports import public
    from reports.models import PublicPage
    from roadmaps.models import Event

    candidates = []
    slugs = [data["slug"] for data in MUNICIPALITIES]
    for municipality in Municipality.objects.filter(slug__in=slugs).order_by("slug"):
        for page in public.pages_ensure(municipality):
            if page.kind != PublicPage.Kind.DIRECTION:
                continue
            indicators = Indicator.objects.published().filter(direction=page.direction_id).count()
            events = Event.objects.filter(roadmap__direction=page.direction_id).count()
            preferred = municipality.slug == PREFERRED_MUNICIPALITY
            rank = (indicators > 0 and events > 0, preferred, indicators, events)
            candidates.append((rank, page, indicators, events))
    if not candidates:
        raise SetupError("No direction page in the demo municipalities (reports.public.pages_ensure).")
    _rank, page, indicators, events = max(candidates, key=lambda candidate: candidate[0])
    published_here = page.published_id is None
    if published_here:
        operator = User.objects.get(username=f"{page.municipality.slug}-operator")
        public.publish(page, user=operator)
        page.refresh_from_db()
    if page.published_id is None:
        raise SetupError(f"The page {page.slug} of {page.municipality.slug} stayed unpublished.")
    path = reverse("open:page", args=[page.municipality.slug, page.slug])
    _report("public_page", path)
    _report("public_page_direction", str(page.direction))
    _report("public_page_indicators_published", indicators)
    _report("public_page_roadmap_events", events)
    _report("public_page_published_by_bench", published_here)
    return page, path


# The server ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn_start(port: int, workers: int, log) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        gunicorn = Path(shutil.which("gunicorn") or gunicorn)
    command = [
        str(gunicorn),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
        "--timeout=60",
    ]
    # Its own session, so that stopping it reaches its workers and nothing else.
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)


def _gunicorn_stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # the arbiter stops its workers gracefully
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)  # the group this bench started, led by the arbiter
        server.wait(timeout=10)


# Straight to the loopback server, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, bytes]:
    try:
        with _OPENER.open(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _wait_ready(server: subprocess.Popen, urls: list[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = list(urls)
    while pending:
        if server.poll() is not None:
            raise SetupError(f"gunicorn exited with {server.returncode} before answering.")
        try:
            if _get(pending[0])[0] == 200:
                pending.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SetupError(f"{pending[0]} did not answer 200 within {STARTUP_TIMEOUT_S} s.")
        time.sleep(0.2)


def _warm_up(url: str, workers: int) -> None:
    """A few hundred requests from as many clients as there are workers, so every worker has
    imported, compiled its templates and opened its connections; every answer must be 200."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(lambda _: _get(url)[0], range(WARMUP_REQUESTS)))
    wrong = [status for status in statuses if status != 200]
    if wrong:
        raise SetupError(f"{url}: {len(wrong)} of {len(statuses)} warm-up answers were not 200: {wrong[:5]}")


def _wrk(url: str, script: Path) -> dict[str, int]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SetupError("wrk is not installed (Debian package `wrk`).")
    command = [
        wrk,
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={DURATION_S // ROUNDS}s",
        "--latency",
        f"--script={script}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    # wrk leaves its last requests queued at the server when it stops: let the workers serve them,
    # so that the next measurement does not wait behind them.
    time.sleep(SETTLE_S)
    figures = {}
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "bench":
            figures[words[1]] = int(words[2])
    needed = {"requests", "duration_us", "p50_us", "p95_us", "p99_us", "non2xx", "socket_errors"}
    if done.returncode != 0 or not needed <= figures.keys() or not figures["requests"]:
        raise SetupError(f"wrk failed on {url} ({done.returncode}):\n{done.stdout}{done.stderr}")
    return figures


def _combined(runs: list[dict[str, int]]) -> dict[str, int]:
    """The rounds of one address as one run: requests, time and errors added up; of each latency
    percentile the median over the rounds (wrk gives percentiles, not its histogram)."""
    added = ("requests", "duration_us", "non2xx", "socket_errors")
    combined = {name: sum(run[name] for run in runs) for name in added}
    for name in ("p50_us", "p95_us", "p99_us"):
        combined[name] = statistics.median(run[name] for run in runs)
    return combined


def _database_transactions() -> int:
    """Transactions of the bench database so far, as PostgreSQL counts them (every query of a
    worker, in autocommit). A worker reports its counts when idle, at most once a second."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def _timed_get(url: str, title: str) -> tuple[float, bytes]:
    """One request for the page: its time in ms and its body, which must come with 200 and hold
    the page's title."""
    started = time.perf_counter()
    status, body = _get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200 or title not in body.decode():
        raise SetupError(f"{url} answered {status} without the page's title «{title}».")
    return elapsed, body


def _renders_warm_up(url: str, title: str, workers: int) -> float:
    """Every worker renders the page at least once, so that a miss measured later is the render
    itself and not a process's first imports and template compilation: a few rounds of emptying
    the cache and sending as many requests at once as there are workers (a sync worker serves one
    at a time, so they spread). Returns the slowest request of the first round, in ms."""
    from django.core.cache import cache

    slowest = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(RENDER_WARM_UP_ROUNDS):
            cache.clear()
            slowest.append(max(pool.map(lambda _: _timed_get(url, title)[0], range(workers))))
    return slowest[0]


def _uncached(url: str, title: str) -> list[float]:
    """Each request after the whole cache was emptied: the render of a cold page, in ms."""
    from django.core.cache import cache

    times = []
    for _ in range(UNCACHED_RUNS):
        cache.clear()
        times.append(_timed_get(url, title)[0])
    return times


def _measure(page, path: str, workdir: Path) -> bool:
    from django.utils.html import escape

    cores = os.cpu_count() or 1
    workers = 2 * cores
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    public_url, bare_url = base + path, base + "/bench/bare/"
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    _report("cpu_count", cores)
    _report("gunicorn_workers", workers)
    _report(
        "wrk",
        f"{THREADS} threads, {CONNECTIONS} connections, {ROUNDS} rounds of {DURATION_S // ROUNDS} s"
        " per address, alternating",
    )

    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as log:
        server = _gunicorn_start(port, workers, log)
        try:
            _wait_ready(server, [bare_url, public_url])
            title = escape(page.published.title)
            _report("public_page_bytes", len(_timed_get(public_url, title)[1]))
            _warm_up(bare_url, workers)
            first_render = _renders_warm_up(public_url, title, workers)
            _warm_up(public_url, workers)
            _report("cache_keys_after_warm_up", _redis().dbsize())
            time.sleep(SETTLE_S)  # the workers report the warm-up's queries to PostgreSQL's statistics
            # Other work on the machine skews both runs: the load average says how much there was.
            _report("load_average_before", f"{os.getloadavg()[0]:.2f}")
            bare_runs, public_runs, transactions = [], [], 0
            for _ in range(ROUNDS):
                bare_runs.append(_wrk(bare_url, script))
                before = _database_transactions()
                public_runs.append(_wrk(public_url, script))
                transactions += max(0, _database_transactions() - before - 1)  # less this query's own
            _report("load_average_after", f"{os.getloadavg()[0]:.2f}")
            uncached = _uncached(public_url, title)
        except SetupError:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            _gunicorn_stop(server)

    def rps(figures: dict) -> float:
        return figures["requests"] / (figures["duration_us"] / 1_000_000)

    def errors(figures: dict) -> int:
        return figures["non2xx"] + figures["socket_errors"]

    bare, public = _combined(bare_runs), _combined(public_runs)
    public_rps, bare_rps = rps(public), rps(bare)
    public_p95, bare_p95 = public["p95_us"] / 1000, bare["p95_us"] / 1000
    _report("public_page_rps", f"{public_rps:.1f}")
    _report("bare_view_rps", f"{bare_rps:.1f}")
    _report("public_vs_bare_ratio", f"{public_rps / bare_rps:.2f}")
    _report("public_vs_bare_ratio_target", TARGET_SHARE_OF_BARE)
    _report("public_p95_ms", f"{public_p95:.1f}")
    _report("public_p95_ms_target", TARGET_P95_MS)
    _report("bare_view_p95_ms", f"{bare_p95:.1f}")
    _report("public_page_p50_ms", f"{public['p50_us'] / 1000:.1f}")
    _report("public_page_p99_ms", f"{public['p99_us'] / 1000:.1f}")
    _report("bare_view_p50_ms", f"{bare['p50_us'] / 1000:.1f}")
    _report("bare_view_p99_ms", f"{bare['p99_us'] / 1000:.1f}")
    _report("public_page_rps_rounds", ", ".join(f"{rps(run):.1f}" for run in public_runs))
    _report("bare_view_rps_rounds", ", ".join(f"{rps(run):.1f}" for run in bare_runs))
    _report("public_page_requests", public["requests"])
    _report("bare_view_requests", bare["requests"])
    _report("public_page_errors", errors(public))
    _report("bare_view_errors", errors(bare))
    _report("public_page_non2xx", public["non2xx"])
    _report("bare_view_non2xx", bare["non2xx"])
    # A cache hit reads Redis only: no query, whatever the page shows.
    _report("public_page_db_transactions_per_request", f"{transactions / public['requests']:.3f}")
    _report("public_page_uncached_ms", f"{statistics.median(uncached):.1f}")
    _report("public_page_first_render_in_worker_ms", f"{first_render:.1f}")
    _report("public_page_uncached_runs_ms", ", ".join(f"{t:.1f}" for t in uncached))
    _report("target_share_of_bare_met", public_rps >= TARGET_SHARE_OF_BARE * bare_rps)
    _report("target_p95_within_50ms", public_p95 <= TARGET_P95_MS)
    # When even the bare view misses it, the server's capacity at this concurrency is the limit.
    _report("bare_view_p95_under_50ms", bare_p95 < TARGET_P95_MS)
    return errors(public) == 0 and errors(bare) == 0


# Main ---------------------------------------------------------------------------------------------


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mcok-bench-public-") as directory:
        workdir = Path(directory)
        try:
            _environment(workdir)
            _database_setup()
            _redis_flush()
            import django

            django.setup()
            from django.db import connection, connections

            _report("database", connection.settings_dict["NAME"])
            _demo_load()
            page, path = _page_pick()
            connections.close_all()  # gunicorn's workers open their own
            clean = _measure(page, path, workdir)
        except SetupError as error:
            _report("bench_error", str(error))
            return 2
    _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
