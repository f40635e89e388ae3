"""Rights by assignment on forms and collections (Приложение 1 of order №1048, the table in DOMAIN.md):
the direction's executors build forms and start and run collections, its coordinators do that and
accept and return the forms, the head of the department may all of it; a coordinator of another
direction of the same municipality, and an administrator, may none of it. A form bound to no direction
follows the municipal roles. Schools fill in and sign off their own forms, as before."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directions.models import Duty
from indicators.models import DataValue
from mcok.models import Role
from monitoring import access, builder, imports, selectors, services
from monitoring.models import Campaign, Extension, Form, Reminder, Section, Submission
from tests.factories import assign, make_user_with_role, make_year
from tests.indicators.factories import academic_year_now
from tests.monitoring.factories import make_campaign, make_form, make_submission

Status = Submission.Status
State = Campaign.State
ANSWERS = {"teachers": "40", "teachers_diagnosed": "30"}
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def allowed(call) -> bool:
    """True when the service did its work, False when it refused with a reason."""
    try:
        call()
    except PermissionDenied as refusal:
        assert str(refusal), "a refusal says why"
        return False
    return True


@pytest.fixture
def directed(world) -> Form:
    """A form of direction 1.1 (world.direction)."""
    return make_form(world.municipality, direction=world.direction)


@pytest.fixture
def duty_only(world):
    """An operator of the municipality whom the order also names executor of 1.1: the assignment, not
    a municipal coordinator or executor role, is what lets them build for 1.1."""
    assign(world.operator, world.direction, Duty.EXECUTOR)
    return world.operator


# Forms --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "may"),
    [
        ("coordinator", True),
        ("executor", True),
        ("chief", True),
        ("other_coordinator", False),
        ("administrator", False),
        ("operator", False),
    ],
)
def test_a_form_of_a_direction_is_built_and_changed_by_its_people(world, directed, actor, may):
    user = getattr(world, actor)
    assert access.can_edit_form(user, directed) is may
    assert (
        allowed(
            lambda: builder.form_create(
                municipality=world.municipality, title="Новая", direction=world.direction, by=user
            )
        )
        is may
    )
    assert Form.objects.filter(title="Новая").exists() is may
    assert allowed(lambda: builder.section_add(form=directed, title="Оснащение", by=user)) is may
    assert Section.objects.filter(form=directed, title="Оснащение").exists() is may
    assert allowed(lambda: services.form_new_version(form=directed, by=user)) is may
    assert Form.objects.filter(previous_version=directed).exists() is may


def test_a_form_moves_only_to_a_direction_of_its_author(world, directed, duty_only):
    with pytest.raises(PermissionDenied):
        builder.form_update(
            form=directed, title=directed.title, direction=world.other_direction, by=world.coordinator
        )
    directed.refresh_from_db()
    assert directed.direction == world.direction
    # Bound to no direction: the municipal roles; one assigned to 1.1 without such a role may not.
    with pytest.raises(PermissionDenied):
        builder.form_update(form=directed, title=directed.title, direction=None, by=duty_only)
    builder.form_update(form=directed, title=directed.title, direction=None, by=world.coordinator)
    builder.form_update(form=directed, title=directed.title, direction=world.other_direction, by=world.chief)
    directed.refresh_from_db()
    assert directed.direction == world.other_direction


def test_a_form_of_no_direction_follows_the_municipal_roles(world, duty_only):
    unbound = make_form(world.municipality, elements=False)
    assert access.can_edit_form(world.other_coordinator, unbound)
    assert access.can_edit_form(world.executor, unbound)
    assert not access.can_edit_form(world.administrator, unbound)
    assert not access.can_edit_form(duty_only, unbound)
    assert not access.can_edit_form(world.outsider, unbound)


# Collections --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "runs", "reviews"),
    [
        ("coordinator", True, True),
        ("chief", True, True),
        ("executor", True, False),
        ("duty_only", True, False),
        ("other_coordinator", False, False),
        ("administrator", False, False),
        ("expert", False, False),
        ("outsider", False, False),
    ],
)
def test_a_collection_of_a_direction_is_run_and_reviewed_by_its_people(
    world, directed, duty_only, actor, runs, reviews
):
    user = duty_only if actor == "duty_only" else getattr(world, actor)
    draft = make_campaign(world.municipality, form=directed, state=State.DRAFT, title="Черновик")
    current = make_campaign(world.municipality, form=directed, title="Открытый")
    first = make_submission(current, world.school, ANSWERS, by=world.respondent, submit=True)
    second = make_submission(current, world.other_school, ANSWERS, by=world.other_respondent, submit=True)

    started = allowed(
        lambda: services.campaign_create(
            form=directed,
            period=current.period,
            title="Новый сбор",
            opens_on=days(1),
            deadline=days(10),
            organizations=[world.school],
            by=user,
        )
    )
    assert started is runs and Campaign.objects.filter(title="Новый сбор").exists() is runs
    assert allowed(lambda: services.campaign_open(campaign=draft, by=user)) is runs
    draft.refresh_from_db()
    assert (draft.state == State.OPEN) is runs
    extended = allowed(
        lambda: services.extension_grant(
            campaign=current, organization=world.other_school, deadline=days(20), reason="", by=user
        )
    )
    assert extended is runs and Extension.objects.exists() is runs
    reminded = allowed(lambda: services.reminders_send(campaign=current, kind=Reminder.Kind.MANUAL, by=user))
    assert reminded is runs

    assert allowed(lambda: services.submission_accept(submission=first, by=user)) is reviews
    returned = allowed(lambda: services.submission_return(submission=second, comment="Проверьте", by=user))
    assert returned is reviews
    statuses = set(current.submissions.values_list("status", flat=True))
    assert statuses == ({Status.ACCEPTED, Status.RETURNED} if reviews else {Status.SUBMITTED})
    assert DataValue.objects.exists() is reviews

    assert allowed(lambda: services.campaign_close(campaign=current, by=user)) is runs
    current.refresh_from_db()
    assert (current.state == State.CLOSED) is runs
    assert access.can_open_campaign(user, current) is runs
    assert access.can_review(user, current) is reviews


def test_a_collection_of_no_direction_follows_the_municipal_roles(world, duty_only):
    campaign = make_campaign(world.municipality, form=make_form(world.municipality))
    assert access.can_open_campaign(world.other_coordinator, campaign)
    assert access.can_review(world.other_coordinator, campaign)
    assert access.can_open_campaign(world.executor, campaign)
    assert not access.can_review(world.executor, campaign)
    assert not access.can_open_campaign(duty_only, campaign)  # 1.1 is theirs, not the municipality's work
    assert not access.can_open_campaign(world.administrator, campaign)
    assert not access.can_review(world.administrator, campaign)
    assert access.can_review(world.chief, campaign)


def test_an_assignment_covers_the_periods_it_holds_for(world, directed):
    """A coordinator whose assignment ends in a month does not run the collection of a year after."""
    user = make_user_with_role(Role.Kind.COORDINATOR, municipality=world.municipality)
    assign(user, world.direction, Duty.COORDINATOR, ends_on=days(30))
    now = make_campaign(world.municipality, form=directed, period=str(TODAY.year), title="Этот год")
    later = make_campaign(
        world.municipality, form=directed, period=str(TODAY.year + 2), state=State.DRAFT, title="Потом"
    )
    assert access.can_open_campaign(user, now) and access.can_review(user, now)
    assert not access.can_open_campaign(user, later) and not access.can_review(user, later)
    with pytest.raises(PermissionDenied):
        services.campaign_open(campaign=later, by=user)
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            form=directed,
            period=make_year(TODAY.year + 2),
            title="Ещё позже",
            opens_on=days(1),
            deadline=days(5),
            by=user,
        )


def test_changing_a_draft_to_a_form_of_another_direction_is_refused(world, directed):
    draft = make_campaign(world.municipality, form=directed, state=State.DRAFT)
    theirs = make_form(world.municipality, elements=False, direction=world.other_direction)

    def update(form, by):
        return services.campaign_update(
            campaign=draft,
            by=by,
            form=form,
            period=draft.period,
            title=draft.title,
            description="",
            opens_on=draft.opens_on,
            deadline=draft.deadline,
            closes_on=None,
            requires_sign_off=False,
            kinds=[],
            flags=[],
            organizations=[world.school],
        )

    with pytest.raises(PermissionDenied):
        update(theirs, world.coordinator)
    with pytest.raises(PermissionDenied):
        update(directed, world.other_coordinator)
    draft.refresh_from_db()
    assert draft.form == directed and draft.organizations.count() == 2
    update(theirs, world.chief)
    draft.refresh_from_db()
    assert draft.form == theirs


def test_the_lists_of_collections_agree_with_the_rights_row_by_row(world, directed, duty_only):
    """campaigns_run_by / campaigns_reviewed_by say in one query what can_open_campaign / can_review
    say row by row."""
    ended = make_user_with_role(Role.Kind.COORDINATOR, municipality=world.municipality)
    assign(ended, world.direction, Duty.COORDINATOR, ends_on=days(30))
    campaigns = [
        make_campaign(world.municipality, form=directed, title="1.1"),
        make_campaign(world.municipality, form=directed, period=str(TODAY.year + 2), title="1.1 потом"),
        make_campaign(
            world.municipality,
            form=make_form(world.municipality, elements=False, direction=world.other_direction),
            title="2.3",
        ),
        make_campaign(world.municipality, form=make_form(world.municipality, elements=False), title="без"),
        make_campaign(world.elsewhere, form=make_form(world.elsewhere, elements=False), title="чужой"),
    ]
    people = [getattr(world, name) for name in ("coordinator", "executor", "chief", "other_coordinator")]
    people += [world.administrator, world.expert, world.respondent, world.outsider, duty_only, ended]
    for user in people:
        runs = {c.title for c in campaigns if access.can_open_campaign(user, c)}
        reviews = {c.title for c in campaigns if access.can_review(user, c)}
        assert set(access.campaigns_run_by(user).values_list("title", flat=True)) == runs, user
        assert set(access.campaigns_reviewed_by(user).values_list("title", flat=True)) == reviews, user
    reviewed = {c.title for c in campaigns if access.can_review(world.coordinator, c)}
    assert reviewed == {"1.1", "1.1 потом", "без"}
    assert {c.title for c in campaigns if access.can_review(ended, c)} == {"1.1", "без"}


# Schools ------------------------------------------------------------------------------------------


def test_schools_fill_in_and_sign_off_as_before(world, directed):
    campaign = make_campaign(world.municipality, form=directed, requires_sign_off=True)
    assert access.can_fill(world.respondent, world.school) and access.can_fill(world.head, world.school)
    assert not access.can_fill(world.other_respondent, world.school)
    assert not access.can_fill(world.coordinator, world.school)
    assert access.can_sign_off(world.head, world.school)
    assert not access.can_sign_off(world.respondent, world.school)
    submission = make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)
    with pytest.raises(PermissionDenied):
        services.submission_sign_off(submission=submission, by=world.respondent)
    services.submission_sign_off(submission=submission, by=world.head)
    assert Submission.objects.get(pk=submission.pk).signed_off_by == world.head


def test_only_those_who_run_the_collection_fill_in_on_a_schools_behalf(world, directed):
    campaign = make_campaign(world.municipality, form=directed)
    submission = services.submission_for(campaign=campaign, organization=world.school)
    with pytest.raises(PermissionDenied):
        services.submission_save(
            submission=submission, answers=ANSWERS, base_revision=None, by=world.other_coordinator
        )
    assert not Submission.objects.get(pk=submission.pk).answers
    services.submission_save(submission=submission, answers=ANSWERS, base_revision=None, by=world.executor)
    assert Submission.objects.get(pk=submission.pk).answers == ANSWERS


# Pages --------------------------------------------------------------------------------------------


def _choices(field) -> set[str]:
    return {str(value) for value, _label in field.choices}


def test_a_new_form_offers_only_the_authors_directions(client, world, duty_only):
    url = reverse("monitoring:form_new")
    expected = {
        world.coordinator: {"", str(world.direction.pk)},
        world.chief: {"", str(world.direction.pk), str(world.other_direction.pk)},
        world.other_coordinator: {"", str(world.other_direction.pk)},
        duty_only: {str(world.direction.pk)},  # «no direction» is the municipal roles'
    }
    for user, choices in expected.items():
        client.force_login(user)
        field = client.get(url).context["settings"].fields["direction"]
        assert _choices(field) == choices, user
        assert field.required is ("" not in choices)

    client.force_login(world.other_coordinator)
    response = client.post(url, {"title": "Чужая", "direction": world.direction.pk})
    assert response.status_code == 200 and response.context["settings"].errors
    assert not Form.objects.filter(title="Чужая").exists()
    client.force_login(duty_only)
    response = client.post(url, {"title": "Ничья", "direction": ""})
    assert response.status_code == 200 and not Form.objects.filter(title="Ничья").exists()
    assert client.post(url, {"title": "Своя", "direction": world.direction.pk}).status_code == 302
    assert Form.objects.get(title="Своя").direction == world.direction


def test_the_editor_offers_the_same_directions(client, world, directed):
    client.force_login(world.coordinator)
    field = client.get(reverse("monitoring:form", args=[directed.pk])).context["settings"].fields["direction"]
    assert _choices(field) == {"", str(world.direction.pk)}
    response = client.post(
        reverse("monitoring:form_update", args=[directed.pk]),
        {"title": directed.title, "direction": world.other_direction.pk},
    )
    assert response.status_code == 200
    directed.refresh_from_db()
    assert directed.direction == world.direction


def test_another_directions_coordinator_gets_403_with_the_reason_on_the_builder(client, world, directed):
    client.force_login(world.other_coordinator)
    for name, data in [
        ("section_add", {"section-new-title": "Чужой раздел"}),
        ("form_update", {"title": "Переименована"}),
        ("form_new_version", {}),
        ("rule_delete", {"rule": directed.rules.get().pk}),
    ]:
        response = client.post(reverse(f"monitoring:{name}", args=[directed.pk]), data)
        assert response.status_code == 403, name
        assert "только" in response.content.decode().lower(), name  # the reason, in Russian
    assert client.get(reverse("monitoring:field_new", args=[directed.pk])).status_code == 403
    directed.refresh_from_db()
    assert directed.title != "Переименована" and directed.sections.count() == 1
    assert directed.rules.exists() and not Form.objects.filter(previous_version=directed).exists()


def test_a_new_collection_offers_only_the_forms_of_ones_directions(client, world, directed):
    theirs = make_form(world.municipality, title="Форма 2.3", elements=False, direction=world.other_direction)
    unbound = make_form(world.municipality, title="Общая", elements=False)
    url = reverse("monitoring:campaign_new")
    client.force_login(world.other_coordinator)
    offered = set(client.get(url).context["form"].fields["form"].queryset)
    assert offered == {theirs, unbound}
    data = {
        "form": directed.pk,
        "period": academic_year_now().pk,  # a period the form offers on any date
        "title": "Чужой сбор",
        "opens_on": days(1).isoformat(),
        "deadline": days(15).isoformat(),
        "choose": "criteria",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not Campaign.objects.exists()
    client.force_login(world.executor)
    assert set(client.get(url).context["form"].fields["form"].queryset) == {directed, unbound}
    assert client.post(url, data).status_code == 302
    assert Campaign.objects.get().form == directed


def test_the_review_queue_holds_what_one_may_accept(client, world, directed):
    campaign = make_campaign(world.municipality, form=directed)
    make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)
    url = reverse("monitoring:campaigns")
    expected = [(world.coordinator, 1), (world.chief, 1), (world.executor, 0), (world.other_coordinator, 0)]
    for user, count in expected:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["queue_count"] == count, user
        assert campaign.title in response.content.decode()  # every staff member reads the list


def test_a_respondents_sign_off_answers_403_with_the_reason(client, world, directed):
    campaign = make_campaign(world.municipality, form=directed, requires_sign_off=True)
    submission = make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)
    client.force_login(world.respondent)
    response = client.post(reverse("monitoring:submission_sign_off", args=[submission.pk]))
    assert response.status_code == 403
    assert "руководитель" in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).signed_off_at is None


def test_the_google_import_is_the_municipal_roles_work(client, world, duty_only):
    """An import makes a form of no direction: the municipality's coordinators and executors and the
    head import; someone assigned to a direction only, and an administrator, do not."""
    url = reverse("monitoring:google_import")
    for user, status in [
        (world.executor, 200),
        (world.chief, 200),
        (duty_only, 404),
        (world.administrator, 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.get(reverse("monitoring:campaigns")).context["may_import"] is (status == 200)
    with pytest.raises(PermissionDenied):
        imports.import_responses(
            None,
            None,
            municipality=world.municipality,
            period_code="2025",
            title="x",
            by=duty_only,
            dry_run=True,
        )


# The API ------------------------------------------------------------------------------------------


def _post(client, name: str, pk: int, data=None):
    return client.post(reverse(f"api:{name}", args=[pk]), data or {}, content_type="application/json")


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("chief", 200),
        ("executor", 403),
        ("other_coordinator", 403),
        ("administrator", 403),
    ],
)
def test_accepting_and_returning_through_the_api(client, world, directed, actor, status):
    campaign = make_campaign(world.municipality, form=directed)
    first = make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)
    second = make_submission(campaign, world.other_school, ANSWERS, by=world.other_respondent, submit=True)
    client.force_login(getattr(world, actor))
    accepted = _post(client, "submission-accept", first.pk)
    returned = _post(client, "submission-return", second.pk, {"comment": "Проверьте"})
    assert (accepted.status_code, returned.status_code) == (status, status)
    expected = {Status.ACCEPTED, Status.RETURNED} if status == 200 else {Status.SUBMITTED}
    assert set(campaign.submissions.values_list("status", flat=True)) == expected


def test_starting_a_schools_submission_through_the_api(client, world, directed):
    campaign = make_campaign(world.municipality, form=directed)
    url = reverse("api:submission-list")
    data = {"campaign": campaign.pk, "organization": world.school.pk}
    client.force_login(world.other_coordinator)
    response = client.post(url, data, content_type="application/json")
    assert response.status_code == 403 and "только" in response.json()["detail"].lower()
    assert not Submission.objects.exists()
    client.force_login(world.executor)  # runs the collection: may fill in on the school's behalf
    assert client.post(url, data, content_type="application/json").status_code == 201


# Query counts -------------------------------------------------------------------------------------


def test_lists_and_the_home_page_do_not_query_per_collection(client, world, directed):
    client.force_login(world.executor)
    theirs = make_form(world.municipality, elements=False, direction=world.other_direction)

    def add(count: int) -> None:
        while Campaign.objects.count() < count:
            n = Campaign.objects.count()
            campaign = make_campaign(
                world.municipality, form=directed if n % 2 else theirs, title=f"Сбор {n}", deadline=days(-1)
            )
            make_submission(campaign, world.school, ANSWERS, by=world.respondent, submit=True)

    def counted(call) -> int:
        call()
        with CaptureQueriesContext(connection) as context:
            call()
        return len(context.captured_queries)

    def pages() -> tuple[int, ...]:
        return (
            counted(lambda: client.get(reverse("monitoring:campaigns"))),
            counted(lambda: client.get(reverse("monitoring:forms"))),
            counted(lambda: selectors.staff_attention(world.executor, [])),
        )

    add(2)
    two = pages()
    add(10)
    assert pages() == two
    items = selectors.staff_attention(world.executor, [])
    assert len(items) == 5  # the late collections of 1.1 only: 2.3 is not the executor's
