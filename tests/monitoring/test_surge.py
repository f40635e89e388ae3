"""The deadline surge in small (`python -m bench.surge` is the full one): many schools save and submit
through the API at once, each thread with its own client and its own database connection.

SQLite serialises every write of the whole database and answers concurrent writers with «database
is locked», so these run only on PostgreSQL (CI), like the race tests.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from bench.surge import answers_for, collection_build, collection_counts
from monitoring.models import Submission, SubmissionEvent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL: SQLite locks the whole database on every write",
    ),
    pytest.mark.django_db(transaction=True),
]

SCHOOLS = 50
THREADS = 10


def school_deadline(token: str, campaign_id: int, index: int, barrier: threading.Barrier | None) -> list[int]:
    """One school through the API as its program would: start the submission, save the draft, submit.
    The status codes of the three requests (fewer when one fails)."""
    client = Client(headers={"Authorization": f"Token {token}"})
    codes = []
    try:
        if barrier is not None:
            barrier.wait()
        started = client.post("/api/submissions/", {"campaign": campaign_id}, content_type="application/json")
        codes.append(started.status_code)
        if started.status_code not in (200, 201):
            return codes
        submission = started.json()
        path = f"/api/submissions/{submission['id']}/"
        body = {"answers": answers_for(index), "base_revision": submission["revision"]}
        codes.append(client.post(path + "save/", body, content_type="application/json").status_code)
        if codes[-1] != 200:
            return codes
        codes.append(client.post(path + "submit/", content_type="application/json").status_code)
        return codes
    finally:
        connections.close_all()  # this thread's own connection


def surge(jobs: list[tuple[str, int, int]]) -> list[list[int]]:
    """Run the schools' deadlines from THREADS threads, the first THREADS released together."""
    first = threading.Barrier(min(THREADS, len(jobs)), timeout=30)  # the first wave starts at once

    def run(position: int, job: tuple[str, int, int]) -> list[int]:
        token, campaign_id, index = job
        return school_deadline(token, campaign_id, index, first if position < THREADS else None)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, range(len(jobs)), jobs, timeout=120))


def build(schools: int):
    campaign, pairs = collection_build(schools, slug="surge-test")
    tokens = [Token.objects.create(user=user).key for _organization, user in pairs]
    return campaign, pairs, tokens


def test_fifty_schools_at_the_deadline_each_submit_once():
    """Every school's three requests succeed, and the database holds exactly one submitted
    submission per school with one «submitted» event each, the answers the school sent."""
    campaign, pairs, tokens = build(SCHOOLS)

    results = surge([(token, campaign.pk, index) for index, token in enumerate(tokens)])

    errors = [(index, codes) for index, codes in enumerate(results) if codes[0] not in (200, 201)]
    errors += [(index, codes) for index, codes in enumerate(results) if codes[1:] != [200, 200]]
    assert errors == []
    assert Counter(codes[0] for codes in results) == {201: SCHOOLS}  # each started its own
    counts = collection_counts(campaign)
    assert counts == {"stored": SCHOOLS, "duplicates": 0, "events": SCHOOLS, "without_one_event": 0}
    stored = {
        submission.organization_id: submission
        for submission in Submission.objects.filter(campaign=campaign, status=Submission.Status.SUBMITTED)
    }
    assert set(stored) == {organization.pk for organization, _user in pairs}
    for index, (organization, _user) in enumerate(pairs):
        expected = {code: str(value) for code, value in answers_for(index).items()}
        assert stored[organization.pk].answers == expected


def test_a_school_sending_twice_at_once_is_stored_once():
    """Two clients of the same school (a double click, a retry) race through start, save and
    submit: one submission per school, submitted once with one «submitted» event; the loser is told
    so (400 or 409), never a server error."""
    schools = THREADS // 2
    campaign, _pairs, tokens = build(schools)

    results = surge([(token, campaign.pk, index) for index, token in enumerate(tokens) for _twice in (1, 2)])

    assert all(code < 500 for codes in results for code in codes), results
    assert all(code in (200, 201, 400, 409) for codes in results for code in codes), results
    for school in range(schools):
        pair = results[2 * school : 2 * school + 2]
        assert all(codes[0] in (200, 201) for codes in pair), pair
        submitted = [codes for codes in pair if codes == [codes[0], 200, 200]]
        assert len(submitted) == 1, pair
    assert collection_counts(campaign) == {
        "stored": schools,
        "duplicates": 0,
        "events": schools,
        "without_one_event": 0,
    }
    assert (
        SubmissionEvent.objects.filter(
            submission__campaign=campaign, action=SubmissionEvent.Action.SUBMITTED
        ).count()
        == Submission.objects.filter(campaign=campaign).count()
    )
