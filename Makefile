# The task index. The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run dev test bench backup restore lint format messages messages-compile migrations-check worker beat system-deps clean

$(INSTALLED): pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24"
	$(BIN)/pip install -q -e ".[dev]"
	touch $(INSTALLED)

system-deps:
	scripts/system-deps.sh

## The portal on the embedded default: SQLite, tasks in-process, demo municipalities, on 127.0.0.1:8000;
## another port: `make run PORT=8080`, another address: `make run HOST=0.0.0.0 PORT=8080`.
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(INSTALLED) messages-compile
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "The portal: http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

dev: run

## Lint, migrations check, messages, the whole suite. On PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.
test: $(INSTALLED) messages-compile
	scripts/system-deps.sh --test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/pytest -n 2 -q

## Benchmarks, not tests: figures as `name: value` lines. On PostgreSQL (DATABASE_URL, default
## postgres://postgres@127.0.0.1:5432/mcok_bench) and, for the public tab, gunicorn, Redis and wrk;
## what users wait on (bench/user_waits.py) in its own database, mcok_bench_waits.
bench: $(INSTALLED) messages-compile
	scripts/system-deps.sh --bench
	$(BIN)/python -m bench.indicators
	$(BIN)/python -m bench.public_tab
	$(BIN)/python -m bench.surge
	$(BIN)/python -m bench.user_waits

## The database (pg_dump) and the uploaded files with a manifest of row counts and checksums:
## `make backup [DIR=backups/…]`; `make restore DIR=… [RESTORE_DATABASE_URL=…]` into an empty database.
DIR ?= backups/$(shell date +%Y%m%d-%H%M%S)
backup: $(INSTALLED)
	$(BIN)/python manage.py backup --to $(DIR)

restore: $(INSTALLED)
	$(BIN)/python manage.py restore --from $(DIR) $(if $(RESTORE_DATABASE_URL),--database-url $(RESTORE_DATABASE_URL))

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(INSTALLED)
	$(BIN)/python manage.py makemessages -l ru --no-location --no-obsolete -i ".venv/*" -i "tests/*"

messages-compile: $(INSTALLED)
	$(BIN)/python manage.py compilemessages -l ru -i ".venv" -v 0

migrations-check: $(INSTALLED)
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: $(INSTALLED)
	$(BIN)/celery -A config worker -l info

beat: $(INSTALLED)
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
