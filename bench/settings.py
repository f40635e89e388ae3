"""Settings of the public-page benchmark (`python -m bench.public_tab`): production's, on loopback.

The environment is filled in before config.settings reads it, so everything it decides from DEBUG
is the production choice: DEBUG off, the cache on Redis (REDIS_URL), PostgreSQL (DATABASE_URL),
the manifest of static files. What differs from production, and why:

- plain http on 127.0.0.1 (no TLS in front), so no redirect to https;
- Celery tasks run in-process: the bench starts no worker, and the measured pages start no task;
- the static files are collected into the bench's own directory (BENCH_STATIC_ROOT), without the
  gzip/brotli copies: a page request only looks its static addresses up in the same manifest;
- the translations compiled into the bench's own directory (BENCH_LOCALE_ROOT) when given;
- logging only from warnings up;
- ROOT_URLCONF adds one bare view, the baseline the public page is compared with.
"""

import os
import secrets
from pathlib import Path

os.environ["DEBUG"] = "0"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mcok_bench_public")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("CACHE_KEY_PREFIX", "mcok-bench")
# One key for every worker: the bench sets it once, before gunicorn starts, and workers inherit it.
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from config.settings import *  # noqa: E402, F403
from config.settings import BASE_DIR, STORAGES  # noqa: E402

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
if os.environ.get("BENCH_LOCALE_ROOT"):
    LOCALE_PATHS = [Path(os.environ["BENCH_LOCALE_ROOT"]), BASE_DIR / "locale"]
