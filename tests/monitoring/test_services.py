"""The monitoring services: collections and their dates, reminders, submissions from the first draft to
acceptance. Asserts are on the database, the outbox and the exceptions; messages in English (msgids)."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.models import DataValue, IndicatorValue
from mcok.models import Official
from monitoring import services, submission_services
from monitoring.models import Campaign, Extension, Field, Form, Reminder, Rule, Submission, SubmissionEvent
from tests.factories import make_organization
from tests.indicators.factories import make_element, make_period
from tests.monitoring.factories import make_campaign, make_form, make_submission

Status = Submission.Status
State = Campaign.State
Action = SubmissionEvent.Action

TODAY = datetime.date(2026, 3, 10)
ANSWERS = {"teachers": "40", "teachers_diagnosed": "30", "format": "Очная"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(world):
    """The world with e-mail addresses: the school's respondent and head, the other school's respondent."""
    for user, email in [
        (world.respondent, "respondent@school.example"),
        (world.head, "head@school.example"),
        (world.other_respondent, "respondent@other.example"),
        (world.coordinator, "coordinator@uo.example"),
    ]:
        user.email = email
        user.save(update_fields=["email"])
    return world


@pytest.fixture
def campaign(world):
    """Open, asking world.school and world.other_school."""
    return make_campaign(world.municipality)


def events(submission) -> list[str]:
    return list(submission.events.order_by("pk").values_list("action", flat=True))


def dates(opens=-3, deadline=10, closes=None, today=None):
    today = today or timezone.localdate()
    out = {
        "opens_on": today + datetime.timedelta(days=opens),
        "deadline": today + datetime.timedelta(days=deadline),
    }
    if closes is not None:
        out["closes_on"] = today + datetime.timedelta(days=closes)
    return out


def recipients(mail) -> set[str]:
    return set(mail.to)


def announced(campaign, mailoutbox) -> None:
    """The opening letters went, as the task rung at opening sends them (the test's transaction never
    commits, so the doorbell did not ring); the outbox is emptied for what follows."""
    services.reminders_send(campaign=campaign, kind=Reminder.Kind.OPENING)
    mailoutbox.clear()


# campaign_create -----------------------------------------------------------------------------------


def create(world, form=None, **fields):
    values = {
        "form": form or make_form(world.municipality),
        "period": make_period("2025/26"),
        "title": "Диагностика",
        "by": world.coordinator,
        **dates(),
    }
    return services.campaign_create(**(values | fields))


def test_create_targets_the_schools_of_the_municipality(world):
    campaign = create(world, kinds=["school"])
    assert campaign.state == State.DRAFT
    assert set(campaign.organizations.all()) == {world.school, world.other_school}
    assert campaign.municipality == world.municipality


def test_create_targets_by_kind_and_every_flag(world):
    low = make_organization(world.municipality, low_results=True, locality="rural")
    make_organization(world.municipality, low_results=True, locality="urban")
    make_organization(world.municipality, kind="kindergarten", low_results=True, locality="rural")
    make_organization(world.municipality, low_results=True, locality="rural", is_active=False)
    campaign = create(world, kinds=["school"], flags=["low_results", "rural"])
    assert list(campaign.organizations.all()) == [low]
    assert (campaign.target_kinds, campaign.target_flags) == (["school"], ["low_results", "rural"])


def test_create_with_no_kinds_asks_every_active_organization(world):
    kindergarten = make_organization(world.municipality, kind="kindergarten")
    campaign = create(world)
    assert set(campaign.organizations.all()) == {world.school, world.other_school, kindergarten}


def test_create_refuses_an_unknown_flag(world):
    with pytest.raises(ValidationError, match="Unknown flags: cursed"):
        create(world, flags=["cursed"])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (dates(opens=0, deadline=-1), "The deadline cannot be earlier than the opening date."),
        (dates(opens=0, deadline=5, closes=4), "A collection cannot close before its deadline."),
    ],
)
def test_create_refuses_dates_out_of_order(world, when, message):
    with pytest.raises(ValidationError) as error:
        create(world, **when)
    assert error.value.messages == [message]
    assert not Campaign.objects.exists()


def test_create_accepts_a_deadline_on_the_opening_day_and_closing_on_the_deadline(world):
    campaign = create(world, **dates(opens=0, deadline=0, closes=0))
    assert campaign.opens_on == campaign.deadline == campaign.closes_on


def test_create_refuses_organizations_of_another_municipality(world):
    with pytest.raises(ValidationError) as error:
        create(world, organizations=[world.school, world.elsewhere_school])
    assert error.value.messages == ["Organizations of another municipality cannot be asked."]
    assert not Campaign.objects.exists()


def test_create_refuses_a_blank_title(world):
    with pytest.raises(ValidationError):
        create(world, title="   ")
    assert not Campaign.objects.exists()


# campaign_open / campaign_close --------------------------------------------------------------------


def test_open_refuses_a_form_without_questions(world):
    empty = Form.objects.create(municipality=world.municipality, title="Пустая")
    campaign = create(world, form=empty, kinds=["school"])
    with pytest.raises(ValidationError, match="The form has no questions yet."):
        services.campaign_open(campaign=campaign, by=world.coordinator)
    campaign.refresh_from_db()
    assert campaign.state == State.DRAFT


def test_open_refuses_a_collection_asking_nobody(world):
    campaign = create(world, organizations=[])
    with pytest.raises(ValidationError, match="No organizations are asked to answer."):
        services.campaign_open(campaign=campaign, by=world.coordinator)
    campaign.refresh_from_db()
    assert campaign.state == State.DRAFT


def test_open_reminds_every_organization_after_commit(people, mailoutbox, django_capture_on_commit_callbacks):
    world = people
    world.school.head = Official.objects.create(
        municipality=world.municipality,
        full_name="Петров П.П.",
        position="директор",
        email="director@school.example",
    )
    world.school.save(update_fields=["head"])
    campaign = create(world, kinds=["school"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.campaign_open(campaign=campaign, by=world.coordinator)
    assert mailoutbox == []  # nothing before the commit
    assert not Reminder.objects.exists()
    for callback in callbacks:
        callback()
    campaign.refresh_from_db()
    assert campaign.state == State.OPEN and campaign.opened_at is not None
    by_recipients = {frozenset(mail.to): mail for mail in mailoutbox}
    assert set(by_recipients) == {
        frozenset({"respondent@school.example", "head@school.example", "director@school.example"}),
        frozenset({"respondent@other.example"}),
    }
    assert all("Диагностика" in mail.subject for mail in mailoutbox)
    assert set(
        Reminder.objects.filter(campaign=campaign, kind=Reminder.Kind.OPENING).values_list(
            "organization", flat=True
        )
    ) == {world.school.pk, world.other_school.pk}


def test_reminder_letters_are_written_in_the_site_language(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = create(people, kinds=["school"])
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_open(campaign=campaign)
    # The test runs under English; the letters still follow settings.LANGUAGE_CODE.
    with translation.override("ru"):
        expected = translation.gettext("Data collection «%(title)s» is open") % {"title": "Диагностика"}
    assert {mail.subject for mail in mailoutbox} == {expected}


def test_opening_twice_is_refused(campaign):
    with pytest.raises(ValidationError, match="already open"):
        services.campaign_open(campaign=campaign)


def test_reopening_a_closed_collection_sends_no_reminder(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign(people.municipality, state=State.CLOSED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.campaign_open(campaign=campaign, by=people.coordinator)
    campaign.refresh_from_db()
    assert campaign.state == State.OPEN and campaign.closed_at is None
    assert callbacks == [] and mailoutbox == []
    assert not Reminder.objects.exists()


def test_reopening_after_the_closing_day_drops_that_day(world):
    campaign = make_campaign(world.municipality, **dates(opens=-20, deadline=-10, closes=-5))
    services.campaign_close(campaign=campaign)
    services.campaign_open(campaign=campaign)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.closes_on) == (State.OPEN, None)
    # Beat's next pass leaves it open: the coordinator closes it.
    assert services.campaigns_advance()["closed"] == 0


def test_open_decides_by_the_database_not_the_callers_copy(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world.municipality, state=State.DRAFT)
    stale = Campaign.objects.get(pk=campaign.pk)
    services.campaign_open(campaign=campaign)
    with pytest.raises(ValidationError):
        services.campaign_open(campaign=stale)


def test_close(campaign, world):
    services.campaign_close(campaign=campaign, by=world.coordinator)
    campaign.refresh_from_db()
    assert campaign.state == State.CLOSED and campaign.closed_at is not None
    with pytest.raises(ValidationError, match="Only an open collection can be closed."):
        services.campaign_close(campaign=campaign)


def test_a_draft_cannot_be_closed(world):
    campaign = make_campaign(world.municipality, state=State.DRAFT)
    with pytest.raises(ValidationError):
        services.campaign_close(campaign=campaign)


# campaigns_advance ---------------------------------------------------------------------------------------


def test_advance_opens_due_drafts_only(world, mailoutbox, django_capture_on_commit_callbacks):
    form = make_form(world.municipality)
    due, later, past = (
        make_campaign(world.municipality, form=form, state=State.DRAFT, **dates(**when, today=TODAY))
        for when in (
            {"opens": 0, "deadline": 10},
            {"opens": 1, "deadline": 10},
            {"opens": -9, "deadline": -1},
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.campaigns_advance(today=TODAY)
    assert counts["opened"] == 1
    states = dict(Campaign.objects.values_list("pk", "state"))
    assert states == {due.pk: State.OPEN, later.pk: State.DRAFT, past.pk: State.DRAFT}
    assert Reminder.objects.filter(kind=Reminder.Kind.OPENING, campaign=due).count() == 2


def test_advance_closes_collections_past_their_closing_day(world):
    form = make_form(world.municipality)
    with time_machine.travel(TODAY - datetime.timedelta(days=20), tick=False):
        ending = make_campaign(world.municipality, form=form, **dates(opens=0, deadline=15, closes=19))
        going = make_campaign(world.municipality, form=form, **dates(opens=0, deadline=15, closes=20))
        endless = make_campaign(world.municipality, form=form, **dates(opens=0, deadline=15))
    counts = services.campaigns_advance(today=TODAY)
    assert counts["closed"] == 1
    states = dict(Campaign.objects.values_list("pk", "state"))
    assert states == {ending.pk: State.CLOSED, going.pk: State.OPEN, endless.pk: State.OPEN}


def test_advance_reminds_before_and_after_the_deadline_once_each(people, mailoutbox):
    world = people
    deadline = TODAY + datetime.timedelta(days=5)
    with time_machine.travel(TODAY, tick=False):
        campaign = make_campaign(world.municipality, opens_on=TODAY, deadline=deadline)
        # The other school's answer is accepted: it is reminded of nothing.
        done = make_submission(campaign, world.other_school, ANSWERS, submit=True)
        services.submission_accept(submission=done, by=world.coordinator)
        # The school's answer is only a draft: it is reminded.
        make_submission(campaign, world.school, {"teachers": "40"})
        announced(campaign, mailoutbox)

    school_mail = {"respondent@school.example", "head@school.example"}
    # Too early: more than MONITORING_REMIND_DAYS_BEFORE (3) days to go.
    assert services.campaigns_advance(today=deadline - datetime.timedelta(days=4))["reminded"] == 0
    assert mailoutbox == []

    day = deadline - datetime.timedelta(days=3)
    assert services.campaigns_advance(today=day)["reminded"] == 1
    assert [recipients(mail) for mail in mailoutbox] == [school_mail]
    assert services.campaigns_advance(today=day)["reminded"] == 0
    assert services.campaigns_advance(today=deadline)["reminded"] == 0
    assert len(mailoutbox) == 1

    after = deadline + datetime.timedelta(days=1)
    assert services.campaigns_advance(today=after)["reminded"] == 1
    assert [recipients(mail) for mail in mailoutbox[1:]] == [school_mail]
    assert services.campaigns_advance(today=after + datetime.timedelta(days=1))["reminded"] == 0
    assert len(mailoutbox) == 2
    assert list(
        Reminder.objects.filter(campaign=campaign)
        .order_by("sent_at", "pk")
        .values_list("kind", "organization")
    ) == [
        (Reminder.Kind.OPENING, world.school.pk),
        (Reminder.Kind.BEFORE_DEADLINE, world.school.pk),
        (Reminder.Kind.AFTER_DEADLINE, world.school.pk),
    ]


def test_an_opening_letter_lost_with_the_broker_goes_with_the_next_pass(people, mailoutbox):
    world = people
    with time_machine.travel(TODAY, tick=False):
        campaign = make_campaign(
            world.municipality, opens_on=TODAY, deadline=TODAY + datetime.timedelta(days=9)
        )
    assert services.campaigns_advance(today=TODAY)["reminded"] == 2
    assert services.campaigns_advance(today=TODAY)["reminded"] == 0
    assert set(Reminder.objects.filter(campaign=campaign).values_list("kind", flat=True)) == {
        Reminder.Kind.OPENING
    }
    assert sorted(map(sorted, (mail.to for mail in mailoutbox))) == [
        ["head@school.example", "respondent@school.example"],
        ["respondent@other.example"],
    ]
    # Past the deadline an opening letter makes no sense: the after-deadline one goes instead.
    late = make_campaign(
        world.municipality, form=campaign.form, opens_on=TODAY, deadline=TODAY, title="Поздний сбор"
    )
    services.campaigns_advance(today=TODAY + datetime.timedelta(days=1))
    assert set(Reminder.objects.filter(campaign=late).values_list("kind", flat=True)) == {
        Reminder.Kind.AFTER_DEADLINE
    }


def test_advance_by_the_clock(people, mailoutbox):
    """The same pass without `today`: the date comes from the clock."""
    world = people
    with time_machine.travel(TODAY, tick=False):
        campaign = make_campaign(
            world.municipality, opens_on=TODAY, deadline=TODAY + datetime.timedelta(days=1)
        )
        announced(campaign, mailoutbox)
        assert services.campaigns_advance()["reminded"] == 2
        assert services.campaigns_advance()["reminded"] == 0
    with time_machine.travel(TODAY + datetime.timedelta(days=2), tick=False):
        assert services.campaigns_advance()["reminded"] == 2
        assert services.campaigns_advance()["reminded"] == 0
    assert Reminder.objects.filter(campaign=campaign).count() == 6
    assert len(mailoutbox) == 4


def test_an_extension_postpones_the_after_deadline_reminder(people, mailoutbox):
    world = people
    deadline = TODAY
    with time_machine.travel(TODAY - datetime.timedelta(days=10), tick=False):
        campaign = make_campaign(
            world.municipality, opens_on=TODAY - datetime.timedelta(days=10), deadline=deadline
        )
        announced(campaign, mailoutbox)
    services.extension_grant(
        campaign=campaign,
        organization=world.school,
        deadline=deadline + datetime.timedelta(days=7),
        reason="Болеет ответственный",
        by=world.coordinator,
    )
    assert services.campaigns_advance(today=deadline + datetime.timedelta(days=1))["reminded"] == 1
    assert [recipients(mail) for mail in mailoutbox] == [{"respondent@other.example"}]
    # The school's own deadline: reminded before it, and after it.
    services.campaigns_advance(today=deadline + datetime.timedelta(days=5))
    services.campaigns_advance(today=deadline + datetime.timedelta(days=8))
    kinds = set(Reminder.objects.filter(organization=world.school).values_list("kind", flat=True))
    assert kinds == {Reminder.Kind.OPENING, Reminder.Kind.BEFORE_DEADLINE, Reminder.Kind.AFTER_DEADLINE}
    school_letters = [mail for mail in mailoutbox if "head@school.example" in mail.to]
    assert len(school_letters) == 2
    assert all((deadline + datetime.timedelta(days=7)).strftime("%d.%m.%Y") in m.body for m in school_letters)


# Extensions -----------------------------------------------------------------------------------------


def test_extension_moves_the_closing_day_when_needed(campaign, world):
    Campaign.objects.filter(pk=campaign.pk).update(closes_on=campaign.deadline + datetime.timedelta(days=2))
    campaign.refresh_from_db()
    within = campaign.deadline + datetime.timedelta(days=1)
    services.extension_grant(
        campaign=campaign, organization=world.school, deadline=within, reason="", by=None
    )
    campaign.refresh_from_db()
    assert campaign.closes_on == campaign.deadline + datetime.timedelta(days=2)

    beyond = campaign.deadline + datetime.timedelta(days=9)
    services.extension_grant(
        campaign=campaign, organization=world.school, deadline=beyond, reason="", by=None
    )
    assert campaign.closes_on == beyond  # the caller's copy too
    campaign.refresh_from_db()
    assert campaign.closes_on == beyond
    assert services.deadline_for(campaign, world.school) == beyond
    assert services.deadline_for(campaign, world.other_school) == campaign.deadline
    assert services.deadlines_of(campaign, [world.school, world.other_school]) == {
        world.school.pk: beyond,
        world.other_school.pk: campaign.deadline,
    }
    assert Extension.objects.filter(campaign=campaign).count() == 2


def test_the_newest_extension_wins_even_when_earlier(campaign, world):
    for days in (9, 4):
        services.extension_grant(
            campaign=campaign,
            organization=world.school,
            deadline=campaign.deadline + datetime.timedelta(days=days),
            reason="",
            by=world.coordinator,
        )
    expected = campaign.deadline + datetime.timedelta(days=4)
    assert services.deadline_for(campaign, world.school) == expected
    assert services.deadlines_of(campaign, [world.school])[world.school.pk] == expected


def test_extension_refused_for_an_organization_not_asked_or_before_the_deadline(campaign, world):
    with pytest.raises(ValidationError):
        services.extension_grant(
            campaign=campaign,
            organization=world.elsewhere_school,
            deadline=campaign.deadline,
            reason="",
            by=world.coordinator,
        )
    with pytest.raises(ValidationError):
        services.extension_grant(
            campaign=campaign,
            organization=world.school,
            deadline=campaign.deadline - datetime.timedelta(days=1),
            reason="",
            by=world.coordinator,
        )
    assert not Extension.objects.exists()


# Manual reminders -------------------------------------------------------------------------------------


def test_manual_reminder_goes_only_to_those_who_have_not_submitted(people, campaign, mailoutbox):
    world = people
    make_submission(campaign, world.school, ANSWERS, submit=True)
    assert services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL, by=world.coordinator) == 1
    assert [recipients(mail) for mail in mailoutbox] == [{"respondent@other.example"}]
    # A manual reminder may be repeated.
    assert services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL, by=world.coordinator) == 1
    assert Reminder.objects.filter(kind=Reminder.Kind.MANUAL, organization=world.other_school).count() == 2
    assert Reminder.objects.filter(kind=Reminder.Kind.MANUAL).first().sent_by == world.coordinator


def test_a_returned_form_is_reminded_again(people, campaign, mailoutbox):
    world = people
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    services.submission_return(submission=submission, comment="Уточните", by=world.coordinator)
    assert services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL) == 2


def test_reminders_of_a_closed_collection(people, mailoutbox):
    campaign = make_campaign(people.municipality, state=State.CLOSED)
    with pytest.raises(ValidationError):
        services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL, by=people.coordinator)
    assert services.reminders_send(campaign=campaign, kind=Reminder.Kind.AFTER_DEADLINE) == 0
    assert mailoutbox == [] and not Reminder.objects.exists()


def test_an_organization_without_addresses_is_recorded_but_gets_no_letter(world, campaign, mailoutbox):
    assert services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL) == 2
    assert mailoutbox == []
    assert set(Reminder.objects.values_list("recipients", flat=True)) == {""}


# submission_for -----------------------------------------------------------------------------------------


def test_submission_for_makes_one_per_organization(campaign, world):
    first = services.submission_for(campaign=campaign, organization=world.school, by=world.respondent)
    second = services.submission_for(campaign=campaign, organization=world.school, by=world.head)
    assert first.pk == second.pk
    assert first.status == Status.DRAFT and first.revision == 0
    assert Submission.objects.filter(campaign=campaign, organization=world.school).count() == 1


def test_submission_for_an_organization_not_asked(world):
    campaign = make_campaign(world.municipality, organizations=[world.school])
    for organization in (world.other_school, world.elsewhere_school):
        with pytest.raises(ValidationError, match="not asked"):
            services.submission_for(campaign=campaign, organization=organization)
    assert not Submission.objects.exists()


# submission_save ------------------------------------------------------------------------------------------


@pytest.fixture
def draft(campaign, world):
    return services.submission_for(campaign=campaign, organization=world.school, by=world.respondent)


def save(submission, answers, base=None, by=None):
    return services.submission_save(submission=submission, answers=answers, base_revision=base, by=by)


def test_save_keeps_a_draft_that_does_not_check(draft, world):
    saved = save(draft, {"teachers": "сорок", "teachers_diagnosed": "50"}, by=world.respondent)
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "сорок", "teachers_diagnosed": "50"}
    assert saved.check.errors == {"teachers": ["Enter a number."]}
    assert (draft.revision, draft.updated_by) == (1, world.respondent)
    assert events(draft) == [Action.SAVED]
    assert draft.events.get().answers == draft.answers


def test_save_ignores_codes_not_in_the_form(draft):
    save(draft, {"teachers": "40", "salary": "100000", "__proto__": "x"})
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "40"}


def test_save_keeps_answers_not_sent_and_a_blank_clears(draft):
    save(draft, ANSWERS)
    save(draft, {"teachers_diagnosed": "31"})
    draft.refresh_from_db()
    assert draft.answers == ANSWERS | {"teachers_diagnosed": "31"}
    save(draft, {"format": "  ", "teachers": None})
    draft.refresh_from_db()
    assert draft.answers == {"teachers_diagnosed": "31"}
    assert draft.revision == 3


def test_save_writes_an_event_only_when_something_changed(draft):
    save(draft, ANSWERS)
    saved = save(draft, dict(ANSWERS) | {"salary": "1"})
    save(draft, {"teachers": " 40 "})  # the same once trimmed
    draft.refresh_from_db()
    assert draft.revision == 1
    assert events(draft) == [Action.SAVED]
    assert saved.check.ok


def test_save_takes_values_that_are_not_strings(draft):
    """An API client sends JSON numbers, booleans, nulls and lists; none of them may crash the save,
    and they are stored as the text a person would have typed."""
    saved = save(
        draft,
        {
            "teachers": 40,
            "teachers_diagnosed": 30.0,
            "format": ["Очная"],
            "comment": {"text": "не туда"},
        },
    )
    draft.refresh_from_db()
    assert draft.answers == {
        "teachers": "40",
        "teachers_diagnosed": "30",
        "format": ["Очная"],
        "comment": "{'text': 'не туда'}",
    }
    assert saved.check.values["teachers"] == 40 and saved.check.values["format"] == "Очная"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (1e20, "100000000000000000000"),
        (Decimal("12.50"), "12.5"),
        (True, "yes"),
        (float("nan"), None),
        ("4\x000", "40"),
        ("40\ud800", "40?"),
        ("40\r\n", "40"),
        ([None, 1, "", " 2 "], ["1", "2"]),
    ],
)
def test_save_stores_odd_values_as_text_a_database_takes(draft, raw, stored):
    save(draft, {"comment": raw})
    draft.refresh_from_db()
    assert draft.answers.get("comment") == stored


def test_save_takes_an_int_too_long_for_str(draft):
    save(draft, {"comment": 10**5000, "teachers": 10**5000})
    draft.refresh_from_db()
    assert draft.answers == {"comment": "1" + "0" * 5000, "teachers": "1" + "0" * 5000}


def test_save_refuses_answers_that_are_not_a_mapping(draft):
    with pytest.raises(ValidationError):
        save(draft, ["40", "30"])
    with pytest.raises(ValidationError):
        save(draft, "teachers=40")


def test_save_by_someone_of_another_organization_is_denied(draft, world):
    for user in (world.other_respondent, world.outsider_school, world.outsider, world.operator):
        with pytest.raises(PermissionDenied):
            save(draft, ANSWERS, by=user)
    draft.refresh_from_db()
    assert draft.answers == {} and draft.revision == 0


def test_save_by_the_head_or_a_form_editor_is_allowed(draft, world):
    save(draft, {"teachers": "40"}, by=world.head)
    save(draft, {"teachers_diagnosed": "3"}, by=world.executor)
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "40", "teachers_diagnosed": "3"}


# Concurrent edits


def test_two_people_from_one_base_on_different_questions_merge(draft, world):
    save(draft, ANSWERS)  # revision 1
    save(draft, {"teachers": "41"}, base=1, by=world.respondent)  # revision 2
    saved = save(draft, {"teachers_diagnosed": "35", "teachers": "40"}, base=1, by=world.head)
    draft.refresh_from_db()
    # The head left «teachers» as they found it: the respondent's change stands.
    assert draft.answers == ANSWERS | {"teachers": "41", "teachers_diagnosed": "35"}
    assert saved.merged == ["teachers"]
    assert draft.revision == 3


def test_the_same_question_changed_differently_is_a_conflict_and_nothing_is_written(draft, world):
    save(draft, ANSWERS)
    save(draft, {"teachers": "41"}, base=1, by=world.respondent)
    with pytest.raises(services.EditConflict) as conflict:
        save(draft, {"teachers": "45", "teachers_diagnosed": "35"}, base=1, by=world.head)
    assert conflict.value.fields == ["teachers"]
    assert conflict.value.code == "edit_conflict"
    assert "«Всего учителей»" in conflict.value.messages[0]
    assert "Someone of your organization changed the same answers meanwhile" in conflict.value.messages[0]
    draft.refresh_from_db()
    assert draft.answers == ANSWERS | {"teachers": "41"}
    assert draft.revision == 2
    assert len(events(draft)) == 2


def test_conflicting_questions_are_named_in_the_order_of_the_form(draft, world):
    save(draft, ANSWERS)
    save(draft, {"format": "Дистанционная", "teachers": "41"}, base=1)
    with pytest.raises(services.EditConflict) as conflict:
        save(draft, {"format": "очная ", "teachers": "42", "comment": "x"}, base=1)
    # «очная » normalises to «очная», which differs from «Очная» as typed: a change of its own.
    assert conflict.value.fields == ["teachers", "format"]
    assert conflict.value.messages[0].index("Всего учителей") < conflict.value.messages[0].index("Форма")


def test_conflict_message_is_translated(draft):
    save(draft, ANSWERS)
    save(draft, {"teachers": "41"}, base=1)
    with translation.override("ru"), pytest.raises(services.EditConflict) as conflict:
        save(draft, {"teachers": "45"}, base=1)
    msgid = (
        "Someone of your organization changed the same answers meanwhile: %(fields)s. "
        "Your input is still on the page: compare it with theirs and save again."
    )
    with translation.override("ru"):
        expected = translation.gettext(msgid) % {"fields": "«Всего учителей»"}
    assert conflict.value.messages == [expected]


def test_a_stale_base_with_the_same_value_is_no_conflict(draft):
    save(draft, ANSWERS)
    save(draft, {"teachers": "41"}, base=1)
    saved = save(draft, {"teachers": "41", "comment": "Готово"}, base=1)
    draft.refresh_from_db()
    assert draft.answers == ANSWERS | {"teachers": "41", "comment": "Готово"}
    assert saved.merged == []


def test_a_question_cleared_by_a_colleague_stays_cleared(draft):
    save(draft, ANSWERS)
    save(draft, {"format": ""}, base=1)
    saved = save(draft, dict(ANSWERS) | {"comment": "Готово"}, base=1)
    draft.refresh_from_db()
    assert "format" not in draft.answers
    assert draft.answers["comment"] == "Готово"
    assert saved.merged == ["format"]


def test_clearing_what_a_colleague_changed_is_a_conflict(draft):
    save(draft, ANSWERS)
    save(draft, {"teachers": "41"}, base=1)
    with pytest.raises(services.EditConflict):
        save(draft, {"teachers": ""}, base=1)


def test_a_base_from_the_future_is_treated_as_unknown(draft):
    save(draft, ANSWERS)
    with pytest.raises(services.EditConflict):
        save(draft, {"teachers": "50"}, base=7)
    save(draft, {"teachers": "40", "comment": "x"}, base=7)  # nothing differs from what is stored
    draft.refresh_from_db()
    assert draft.answers["comment"] == "x"


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ACCEPTED])
def test_save_refused_once_submitted_or_accepted(campaign, world, status):
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    if status == Status.ACCEPTED:
        services.submission_accept(submission=submission, by=world.coordinator)
    with pytest.raises(ValidationError):
        save(submission, {"teachers": "1"})
    submission.refresh_from_db()
    assert submission.answers == ANSWERS and submission.status == status


def test_save_refused_when_the_collection_is_closed(campaign, draft):
    stale = Submission.objects.select_related("campaign").get(pk=draft.pk)
    services.campaign_close(campaign=campaign)
    with pytest.raises(ValidationError, match="The collection is not open"):
        save(stale, {"teachers": "1"})  # the caller's copy of the collection still says «open»
    assert Submission.objects.get(pk=draft.pk).answers == {}


def test_save_refused_after_the_closing_day_before_beat_closes(world):
    with time_machine.travel(TODAY - datetime.timedelta(days=10), tick=False):
        campaign = make_campaign(world.municipality, **dates(opens=0, deadline=5, closes=6))
        submission = services.submission_for(campaign=campaign, organization=world.school)
    with time_machine.travel(TODAY - datetime.timedelta(days=4), tick=False):
        save(submission, {"teachers": "40"})  # the closing day itself
    with time_machine.travel(TODAY - datetime.timedelta(days=3), tick=False), pytest.raises(ValidationError):
        save(submission, {"teachers": "41"})


# submit, sign-off, return -----------------------------------------------------------------------


def test_submit_checks_everything_and_changes_nothing_on_a_problem(draft, world):
    save(draft, {"teachers": "40", "teachers_diagnosed": "45"})
    with pytest.raises(ValidationError) as error:
        services.submission_submit(submission=draft, by=world.respondent)
    assert error.value.messages == ["«Прошли диагностику» cannot be greater than «Всего учителей»."]
    save(draft, {"teachers_diagnosed": ""})
    with pytest.raises(ValidationError) as error:
        services.submission_submit(submission=draft, by=world.respondent)
    assert error.value.messages == ["Прошли диагностику: This question must be answered."]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.submitted_at is None
    assert Action.SUBMITTED not in events(draft)


def test_submit(draft, world):
    save(draft, ANSWERS)
    submission = services.submission_submit(submission=draft, by=world.respondent)
    assert submission.status == Status.SUBMITTED and submission.submitted_at is not None
    assert submission.signed_off_at is None
    assert events(submission) == [Action.SAVED, Action.SUBMITTED]
    with pytest.raises(ValidationError):
        services.submission_submit(submission=draft, by=world.respondent)
    assert events(submission) == [Action.SAVED, Action.SUBMITTED]


def test_submit_by_someone_of_another_school_is_denied(draft, world):
    save(draft, ANSWERS)
    with pytest.raises(PermissionDenied):
        services.submission_submit(submission=draft, by=world.other_respondent)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.fixture
def signed_campaign(world):
    return make_campaign(world.municipality, requires_sign_off=True)


def test_a_respondents_submit_waits_for_the_head(signed_campaign, world):
    submission = make_submission(signed_campaign, world.school, ANSWERS)
    submission = services.submission_submit(submission=submission, by=world.respondent)
    assert services.awaits_sign_off(submission)
    with pytest.raises(ValidationError, match="sign-off"):
        services.submission_accept(submission=submission, by=world.coordinator)
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and not DataValue.objects.exists()

    with pytest.raises(PermissionDenied):
        services.submission_sign_off(submission=submission, by=world.respondent)
    submission = services.submission_sign_off(submission=submission, by=world.head)
    assert (submission.signed_off_by, not services.awaits_sign_off(submission)) == (world.head, True)
    with pytest.raises(ValidationError):
        services.submission_sign_off(submission=submission, by=world.head)

    services.submission_accept(submission=submission, by=world.coordinator)
    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED
    assert events(submission) == [Action.SAVED, Action.SUBMITTED, Action.SIGNED_OFF, Action.ACCEPTED]


def test_the_heads_own_submit_signs_off(signed_campaign, world):
    submission = make_submission(signed_campaign, world.school, ANSWERS)
    submission = services.submission_submit(submission=submission, by=world.head)
    assert (submission.signed_off_by, services.awaits_sign_off(submission)) == (world.head, False)
    assert events(submission) == [Action.SAVED, Action.SUBMITTED, Action.SIGNED_OFF]
    services.submission_accept(submission=submission, by=world.coordinator)
    assert Submission.objects.get(pk=submission.pk).status == Status.ACCEPTED


def test_accept_with_a_stale_copy_showing_a_sign_off_that_was_withdrawn(signed_campaign, world):
    submission = make_submission(signed_campaign, world.school, ANSWERS)
    submission = services.submission_submit(submission=submission, by=world.head)
    stale = Submission.objects.select_related("campaign").get(pk=submission.pk)  # signed off
    services.submission_return(submission=submission, comment="Исправьте", by=world.coordinator)
    services.submission_submit(submission=submission, by=world.respondent)  # no sign-off now
    with pytest.raises(ValidationError, match="sign-off"):
        services.submission_accept(submission=stale, by=world.coordinator)
    assert Submission.objects.get(pk=submission.pk).status == Status.SUBMITTED


def test_return_needs_a_comment(campaign, world):
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    for comment in ("", "   \n", None):
        with pytest.raises(ValidationError, match="comment is required"):
            services.submission_return(submission=submission, comment=comment, by=world.coordinator)
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and Action.RETURNED not in events(submission)


def test_return_by_a_school_is_denied(campaign, world):
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    with pytest.raises(PermissionDenied):
        services.submission_return(submission=submission, comment="Нет", by=world.head)


def test_return_keeps_the_answers_clears_the_sign_off_and_shows_what_changed(signed_campaign, world):
    submission = make_submission(signed_campaign, world.school, ANSWERS)
    submission = services.submission_submit(submission=submission, by=world.head)
    assert services.changed_since_return(submission) == set()

    submission = services.submission_return(
        submission=submission, comment="  Проверьте число учителей  ", by=world.coordinator
    )
    assert submission.status == Status.RETURNED
    assert submission.review_comment == "Проверьте число учителей"
    assert (submission.signed_off_by, submission.signed_off_at) == (None, None)
    assert submission.returned_answers == ANSWERS
    assert services.changed_since_return(submission) == set()
    returned = submission.events.get(action=Action.RETURNED)
    assert (returned.comment, returned.by) == ("Проверьте число учителей", world.coordinator)

    save(submission, {"teachers": "42", "format": ""}, base=submission.revision, by=world.respondent)
    submission.refresh_from_db()
    assert services.changed_since_return(submission) == {"teachers", "format"}
    submission = services.submission_submit(submission=submission, by=world.respondent)
    assert services.awaits_sign_off(submission)  # the head signs off again
    assert services.changed_since_return(submission) == {"teachers", "format"}
    with pytest.raises(ValidationError):
        services.submission_return(
            submission=make_submission(signed_campaign, world.other_school), comment="x", by=world.coordinator
        )


def test_only_a_submitted_form_is_returned(campaign, world, draft):
    with pytest.raises(ValidationError, match="Only a submitted form can be returned."):
        services.submission_return(submission=draft, comment="Исправьте", by=world.coordinator)


# accept ----------------------------------------------------------------------------------------------------


def test_accept_writes_bound_numbers_and_recomputes_once(campaign, world, django_capture_on_commit_callbacks):
    submission = make_submission(campaign, world.school, ANSWERS | {"comment": "123"}, submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.submission_accept(submission=submission, by=world.coordinator)
    assert accepted.status == Status.ACCEPTED and accepted.reviewed_by == world.coordinator
    values = dict(
        DataValue.objects.filter(organization=world.school).values_list("data_element__code", "value")
    )
    assert values == {"teachers": Decimal(40), "teachers_diagnosed": Decimal(30)}
    assert set(DataValue.objects.values_list("source", "entered_by", "period")) == {
        (DataValue.Source.SUBMISSION, world.coordinator.pk, campaign.period_id)
    }
    share = IndicatorValue.objects.get(
        indicator__code="2.3.1", organization=world.school, period=campaign.period
    )
    assert share.value == Decimal(75)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError, match="Only a submitted form can be accepted."),
    ):
        services.submission_accept(submission=submission, by=world.coordinator)
    assert callbacks == []
    assert DataValue.objects.count() == 2
    assert events(submission).count(Action.ACCEPTED) == 1


def test_accept_skips_numbers_without_an_element_and_non_numeric_bound_questions(
    world, django_capture_on_commit_callbacks
):
    form = make_form(world.municipality)
    share = make_element(world.municipality, "share_online")
    Field.objects.create(
        form=form,
        code="online",
        label="Доля онлайн",
        kind=Field.Kind.DECIMAL,
        required=False,
        data_element=share,
        order=5,
    )
    Field.objects.create(
        form=form, code="rooms", label="Кабинеты", kind=Field.Kind.INTEGER, required=False, order=6
    )
    # Bound behind the builder's back: a text question cannot feed a number.
    Field.objects.create(
        form=form,
        code="note",
        label="Примечание",
        kind=Field.Kind.TEXT,
        required=False,
        data_element=make_element(world.municipality, "note_element"),
        order=7,
    )
    campaign = make_campaign(world.municipality, form=form)
    submission = make_submission(
        campaign, world.school, ANSWERS | {"online": "0,123456", "rooms": "12", "note": "есть"}, submit=True
    )
    services.submission_accept(submission=submission, by=world.coordinator)
    values = dict(DataValue.objects.values_list("data_element__code", "value"))
    assert values == {"teachers": 40, "teachers_diagnosed": 30, "share_online": Decimal("0.1235")}


def test_data_values_from_skips_an_answer_that_does_not_check(campaign, world):
    submission = services.submission_for(campaign=campaign, organization=world.school)
    # As an older version of the checks, or an import, may have left it.
    Submission.objects.filter(pk=submission.pk).update(
        answers={"teachers": "сорок", "teachers_diagnosed": "30", "format": "Очная"}
    )
    submission.refresh_from_db()
    assert services.data_values_from(submission=submission, by=None) == 1
    assert list(DataValue.objects.values_list("data_element__code", "value")) == [("teachers_diagnosed", 30)]
    Submission.objects.filter(pk=submission.pk).update(
        answers={"teachers": "10000000000000", "teachers_diagnosed": "-5"}
    )
    submission.refresh_from_db()
    assert services.data_values_from(submission=submission, by=None) == 0
    assert DataValue.objects.count() == 1


@pytest.mark.parametrize("actor", ["executor", "operator", "administrator", "respondent", "head", "outsider"])
def test_accept_by_anyone_but_a_reviewer_is_denied(campaign, world, actor):
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    with pytest.raises(PermissionDenied):
        services.submission_accept(submission=submission, by=getattr(world, actor))
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and not DataValue.objects.exists()


@pytest.mark.parametrize("actor", ["coordinator", "chief"])
def test_the_coordinator_and_the_head_of_the_department_accept(campaign, world, actor):
    submission = make_submission(campaign, world.school, ANSWERS, submit=True)
    services.submission_accept(submission=submission, by=getattr(world, actor))
    assert Submission.objects.get(pk=submission.pk).status == Status.ACCEPTED


def test_accept_refuses_a_draft(draft, world):
    with pytest.raises(ValidationError):
        services.submission_accept(submission=draft, by=world.coordinator)
    assert not DataValue.objects.exists()


def test_submissions_accept_accepts_what_it_can(campaign, world):
    ready = make_submission(campaign, world.school, ANSWERS, submit=True)
    unfinished = make_submission(campaign, world.other_school, {"teachers": "5"})
    accepted, problems = services.submissions_accept(submissions=[ready, unfinished], by=world.coordinator)
    assert accepted == 1
    assert problems == [f"{world.other_school.short_name}: Only a submitted form can be accepted."]
    statuses = dict(Submission.objects.values_list("organization", "status"))
    assert statuses == {world.school.pk: Status.ACCEPTED, world.other_school.pk: Status.DRAFT}
    assert set(DataValue.objects.values_list("organization", flat=True)) == {world.school.pk}


def test_submissions_accept_by_a_non_reviewer_accepts_nothing(campaign, world):
    ready = make_submission(campaign, world.school, ANSWERS, submit=True)
    with pytest.raises(PermissionDenied):
        services.submissions_accept(submissions=[ready], by=world.executor)
    assert Submission.objects.get(pk=ready.pk).status == Status.SUBMITTED


def test_submissions_accept_across_municipalities_is_denied_before_anything_is_accepted(campaign, world):
    ours = make_submission(campaign, world.school, ANSWERS, submit=True)
    theirs_campaign = make_campaign(world.elsewhere, form=make_form(world.elsewhere, elements=False))
    theirs = make_submission(theirs_campaign, world.elsewhere_school, ANSWERS, submit=True)
    with pytest.raises(PermissionDenied):
        services.submissions_accept(submissions=[ours, theirs], by=world.coordinator)
    assert Submission.objects.get(pk=ours.pk).status == Status.SUBMITTED


# History ------------------------------------------------------------------------------------------


def test_every_state_change_leaves_an_event(campaign, world):
    submission = services.submission_for(campaign=campaign, organization=world.school, by=world.respondent)
    save(submission, ANSWERS, by=world.respondent)
    services.submission_submit(submission=submission, by=world.respondent)
    services.submission_return(submission=submission, comment="Уточните", by=world.coordinator)
    save(submission, {"teachers": "41"}, base=1, by=world.respondent)
    services.submission_submit(submission=submission, by=world.head)
    services.submission_accept(submission=submission, by=world.coordinator)
    history = list(submission.events.order_by("pk").values_list("action", "by", "revision"))
    assert history == [
        (Action.SAVED, world.respondent.pk, 1),
        (Action.SUBMITTED, world.respondent.pk, 1),
        (Action.RETURNED, world.coordinator.pk, 1),
        (Action.SAVED, world.respondent.pk, 2),
        (Action.SUBMITTED, world.head.pk, 2),
        (Action.ACCEPTED, world.coordinator.pk, 2),
    ]
    assert submission.events.get(revision=2, action=Action.SAVED).answers == ANSWERS | {"teachers": "41"}


def test_imported_answers_are_recorded_as_such(draft, world):
    services.submission_save(
        submission=draft, answers=ANSWERS, base_revision=None, by=world.executor, action=Action.IMPORTED
    )
    assert events(draft) == [Action.IMPORTED]


def test_rules_of_the_form_apply_to_a_draft_check(draft):
    Rule.objects.create(
        form=draft.campaign.form,
        kind=Rule.Kind.EQUAL,
        fields=["teachers", "teachers_diagnosed"],
        message="Все должны пройти",
    )
    saved = save(draft, {"teachers": "40", "teachers_diagnosed": "30"})
    assert "Все должны пройти" in saved.check.form_errors


# Answers as stored: a property ------------------------------------------------------------------------------

_stored_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.just("\x00\ud800\r\n"),
)


@settings(max_examples=300, deadline=None)
@given(
    answers=st.dictionaries(
        st.sampled_from(["teachers", "format", "comment", "unknown"]),
        st.one_of(
            _stored_scalars,
            st.lists(_stored_scalars, max_size=3),
            st.dictionaries(st.text(max_size=3), _stored_scalars, max_size=2),
        ),
    )
)
def test_normalised_answers_are_text_a_json_column_of_any_database_takes(answers):
    fields = [
        Field(code="teachers", label="Всего учителей", kind=Field.Kind.INTEGER),
        Field(code="format", label="Форма", kind=Field.Kind.MULTIPLE_CHOICE, choices=["Очная"]),
        Field(code="comment", label="Комментарий", kind=Field.Kind.LONG_TEXT),
    ]
    stored = submission_services._normalise(answers, fields)
    assert set(stored) <= {"teachers", "format", "comment"}
    text = json.dumps(stored, ensure_ascii=False)
    assert "\x00" not in text and "\\u0000" not in text
    text.encode("utf-8")  # no lone surrogate: PostgreSQL's jsonb refuses both
    for value in stored.values():
        assert isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        assert value == value.strip() if isinstance(value, str) else all(v == v.strip() and v for v in value)
