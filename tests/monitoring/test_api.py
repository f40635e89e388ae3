"""The monitoring API: who reads which forms, collections and submissions; filling in, submitting,
signing off, returning and accepting through it; conflicts, refusals and query counts."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from indicators.models import DataValue, IndicatorValue
from mcok.models import Role
from monitoring import access
from monitoring.models import Campaign, Submission, SubmissionEvent
from tests.factories import make_organization, make_user_with_role
from tests.monitoring.factories import make_campaign, make_form, make_submission

FULL = {"teachers": "40", "teachers_diagnosed": "30", "format": "Очная"}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def records(world):
    """An open collection asking both schools of the world's municipality, with the school's draft and
    the other school's submitted form; a draft collection; and a collection of the other municipality
    with its school's draft."""
    form = make_form(world.municipality)
    campaign = make_campaign(world.municipality, form=form, title="Диагностика — 2025")
    draft = make_campaign(
        world.municipality, form=form, state=Campaign.State.DRAFT, period="2026", title="Диагностика — 2026"
    )
    foreign = make_campaign(world.elsewhere, form=make_form(world.elsewhere), title="Чужой сбор")
    return {
        "form": form,
        "campaign": campaign,
        "draft": draft,
        "foreign": foreign,
        "mine": make_submission(campaign, world.school, {"teachers": "40"}, by=world.respondent),
        "other": make_submission(campaign, world.other_school, FULL, by=world.other_respondent, submit=True),
        "foreign_submission": make_submission(foreign, world.elsewhere_school, {"teachers": "12"}),
    }


def api(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def post(client, name: str, pk: int, data=None):
    return client.post(api(name, pk), data or {}, content_type="application/json")


def save(client, submission, answers: dict, base_revision: int):
    return client.patch(
        api("submission-detail", submission.pk),
        {"answers": answers, "base_revision": base_revision},
        content_type="application/json",
    )


# Who reads what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["form-list", "campaign-list", "submission-list", "submission-detail", "submission-submit"]
)
def test_anonymous_gets_401(client, records, name):
    args = [records["mine"].pk] if name.startswith("submission-") and name != "submission-list" else []
    method = client.post if name == "submission-submit" else client.get
    response = method(api(name, *args))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("coordinator", {"mine", "other"}),
        ("executor", {"mine", "other"}),
        ("respondent", {"mine"}),
        ("head", {"mine"}),
        ("other_respondent", {"other"}),
        ("outsider", {"foreign_submission"}),
        ("outsider_school", {"foreign_submission"}),
    ],
)
def test_submission_list_is_exactly_what_access_allows(client, world, records, actor, expected):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(api("submission-list")))
    assert got == {records[name].pk for name in expected}
    assert got == set(access.submissions_visible_to(user).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("coordinator", {"campaign", "draft"}),
        ("respondent", {"campaign"}),  # a draft collection is the department's until it opens
        ("other_respondent", {"campaign"}),
        ("outsider", {"foreign"}),
        ("outsider_school", {"foreign"}),
    ],
)
def test_campaign_list_is_exactly_what_access_allows(client, world, records, actor, expected):
    user = getattr(world, actor)
    client.force_login(user)
    got = ids(client.get(api("campaign-list")))
    assert got == {records[name].pk for name in expected}
    assert got == set(access.campaigns_visible_to(user).values_list("pk", flat=True))


def test_a_school_is_not_shown_a_collection_that_does_not_ask_it(client, world, records):
    garden = make_organization(world.municipality, kind="kindergarten")
    nurse = make_user_with_role(Role.Kind.RESPONDENT, organization=garden)
    client.force_login(nurse)
    assert ids(client.get(api("campaign-list"))) == set()
    assert client.get(api("campaign-detail", records["campaign"].pk)).status_code == 404


@pytest.mark.parametrize(
    ("actor", "sees"), [("coordinator", True), ("respondent", False), ("outsider", False)]
)
def test_forms_are_the_departments(client, world, records, actor, sees):
    client.force_login(getattr(world, actor))
    got = ids(client.get(api("form-list")))
    assert (records["form"].pk in got) is sees
    response = client.get(api("form-detail", records["form"].pk))
    assert response.status_code == (200 if sees else 404)


