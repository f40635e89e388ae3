"""Messages that are true, in headless chromium: the coordinator's reminder counts the letters that
went and names the school with no e-mail address; the school submits and reads «Отправлено dd.mm в
hh:mm» on its form, and finds the letter saying so."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from monitoring.models import Submission
from tests.browser.support import log_in
from tests.factories import make_world
from tests.monitoring.factories import make_campaign, make_submission

ANSWERS = {"teachers": "40", "teachers_diagnosed": "30", "format": "Очная"}


@pytest.mark.django_db(transaction=True)
def test_the_reminder_says_who_got_a_letter_and_the_school_sees_when_it_sent(new_page):
    world = make_world()
    world.respondent.email = "respondent@school.example"
    world.respondent.save(update_fields=["email"])
    campaign = make_campaign(world.municipality, organizations=[world.school, world.other_school])
    submission = make_submission(campaign, world.school, ANSWERS)
    mail.outbox.clear()

    coordinator = new_page()
    log_in(coordinator, world.coordinator.username, "pw")
    coordinator.goto(f"/monitoring/campaigns/{campaign.pk}/")
    coordinator.locator(f"form[action$='/campaigns/{campaign.pk}/remind/'] button").click()
    coordinator.wait_for_load_state("networkidle")
    said = coordinator.inner_text(".messages")
    assert "Напоминание отправлено 1 организации" in said
    assert "адрес эл. почты неизвестен" in said and world.other_school.short_name in said
    assert [letter.to for letter in mail.outbox] == [["respondent@school.example"]]

    school = new_page()
    log_in(school, world.respondent.username, "pw")
    mail.outbox.clear()  # the letter of a sign-in from a new device is not this test's
    school.goto(f"/monitoring/submissions/{submission.pk}/")
    school.click("#submit-button")
    school.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    sent = timezone.localtime(submission.submitted_at)
    school.goto(f"/monitoring/submissions/{submission.pk}/")
    state = school.inner_text("#submission-state")
    assert state.strip() == f"Отправлено {sent:%d.%m} в {sent:%H:%M}"
    assert not re.search(r"Отправлена\s+отправлена", school.inner_text("main"), re.IGNORECASE)
    assert [letter.subject for letter in mail.outbox] == [f"Форма «{campaign.title}» отправлена"]
