"""The production packaging, checked without Docker: .env.example passes `check --deploy`, documents
every variable settings.py reads, and docker-compose.yml runs every app service from one image."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = BASE_DIR / ".env.example"
COMPOSE = BASE_DIR / "docker-compose.yml"
SETTINGS = BASE_DIR / "config" / "settings.py"

# env.bool("DEBUG", …), env.db_url("DATABASE_URL", …), env("NAME", …)
SETTINGS_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as Docker Compose reads them; comments and blank lines skipped."""
    values = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not KEY=value: {raw!r}"
        name, value = name.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        assert name not in values, f"{path.name}:{number}: {name} is set twice"
        values[name] = value
    return values


def settings_variables() -> set[str]:
    return set(SETTINGS_READ.findall(SETTINGS.read_text(encoding="utf-8")))


def test_env_example_documents_every_variable_settings_reads():
    read = settings_variables()
    assert len(read) >= 20, f"the pattern no longer finds settings' env reads: {sorted(read)}"
    documented = parse_env_file(ENV_EXAMPLE)
    missing = sorted(read - documented.keys())
    assert not missing, f".env.example does not document: {', '.join(missing)}"

    # Each variable has its one-line comment right above it.
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#") and "=" in line:
            assert index and lines[index - 1].startswith("# "), f"no comment above {line.split('=')[0]}"


def test_env_example_holds_production_values():
    example = parse_env_file(ENV_EXAMPLE)
    assert example["DEBUG"] == "0"
    assert example["SECRET_KEY"].startswith("change-me"), "the key must be an obvious placeholder"
    database = urlsplit(example["DATABASE_URL"])
    assert (database.scheme, database.hostname, database.port, database.path) == (
        "postgres",
        "postgres",
        5432,
        "/mcok",
    )
    assert database.password == example["POSTGRES_PASSWORD"], "DATABASE_URL and the postgres service differ"
    assert example["REDIS_URL"] == "redis://redis:6379/0"
    # The cache in a Redis of its own: a flood of cache keys can neither fill nor evict the broker.
    assert urlsplit(example["REDIS_CACHE_URL"]).hostname == "redis-cache"
    assert example["CELERY_TASK_ALWAYS_EAGER"] == "0"
    # Compose interpolates `$` in env files: a value with `$` would silently change.
    assert not [name for name, value in example.items() if "$" in value]


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    example = parse_env_file(ENV_EXAMPLE)
    # The variables settings.py reads come only from .env.example, never from the caller's shell.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_variables() and name not in example
    }
    environment.update(example)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            # No services needed: `check` without --database does not query, but settings parse it.
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    environment.pop("REDIS_URL")
    environment.pop("REDIS_CACHE_URL")
    # The browser tests of the same process allow Django's ORM beside Playwright's event loop; a
    # deployment never does.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert len(environment["SECRET_KEY"]) >= 50

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output, output
    assert "System check identified no issues" in output, output


def test_compose_runs_every_app_service_from_one_image():
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= services.keys()

    app = ("migrate", "web", "worker", "beat")
    for name in app:
        service = services[name]
        assert service.get("build") == services["web"]["build"], name
        assert service.get("image") == services["web"]["image"], name
        env_file = service.get("env_file")
        assert env_file in (".env", [".env"]), f"{name}: env_file is {env_file!r}"
    build = services["web"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (BASE_DIR / context / dockerfile).is_file()

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "healthcheck" in services["redis"]

    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert any(port.endswith(":8000") for port in services["web"]["ports"])

    # Uploads: one named volume, mounted where MEDIA_ROOT of .env.example points, in web and worker.
    media_root = parse_env_file(ENV_EXAMPLE)["MEDIA_ROOT"]
    for name in ("web", "worker"):
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        assert mounts.get(media_root) == "media", f"{name} does not mount the media volume at {media_root}"
    assert "media" in compose["volumes"]

    # The postgres service takes its password from .env, the one DATABASE_URL uses.
    assert "POSTGRES_PASSWORD" in services["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_dockerfile_installs_the_system_packages_the_project_needs():
    dockerfile = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8")
    script = (BASE_DIR / "scripts" / "system-deps.sh").read_text(encoding="utf-8")
    packages = re.search(r"^packages=\(([^)]*)\)", script, re.MULTILINE)
    assert packages, "scripts/system-deps.sh no longer lists packages=(…)"
    missing = [package for package in packages.group(1).split() if package not in dockerfile.split()]
    assert not missing, f"the Dockerfile does not install: {', '.join(missing)}"
    assert "--no-install-recommends" in dockerfile
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.MULTILINE), "the image must not run as root"
    assert "/healthz" in dockerfile and "HEALTHCHECK" in dockerfile
    assert '"config.wsgi:application"' in dockerfile and '"0.0.0.0:8000"' in dockerfile


def _redis_options(service: dict) -> dict[str, str]:
    """`--name value` pairs of a redis-server command line."""
    command = service["command"]
    assert command[0] == "redis-server", command
    return {name[2:]: value for name, value in zip(command[1::2], command[2::2], strict=True)}


def test_compose_bounds_redis_and_keeps_the_broker_apart_from_the_cache():
    """Issue 18: the cache used to share one unbounded Redis with the broker, so anonymous requests
    could fill the broker's memory. Now each Redis has a memory limit and a policy for it: the broker
    never evicts a queued task, the cache drops its least recently used keys."""
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    broker, cache = _redis_options(services["redis"]), _redis_options(services["redis-cache"])
    assert broker["maxmemory-policy"] == "noeviction"
    assert cache["maxmemory-policy"] == "allkeys-lru"
    for options in (broker, cache):
        assert re.fullmatch(r"[1-9][0-9]*(mb|gb)", options.get("maxmemory", "")), options
    assert services["redis-cache"]["image"].startswith("redis:7")
    assert "healthcheck" in services["redis-cache"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["redis-cache"]["condition"] == "service_healthy", name

    # The settings: the broker on REDIS_URL, the cache on REDIS_CACHE_URL, each a different service.
    example = parse_env_file(ENV_EXAMPLE)
    assert urlsplit(example["REDIS_URL"]).hostname == "redis"
    assert urlsplit(example["REDIS_CACHE_URL"]).hostname == "redis-cache"
    code = (
        "from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL); print(s.CACHES['default']['LOCATION'])"
    )
    environment = {
        **{name: value for name, value in os.environ.items() if name not in settings_variables()},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REDIS_URL": example["REDIS_URL"],
        "REDIS_CACHE_URL": example["REDIS_CACHE_URL"],
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [example["REDIS_URL"], example["REDIS_CACHE_URL"]]

    # Without REDIS_CACHE_URL the cache stays where it was: in the Redis of REDIS_URL.
    del environment["REDIS_CACHE_URL"]
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [example["REDIS_URL"], example["REDIS_URL"]]
