"""Benchmark of what users wait on, on PostgreSQL: `make bench` (`python -m bench.user_waits`).

Builds the synthetic region of bench/indicators.py (its spec and its builder: organizations of mixed
kinds, 40 data elements, 60 indicators, 8 yearly periods, every value through COPY) at
BENCH_WAITS_ORGS organizations (2,000 by default), spreads its indicators over nine directions,
computes their values for the last five periods (indicators.services.indicator_values_recompute),
opens the cycle of the first direction and gives it a coordinator. Beside it, 60 municipalities of
nine directions each with an evaluation of every position scored. Then it times, in one run:

- `report_pdf_direction_s`: one direction's analytic report made into a PDF with its charts by the
  service the worker runs (reports.jobs.job_run: gathering, charts, WeasyPrint, the file saved);
  median of 3 after a warm-up;
- `xlsx_export_100k_values_s`: the indicator-values export of the municipality as XLSX
  (indicators.imports.export_indicator_values) over about 100,000 values; median of 3, and its
  peak of Python memory (tracemalloc, a separate run) `xlsx_export_100k_peak_mb`;
- `fioko_indices_region_s`: the FIOKO indices of the 60 municipalities × 9 directions, each
  municipality's evaluation computed by directions.services.evaluation_compute; median of 3;
- `direction_page_ms` and `dashboard_ms`: the 95th percentile of 50 requests to the direction's page
  and to the dashboard through Django's test client, signed in as the coordinator, after 3 warm-ups.

Each figure comes with its target on its own line (`<name>_target: <value>`) and whether it was met.
Runs with the production choices (DEBUG off, the manifest of static files collected into a temporary
directory, the cache on Redis: REDIS_URL, by default redis://127.0.0.1:6379/6). Needs PostgreSQL:
DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/mcok_bench_waits, a database created when
missing and kept between runs; with BENCH_WAITS_KEEP=1 the region the last run built is used again
when it has the organizations asked for; with BENCH_WAITS_ONLY=report_pdf only the report's PDF is
timed (the FIOKO region, the pages and the export are skipped). Not a test: it asserts nothing about
the times.
"""

import cProfile
import io
import math
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mcok_bench_waits"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
ORGANIZATIONS = 2000
RECOMPUTED_PERIODS = 5  # the analytic report's dynamics: its period and four before
EXPORT_VALUES = 100_000
FIOKO_MUNICIPALITIES = 60
FIOKO_SLUG = "bench-fioko-{:02d}"
POSITIONS_PER_COMPONENT = 3
DIRECTION_CODES = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
COORDINATOR = "bench-waits-coordinator"
PDF_RUNS = 3
EXPORT_RUNS = 3
FIOKO_RUNS = 3
PAGE_REQUESTS = 50
PAGE_WARM_UP = 3
SEED = 20261207

TARGETS = {
    "report_pdf_direction_s": 3.0,
    "xlsx_export_100k_values_s": 10.0,
    "fioko_indices_region_s": 5.0,
    "direction_page_ms": 150.0,
    "dashboard_ms": 150.0,
}


def _report(name: str, value) -> None:
    if isinstance(value, bool):
        value = "true" if value else "false"
    print(f"{name}: {value}", flush=True)


def _figure(name: str, value: float, digits: int) -> None:
    """The figure, its target on its own line and whether it was met."""
    _report(name, f"{value:.{digits}f}")
    _report(f"{name}_target", TARGETS[name])
    _report(f"{name}_met", value <= TARGETS[name])


