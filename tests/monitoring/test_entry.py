"""The school's side: «My forms», opening a form, the entry page with its saves, conflicts, the
previous period, submit and sign-off, files, access, and the home page's reminders."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from indicators.models import DataElement
from mcok import services as core_services
from mcok.models import Role
from mcok.selectors import roles_of
from monitoring import entry, services, validation
from monitoring.models import Campaign, Field, Section, Submission, SubmissionEvent, SubmissionFile
from tests.browser import support as browser_fixtures
from tests.factories import make_organization, make_user_with_role, make_world
from tests.indicators.factories import make_period, put
from tests.monitoring.factories import make_campaign, make_form, make_submission

JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def url(name: str, pk: int) -> str:
    return reverse(f"monitoring:{name}", args=[pk])


def answers(**values) -> dict:
    return {f"answer-{code}": value for code, value in values.items()}


def field_of(campaign: Campaign, code: str) -> Field:
    return campaign.form.fields.get(code=code)


@pytest.fixture
def campaign(world) -> Campaign:
    """Open, asking both schools of the first municipality; its form feeds the ratio indicator
    «Доля учителей, прошедших диагностику» = teachers_diagnosed / teachers × 100."""
    return make_campaign(world.municipality, organizations=[world.school, world.other_school])


@pytest.fixture
def draft(world, campaign) -> Submission:
    return services.submission_for(campaign=campaign, organization=world.school, by=world.respondent)


def save_json(client, submission, base, **values):
    return client.post(
        url("submission_save", submission.pk), {**answers(**values), "base_revision": base}, **JSON
    )


# My forms -----------------------------------------------------------------------------------------


def test_my_forms_lists_only_the_collections_asking_my_organization(client, world, campaign):
    make_campaign(
        world.municipality,
        form=make_form(world.municipality, title="Черновик", elements=False),
        organizations=[world.school],
        state=Campaign.State.DRAFT,
        title="Сбор-черновик",
    )
    make_campaign(
        world.municipality,
        form=make_form(world.municipality, title="Чужая", elements=False),
        organizations=[world.other_school],
        title="Сбор другой школы",
    )
    make_campaign(
        world.elsewhere,
        form=make_form(world.elsewhere, elements=False),
        organizations=[world.elsewhere_school],
    )
    closed = make_campaign(
        world.municipality,
        form=make_form(world.municipality, title="Прошлый", elements=False),
        organizations=[world.school],
        state=Campaign.State.CLOSED,
        title="Закрытый сбор",
    )
    client.force_login(world.respondent)
    response = client.get(reverse("monitoring:my_forms"))
    assert response.status_code == 200
    page = response.content.decode()
    assert campaign.title in page
    assert closed.title in page
    assert "Сбор-черновик" not in page
    assert "Сбор другой школы" not in page
    assert [row.campaign for row in response.context["rows"]] == [campaign, closed]  # open ones first
    assert url("fill", campaign.pk) in page


def test_my_forms_queries_do_not_grow_with_collections(client, world):
    client.force_login(world.respondent)
    form = make_form(world.municipality)

    def queries(total: int) -> int:
        while Campaign.objects.filter(organizations=world.school).count() < total:
            n = Campaign.objects.count()
            created = make_campaign(
                world.municipality, form=form, organizations=[world.school], title=f"Сбор {n}"
            )
            submission = make_submission(
                created, world.school, {"teachers": "10", "teachers_diagnosed": "5"}, by=world.respondent
            )
            if n % 2:
                services.extension_grant(
                    campaign=created,
                    organization=world.school,
                    deadline=created.deadline + datetime.timedelta(days=5),
                    reason="",
                    by=world.coordinator,
                )
            if n % 3 == 0:
                services.submission_submit(submission=submission, by=world.respondent)
        client.get(reverse("monitoring:my_forms"))
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("monitoring:my_forms"))
        assert response.status_code == 200
        assert len(response.context["rows"]) == total
        return len(context.captured_queries)

    assert queries(2) == queries(10)


# Opening a form ------------------------------------------------------------------------------------


def test_fill_makes_one_submission_and_opens_it(client, world, campaign):
    client.force_login(world.respondent)
    first = client.get(url("fill", campaign.pk))
    second = client.get(url("fill", campaign.pk))
    submission = Submission.objects.get(campaign=campaign, organization=world.school)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == url("submission", submission.pk)
    assert Submission.objects.filter(campaign=campaign).count() == 1


def test_fill_asks_which_organization_when_the_user_fills_for_several(client, world, campaign):
    core_services.role_grant(
        user=world.respondent, kind=Role.Kind.RESPONDENT, organization=world.other_school
    )
    client.force_login(world.respondent)
    response = client.get(url("fill", campaign.pk))
    assert response.status_code == 200
    assert list(response.context["organizations"]) == sorted(
        [world.school, world.other_school], key=lambda o: (o.short_name, o.pk)
    )
    chosen = client.get(url("fill", campaign.pk), {"organization": world.other_school.pk})
    submission = Submission.objects.get(campaign=campaign, organization=world.other_school)
    assert chosen.url == url("submission", submission.pk)
    assert (
        client.get(url("fill", campaign.pk), {"organization": world.elsewhere_school.pk}).status_code == 404
    )


# Saving --------------------------------------------------------------------------------------------


def test_save_keeps_a_draft_with_text_in_a_number_and_shows_the_problem(client, world, campaign, draft):
    client.force_login(world.respondent)
    response = client.post(
        url("submission_save", draft.pk),
        {**answers(teachers="сорок", comment="Черновик"), "base_revision": 0},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "сорок", "comment": "Черновик"}
    assert draft.status == Submission.Status.DRAFT
    assert draft.revision == 1
    page = client.get(url("submission", draft.pk)).content.decode()
    expected = validation.clean_value(field_of(campaign, "teachers"), "сорок")[1]
    assert expected in page
    assert 'value="сорок"' in page
    assert 'aria-invalid="true"' in page


def test_autosave_answers_the_revision_and_the_indicators(client, world, draft):
    client.force_login(world.respondent)
    response = save_json(client, draft, 0, teachers="40", teachers_diagnosed="30")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["revision"] == 1
    indicator = next(i for i in data["indicators"] if i["code"] == "2.3.1")
    assert Decimal(indicator["value"]) == Decimal(75)
    assert "75,0" in indicator["text"]
    assert data["errors"] == {} and data["form_errors"] == []
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "40", "teachers_diagnosed": "30"}

    broken = save_json(client, draft, 1, teachers_diagnosed="50").json()
    assert broken["revision"] == 2
    assert broken["form_errors"]  # diagnosed ≤ teachers
    assert broken["rule_errors"]["teachers_diagnosed"] == broken["form_errors"]


def test_a_stale_revision_on_the_same_question_is_refused_and_another_merges(client, world, draft):
    make_submission(draft.campaign, world.school, {"teachers": "40"}, by=world.respondent)  # revision 1
    services.submission_save(submission=draft, answers={"teachers": "41"}, base_revision=1, by=world.head)
    client.force_login(world.respondent)

    refused = save_json(client, draft, 1, teachers="42")
    assert refused.status_code == 409
    data = refused.json()
    assert data["conflicts"] == ["teachers"]
    assert data["revision"] == 2
    assert data["theirs"]["teachers"] == "41"
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "41"} and draft.revision == 2

    merged = save_json(client, draft, 1, teachers_diagnosed="30")
    assert merged.status_code == 200
    assert [change["code"] for change in merged.json()["merged"]] == ["teachers"]
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "41", "teachers_diagnosed": "30"}

    # A plain post on the same conflict shows the person's input and takes the current base.
    page = client.post(url("submission_save", draft.pk), {**answers(teachers="43"), "base_revision": 1})
    assert page.status_code == 409
    body = page.content.decode()
    assert 'value="43"' in body
    assert 'name="base_revision" value="3"' in body
    draft.refresh_from_db()
    assert draft.answers["teachers"] == "41"
    overwritten = client.post(
        url("submission_save", draft.pk), {**answers(teachers="43"), "base_revision": 3}
    )
    assert overwritten.status_code == 302
    draft.refresh_from_db()
    assert draft.answers["teachers"] == "43"


def test_choices_keep_an_answer_off_the_list_and_unticking_clears(client, world):
    form = make_form(world.municipality, title="Выбор", elements=False)
    section = form.sections.get()
    Field.objects.create(
        form=form,
        section=section,
        code="themes",
        label="Темы",
        kind=Field.Kind.MULTIPLE_CHOICE,
        choices=["Математика", "Физика"],
        required=False,
        order=6,
    )
    Field.objects.create(
        form=form,
        section=section,
        code="room",
        label="Кабинет",
        kind=Field.Kind.BOOLEAN,
        required=False,
        order=7,
    )
    campaign = make_campaign(world.municipality, form=form, organizations=[world.school])
    submission = make_submission(
        campaign, world.school, {"format": "Выездная", "themes": ["физика"], "room": "да"}
    )
    client.force_login(world.respondent)
    page = client.get(url("submission", submission.pk)).content.decode()
    assert 'value="Выездная" checked' in page  # an import's answer off the list stays chosen
    assert 'value="Физика" checked' in page
    assert 'value="yes" checked' in page

    response = client.post(
        url("submission_save", submission.pk),
        {
            "present": ["format", "themes", "room"],
            "answer-format": "Очная",
            "base_revision": submission.revision,
        },
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.answers == {"format": "Очная"}


def test_an_expired_session_gets_json_401_not_the_login_page(client, draft):
    response = save_json(client, draft, 0, teachers="40")
    assert response.status_code == 401
    data = response.json()
    assert data["error"] and data["login_url"] == reverse("login")
    plain = client.post(url("submission_save", draft.pk), answers(teachers="40"))
    assert plain.status_code == 302 and reverse("login") in plain.url
    draft.refresh_from_db()
    assert draft.answers == {}


def test_prefill_copies_last_periods_values_into_empty_questions_only(client, world, campaign, draft):
    before = make_period("2024/25")
    put(DataElement.objects.get(municipality=world.municipality, code="teachers"), world.school, before, 38)
    put(
        DataElement.objects.get(municipality=world.municipality, code="teachers_diagnosed"),
        world.school,
        before,
        20,
    )
    services.submission_save(submission=draft, answers={"teachers_diagnosed": "25"}, base_revision=0, by=None)
    client.force_login(world.respondent)

    page = client.get(url("submission", draft.pk)).content.decode()
    assert 'data-previous="38"' in page and 'data-previous="20"' in page

    response = client.post(url("submission_save", draft.pk), {"prefill": "1", "base_revision": 1})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers == {"teachers": "38", "teachers_diagnosed": "25"}


def test_a_closed_collection_is_read_only(client, world, campaign, draft):
    services.campaign_close(campaign=campaign)
    client.force_login(world.respondent)
    page = client.get(url("submission", draft.pk))
    assert page.status_code == 200
    assert 'id="entry-form"' not in page.content.decode()
    refused = save_json(client, draft, 0, teachers="40")
    assert refused.status_code == 400 and refused.json()["error"]
    draft.refresh_from_db()
    assert draft.answers == {}


# Submitting ----------------------------------------------------------------------------------------


def test_submit_with_problems_shows_them_and_stays_a_draft(client, world, campaign, draft):
    client.force_login(world.respondent)
    response = client.post(url("submission_submit", draft.pk), {**answers(teachers="40"), "base_revision": 0})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT
    assert draft.answers == {"teachers": "40"}  # what was typed is kept
    body = response.content.decode()
    required = validation.check([field_of(campaign, "teachers_diagnosed")], [], {}, complete=True)
    assert required.errors["teachers_diagnosed"][0] in body
    assert 'value="40"' in body

    broken = client.post(
        url("submission_submit", draft.pk), {**answers(teachers_diagnosed="50"), "base_revision": 1}
    )
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT
    fields, rules = services.form_questions(campaign.form)
    rule_message = validation.check(fields, rules, draft.answers, complete=True).form_errors[0]
    assert rule_message in broken.content.decode()
    assert not draft.events.filter(action=SubmissionEvent.Action.SUBMITTED).exists()


def test_submit_sends_a_complete_form(client, world, draft):
    client.force_login(world.respondent)
    response = client.post(
        url("submission_submit", draft.pk),
        {**answers(teachers="40", teachers_diagnosed="30"), "base_revision": 0},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED
    page = client.get(url("submission", draft.pk)).content.decode()
    assert 'id="entry-form"' not in page
    assert "30" in page


def test_sign_off_flow(client, world):
    campaign = make_campaign(world.municipality, organizations=[world.school], requires_sign_off=True)
    submission = make_submission(campaign, world.school, {"teachers": "40", "teachers_diagnosed": "30"})
    client.force_login(world.respondent)
    client.post(url("submission_submit", submission.pk), {"base_revision": submission.revision})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert services.awaits_sign_off(submission)
    respondent_page = client.get(url("submission", submission.pk)).content.decode()
    assert url("submission_sign_off", submission.pk) not in respondent_page
    assert client.post(url("submission_sign_off", submission.pk)).status_code == 403

    client.force_login(world.head)
    head_page = client.get(url("submission", submission.pk)).content.decode()
    assert url("submission_sign_off", submission.pk) in head_page
    assert client.post(url("submission_sign_off", submission.pk)).status_code == 302
    submission.refresh_from_db()
    assert submission.signed_off_by == world.head
    assert not services.awaits_sign_off(submission)


def test_a_heads_submit_signs_off_at_once(client, world):
    campaign = make_campaign(world.municipality, organizations=[world.school], requires_sign_off=True)
    submission = make_submission(campaign, world.school, {"teachers": "40", "teachers_diagnosed": "30"})
    client.force_login(world.head)
    assert client.get(url("submission", submission.pk)).context["page"].submit_label != ""
    client.post(url("submission_submit", submission.pk), {"base_revision": submission.revision})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.signed_off_by == world.head


def test_returned_form_shows_the_comment_and_marks_changes(client, world, campaign):
    submission = make_submission(
        campaign,
        world.school,
        {"teachers": "40", "teachers_diagnosed": "30"},
        by=world.respondent,
        submit=True,
    )
    services.submission_return(
        submission=submission, comment="Проверьте число учителей", by=world.coordinator
    )
    client.force_login(world.respondent)
    save_json(client, submission, submission.revision, teachers="41")
    page = client.get(url("submission", submission.pk))
    body = page.content.decode()
    assert "Проверьте число учителей" in body
    changed = {q.code for q in page.context["page"].questions if q.changed}
    assert changed == {"teachers"}
    assert 'id="entry-form"' in body


def test_read_only_after_acceptance(client, world, campaign):
    submission = make_submission(
        campaign,
        world.school,
        {"teachers": "40", "teachers_diagnosed": "30"},
        by=world.respondent,
        submit=True,
    )
    services.submission_accept(submission=submission, by=world.coordinator)
    client.force_login(world.respondent)
    page = client.get(url("submission", submission.pk)).content.decode()
    assert 'id="entry-form"' not in page
    response = client.post(
        url("submission_save", submission.pk), {**answers(teachers="99"), "base_revision": 2}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert shown and any(shown)
    submission.refresh_from_db()
    assert submission.answers["teachers"] == "40"
    assert save_json(client, submission, submission.revision, teachers="99").status_code == 400
    history = client.get(url("submission", submission.pk)).context["page"].history
    assert [row.action for row in history][:2] == ["accepted", "submitted"]


# Access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_respondent", "outsider_school", "outsider"])
def test_another_school_gets_404_everywhere(client, world, who):
    campaign = make_campaign(world.municipality, organizations=[world.school])
    submission = make_submission(campaign, world.school, {"teachers": "40"})
    client.force_login(getattr(world, who))
    assert client.get(url("fill", campaign.pk)).status_code == 404
    assert client.get(url("submission", submission.pk)).status_code == 404
    assert client.post(url("submission_save", submission.pk), answers(teachers="1")).status_code == 404
    assert save_json(client, submission, 1, teachers="1").status_code == 404
    assert client.post(url("submission_submit", submission.pk)).status_code == 404
    assert client.post(url("submission_sign_off", submission.pk)).status_code == 404
    assert client.get(url("submission_file", submission.pk), {"field": "teachers"}).status_code == 404
    assert client.post(url("submission_file", submission.pk), {"field": "teachers"}).status_code == 404
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40"}
    assert campaign.title not in client.get(reverse("monitoring:my_forms")).content.decode()


def test_the_departments_staff_read_on_the_review_page_and_cannot_save(client, world, draft):
    client.force_login(world.coordinator)
    response = client.get(url("submission", draft.pk))
    try:
        review = reverse("monitoring:review", args=[draft.pk])
    except NoReverseMatch:
        pytest.skip("the review page is not there yet")
    assert response.status_code == 302 and response.url == review
    assert save_json(client, draft, 0, teachers="1").status_code == 403
    draft.refresh_from_db()
    assert draft.answers == {}


# Files ---------------------------------------------------------------------------------------------


@pytest.fixture
def file_campaign(world) -> Campaign:
    form = make_form(world.municipality, title="Отчёт с приложением", elements=False)
    Field.objects.create(
        form=form,
        section=Section.objects.get(form=form),
        code="report",
        label="Отчёт",
        kind=Field.Kind.FILE,
        file_types="pdf, docx",
        max_file_mb=1,
        required=True,
        order=5,
    )
    return make_campaign(world.municipality, form=form, organizations=[world.school])


def test_file_upload_checks_type_and_size(client, world, file_campaign):
    submission = services.submission_for(campaign=file_campaign, organization=world.school)
    client.force_login(world.respondent)
    target = url("submission_file", submission.pk)

    wrong_type = client.post(
        target, {"field": "report", "file": SimpleUploadedFile("run.exe", b"MZ")}, **JSON
    )
    assert wrong_type.status_code == 400 and "pdf" in wrong_type.json()["error"]
    too_big = SimpleUploadedFile("big.pdf", b"%" * (1024 * 1024 + 1))
    assert client.post(target, {"field": "report", "file": too_big}, **JSON).status_code == 400
    assert (
        client.post(
            target, {"field": "teachers", "file": SimpleUploadedFile("a.pdf", b"%PDF")}, **JSON
        ).status_code
        == 400
    )
    assert not SubmissionFile.objects.exists()

    stored = client.post(
        target, {"field": "report", "file": SimpleUploadedFile("Отчёт.pdf", b"%PDF-1.4 data")}, **JSON
    )
    assert stored.status_code == 200
    submission.refresh_from_db()
    assert submission.answers == {"report": "Отчёт.pdf"}
    assert SubmissionFile.objects.get(submission=submission).size == len(b"%PDF-1.4 data")

    download = client.get(target, {"field": "report"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 data"
    assert "attachment" in download["Content-Disposition"]
    client.force_login(world.coordinator)
    assert client.get(target, {"field": "report"}).status_code == 200
    client.force_login(world.other_respondent)
    assert client.get(target, {"field": "report"}).status_code == 404


def test_a_file_goes_with_a_plain_save_and_can_be_removed(client, world, file_campaign):
    submission = services.submission_for(campaign=file_campaign, organization=world.school)
    client.force_login(world.respondent)
    client.post(
        url("submission_save", submission.pk),
        {
            "answer-report": SimpleUploadedFile("plan.docx", b"PK data"),
            "base_revision": 0,
            **answers(teachers="5"),
        },
    )
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "5", "report": "plan.docx"}
    assert SubmissionFile.objects.filter(submission=submission).count() == 1
    client.post(url("submission_file", submission.pk), {"field": "report", "remove": "1"})
    submission.refresh_from_db()
    assert "report" not in submission.answers
    assert not SubmissionFile.objects.exists()


# The home page -------------------------------------------------------------------------------------


def test_attention_lists_forms_to_fill_returned_and_to_sign_off(world):
    today = timezone.localdate()
    overdue = make_campaign(
        world.municipality,
        organizations=[world.school],
        opens_on=today - datetime.timedelta(days=10),
        deadline=today - datetime.timedelta(days=1),
        title="Просроченный сбор",
    )
    returned_form = make_form(world.municipality, title="Возвращённая", elements=False)
    returned = make_campaign(
        world.municipality, form=returned_form, organizations=[world.school], title="Сбор Б"
    )
    submission = make_submission(
        returned, world.school, {"teachers": "4", "teachers_diagnosed": "3"}, by=world.respondent, submit=True
    )
    services.submission_return(submission=submission, comment="Уточните данные", by=world.coordinator)
    signing_form = make_form(world.municipality, title="На подпись", elements=False)
    signing = make_campaign(
        world.municipality,
        form=signing_form,
        organizations=[world.school],
        requires_sign_off=True,
        title="Сбор В",
    )
    make_submission(
        signing, world.school, {"teachers": "4", "teachers_diagnosed": "3"}, by=world.respondent, submit=True
    )
    make_campaign(
        world.municipality,
        form=make_form(world.municipality, title="Чужая", elements=False),
        organizations=[world.other_school],
        title="Чужой сбор",
    )

    items = entry.attention(world.respondent, list(roles_of(world.respondent)))
    texts = " ".join(item.text for item in items)
    assert overdue.title in texts and "Уточните данные" in texts
    assert "Чужой сбор" not in texts and signing.title not in texts
    assert next(i for i in items if overdue.title in i.text).severity == "danger"
    assert all(item.url for item in items)

    head_items = entry.attention(world.head, list(roles_of(world.head)))
    assert any(signing.title in item.text for item in head_items)
    assert entry.attention(world.coordinator, list(roles_of(world.coordinator))) == []


def test_the_home_page_shows_the_forms_to_fill(client, world, campaign):
    client.force_login(world.respondent)
    page = client.get(reverse("mcok:home")).content.decode()
    assert campaign.title in page
    assert url("fill", campaign.pk).split("?")[0] in page


def test_several_organizations_see_their_names_on_the_home_page(world, campaign):
    second = make_organization(world.municipality)
    user = make_user_with_role(Role.Kind.RESPONDENT, organization=world.school)
    core_services.role_grant(user=user, kind=Role.Kind.RESPONDENT, organization=second)
    items = entry.attention(user, list(roles_of(user)))
    assert items and items[0].text.startswith(world.school.short_name)


def test_entry_page_client_config_is_valid_json(client, world, draft):
    client.force_login(world.respondent)
    body = client.get(url("submission", draft.pk)).content.decode()
    start = body.index('<script id="entry-config" type="application/json">') + len(
        '<script id="entry-config" type="application/json">'
    )
    config = json.loads(body[start : body.index("</script>", start)])
    assert config["editable"] is True and config["revision"] == 0
    assert config["saveUrl"] == url("submission_save", draft.pk)


# In a browser: the page's script ---------------------------------------------------------------------
# Debian's chromium through Playwright (tests/browser/support.py); skipped where it is missing.


def _open_in_browser(new_page, world, submission, user=None):
    user = user or world.respondent
    page = new_page()
    browser_fixtures.log_in(page, user.username, "pw")
    page.goto(url("submission", submission.pk))
    return page


def _wait_saved(page, revision: int) -> None:
    """Until the page has the revision and nothing more waits to be saved. Playwright's own locators
    wait: wait_for_function would evaluate a string in the page, which the portal's CSP forbids."""
    from playwright.sync_api import expect

    expect(page.locator("#base-revision")).to_have_value(str(revision))
    status = page.locator("#save-status")
    expect(status).not_to_have_class(re.compile(r"\bis-error\b"))
    expect(status).not_to_have_text(re.compile("…"))