def test_form_json_holds_sections_questions_and_rules(client, world, records):
    client.force_login(world.coordinator)
    data = client.get(api("form-detail", records["form"].pk)).json()
    assert data["municipality"] == "ishim"
    assert data["is_locked"] is True  # an open collection uses it
    assert data["is_latest"] is True
    assert [s["title"] for s in data["sections"]] == ["Кадры"]
    questions = {q["code"]: q for q in data["questions"]}
    assert list(questions) == ["teachers", "teachers_diagnosed", "format", "comment"]
    assert questions["teachers"]["kind"] == "integer"
    assert questions["teachers"]["required"] is True
    assert Decimal(questions["teachers"]["min_value"]) == 0
    assert questions["teachers"]["data_element_code"] == "teachers"
    assert questions["teachers"]["section"] == data["sections"][0]["id"]
    assert questions["format"]["options"] == ["Очная", "Дистанционная"]
    assert questions["comment"]["data_element"] is None
    assert data["rules"] == [
        {
            "id": data["rules"][0]["id"],
            "kind": "le",
            "fields": ["teachers_diagnosed", "teachers"],
            "message": "",
            "order": 0,
        }
    ]


@pytest.mark.parametrize(
    ("actor", "own", "foreign"),
    [
        ("respondent", "mine", "other"),
        ("other_respondent", "other", "mine"),
        ("respondent", "mine", "foreign_submission"),
        ("outsider", "foreign_submission", "mine"),
    ],
)
def test_another_submission_is_404_like_an_absent_one(client, world, records, actor, own, foreign):
    client.force_login(getattr(world, actor))
    assert client.get(api("submission-detail", records[own].pk)).status_code == 200
    foreign_response = client.get(api("submission-detail", records[foreign].pk))
    absent_response = client.get(api("submission-detail", 987654321))
    assert foreign_response.status_code == absent_response.status_code == 404
    assert foreign_response.json() == absent_response.json()
    # Acting on it answers the same 404, and changes nothing.
    before = Submission.objects.get(pk=records[foreign].pk)
    assert save(client, before, {"teachers": "1"}, before.revision).status_code == 404
    assert post(client, "submission-submit", before.pk).status_code == 404
    assert Submission.objects.get(pk=before.pk).answers == before.answers


def test_the_school_reads_its_collection_its_questions_and_only_itself_in_the_progress(
    client, world, records
):
    client.force_login(world.respondent)
    data = client.get(api("campaign-detail", records["campaign"].pk)).json()
    assert data["state"] == "open"
    assert data["period"] == "2025/26"
    assert data["organizations"] == [
        {"id": world.school.pk, "short_name": world.school.short_name, "deadline": data["deadline"]}
    ]
    assert data["progress"] == {
        "expected": 1,
        "not_started": 0,
        "draft": 1,
        "submitted": 0,
        "returned": 0,
        "accepted": 0,
    }
    form = client.get(api("campaign-form", records["campaign"].pk)).json()
    assert [q["code"] for q in form["questions"]] == ["teachers", "teachers_diagnosed", "format", "comment"]
    assert client.get(api("campaign-form", records["draft"].pk)).status_code == 404


def test_the_department_sees_every_organization_and_the_whole_progress(client, world, records):
    late = make_organization(world.municipality)
    records["campaign"].organizations.add(late)
    # Opening the form makes an empty draft: not yet started.
    Submission.objects.create(campaign=records["campaign"], organization=late)
    client.force_login(world.coordinator)
    data = client.get(api("campaign-detail", records["campaign"].pk)).json()
    assert {o["id"] for o in data["organizations"]} == {world.school.pk, world.other_school.pk, late.pk}
    assert data["progress"] == {
        "expected": 3,
        "not_started": 1,
        "draft": 1,
        "submitted": 1,
        "returned": 0,
        "accepted": 0,
    }


