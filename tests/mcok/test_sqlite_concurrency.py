"""The embedded default under two people at once: a school's autosave and its submit, each reading a
row and writing it back in one transaction, on an SQLite file opened with the portal's own options
(config.settings.SQLITE_OPTIONS). None may fail with «database is locked», nothing may be lost.

The suite's own test database is SQLite in memory, whose shared cache locks differently from a file,
so these tests open a file of their own through Django's SQLite backend."""

import contextlib
import itertools
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

ROUNDS = 60
NUMBERS = itertools.count()


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker):
    """A connection alias on an SQLite file of the test's own, opened with the given options."""
    made = []
    django_db_blocker.unblock()

    def make(options) -> str:
        alias = f"concurrency{next(NUMBERS)}"
        connections.settings[alias] = {
            **connections.settings["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / f"{alias}.sqlite3"),
            "OPTIONS": dict(options),
            "TEST": {},
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
        }
        made.append(alias)
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, saves INTEGER, submits INTEGER)")
            cursor.execute("INSERT INTO answer VALUES (1, 0, 0)")
        connections[alias].close()
        return alias

    yield make
    for alias in made:
        connections[alias].close()
        del connections.settings[alias]
    django_db_blocker.restore()


def read_then_write(alias: str, column: str, errors: list, pause=None) -> None:
    """A transaction that reads the row, then writes what it read plus one: the autosave and the
    submit both do so. `pause` runs between the read and the write."""
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM answer WHERE id = 1")  # noqa: S608 - a fixed column
            (value,) = cursor.fetchone()
            if pause:
                pause()
            cursor.execute(f"UPDATE answer SET {column} = %s WHERE id = 1", [value + 1])  # noqa: S608
    except OperationalError as error:
        errors.append(str(error))
    finally:
        connections[alias].close()


def total(alias: str) -> tuple[int, int]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT saves, submits FROM answer WHERE id = 1")
        return cursor.fetchone()


def test_the_portal_s_sqlite_options_let_autosave_and_submit_run_together(sqlite_file):
    alias = sqlite_file(settings.SQLITE_OPTIONS)
    errors: list[str] = []

    def person(column):
        for _ in range(ROUNDS):
            read_then_write(alias, column, errors, pause=lambda: time.sleep(0.001))

    threads = [threading.Thread(target=person, args=(column,)) for column in ("saves", "submits")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert total(alias) == (ROUNDS, ROUNDS)  # nothing lost
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_without_them_the_same_two_transactions_fail_with_database_is_locked(sqlite_file):
    """The control: SQLite's default (deferred) transactions, both past their read when either writes,
    fail at once however long the timeout — the failure the options above prevent."""
    alias = sqlite_file({"timeout": 20})
    errors: list[str] = []
    both_read = threading.Barrier(2, timeout=5)

    def pause():
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()

    threads = [
        threading.Thread(target=read_then_write, args=(alias, column, errors, pause))
        for column in ("saves", "submits")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert any("locked" in error for error in errors), errors
