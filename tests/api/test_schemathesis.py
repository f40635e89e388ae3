"""Schemathesis's command line against the portal served over HTTP: whatever it sends to any operation
of the OpenAPI schema, as a coordinator and as a school, the portal never answers 5xx.

The command line runs as a subprocess (its pytest plugin does not follow pytest 9) against pytest-django's
live server, on the suite's own database, so the rows of tests/api/support.py are there to hit. Only
`not_a_server_error` decides; the output of the run is the assertion message: the failing operation and
the curl that reproduces it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.support import seed

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# A few cases per operation on top of the schema's examples keep both runs near a minute in CI; set
# SCHEMATHESIS_MAX_EXAMPLES (and SCHEMATHESIS_SEED) to search longer by hand.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5")
OPERATIONS = 63  # every operation of the schema but /api/token/
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261123")


def schemathesis(base_url: str, token: str, tmp_path: Path) -> subprocess.CompletedProcess:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base_url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--warnings",
        "off",
        "--exclude-path",
        "/api/token/",
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env, check=False
    )


@pytest.fixture
def seeded(transactional_db):
    return seed()


@pytest.mark.parametrize("role", ["coordinator", "school"])
def test_no_input_makes_the_api_fail_with_a_server_error(live_server, seeded, role, tmp_path):
    token = seeded.coordinator_token if role == "coordinator" else seeded.school_token
    run = schemathesis(live_server.url, token, tmp_path)
    output = f"{run.stdout}\n{run.stderr}"
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested and int(tested.group(1)) >= OPERATIONS, output  # the schema loaded, every operation ran
    assert run.returncode == 0, output