def _environment(workdir: Path) -> None:
    """Production's choices, filled in before the settings are read: DEBUG off (bench.indicators'
    database setup sets it), the test client's host allowed, no redirect to https, static files
    collected into the bench's directory."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_STATIC_ROOT"] = str(workdir / "static")


def _p95(times: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


CPU_TIMES: dict[str, float] = {}  # processor time of this process per measured action, in seconds


def _timed(
    action, runs: int, warmup: int = 1, name: str = "", budget_s: float | None = None
) -> tuple[float, list[float], object]:
    """The median wall time of `runs` runs after `warmup` runs; the median processor time of this
    process is kept in CPU_TIMES[name]: on a machine shared with other work it is the steadier figure.
    With `budget_s`, no further run after one that took longer."""
    result = None
    for _ in range(warmup):
        result = action()
    times, cpu = [], []
    for _ in range(runs):
        if budget_s is not None and times and times[-1] > budget_s:
            break
        started, started_cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    if name:
        CPU_TIMES[name] = statistics.median(cpu)
    return statistics.median(times), times, result


def _profile(action, lines: int = 12) -> str:
    """The functions that took the most cumulative time in one run of `action` (BENCH_PROFILE=1)."""
    profiler = cProfile.Profile()
    profiler.runcall(action)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


# The region -----------------------------------------------------------------------------------------


def _clean_region_extras(slug: str) -> None:
    """What this bench adds to the region of bench/indicators.py: its reports and their files, so
    that the builder's clean-up meets nothing it does not know."""
    from reports.models import Report, ReportJob

    jobs = ReportJob.objects.filter(report__municipality__slug=slug)
    for job in jobs:
        if job.file:
            job.file.storage.delete(job.file.name)
    Report.objects.filter(municipality__slug=slug).update(approved_job=None, published_job=None)
    jobs.delete()
    Report.objects.filter(municipality__slug=slug).delete()


def _directions(municipality, valid_from) -> list:
    from directions.models import Block, Direction

    directions = []
    for code in DIRECTION_CODES:
        block, _created = Block.objects.get_or_create(
            code=code.split(".")[0], defaults={"name": f"Блок {code.split('.')[0]}"}
        )
        direction, _created = Direction.objects.get_or_create(
            municipality=municipality,
            code=code,
            valid_from=valid_from,
            defaults={"block": block, "name": f"Направление {code}", "goal": "Цель направления."},
        )
        directions.append(direction)
    return directions


def _coordinator(municipality, direction):
    """The direction's coordinator: the role in the municipality, an official linked to the account
    and the order's assignment; no second factor asked (a bench account)."""
    from directions import services as direction_services
    from directions.models import Duty
    from mcok import services as mcok_services
    from mcok.models import Official, Role, User

    user, _created = User.objects.get_or_create(username=COORDINATOR)
    user.second_factor_exempt = True
    user.save()
    mcok_services.role_grant(user=user, kind=Role.Kind.COORDINATOR, municipality=municipality)
    official, _created = Official.objects.get_or_create(
        municipality=municipality, user=user, defaults={"full_name": "Координатор Бенчмарка"}
    )
    direction_services.assign(direction=direction, duty=Duty.COORDINATOR, official=official)
    return user


def _kept_region(count: int):
    """The region as the last run left it, when BENCH_WAITS_KEEP=1 and it has `count` organizations
    with their computed values; else None and the region is built anew."""
    from bench import indicators as region
    from directions.models import Direction
    from indicators.models import IndicatorValue
    from mcok.models import Municipality, Organization, User

    if os.environ.get("BENCH_WAITS_KEEP") != "1":
        return None
    municipality = Municipality.objects.filter(slug=region.SLUG).first()
    coordinator = User.objects.filter(username=COORDINATOR).first()
    if municipality is None or coordinator is None:
        return None
    if Organization.objects.filter(municipality=municipality).count() != count:
        return None
    periods = region._periods()
    if not IndicatorValue.objects.filter(municipality=municipality, period=periods[-1]).exists():
        return None
    directions = list(
        Direction.objects.filter(municipality=municipality, code__in=DIRECTION_CODES).order_by("code")
    )
    _report("organizations", count)
    _report("region_kept", True)
    return municipality, periods, directions, coordinator


