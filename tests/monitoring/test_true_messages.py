"""Messages that say what happened: a reminder or the opening letter counts the organizations a letter
really went to and names those with no e-mail address known; a sent form is reminded of nothing; the
school sees when its form was sent, returned and accepted, and gets each by e-mail."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from monitoring import services
from monitoring.models import Campaign, Reminder, Submission
from tests.monitoring.factories import make_campaign, make_submission

ANSWERS = {"teachers": "40", "teachers_diagnosed": "30", "format": "Очная"}


def texts(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def reachable(world):
    """world.school has an address (its respondent's); world.other_school has none."""
    world.respondent.email = "respondent@school.example"
    world.respondent.save(update_fields=["email"])
    return world


def test_a_manual_reminder_counts_the_letters_sent_and_names_who_has_no_address(
    client, reachable, mailoutbox
):
    world = reachable
    campaign = make_campaign(world.municipality, organizations=[world.school, world.other_school])
    client.force_login(world.coordinator)
    response = client.post(reverse("monitoring:campaign_remind", args=[campaign.pk]))
    said = texts(response)
    assert "Напоминание отправлено 1 организации" in said
    assert "адрес эл. почты неизвестен" in said and world.other_school.short_name in said
    assert "2 организациям" not in said
    assert [mail.to for mail in mailoutbox] == [["respondent@school.example"]]
    # The log keeps both, the one without an address marked so.
    assert Reminder.objects.filter(campaign=campaign, kind=Reminder.Kind.MANUAL).count() == 2


def test_no_address_anywhere_claims_no_sending(client, world, mailoutbox):
    campaign = make_campaign(world.municipality, organizations=[world.school, world.other_school])
    client.force_login(world.coordinator)
    said = texts(client.post(reverse("monitoring:campaign_remind", args=[campaign.pk])))
    assert "Напоминание отправлено" not in said
    assert "Письмо не ушло 2 организациям" in said
    assert mailoutbox == []


def test_reminders_deliver_tells_sent_from_unreachable(reachable, mailoutbox):
    world = reachable
    campaign = make_campaign(world.municipality, organizations=[world.school, world.other_school])
    delivery = services.reminders_deliver(campaign=campaign, kind=Reminder.Kind.MANUAL)
    assert delivery.sent == [world.school] and delivery.unreachable == [world.other_school]
    assert delivery.count == 2


def test_opening_says_how_many_letters_go_and_to_whom_not(client, reachable, mailoutbox):
    world = reachable
    draft = make_campaign(
        world.municipality,
        organizations=[world.school, world.other_school],
        state=Campaign.State.DRAFT,
        by=world.coordinator,
    )
    client.force_login(world.coordinator)
    said = texts(client.post(reverse("monitoring:campaign_open", args=[draft.pk])))
    assert "письмо о нём уходит 1 организации" in said
    assert world.other_school.short_name in said and "адрес эл. почты неизвестен" in said
    assert "организациям отправлены письма" not in said


def test_a_sent_form_is_reminded_of_nothing(reachable, mailoutbox):
    """Neither «the deadline is near» nor «the deadline has passed» reaches a school whose form is sent."""
    world = reachable
    today = timezone.localdate()
    campaign = make_campaign(
        world.municipality,
        organizations=[world.school],
        opens_on=today - datetime.timedelta(days=5),
        deadline=today + datetime.timedelta(days=1),
    )
    make_submission(campaign, world.school, ANSWERS, submit=True)
    mailoutbox.clear()
    services.campaigns_advance(today=today)
    services.campaigns_advance(today=today + datetime.timedelta(days=3))
    assert not Reminder.objects.filter(campaign=campaign).exists()
    assert mailoutbox == []


def test_the_school_gets_a_letter_when_its_form_is_sent_returned_and_accepted(
    reachable, mailoutbox, django_capture_on_commit_callbacks
):
    world = reachable
    campaign = make_campaign(world.municipality, organizations=[world.school])
    submission = make_submission(campaign, world.school, ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=submission, by=world.respondent)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_return(submission=submission, comment="Уточните число", by=world.coordinator)
    submission.refresh_from_db()
    services.submission_save(submission=submission, answers=ANSWERS, base_revision=None, by=world.respondent)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=submission, by=world.respondent)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_accept(submission=submission, by=world.coordinator)
    subjects = [mail.subject for mail in mailoutbox]
    title = campaign.title
    assert subjects == [
        f"Форма «{title}» отправлена",
        f"Форма «{title}» возвращена на доработку",
        f"Форма «{title}» отправлена",
        f"Форма «{title}» принята",
    ]
    assert all(mail.to == ["respondent@school.example"] for mail in mailoutbox)
    assert "Уточните число" in mailoutbox[1].body
    assert f"/monitoring/submissions/{submission.pk}/" in mailoutbox[0].body


def test_no_address_no_letter_and_the_state_changes_all_the_same(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign(world.municipality, organizations=[world.other_school])
    submission = make_submission(campaign, world.other_school, ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(submission=submission, by=world.other_respondent)
    assert submission.status == Submission.Status.SUBMITTED
    assert mailoutbox == []


def test_the_school_sees_when_its_form_was_sent_returned_accepted(client, world):
    campaign = make_campaign(world.municipality, organizations=[world.school])
    submission = make_submission(campaign, world.school, ANSWERS, submit=True, by=world.respondent)
    client.force_login(world.respondent)
    url = reverse("monitoring:submission", args=[submission.pk])
    sent = timezone.localtime(submission.submitted_at)
    page = client.get(url).content.decode()
    assert f"Отправлено {sent:%d.%m} в {sent:%H:%M}" in page
    assert "Отправлена отправлена" not in page and "отправлена " + f"{sent:%d.%m.%Y}" not in page
    assert (
        f"Отправлено {sent:%d.%m} в {sent:%H:%M}"
        in client.get(reverse("monitoring:my_forms")).content.decode()
    )

    services.submission_return(submission=submission, comment="Исправьте", by=world.coordinator)
    submission.refresh_from_db()
    back = timezone.localtime(submission.reviewed_at)
    assert f"Возвращено {back:%d.%m} в {back:%H:%M}" in client.get(url).content.decode()

    services.submission_save(submission=submission, answers=ANSWERS, base_revision=None, by=world.respondent)
    submission = services.submission_submit(submission=submission, by=world.respondent)
    services.submission_accept(submission=submission, by=world.coordinator)
    submission.refresh_from_db()
    accepted = timezone.localtime(submission.reviewed_at)
    assert f"Принято {accepted:%d.%m} в {accepted:%H:%M}" in client.get(url).content.decode()


def test_a_form_not_yet_sent_shows_the_reviewer_no_red_errors(client, world):
    """A draft is work in progress: its unanswered required questions are not errors yet."""
    campaign = make_campaign(world.municipality, organizations=[world.school])
    draft = make_submission(campaign, world.school, {"teachers": "40"})
    client.force_login(world.coordinator)
    page = client.get(reverse("monitoring:review", args=[draft.pk])).content.decode()
    assert "errorlist" not in page and "has-error" not in page
    assert "ещё не отправила форму" in page