@pytest.mark.django_db(transaction=True)
def test_browser_autosaves_checks_and_shows_indicators(new_page):
    world = make_world()
    campaign = make_campaign(world.municipality, organizations=[world.school])
    submission = services.submission_for(campaign=campaign, organization=world.school)
    page = _open_in_browser(new_page, world, submission)

    page.fill("#id-answer-teachers", "сорок")
    page.locator("#id-answer-teachers").blur()
    expected = validation.clean_value(field_of(campaign, "teachers"), "сорок")[1]
    assert expected in page.inner_text("#e-teachers")
    _wait_saved(page, 1)  # leaving the field for the page's body: a draft keeps even this
    page.fill("#id-answer-teachers", "40")
    page.fill("#id-answer-teachers_diagnosed", "30")
    page.locator("#live-indicators", has_text="75,0").wait_for()
    _wait_saved(page, 2)
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40", "teachers_diagnosed": "30"}
    assert page.inner_text("#e-teachers") == ""
    assert page.evaluate(f"localStorage.getItem('mcok-entry:{submission.pk}')") is None


@pytest.mark.django_db(transaction=True)
def test_browser_keeps_input_when_the_session_expires_and_restores_it(new_page):
    world = make_world()
    campaign = make_campaign(world.municipality, organizations=[world.school])
    submission = services.submission_for(campaign=campaign, organization=world.school)
    page = _open_in_browser(new_page, world, submission)
    Session.objects.all().delete()  # the session expires

    page.fill("#id-answer-teachers", "40")
    page.wait_for_selector("#save-status.is-error a[target=_blank]")
    assert page.evaluate(f"localStorage.getItem('mcok-entry:{submission.pk}')") is not None
    submission.refresh_from_db()
    assert submission.answers == {}

    browser_fixtures.log_in(
        page, world.respondent.username, "pw"
    )  # as in the new tab: the same browser's cookies
    page.goto(url("submission", submission.pk))
    page.wait_for_selector("#restore-box:not([hidden]) button")
    page.click("#restore-box button:first-of-type")
    _wait_saved(page, 1)
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "40"}


@pytest.mark.django_db(transaction=True)
def test_browser_shows_a_conflict_and_fills_from_the_previous_period(new_page):
    world = make_world()
    campaign = make_campaign(world.municipality, organizations=[world.school])
    before = make_period("2024/25")
    put(
        DataElement.objects.get(municipality=world.municipality, code="teachers_diagnosed"),
        world.school,
        before,
        20,
    )
    submission = services.submission_for(campaign=campaign, organization=world.school)
    page = _open_in_browser(new_page, world, submission)
    services.submission_save(
        submission=submission, answers={"teachers": "41"}, base_revision=0, by=world.head
    )

    page.fill("#id-answer-teachers", "42")
    page.wait_for_selector("#q-teachers.is-conflict")
    assert "41" in page.inner_text("#c-teachers")
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "41"}
    page.click("#save-button")  # deliberately: mine wins
    _wait_saved(page, 2)
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "42"}

    page.click("#prefill-button")
    _wait_saved(page, 3)
    assert page.input_value("#id-answer-teachers_diagnosed") == "20"
    assert page.input_value("#id-answer-teachers") == "42"
    submission.refresh_from_db()
    assert submission.answers == {"teachers": "42", "teachers_diagnosed": "20"}