def _region(count: int):
    """The region of bench/indicators.py at `count` organizations, its indicators over nine
    directions and computed for the last periods; the first direction's cycle open and coordinated."""
    from bench import indicators as region
    from directions import services as direction_services
    from indicators import services
    from indicators.models import Indicator, IndicatorValue

    kept = _kept_region(count)
    if kept is not None:
        return kept
    _clean_region_extras(region.SLUG)
    rng = random.Random(region.SEED)
    elements, specs = region._spec(rng)
    started = time.perf_counter()
    municipality, periods, organizations, _element_ids, _indicator_ids, rows = region._build(
        rng, elements, specs, count
    )
    directions = _directions(municipality, periods[0])
    codes = list(
        Indicator.objects.filter(municipality=municipality).order_by("code").values_list("pk", flat=True)
    )
    for index, direction in enumerate(directions):
        Indicator.objects.filter(pk__in=codes[index :: len(directions)]).update(direction=direction)
    for period in periods[-RECOMPUTED_PERIODS:]:
        services.indicator_values_recompute(municipality=municipality, period=period)
    region._vacuum(IndicatorValue)
    coordinator = _coordinator(municipality, directions[0])
    direction_services.cycle_open(direction=directions[0], period=periods[-1], by=coordinator)
    _report("organizations", len(organizations))
    _report("data_values", rows)
    _report(
        "indicator_values",
        IndicatorValue.objects.filter(municipality=municipality).count(),
    )
    _report("region_setup_s", f"{time.perf_counter() - started:.1f}")
    return municipality, periods, directions, coordinator


# FIOKO ------------------------------------------------------------------------------------------------


def _fioko_region(period, by) -> list:
    """60 municipalities of nine directions, each with POSITIONS_PER_COMPONENT positions in each of
    the nine components and one evaluation with every position scored; rebuilt on every run."""
    from django.db import connection, transaction

    from directions.fioko import COMPONENTS
    from directions.models import Evaluation, Position, Score
    from mcok.models import Municipality

    rng = random.Random(SEED)
    started = time.perf_counter()
    evaluations = []
    with transaction.atomic():
        slugs = [FIOKO_SLUG.format(number) for number in range(1, FIOKO_MUNICIPALITIES + 1)]
        with connection.cursor() as cursor:
            ids = list(Municipality.objects.filter(slug__in=slugs).values_list("pk", flat=True))
            if ids:
                cursor.execute(
                    f"DELETE FROM {Score._meta.db_table} WHERE evaluation_id IN "
                    f"(SELECT id FROM {Evaluation._meta.db_table} WHERE municipality_id = ANY(%s))",
                    [ids],
                )
                partial = Evaluation.partial_directions.through._meta.db_table
                cursor.execute(
                    f"DELETE FROM {partial} WHERE evaluation_id IN "
                    f"(SELECT id FROM {Evaluation._meta.db_table} WHERE municipality_id = ANY(%s))",
                    [ids],
                )
                cursor.execute(
                    f"DELETE FROM {Evaluation._meta.db_table} WHERE municipality_id = ANY(%s)", [ids]
                )
                cursor.execute(
                    f"DELETE FROM {Position._meta.db_table} WHERE municipality_id = ANY(%s)", [ids]
                )
        for number, slug in enumerate(slugs, start=1):
            municipality, _created = Municipality.objects.get_or_create(
                slug=slug, defaults={"name": f"Муниципалитет {number:02d} (бенчмарк)", "region": "Бенчмарк"}
            )
            directions = _directions(municipality, period)
            positions = Position.objects.bulk_create(
                Position(
                    municipality=municipality,
                    period=period,
                    direction=direction,
                    component=component,
                    code=f"{direction.code}.{index + 1}.{item + 1}",
                    text=f"Позиция {direction.code}.{index + 1}.{item + 1}",
                    max_score=Decimal(rng.choice([1, 2, 3])),
                )
                for direction in directions
                for index, component in enumerate(COMPONENTS)
                for item in range(POSITIONS_PER_COMPONENT)
            )
            evaluation = Evaluation.objects.create(
                municipality=municipality, period=period, kind=Evaluation.Kind.SELF, created_by=by
            )
            Score.objects.bulk_create(
                Score(
                    evaluation=evaluation,
                    position=position,
                    score=Decimal(rng.randint(0, int(position.max_score))),
                )
                for position in positions
            )
            evaluations.append(evaluation)
    _report("fioko_municipalities", len(evaluations))
    _report("fioko_positions", Position.objects.filter(municipality__slug__in=slugs).count())
    _report("fioko_setup_s", f"{time.perf_counter() - started:.1f}")
    return evaluations