def test_an_extension_is_the_organizations_own_deadline(client, world, records):
    from monitoring import services

    campaign = records["campaign"]
    later = campaign.deadline.replace(year=campaign.deadline.year + 1)
    services.extension_grant(
        campaign=campaign, organization=world.school, deadline=later, reason="Карантин", by=world.coordinator
    )
    client.force_login(world.coordinator)
    data = client.get(api("campaign-detail", campaign.pk)).json()
    deadlines = {o["id"]: o["deadline"] for o in data["organizations"]}
    assert deadlines == {world.school.pk: later.isoformat(), world.other_school.pk: data["deadline"]}


# Filters -----------------------------------------------------------------------------------------------


def test_campaign_filters(client, world, records):
    client.force_login(world.coordinator)
    campaigns = api("campaign-list")
    assert ids(client.get(campaigns, {"state": "draft"})) == {records["draft"].pk}
    assert ids(client.get(campaigns, {"state": "open"})) == {records["campaign"].pk}
    assert ids(client.get(campaigns, {"period": "2026"})) == {records["draft"].pk}
    assert ids(client.get(campaigns, {"municipality": "ishim"})) == {
        records["campaign"].pk,
        records["draft"].pk,
    }
    assert ids(client.get(campaigns, {"municipality": "amur"})) == set()
    assert client.get(campaigns, {"state": "finished"}).status_code == 400


def test_submission_filters(client, world, records):
    client.force_login(world.coordinator)
    submissions = api("submission-list")
    assert ids(client.get(submissions, {"status": "submitted"})) == {records["other"].pk}
    assert ids(client.get(submissions, {"organization": world.school.pk})) == {records["mine"].pk}
    assert ids(client.get(submissions, {"campaign": records["campaign"].pk})) == {
        records["mine"].pk,
        records["other"].pk,
    }
    assert ids(client.get(submissions, {"campaign": records["foreign"].pk})) == set()
    assert ids(client.get(submissions, {"period": "2025/26"})) == {records["mine"].pk, records["other"].pk}
    assert client.get(submissions, {"status": "lost"}).status_code == 400


def test_form_filters(client, world, records):
    from monitoring import services

    newer = services.form_new_version(form=records["form"], by=world.coordinator)
    client.force_login(world.coordinator)
    forms = api("form-list")
    assert ids(client.get(forms)) == {records["form"].pk, newer.pk}
    assert ids(client.get(forms, {"latest": "true"})) == {newer.pk}
    data = client.get(api("form-detail", records["form"].pk)).json()
    assert data["is_latest"] is False
    assert client.get(api("form-detail", newer.pk)).json()["previous_version"] == records["form"].pk


# Filling in --------------------------------------------------------------------------------------------


def test_save_stores_the_answers_and_reports_their_problems(client, world, records):
    mine = records["mine"]
    client.force_login(world.respondent)
    response = save(client, mine, {"teachers": "41", "teachers_diagnosed": "много", "format": None}, 1)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["submission"]["revision"] == 2
    assert data["submission"]["answers"] == {"teachers": "41", "teachers_diagnosed": "много"}
    assert list(data["errors"]) == ["teachers_diagnosed"]
    assert data["form_errors"] == []
    mine.refresh_from_db()
    assert mine.answers == {"teachers": "41", "teachers_diagnosed": "много"}  # a draft loses nothing
    assert mine.status == Submission.Status.DRAFT
    assert mine.updated_by == world.respondent


def test_the_save_action_is_the_same_as_patch(client, world, records):
    mine = records["mine"]
    client.force_login(world.head)
    response = post(client, "submission-save", mine.pk, {"answers": {"teachers": 42}, "base_revision": 1})
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.answers["teachers"] == "42"
    assert mine.revision == 2


def test_a_save_on_an_old_revision_merges_other_questions(client, world, records):
    mine = records["mine"]
    client.force_login(world.head)
    assert save(client, mine, {"teachers_diagnosed": "30"}, 1).status_code == 200
    client.force_login(world.respondent)
    response = save(client, mine, {"comment": "Сверено"}, 1)  # still on revision 1
    assert response.status_code == 200
    assert response.json()["merged"] == ["teachers_diagnosed"]
    mine.refresh_from_db()
    assert mine.answers == {"teachers": "40", "teachers_diagnosed": "30", "comment": "Сверено"}


