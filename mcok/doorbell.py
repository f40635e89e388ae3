"""Ringing a task whose work the database already holds.

The database is the source of truth and the queue only a doorbell: a recompute request, a report job
or a score given is committed first, and its task is sent after the commit. When the broker is
down, sending raises (kombu's OperationalError after its retries, OSError, or a RuntimeError from a
connection pool that gave up); the change is saved all the same and a beat task finds the work
later. So a failed ring is a warning in the log, never an error for the user who saved. A task run
in-process (Celery's eager mode, no broker) whose database fails leaves its work's rows for the same
beat task: logged with its traceback, and the save stands too. This is the one policy for every
after-commit task of the portal: each rings through `ring`.
"""

import logging

from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def ring(task, *args, what: str) -> bool:
    """Send `task` with `args`; False, with a warning, when the broker cannot be reached."""
    try:
        task.delay(*args)
    except (BrokerError, OSError, RuntimeError) as error:
        logger.warning("%s not queued, beat will pick it up: %s", what, error)
        return False
    except DatabaseError:  # run in-process and the database failed: the work's rows wait for beat
        logger.exception("%s failed in-process; beat will pick it up.", what)
        return False
    return True