# The figures ----------------------------------------------------------------------------------------


def _report_pdf(municipality, direction, period, coordinator) -> tuple[float, list[float], int]:
    """A direction report made into its PDF by the worker's service, a new job each run."""
    from reports import jobs, services
    from reports.models import Report, ReportJob

    report = services.report_create(
        municipality=municipality,
        by=coordinator,
        kind=Report.Kind.DIRECTION,
        direction=direction,
        period=period,
        title=f"Аналитическая справка по направлению {direction.code} за {period.label}",
    )

    def make() -> int:
        job = ReportJob.objects.create(report=report, format=ReportJob.Format.PDF, requested_by=coordinator)
        status = jobs.job_run(job.pk)
        job.refresh_from_db()
        if status != ReportJob.Status.DONE:
            raise RuntimeError(f"The report job ended {status}: {job.error}")
        return job.size

    from reports import pdf

    pdf.html_to_pdf("<p>Прогрев</p>")  # WeasyPrint's import and fonts: the worker's first file only
    # One run when a run takes longer than ten times the target: the figure is clear, the bench is not
    # kept waiting (a report of every organization of a large region takes minutes).
    median, times, size = _timed(
        make,
        PDF_RUNS,
        warmup=0,
        name="report_pdf_direction_cpu_s",
        budget_s=10 * TARGETS["report_pdf_direction_s"],
    )
    if os.environ.get("BENCH_PROFILE"):
        print(_profile(make), flush=True)
    return median, times, size


def _export_selection(municipality, periods) -> tuple[list, list, int]:
    """The latest periods and the first indicators whose values add up to EXPORT_VALUES or more."""
    from django.db.models import Count

    from indicators.models import Indicator, IndicatorValue

    counts = {
        (row["indicator_id"], row["period_id"]): row["n"]
        for row in IndicatorValue.objects.filter(municipality=municipality)
        .values("indicator_id", "period_id")
        .annotate(n=Count("pk"))
    }
    indicators = list(Indicator.objects.filter(municipality=municipality).order_by("code"))
    chosen = []
    for period in reversed(periods):
        chosen.append(period)
        if sum(counts.get((i.pk, p.pk), 0) for i in indicators for p in chosen) >= EXPORT_VALUES:
            break
    taken, total = [], 0
    for indicator in indicators:
        taken.append(indicator)
        total += sum(counts.get((indicator.pk, p.pk), 0) for p in chosen)
        if total >= EXPORT_VALUES:
            break
    return chosen, taken, total


def _export(municipality, periods) -> tuple[float, list[float], int, float, int]:
    from indicators import imports

    chosen, indicators, values = _export_selection(municipality, periods)

    def export() -> bytes:
        return imports.export_indicator_values(
            municipality=municipality, periods=chosen, indicators=indicators, fmt="xlsx"
        )

    median, times, content = _timed(export, EXPORT_RUNS, name="xlsx_export_100k_cpu_s")
    tracemalloc.start()
    export()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if os.environ.get("BENCH_PROFILE"):
        print(_profile(export), flush=True)
    return median, times, values, peak / (1024 * 1024), len(content)


def _fioko(evaluations) -> tuple[float, list[float]]:
    from directions import services

    def compute_all() -> int:
        for evaluation in evaluations:
            results = services.evaluation_compute(evaluation=evaluation)
            if "errors" in results:
                raise RuntimeError(f"The evaluation {evaluation.pk} has errors: {results['errors']}")
        return len(evaluations)

    median, times, _count = _timed(compute_all, FIOKO_RUNS, name="fioko_indices_region_cpu_s")
    if os.environ.get("BENCH_PROFILE"):
        print(_profile(compute_all), flush=True)
    return median, times