def test_a_conflicting_save_answers_409_and_writes_nothing(client, world, records):
    mine = records["mine"]
    client.force_login(world.head)
    assert save(client, mine, {"teachers": "45"}, 1).status_code == 200
    client.force_login(world.respondent)
    response = save(client, mine, {"teachers": "50", "comment": "Моё"}, 1)
    assert response.status_code == 409
    data = response.json()
    assert data["fields"] == ["teachers"]
    assert "«Всего учителей»" in data["detail"]
    mine.refresh_from_db()
    assert mine.answers == {"teachers": "45"}
    assert mine.revision == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"unknown": "1"}, "base_revision": 1}, "answers"),
        ({"answers": {"teachers": {"value": 1}}, "base_revision": 1}, "answers"),
        ({"answers": ["teachers"], "base_revision": 1}, "answers"),
        ({"answers": {"teachers": "1"}}, "base_revision"),
        ({"answers": {"teachers": "1"}, "base_revision": -1}, "base_revision"),
    ],
)
def test_malformed_saves_are_400_and_change_nothing(client, world, records, body, field):
    mine = records["mine"]
    client.force_login(world.respondent)
    response = client.patch(api("submission-detail", mine.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    mine.refresh_from_db()
    assert mine.answers == {"teachers": "40"}
    assert mine.revision == 1


@pytest.mark.parametrize("actor", ["expert", "operator"])
def test_staff_who_do_not_fill_in_forms_are_refused_403(client, world, records, actor):
    mine = records["mine"]
    client.force_login(getattr(world, actor))
    assert save(client, mine, {"teachers": "1"}, 1).status_code == 403
    assert post(client, "submission-submit", mine.pk).status_code == 403
    mine.refresh_from_db()
    assert mine.answers == {"teachers": "40"}


def test_submit_with_problems_is_400_with_every_message_and_changes_nothing(client, world, records):
    mine = records["mine"]
    client.force_login(world.respondent)
    assert save(client, mine, {"teachers_diagnosed": "50"}, 1).status_code == 200  # 50 > 40
    response = post(client, "submission-submit", mine.pk)
    assert response.status_code == 400
    with translation.override("ru"):
        expected = [
            gettext("%(left)s cannot be greater than %(right)s.")
            % {"left": "«Прошли диагностику»", "right": "«Всего учителей»"}
        ]
    assert response.json() == expected
    mine.refresh_from_db()
    assert mine.status == Submission.Status.DRAFT
    assert mine.submitted_at is None


def test_submit_of_an_unanswered_required_question_names_it(client, world, records):
    mine = records["mine"]
    client.force_login(world.respondent)
    response = post(client, "submission-submit", mine.pk)
    assert response.status_code == 400
    with translation.override("ru"):
        required = gettext("This question must be answered.")
    assert response.json() == [f"Прошли диагностику: {required}"]


def test_submit_sends_the_form_for_review(client, world, records):
    mine = records["mine"]
    client.force_login(world.respondent)
    assert save(client, mine, {"teachers_diagnosed": "30"}, 1).status_code == 200
    response = post(client, "submission-submit", mine.pk)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    mine.refresh_from_db()
    assert mine.status == Submission.Status.SUBMITTED
    assert SubmissionEvent.objects.filter(submission=mine, action="submitted", by=world.respondent).exists()
    # Submitted: no more changes until it is returned.
    response = save(client, mine, {"teachers": "1"}, mine.revision)
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.answers["teachers"] == "40"


def test_starting_a_submission(client, world, records):
    other_campaign = make_campaign(
        world.municipality, form=make_form(world.municipality, elements=False), title="Второй сбор"
    )
    client.force_login(world.respondent)
    url = api("submission-list")
    response = client.post(url, {"campaign": other_campaign.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    created = Submission.objects.get(campaign=other_campaign, organization=world.school)
    assert response.json()["id"] == created.pk
    assert response.json()["status"] == "draft"
    again = client.post(url, {"campaign": other_campaign.pk}, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == created.pk
    assert Submission.objects.filter(campaign=other_campaign).count() == 1
    # A draft collection is not there for a school; nor is another school's organization.
    response = client.post(url, {"campaign": records["draft"].pk}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["campaign"]
    response = client.post(
        url,
        {"campaign": other_campaign.pk, "organization": world.other_school.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["organization"]
    assert not Submission.objects.filter(campaign=other_campaign, organization=world.other_school).exists()


def test_starting_a_submission_is_refused_to_who_does_not_fill_in(client, world, records):
    client.force_login(world.expert)
    response = client.post(
        api("submission-list"),
        {"campaign": records["campaign"].pk, "organization": world.school.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.post(
        api("submission-list"), {"campaign": records["campaign"].pk}, content_type="application/json"
    )
    assert response.status_code == 403


def test_starting_a_submission_in_a_closed_collection_is_refused(client, world):
    closed = make_campaign(world.municipality, state=Campaign.State.CLOSED, title="Прошлый сбор")
    client.force_login(world.respondent)
    response = client.post(api("submission-list"), {"campaign": closed.pk}, content_type="application/json")
    assert response.status_code == 400
    assert not Submission.objects.filter(campaign=closed).exists()


def test_history_lists_the_events(client, world, records):
    client.force_login(world.respondent)
    assert save(client, records["mine"], {"teachers": "41"}, 1).status_code == 200
    response = client.get(api("submission-history", records["mine"].pk))
    assert response.status_code == 200
    assert [event["action"] for event in response.json()] == ["saved", "saved"]
    assert response.json()[0]["revision"] == 2
    client.force_login(world.other_respondent)
    assert client.get(api("submission-history", records["mine"].pk)).status_code == 404


# Review ------------------------------------------------------------------------------------------------


def test_accept_by_the_coordinator_writes_the_figures(
    client, world, records, django_capture_on_commit_callbacks
):
    other = records["other"]
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "submission-accept", other.pk)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    other.refresh_from_db()
    assert other.status == Submission.Status.ACCEPTED
    assert other.reviewed_by == world.coordinator
    values = {
        v.data_element.code: v.value
        for v in DataValue.objects.filter(organization=world.other_school).select_related("data_element")
    }
    assert values == {"teachers": Decimal(40), "teachers_diagnosed": Decimal(30)}
    indicator_value = IndicatorValue.objects.get(indicator__code="2.3.1", organization=world.other_school)
    assert indicator_value.value == Decimal(75)
    # Accepted once: a second acceptance is refused and writes nothing more.
    response = post(client, "submission-accept", other.pk)
    assert response.status_code == 400
    assert DataValue.objects.filter(organization=world.other_school).count() == 2


@pytest.mark.parametrize("actor", ["executor", "expert", "other_respondent"])
def test_accept_by_someone_who_does_not_review_is_403(client, world, records, actor):
    other = records["other"]
    client.force_login(getattr(world, actor))
    response = post(client, "submission-accept", other.pk)
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.status == Submission.Status.SUBMITTED
    assert not DataValue.objects.filter(organization=world.other_school).exists()


def test_accept_by_the_coordinator_of_another_municipality_is_404(client, world, records):
    client.force_login(world.outsider)
    assert post(client, "submission-accept", records["other"].pk).status_code == 404
    assert Submission.objects.get(pk=records["other"].pk).status == Submission.Status.SUBMITTED


def test_return_needs_a_comment_and_reopens_the_form(client, world, records):
    other = records["other"]
    client.force_login(world.coordinator)
    response = post(client, "submission-return", other.pk, {"comment": "  "})
    assert response.status_code == 400
    with translation.override("ru"):
        assert response.json() == [gettext("Say what the school should fix: the comment is required.")]
    assert Submission.objects.get(pk=other.pk).status == Submission.Status.SUBMITTED

    response = post(client, "submission-return", other.pk, {"comment": "Проверьте число учителей."})
    assert response.status_code == 200
    assert response.json()["review_comment"] == "Проверьте число учителей."
    other.refresh_from_db()
    assert other.status == Submission.Status.RETURNED

    client.force_login(world.other_respondent)
    response = save(client, other, {"teachers": "41"}, other.revision)
    assert response.status_code == 200
    assert response.json()["submission"]["changed_since_return"] == ["teachers"]


def test_return_by_a_school_is_403(client, world, records):
    client.force_login(world.other_respondent)
    response = post(client, "submission-return", records["other"].pk, {"comment": "Сами вернём"})
    assert response.status_code == 403
    assert Submission.objects.get(pk=records["other"].pk).status == Submission.Status.SUBMITTED


def test_sign_off_is_the_heads(client, world):
    campaign = make_campaign(world.municipality, requires_sign_off=True, title="С подписью")
    submission = make_submission(campaign, world.school, FULL, by=world.respondent, submit=True)
    client.force_login(world.coordinator)
    response = post(client, "submission-accept", submission.pk)
    assert response.status_code == 400  # waits for the head
    client.force_login(world.respondent)
    assert post(client, "submission-sign-off", submission.pk).status_code == 403
    client.force_login(world.head)
    response = post(client, "submission-sign-off", submission.pk)
    assert response.status_code == 200, response.content
    assert response.json()["awaits_sign_off"] is False
    submission.refresh_from_db()
    assert submission.signed_off_by == world.head
    client.force_login(world.coordinator)
    assert post(client, "submission-accept", submission.pk).status_code == 200


def test_format_suffixes_work_for_the_actions(client, world, records):
    client.force_login(world.respondent)
    response = client.get(f"{api('campaign-form', records['campaign'].pk).rstrip('/')}.json")
    assert response.status_code == 200
    assert response.json()["id"] == records["form"].pk
    mine = records["mine"]
    url = f"{api('submission-save', mine.pk).rstrip('/')}.json"
    response = client.post(
        url, {"answers": {"teachers_diagnosed": "3"}, "base_revision": 1}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert Submission.objects.get(pk=mine.pk).answers["teachers_diagnosed"] == "3"


def test_the_api_does_not_delete_or_replace(client, world, records):
    client.force_login(world.administrator)
    assert client.delete(api("submission-detail", records["mine"].pk)).status_code == 405
    assert (
        client.put(
            api("submission-detail", records["mine"].pk), {}, content_type="application/json"
        ).status_code
        == 405
    )
    assert client.delete(api("campaign-detail", records["campaign"].pk)).status_code == 405
    assert client.post(api("form-list"), {}, content_type="application/json").status_code == 405
    assert Submission.objects.filter(pk=records["mine"].pk).exists()


# Query counts and schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["submission-list", "campaign-list", "form-list"])
def test_list_queries_do_not_grow_with_rows(client, world, name, count_queries):
    """Each row: a form version, a collection of it with an extension, a submitted and an accepted
    submission."""
    from monitoring import services

    latest = make_form(world.municipality)
    client.force_login(world.coordinator)

    def add_rows(count: int) -> None:
        nonlocal latest
        for _ in range(count):
            school, another = make_organization(world.municipality), make_organization(world.municipality)
            campaign = make_campaign(
                world.municipality, form=latest, organizations=[school, another], title=f"Сбор {school.pk}"
            )
            make_submission(campaign, school, FULL, submit=True)
            accepted = make_submission(campaign, another, FULL, submit=True)
            services.submission_accept(submission=accepted, by=world.coordinator)
            services.extension_grant(
                campaign=campaign,
                organization=school,
                deadline=campaign.deadline,
                reason="",
                by=world.coordinator,
            )
            latest = services.form_new_version(form=latest, by=world.coordinator)

    add_rows(2)
    few = count_queries(client, api(name))
    add_rows(8)
    assert count_queries(client, api(name)) == few


def test_schema_is_generated_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in (
        "/api/forms/{id}/:",
        "/api/campaigns/{id}/form/:",
        "/api/submissions/{id}/save/:",
        "/api/submissions/{id}/submit/:",
        "/api/submissions/{id}/sign-off/:",
        "/api/submissions/{id}/accept/:",
        "/api/submissions/{id}/return/:",
    ):
        assert path in schema
