"""Drill: PostgreSQL restarts while users are on the portal.

The portal runs under gunicorn on a throw-away PostgreSQL cluster of the drill's own (a copy of the
test database), never the machine's. While clients keep asking for a signed-in page and the API, the
cluster is stopped and started again. During the outage every answer is a 503 with Retry-After (a
page for people, JSON for the API), never a 500 or a dropped connection; after it, the same
gunicorn, restarted by nobody, answers 200 again.
"""

import json
import threading

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.faults.support import needs_pg_cluster, on_postgresql, portal, postgres_cluster, wait_until

pytestmark = [on_postgresql, needs_pg_cluster, pytest.mark.django_db(transaction=True)]

PAGE = "/home/"
API = "/api/municipalities/"


class Traffic(threading.Thread):
    """A client asking for the page and the API in turn until stopped; every status it got."""

    def __init__(self, server, page_headers, api_headers):
        super().__init__(daemon=True)
        self.server, self.page_headers, self.api_headers = server, page_headers, api_headers
        self.statuses: list[int | str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            for path, headers in ((PAGE, self.page_headers), (API, self.api_headers)):
                try:
                    self.statuses.append(self.server.request(path, headers=headers)[0])
                except OSError as error:  # a dropped connection counts as a failure
                    self.statuses.append(type(error).__name__)


def test_the_portal_answers_503_during_a_restart_and_recovers_by_itself(world, tmp_path):
    token = Token.objects.create(user=world.respondent).key
    client = Client()
    client.force_login(world.respondent)
    page_headers = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    api_headers = {"Authorization": f"Token {token}"}

    from tests.faults.support import database_url

    with postgres_cluster() as cluster:
        url = cluster.copy_database(database_url(), "portal")
        with portal(directory=tmp_path, database=url) as server:
            assert server.request(PAGE, headers=page_headers)[0] == 200
            assert server.request(API, headers=api_headers)[0] == 200
            traffic = Traffic(server, page_headers, api_headers)
            traffic.start()
            try:
                wait_until(lambda: 200 in traffic.statuses, timeout=20, what="traffic before the restart")
                cluster.stop("fast")  # every connection of the portal is cut

                status, headers, body = server.request(PAGE, headers=page_headers)
                assert status == 503
                assert headers["Retry-After"] == "60"
                assert headers["Content-Type"].startswith("text/html")
                assert b"<h1>" in body
                status, headers, body = server.request(API, headers=api_headers)
                assert status == 503
                assert headers["Retry-After"] == "60"
                assert headers["Content-Type"] == "application/json"
                assert set(json.loads(body)) == {"detail"}
                assert server.request("/healthz")[0] == 503

                seen = len(traffic.statuses)
                cluster.start()
                # The first requests after the start already find the database: nothing restarted.
                assert server.request(PAGE, headers=page_headers)[0] == 200
                assert server.request(API, headers=api_headers)[0] == 200
                wait_until(lambda: 200 in traffic.statuses[seen:], timeout=20, what="traffic after it")
            finally:
                traffic.halt.set()
                traffic.join(timeout=30)
            assert server.process.poll() is None  # the same gunicorn throughout
            assert server.output().count("Booting worker") <= 1  # and its worker was never replaced
            assert "Database unavailable, answered 503" in server.output()

    assert 503 in traffic.statuses
    assert set(traffic.statuses) <= {200, 503}, traffic.statuses