def _pages(coordinator, direction, period) -> dict[str, tuple[float, float, int, int]]:
    """p95 and median of PAGE_REQUESTS requests of each page, its status and its queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(coordinator)
    query = f"municipality={direction.municipality.slug}&period={period.code}"
    urls = {
        "direction_page_ms": f"{reverse('directions:direction', args=[direction.pk])}?period={period.code}",
        "dashboard_ms": f"{reverse('reports:dashboard')}?{query}",
    }
    figures = {}
    for name, url in urls.items():
        for _ in range(PAGE_WARM_UP):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        times, cpu = [], []
        for _ in range(PAGE_REQUESTS):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        CPU_TIMES[name.removesuffix("_ms") + "_cpu_p95_ms"] = _p95(cpu) / 1000
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        figures[name] = (_p95(times), statistics.median(times), response.status_code, len(queries))
        if os.environ.get("BENCH_PROFILE"):
            print(_profile(lambda url=url: client.get(url)), flush=True)
    return figures


# Main -------------------------------------------------------------------------------------------------


def _quick_figures(municipality, periods, direction, period, coordinator) -> None:
    """The figures before the report's PDF, each printed when measured: the pages, the FIOKO
    indices of the region and the XLSX export."""
    evaluations = _fioko_region(period, coordinator)
    pages = _pages(coordinator, direction, period)
    for name, (p95, median, status, queries) in pages.items():
        _figure(name, p95, 1)
        stem = name.removesuffix("_ms")
        _report(f"{stem}_median_ms", f"{median:.1f}")
        _report(f"{stem}_status", status)
        _report(f"{stem}_queries", queries)
    fioko_s, fioko_runs = _fioko(evaluations)
    _figure("fioko_indices_region_s", fioko_s, 3)
    _report("fioko_indices_region_runs_s", ", ".join(f"{t:.3f}" for t in fioko_runs))
    export_s, export_runs, export_values, export_peak_mb, export_bytes = _export(municipality, periods)
    _figure("xlsx_export_100k_values_s", export_s, 3)
    _report("xlsx_export_100k_peak_mb", f"{export_peak_mb:.1f}")
    _report("xlsx_export_100k_values", export_values)
    _report("xlsx_export_100k_bytes", export_bytes)
    _report("xlsx_export_100k_runs_s", ", ".join(f"{t:.3f}" for t in export_runs))


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mcok-bench-waits-") as directory:
        _environment(Path(directory))
        from bench.indicators import _database_setup

        _database_setup()
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        _report("database", connection.settings_dict["NAME"])
        _report("postgresql", connection.pg_version)
        _report("cache", settings.CACHES["default"]["BACKEND"])
        _report("load_average_before", f"{os.getloadavg()[0]:.2f}")

        count = int(os.environ.get("BENCH_WAITS_ORGS", ORGANIZATIONS))
        municipality, periods, directions, coordinator = _region(count)
        period, direction = periods[-1], directions[0]
        only = os.environ.get("BENCH_WAITS_ONLY", "")
        if only not in ("", "report_pdf"):
            raise SystemExit(f"BENCH_WAITS_ONLY: report_pdf or nothing, not {only!r}")
        if only:
            _report("only", only)
        else:  # the quick figures first, each printed when measured; the report's PDF last
            _quick_figures(municipality, periods, direction, period, coordinator)
        pdf_s, pdf_runs, pdf_bytes = _report_pdf(municipality, direction, period, coordinator)
        _figure("report_pdf_direction_s", pdf_s, 3)
        _report("report_pdf_direction_runs_s", ", ".join(f"{t:.3f}" for t in pdf_runs))
        _report("report_pdf_direction_bytes", pdf_bytes)
        # This process only, not PostgreSQL's share: steadier than the wall time on a shared machine.
        for name, seconds in CPU_TIMES.items():
            _report(name, f"{seconds * 1000:.1f}" if name.endswith("_ms") else f"{seconds:.3f}")
        _report("load_average_after", f"{os.getloadavg()[0]:.2f}")
        _report("bench_total_s", f"{time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
