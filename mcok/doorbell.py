"""Ringing a task whose work the database already holds.

The database is the source of truth and the queue only a doorbell: a recompute request, a report job
or a score given is committed first, and its task is sent after the commit. When the broker is
down, sending raises (kombu's OperationalError after its retries, OSError, or a RuntimeError from a
connection pool that gave up); the change is saved all the same and a beat task finds the work
later. So a failed ring is a warning in the log, never an error for the user who saved. A task run
in-process (Celery's eager mode, no broker) whose database fails leaves its work's rows for the same
beat task: logged with its traceback, and the save stands too. This is the one policy for every
after-commit task of the portal: each rings through `ring`.

On the embedded default (no broker: Celery runs tasks in-process) sending a task would run it inside
the request that rang, and the person would wait for a PDF or a recompute. With
TASKS_IN_BACKGROUND_THREAD (on by default there, off under pytest) the task runs instead in a thread
of its own, after the commit as always, and the page polls the work's row as it does with a worker.
The thread closes its database connection when done and logs a failure; the work's row (a job, a
request) says what became of it, and the sweepers find what a stopped process left.
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def in_background_thread() -> bool:
    """Whether rung tasks run in a thread of the web process (the embedded default) instead of the
    queue or the request."""
    return bool(getattr(settings, "TASKS_IN_BACKGROUND_THREAD", False))


def run_in_thread(task, *args, what: str) -> threading.Thread:
    """Run `task(*args)` in a daemon thread; a failure is logged, the connection closed at the end."""

    def work() -> None:
        try:
            task(*args)
        except Exception:
            logger.exception("%s failed in the background thread.", what)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name=f"mcok-task-{task.name}", daemon=True)
    thread.start()
    return thread


def ring(task, *args, what: str) -> bool:
    """Send `task` with `args`; False, with a warning, when the broker cannot be reached. On the
    embedded default with TASKS_IN_BACKGROUND_THREAD the task runs in a background thread instead."""
    if in_background_thread():
        run_in_thread(task, *args, what=what)
        return True
    try:
        task.delay(*args)
    except (BrokerError, OSError, RuntimeError) as error:
        logger.warning("%s not queued, beat will pick it up: %s", what, error)
        return False
    except DatabaseError:  # run in-process and the database failed: the work's rows wait for beat
        logger.exception("%s failed in-process; beat will pick it up.", what)
        return False
    return True
