"""Races on PostgreSQL: many threads hit one submission at once, each on its own connection.

SQLite serialises every write of the whole database, so these run only on PostgreSQL (CI). Each test
repeats several rounds with the threads released together by a barrier: the naive code sometimes
passes a single round, never all of them. Each test names what it guards and why it would fail
without it.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils.translation import gettext

from indicators.models import DataValue
from monitoring import services
from monitoring.models import Field, Submission, SubmissionEvent
from tests.factories import make_organization
from tests.monitoring.factories import make_campaign, make_form

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 5
THREADS = 20
ANSWERS = {"teachers": "40", "teachers_diagnosed": "30"}


def together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released at once; their results (or exceptions) by index."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # kept to be asserted on
            results[index] = error
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs: a deadlock?"
    return results


def test_first_submission_for_of_many_threads_makes_one_row(world):
    """Guarded by the unique constraint (campaign, organization) with get_or_create: without the
    constraint, the threads all miss in get() and all insert (8–31 rows of 50 were seen here)."""
    form = make_form(world.municipality)
    for round_ in range(ROUNDS):
        organization = make_organization(world.municipality, short_name=f"Школа гонки {round_}")
        campaign = make_campaign(world.municipality, form=form, organizations=[organization])

        def first(_i, campaign=campaign, organization=organization):
            return services.submission_for(campaign=campaign, organization=organization)

        results = together(THREADS, first)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert Submission.objects.filter(campaign=campaign, organization=organization).count() == 1
        assert len({submission.pk for submission in results}) == 1


def test_many_reviewers_accepting_at_once_accept_once(world):
    """Guarded by the conditional UPDATE … WHERE status = 'submitted': PostgreSQL re-checks the
    condition after the first reviewer's commit, so the others update no row and get a
    ValidationError. A read-check-write in Python would let several see «submitted» and each write
    an ACCEPTED event and its data values."""
    form = make_form(world.municipality)
    campaign = make_campaign(world.municipality, form=form)
    for round_ in range(ROUNDS):
        organization = make_organization(world.municipality, short_name=f"Школа приёмки {round_}")
        campaign.organizations.add(organization)
        submission = services.submission_for(campaign=campaign, organization=organization)
        services.submission_save(submission=submission, answers=ANSWERS, base_revision=None, by=None)
        services.submission_submit(submission=submission, by=None)

        def accept(_i, submission=submission):
            copy = Submission.objects.select_related("campaign__municipality").get(pk=submission.pk)
            return services.submission_accept(submission=copy, by=world.coordinator)

        results = together(THREADS, accept)
        outcomes = Counter(type(result).__name__ for result in results)
        assert outcomes == {"Submission": 1, "ValidationError": THREADS - 1}, results
        assert all(
            r.messages == [gettext("Only a submitted form can be accepted.")]
            for r in results
            if isinstance(r, ValidationError)
        )
        assert (
            SubmissionEvent.objects.filter(
                submission=submission, action=SubmissionEvent.Action.ACCEPTED
            ).count()
            == 1
        )
        values = DataValue.objects.filter(organization=organization)
        assert sorted(values.values_list("data_element__code", "value")) == [
            ("teachers", 40),
            ("teachers_diagnosed", 30),
        ]


def test_two_people_saving_different_questions_from_one_base_keep_both(world):
    """Guarded by SELECT … FOR UPDATE on the submission in submission_save: the second save waits,
    reads the first's revision and merges. Without the lock both read the same answers and the
    later write drops the earlier one's question (a lost update, seen within a few rounds)."""
    form = make_form(world.municipality)
    for round_ in range(ROUNDS * 2):
        # The school's respondent and its head, each in a new collection, as two tabs would.
        campaign = make_campaign(
            world.municipality, form=form, organizations=[world.school], title=f"Сбор {round_}"
        )
        submission = services.submission_for(campaign=campaign, organization=world.school)
        services.submission_save(
            submission=submission, answers={"format": "Очная"}, base_revision=None, by=None
        )
        base = Submission.objects.get(pk=submission.pk).revision
        mine = [({"teachers": "40"}, world.respondent), ({"teachers_diagnosed": "30"}, world.head)]

        def save(i, submission=submission, base=base, mine=mine):
            answers, by = mine[i]
            return services.submission_save(submission=submission, answers=answers, base_revision=base, by=by)

        results = together(2, save)
        assert not [r for r in results if isinstance(r, Exception)], results
        stored = Submission.objects.get(pk=submission.pk)
        assert stored.answers == {"format": "Очная", "teachers": "40", "teachers_diagnosed": "30"}
        assert stored.revision == base + 2
        # The one that waited was told what its colleague had changed meanwhile.
        assert sorted(code for saved in results for code in saved.merged) in (
            ["teachers"],
            ["teachers_diagnosed"],
        )


def test_many_people_saving_their_own_question_from_one_base_keep_them_all(world):
    """The same lock with eight writers at once, which makes a lost update near certain without it."""
    form = make_form(world.municipality, elements=False)
    codes = [f"q{i}" for i in range(8)]
    for order, code in enumerate(codes, start=10):
        Field.objects.create(form=form, code=code, label=f"Вопрос {code}", kind=Field.Kind.TEXT, order=order)
    campaign = make_campaign(world.municipality, form=form)
    for round_ in range(ROUNDS):
        organization = make_organization(world.municipality, short_name=f"Школа восьми {round_}")
        campaign.organizations.add(organization)
        submission = services.submission_for(campaign=campaign, organization=organization)

        def save(i, submission=submission):
            return services.submission_save(
                submission=submission, answers={codes[i]: f"ответ {i}"}, base_revision=0, by=None
            )

        results = together(len(codes), save)
        assert not [r for r in results if isinstance(r, Exception)], results
        stored = Submission.objects.get(pk=submission.pk)
        assert stored.answers == {code: f"ответ {i}" for i, code in enumerate(codes)}
        assert stored.revision == len(codes)
        assert stored.events.count() == len(codes)


def test_two_forms_accepted_at_once_feeding_one_figure_both_land(world):
    """Two collections of one form (say, a main one and a correction) accepted at the same moment for
    one school write the same new data value. Guarded by the retry in data_values_write: both find
    no row and insert; the loser's insert breaks the unique constraint, and it writes again as an
    update instead of ending the reviewer's request in an error."""
    form = make_form(world.municipality)
    for round_ in range(ROUNDS):
        organization = make_organization(world.municipality, short_name=f"Школа двух сборов {round_}")
        submissions = []
        for answers in (
            {"teachers": "40", "teachers_diagnosed": "30"},
            {"teachers": "41", "teachers_diagnosed": "31"},
        ):
            campaign = make_campaign(world.municipality, form=form, organizations=[organization])
            submission = services.submission_for(campaign=campaign, organization=organization)
            services.submission_save(submission=submission, answers=answers, base_revision=None, by=None)
            submissions.append(services.submission_submit(submission=submission, by=None))

        def accept(index, submissions=submissions):
            return services.submission_accept(submission=submissions[index], by=world.coordinator)

        results = together(2, accept)
        assert not [r for r in results if isinstance(r, Exception)], results
        values = DataValue.objects.filter(organization=organization)
        assert values.count() == 2
        assert {int(v.value) for v in values} in ({40, 30}, {41, 31})
