"""Monitoring's tasks run in-process (eager) here: they return the services' counts and are idempotent."""

import datetime

import pytest
import time_machine

from monitoring import services, tasks
from monitoring.models import Campaign, Reminder
from tests.monitoring.factories import make_campaign, make_form

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def emails(world):
    for user, email in [(world.respondent, "r@school.example"), (world.other_respondent, "r@other.example")]:
        user.email = email
        user.save(update_fields=["email"])
    return world


def test_campaigns_advance_task_returns_its_counts_and_is_idempotent(emails, mailoutbox):
    world = emails
    form = make_form(world.municipality)
    with time_machine.travel(TODAY - datetime.timedelta(days=10), tick=False):
        closing = make_campaign(
            world.municipality,
            form=form,
            opens_on=TODAY - datetime.timedelta(days=10),
            deadline=TODAY - datetime.timedelta(days=2),
            closes_on=TODAY - datetime.timedelta(days=1),
        )
        due = make_campaign(
            world.municipality,
            form=form,
            opens_on=TODAY - datetime.timedelta(days=10),
            deadline=TODAY + datetime.timedelta(days=1),
        )
        services.reminders_send(campaign=due, kind=Reminder.Kind.OPENING)  # sent when it opened
        mailoutbox.clear()
    with time_machine.travel(TODAY, tick=False):
        result = tasks.campaigns_advance.delay().get()
        assert result == {"opened": 0, "closed": 1, "reminded": 2}
        assert tasks.campaigns_advance.delay().get() == {"opened": 0, "closed": 0, "reminded": 0}
    assert Campaign.objects.get(pk=closing.pk).state == Campaign.State.CLOSED
    assert set(Reminder.objects.values_list("campaign", "kind")) == {
        (due.pk, Reminder.Kind.OPENING),
        (due.pk, Reminder.Kind.BEFORE_DEADLINE),
    }
    assert sorted(mail.to for mail in mailoutbox) == [["r@other.example"], ["r@school.example"]]


def test_campaigns_advance_task_replays_a_given_day(world):
    campaign = make_campaign(world.municipality, state=Campaign.State.DRAFT, opens_on=TODAY, deadline=TODAY)
    assert (
        tasks.campaigns_advance.delay((TODAY - datetime.timedelta(days=1)).isoformat()).get()["opened"] == 0
    )
    assert tasks.campaigns_advance.delay(TODAY.isoformat()).get()["opened"] == 1
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.OPEN


def test_reminders_send_task_returns_the_count(emails, mailoutbox):
    campaign = make_campaign(emails.municipality)
    assert tasks.reminders_send.delay(campaign.pk, Reminder.Kind.OPENING).get() == 2
    assert tasks.reminders_send.delay(campaign.pk, Reminder.Kind.OPENING).get() == 0  # once each
    assert len(mailoutbox) == 2


def test_reminders_send_task_for_a_deleted_campaign_returns_0(world, mailoutbox):
    campaign = make_campaign(world.municipality)
    campaign_id = campaign.pk
    campaign.delete()
    assert tasks.reminders_send.delay(campaign_id, Reminder.Kind.OPENING).get() == 0
    assert mailoutbox == [] and not Reminder.objects.exists()


def test_reminders_send_task_for_a_collection_closed_meanwhile_returns_0(world, mailoutbox):
    campaign = make_campaign(world.municipality, state=Campaign.State.CLOSED)
    assert tasks.reminders_send.delay(campaign.pk, Reminder.Kind.OPENING).get() == 0
    assert not Reminder.objects.exists()


def test_opening_rings_the_task_after_commit(emails, mailoutbox, django_capture_on_commit_callbacks):
    campaign = make_campaign(emails.municipality, state=Campaign.State.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_open(campaign=campaign)
    assert Reminder.objects.filter(campaign=campaign, kind=Reminder.Kind.OPENING).count() == 2
    assert len(mailoutbox) == 2


def test_a_broker_that_is_down_does_not_undo_the_opening(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.reminders_send, "delay", down)
    campaign = make_campaign(world.municipality, state=Campaign.State.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_open(campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.OPEN
    assert not Reminder.objects.exists()
