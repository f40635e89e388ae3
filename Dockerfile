# The production image of the МСОКО-портал: one image for web (gunicorn), worker and beat (Celery)
# and the one-shot migrate service; see docker-compose.yml and .env.example.
FROM python:3.11-slim-bookworm

# PYTHONPATH: `pip install .` also puts the packages into site-packages, but config/settings.py finds
# templates/, static/ and locale/ next to itself (BASE_DIR), so /app must win for every process
# (manage.py, gunicorn, celery).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    WEB_CONCURRENCY=3

# gettext: compilemessages; pango/harfbuzz: WeasyPrint; fonts with Cyrillic for the PDFs
# (PT Sans/Serif, Liberation as the metric twin of Times New Roman, DejaVu as the fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gettext \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-paratype \
        fonts-liberation2 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mcok \
    && useradd --system --uid 10001 --gid mcok --create-home --home-dir /home/mcok \
        --shell /usr/sbin/nologin mcok \
    && install -d -o mcok -g mcok -m 0750 /var/lib/mcok /var/lib/mcok/media

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself (no dev extras). The code stays owned by root: the app user only reads it.
COPY . .
RUN pip install . \
    && rm -rf build ./*.egg-info

# Translations and static files at build time. DEBUG=0 selects the manifest storage of whitenoise;
# the SECRET_KEY is a build-only dummy and never reaches a running container.
RUN DEBUG=0 SECRET_KEY=build-only-dummy-key-not-used-at-runtime python manage.py compilemessages -v 0 \
    && DEBUG=0 SECRET_KEY=build-only-dummy-key-not-used-at-runtime python manage.py collectstatic --noinput -v 0

USER mcok

# Uploads: docker-compose.yml mounts the `media` volume here (a named volume copies this ownership).
ENV MEDIA_ROOT=/var/lib/mcok/media
EXPOSE 8000

# /healthz answers 200 when the process serves and the database is reachable. The request carries
# the first ALLOWED_HOSTS entry as Host (or Django answers 400) and X-Forwarded-Proto like the proxy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h and h != '*' else 'localhost'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

# Workers: WEB_CONCURRENCY (3 by default, override in .env). Timeouts: a request that takes more
# than 60 s is killed (long work runs in Celery); 30 s to finish requests on SIGTERM.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
