"""The coordinator's side of the data collections: the list, a new collection, the completeness page,
reminders, extensions, the review of a form, acceptance and return."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from indicators.models import DataValue
from mcok.models import Role
from monitoring import selectors, services
from monitoring.models import (
    Campaign,
    Extension,
    Field,
    Reminder,
    Submission,
    SubmissionEvent,
    SubmissionFile,
)
from tests.factories import make_organization, make_user_with_role
from tests.indicators.factories import academic_year_now, make_period, put
from tests.monitoring.factories import make_campaign, make_form, make_submission

Status = Submission.Status
TODAY = timezone.localdate()
ANSWERS = {"teachers": "40", "teachers_diagnosed": "30"}


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def submitted(campaign, organization, answers=None, *, by=None) -> Submission:
    return make_submission(campaign, organization, answers or ANSWERS, by=by, submit=True)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def queries(client, url: str) -> int:
    client.get(url)  # warm the caches of the first request
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.fixture
def campaign(world) -> Campaign:
    """Open, of a form of direction 1.1 (world.direction), asking the municipality's two schools; the
    first has submitted."""
    form = make_form(world.municipality, direction=world.direction)
    campaign = make_campaign(world.municipality, form=form, by=world.coordinator)
    submitted(campaign, world.school, by=world.respondent)
    return campaign


# Who may do what ------------------------------------------------------------------------------------


def _routes(world, campaign):
    submission = campaign.submissions.get(organization=world.school)
    draft = make_campaign(
        world.municipality, form=campaign.form, state=Campaign.State.DRAFT, title="Черновик"
    )
    pages = [
        reverse("monitoring:campaigns"),
        reverse("monitoring:campaign", args=[campaign.pk]),
        reverse("monitoring:review", args=[submission.pk]),
    ]
    running = [
        (reverse("monitoring:campaign_open", args=[draft.pk]), {}),
        (reverse("monitoring:campaign_remind", args=[campaign.pk]), {}),
        (
            reverse("monitoring:extension_grant", args=[campaign.pk]),
            {"organization": world.other_school.pk, "deadline": days(20).isoformat(), "reason": "болезнь"},
        ),
        (reverse("monitoring:campaign_close", args=[campaign.pk]), {}),
    ]
    reviewing = [
        (reverse("monitoring:submissions_accept_bulk", args=[campaign.pk]), {"submission": [submission.pk]}),
        (reverse("monitoring:submission_accept", args=[submission.pk]), {}),
        (reverse("monitoring:submission_return", args=[submission.pk]), {"comment": "Проверьте число"}),
    ]
    new = reverse("monitoring:campaign_new")
    edit = reverse("monitoring:campaign_edit", args=[draft.pk])
    return pages, running + reviewing, [new, edit], running, reviewing


@pytest.mark.parametrize(
    ("actor", "page", "new", "edit", "run", "review"),
    [
        # The order's people of direction 1.1: its coordinator does everything, its executor builds
        # and runs the collection but does not accept; the head of the department acts as coordinator.
        ("coordinator", 200, 200, 200, 302, 302),
        ("chief", 200, 200, 200, 302, 302),
        ("executor", 200, 200, 200, 302, 403),
        # A coordinator of another direction starts collections of their own, not of 1.1.
        ("other_coordinator", 200, 200, 403, 403, 403),
        # Administrators keep users and catalogues: they read, they neither build nor review.
        ("administrator", 200, 403, 403, 403, 403),
        ("operator", 200, 403, 403, 403, 403),
        ("expert", 200, 403, 403, 403, 403),
        ("respondent", 404, 404, 404, 404, 404),
        ("head", 404, 404, 404, 404, 404),
    ],
)
def test_each_route_answers_by_role(client, world, campaign, actor, page, new, edit, run, review):
    pages, _actions, (new_url, edit_url), running, reviewing = _routes(world, campaign)
    client.force_login(getattr(world, actor))
    for url in pages:
        assert client.get(url).status_code == page, url
    assert client.get(new_url).status_code == new
    assert client.get(edit_url).status_code == edit
    for url, data in reviewing + running:  # reviewing first: the last running action closes it
        expected = review if (url, data) in reviewing else run
        response = client.post(url, data)
        assert response.status_code == expected, url
        if expected == 403:
            assert "только" in response.content.decode().lower(), url  # the reason, in Russian
        assert client.get(url).status_code in (405, 404), url  # actions only by POST


@pytest.mark.parametrize("actor", ["other_coordinator", "administrator"])
def test_refused_actions_change_nothing(client, world, campaign, actor):
    submission = campaign.submissions.get(organization=world.school)
    client.force_login(getattr(world, actor))
    response = client.post(reverse("monitoring:submission_accept", args=[submission.pk]))
    assert response.status_code == 403
    assert response.context["exception"] in response.content.decode()  # the page says who may
    client.post(reverse("monitoring:submission_return", args=[submission.pk]), {"comment": "Нет"})
    client.post(reverse("monitoring:campaign_close", args=[campaign.pk]))
    client.post(
        reverse("monitoring:extension_grant", args=[campaign.pk]),
        {"organization": world.other_school.pk, "deadline": days(30).isoformat()},
    )
    submission.refresh_from_db()
    campaign.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    assert campaign.state == Campaign.State.OPEN
    assert not Extension.objects.exists()
    assert not DataValue.objects.exists()


def test_the_executor_runs_the_collection_but_does_not_accept(client, world, campaign):
    submission = campaign.submissions.get(organization=world.school)
    client.force_login(world.executor)
    response = client.post(reverse("monitoring:submission_accept", args=[submission.pk]))
    assert response.status_code == 403
    page = client.get(reverse("monitoring:campaign", args=[campaign.pk]))
    assert page.context["may_run"] and not page.context["may_review"] and not page.context["may_accept"]
    assert reverse("monitoring:campaign_close", args=[campaign.pk]) in page.content.decode()
    assert reverse("monitoring:submissions_accept_bulk", args=[campaign.pk]) not in page.content.decode()
    assert client.post(reverse("monitoring:campaign_close", args=[campaign.pk])).status_code == 302
    campaign.refresh_from_db()
    submission.refresh_from_db()
    assert campaign.state == Campaign.State.CLOSED and submission.status == Status.SUBMITTED


def test_another_municipality_sees_nothing_of_it(client, world, campaign):
    pages, actions, editing, _running, _reviewing = _routes(world, campaign)
    client.force_login(world.outsider)
    listing = client.get(pages[0])
    assert listing.status_code == 200
    assert campaign.title not in listing.content.decode()
    for url in pages[1:] + editing[1:]:
        assert client.get(url).status_code == 404, url
    for url, data in actions:
        assert client.post(url, data).status_code == 404, url
    # Its own new collection is for its own municipality.
    assert client.get(editing[0]).context["municipality"] == world.elsewhere
    assert client.get(editing[0], {"municipality": world.municipality.slug}).status_code == 404


def test_absent_records_answer_404(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("monitoring:campaign", args=[987654])).status_code == 404
    assert client.get(reverse("monitoring:review", args=[987654])).status_code == 404
    assert client.post(reverse("monitoring:submission_accept", args=[987654])).status_code == 404


# The list of collections ---------------------------------------------------------------------------


def test_list_shows_progress_filters_and_exports(client, world, campaign):
    services.submission_accept(submission=campaign.submissions.get(), by=world.coordinator)
    draft = make_campaign(
        world.municipality,
        form=campaign.form,
        state=Campaign.State.DRAFT,
        title="=Опрос родителей",
        period="2024/25",
    )
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaigns")
    page = client.get(url).content.decode()
    assert campaign.title in page and "1/2" in page
    page = client.get(url, {"state": "draft"}).content.decode()
    assert "Опрос родителей" in page and campaign.title not in page
    page = client.get(url, {"period": "2025/26"}).content.decode()
    assert "Опрос родителей" not in page and campaign.title in page
    page = client.get(url, {"q": "родител"}).content.decode()
    assert "Опрос родителей" in page and campaign.title not in page
    response = client.get(url, {"format": "xlsx", "state": "draft"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == draft.title  # as text, never a formula
    assert rows[1][7] == 2  # organizations expected


def test_list_shows_the_review_queue(client, world, campaign):
    client.force_login(world.coordinator)
    response = client.get(reverse("monitoring:campaigns"))
    submission = campaign.submissions.get()
    assert response.context["queue_count"] == 1
    assert reverse("monitoring:review", args=[submission.pk]) in response.content.decode()


def test_list_query_count_does_not_grow_with_collections(client, world):
    form = make_form(world.municipality)
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaigns")

    def add(count):
        while Campaign.objects.count() < count:
            campaign = make_campaign(world.municipality, form=form)
            submitted(campaign, world.school)

    add(2)
    two = queries(client, url)
    add(10)
    assert queries(client, url) == two


# A new collection ---------------------------------------------------------------------------------


def _new(form, period, **extra) -> dict:
    return {
        "form": form.pk,
        "period": period.pk,
        "title": "Диагностика 2025",
        "opens_on": days(1).isoformat(),
        "deadline": days(15).isoformat(),
        "closes_on": "",
        "choose": "criteria",
        **extra,
    }


def test_new_collection_asks_the_organizations_of_the_kinds_and_flags(client, world):
    form = make_form(world.municipality)
    period = academic_year_now()  # a period under way: offered to every municipality
    rural_low = make_organization(world.municipality, locality="rural", low_results=True)
    make_organization(world.municipality, locality="urban", low_results=True)
    make_organization(world.municipality, locality="rural", low_results=False)
    make_organization(world.municipality, kind="kindergarten", locality="rural", low_results=True)
    make_organization(world.municipality, locality="rural", low_results=True, is_active=False)
    make_organization(world.elsewhere, locality="rural", low_results=True)
    client.force_login(world.executor)
    url = reverse("monitoring:campaign_new")
    data = _new(form, period, kinds=["school"], flags=["low_results", "rural"], requires_sign_off="on")

    preview = client.post(url, data | {"preview": "1"})
    assert preview.status_code == 200
    assert [o.pk for o in preview.context["preview"]] == [rural_low.pk]
    assert not Campaign.objects.exists()

    response = client.post(url, data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("monitoring:campaign", args=[campaign.pk])
    assert list(campaign.organizations.all()) == [rural_low]
    assert campaign.state == Campaign.State.DRAFT
    assert campaign.target_kinds == ["school"] and set(campaign.target_flags) == {"low_results", "rural"}
    assert campaign.requires_sign_off and campaign.created_by == world.executor


def test_new_collection_from_a_list_and_its_refusals(client, world):
    form = make_form(world.municipality)
    period = academic_year_now()
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaign_new")

    response = client.post(url, _new(form, period, choose="list", organizations=[world.other_school.pk]))
    assert response.status_code == 302
    assert list(Campaign.objects.get().organizations.all()) == [world.other_school]

    refusals = [
        _new(form, period, flags=["rural", "urban"]),
        _new(form, period, choose="list"),
        _new(form, period, kinds=["methodical"]),
        _new(form, period, deadline=days(-5).isoformat()),
        _new(form, period, closes_on=days(3).isoformat()),
        _new(form, period, choose="list", organizations=[world.elsewhere_school.pk]),
        _new(form, period) | {"form": make_form(world.elsewhere, elements=False).pk},
    ]
    for data in refusals:
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert Campaign.objects.count() == 1


def test_new_collection_page_preselects_a_form(client, world):
    form = make_form(world.municipality, title="Анкета")
    client.force_login(world.coordinator)
    response = client.get(reverse("monitoring:campaign_new"), {"form": form.pk})
    assert response.context["form"].initial["title"] == "Анкета"
    assert client.get(reverse("monitoring:campaign_new"), {"form": "x"}).status_code == 200


def test_edit_changes_a_draft_only(client, world, campaign):
    draft = make_campaign(world.municipality, form=campaign.form, state=Campaign.State.DRAFT)
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaign_edit", args=[draft.pk])
    page = client.get(url)
    assert page.context["form"].initial["title"] == draft.title
    data = _new(
        campaign.form, draft.period, title="Новое имя", choose="list", organizations=[world.school.pk]
    )
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Новое имя" and list(draft.organizations.all()) == [world.school]

    url = reverse("monitoring:campaign_edit", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert client.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.title != "Новое имя" and campaign.organizations.count() == 2


# The completeness page -------------------------------------------------------------------------------


def test_counters_on_a_mix_of_states_with_a_late_one_and_an_extension(client, world):
    form = make_form(world.municipality)
    names = ["А-extended", "Б-nothing", "В-draft", "Г-on-time", "Д-after", "Е-accepted", "Ж-returned"]
    orgs = {name: make_organization(world.municipality, short_name=name) for name in names}
    campaign = make_campaign(
        world.municipality,
        form=form,
        organizations=list(orgs.values()),
        opens_on=days(-20),
        deadline=days(-2),
    )
    services.extension_grant(
        campaign=campaign,
        organization=orgs["А-extended"],
        deadline=days(5),
        reason="ремонт",
        by=world.coordinator,
    )
    make_submission(campaign, orgs["В-draft"], {"teachers": "10"})
    on_time = timezone.now() - datetime.timedelta(days=3)
    for name in ("Г-on-time", "Е-accepted", "Ж-returned"):
        submission = submitted(campaign, orgs[name])
        Submission.objects.filter(pk=submission.pk).update(submitted_at=on_time)
    submitted(campaign, orgs["Д-after"])
    services.submission_accept(
        submission=campaign.submissions.get(organization=orgs["Е-accepted"]), by=world.coordinator
    )
    services.submission_return(
        submission=campaign.submissions.get(organization=orgs["Ж-returned"]),
        comment="нет",
        by=world.coordinator,
    )

    progress = selectors.campaign_progress(campaign)
    assert (progress.expected, progress.not_started, progress.draft) == (7, 2, 1)
    assert (progress.submitted, progress.returned, progress.accepted) == (2, 1, 1)
    late = {row.organization.short_name for row in progress.rows if row.late}
    assert late == {"Б-nothing", "В-draft", "Д-after", "Ж-returned"}
    assert progress.late == 4
    extended = next(row for row in progress.rows if row.organization == orgs["А-extended"])
    assert extended.deadline == days(5) and extended.status == selectors.NOT_STARTED

    client.force_login(world.operator)
    response = client.get(reverse("monitoring:campaign", args=[campaign.pk]))
    page = response.content.decode()
    counters = {key: count for key, _label, count in response.context["counters"]}
    assert counters == {
        "": 7,
        "not_started": 2,
        "draft": 1,
        "submitted": 2,
        "returned": 1,
        "accepted": 1,
        "late": 4,
    }
    assert "ремонт" in page  # the extension's log
    assert "bulk-accept" not in page  # the operator only reads
    assert reverse("monitoring:campaign_remind", args=[campaign.pk]) not in page
    assert reverse("monitoring:extension_grant", args=[campaign.pk]) not in page
    client.force_login(world.coordinator)
    page = client.get(reverse("monitoring:campaign", args=[campaign.pk])).content.decode()
    assert "bulk-accept" in page and reverse("monitoring:extension_grant", args=[campaign.pk]) in page
    client.force_login(world.operator)
    response = client.get(reverse("monitoring:campaign", args=[campaign.pk]), {"status": "late"})
    assert {row.organization.short_name for row in response.context["rows"]} == late
    response = client.get(reverse("monitoring:campaign", args=[campaign.pk]), {"status": "not_started"})
    assert {row.organization.short_name for row in response.context["rows"]} == {"А-extended", "Б-nothing"}
    response = client.get(reverse("monitoring:campaign", args=[campaign.pk]), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 8 and rows[1][0] == "А-extended"


def test_completeness_page_query_count_does_not_grow_with_organizations(client, world):
    form = make_form(world.municipality)
    campaign = make_campaign(world.municipality, form=form, organizations=[world.school])
    client.force_login(world.coordinator)
    url = reverse("monitoring:campaign", args=[campaign.pk])

    def add(count):
        while campaign.organizations.count() < count:
            organization = make_organization(world.municipality)
            campaign.organizations.add(organization)
            n = campaign.organizations.count()
            if n % 3 == 0:
                submitted(campaign, organization)
            elif n % 3 == 1:
                make_submission(campaign, organization, {"teachers": "5"})
            services.extension_grant(
                campaign=campaign,
                organization=organization,
                deadline=days(30),
                reason="",
                by=world.coordinator,
            )
            Reminder.objects.create(campaign=campaign, organization=organization, kind=Reminder.Kind.MANUAL)

    add(2)
    two = queries(client, url)
    add(10)
    assert queries(client, url) == two


# Open, close, remind, extend -----------------------------------------------------------------------


def test_open_and_close(client, world, campaign):
    draft = make_campaign(world.municipality, form=campaign.form, state=Campaign.State.DRAFT)
    client.force_login(world.coordinator)
    client.post(reverse("monitoring:campaign_open", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == Campaign.State.OPEN
    client.post(reverse("monitoring:campaign_close", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == Campaign.State.CLOSED
    response = client.post(reverse("monitoring:campaign_close", args=[draft.pk]))
    assert response.status_code == 302 and texts(response)  # the service's refusal, as a message


def test_remind_mails_only_those_who_have_not_submitted(client, world, mailoutbox):
    third = make_organization(world.municipality)
    campaign = make_campaign(world.municipality, by=world.coordinator)  # asks all three schools
    for user, email in (
        (world.respondent, "school@example.org"),
        (world.other_respondent, "other@example.org"),
    ):
        user.email = email
        user.save()
    make_user_with_role(Role.Kind.RESPONDENT, organization=third, email="third@example.org")
    submitted(campaign, world.other_school, by=world.other_respondent)
    make_submission(campaign, third, {"teachers": "1"})
    mailoutbox.clear()

    client.force_login(world.coordinator)
    response = client.post(reverse("monitoring:campaign_remind", args=[campaign.pk]))
    assert response.status_code == 302
    assert sorted(address for mail in mailoutbox for address in mail.to) == [
        "school@example.org",
        "third@example.org",
    ]
    reminders = Reminder.objects.filter(campaign=campaign, kind=Reminder.Kind.MANUAL)
    assert {r.organization_id for r in reminders} == {world.school.pk, third.pk}
    assert all(r.sent_by == world.coordinator for r in reminders)
    page = client.get(reverse("monitoring:campaign", args=[campaign.pk])).content.decode()
    assert "school@example.org" in page  # the reminders' log


def test_remind_refused_unless_open(client, world, mailoutbox):
    campaign = make_campaign(world.municipality, state=Campaign.State.CLOSED)
    client.force_login(world.coordinator)
    client.post(reverse("monitoring:campaign_remind", args=[campaign.pk]))
    assert not Reminder.objects.filter(kind=Reminder.Kind.MANUAL).exists()
    assert not mailoutbox


def test_extension_grant_and_its_refusals(client, world, campaign):
    client.force_login(world.coordinator)
    url = reverse("monitoring:extension_grant", args=[campaign.pk])
    client.post(
        url, {"organization": world.other_school.pk, "deadline": days(20).isoformat(), "reason": "карантин"}
    )
    extension = Extension.objects.get()
    assert (extension.organization, extension.deadline, extension.reason) == (
        world.other_school,
        days(20),
        "карантин",
    )
    assert extension.granted_by == world.coordinator
    for data in (
        {"organization": world.other_school.pk, "deadline": days(1).isoformat()},  # before the deadline
        {"organization": world.elsewhere_school.pk, "deadline": days(20).isoformat()},
        {"organization": world.other_school.pk, "deadline": "завтра"},
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and texts(response), data
    assert Extension.objects.count() == 1
    assert selectors.campaign_progress(campaign).rows[1].deadline == days(20)


# Review, accept, return --------------------------------------------------------------------------------


def test_return_needs_a_comment(client, world, campaign):
    submission = campaign.submissions.get()
    client.force_login(world.coordinator)
    url = reverse("monitoring:submission_return", args=[submission.pk])
    response = client.post(url, {"comment": "   "})
    assert response.status_code == 200
    assert response.context["return_form"].errors["comment"]
    assert 'role="alert"' in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED and submission.review_comment == ""
    assert not submission.events.filter(action=SubmissionEvent.Action.RETURNED).exists()

    response = client.post(url, {"comment": "Проверьте число учителей"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.RETURNED and submission.review_comment == "Проверьте число учителей"


def test_accept_writes_data_values(client, world, campaign):
    submission = campaign.submissions.get()
    client.force_login(world.coordinator)
    response = client.post(reverse("monitoring:submission_accept", args=[submission.pk]))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.ACCEPTED and submission.reviewed_by == world.coordinator
    values = dict(
        DataValue.objects.filter(organization=world.school, period=campaign.period).values_list(
            "data_element__code", "value"
        )
    )
    assert values == {"teachers": 40, "teachers_diagnosed": 30}
    # A second acceptance is refused with a message and writes nothing more.
    response = client.post(reverse("monitoring:submission_accept", args=[submission.pk]))
    assert response.status_code == 302 and texts(response)
    assert DataValue.objects.count() == 2


def test_bulk_accept_reports_a_problem_and_accepts_the_rest(client, world, campaign):
    third = make_organization(world.municipality, short_name="Школа-черновик")
    campaign.organizations.add(third)
    other = submitted(campaign, world.other_school)
    draft = make_submission(campaign, third, {"teachers": "3"})
    school = campaign.submissions.get(organization=world.school)
    foreign = submitted(
        make_campaign(world.municipality, form=campaign.form, title="Другой сбор"), world.school
    )
    client.force_login(world.coordinator)
    response = client.post(
        reverse("monitoring:submissions_accept_bulk", args=[campaign.pk]),
        {"submission": [school.pk, other.pk, draft.pk, foreign.pk, "x"]},
    )
    assert response.status_code == 302
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert statuses[school.pk] == statuses[other.pk] == Status.ACCEPTED
    assert statuses[draft.pk] == Status.DRAFT
    assert statuses[foreign.pk] == Status.SUBMITTED  # not of this collection: left alone
    messages = " ".join(texts(response))
    assert "Школа-черновик" in messages and "2" in messages
    assert DataValue.objects.filter(organization=world.other_school).count() == 2


def test_bulk_accept_with_nothing_ticked(client, world, campaign):
    client.force_login(world.coordinator)
    response = client.post(reverse("monitoring:submissions_accept_bulk", args=[campaign.pk]))
    assert response.status_code == 302 and texts(response)
    assert not Submission.objects.filter(status=Status.ACCEPTED).exists()


def test_accept_waits_for_the_heads_sign_off(client, world):
    campaign = make_campaign(world.municipality, requires_sign_off=True)
    submission = submitted(campaign, world.school, by=world.respondent)
    client.force_login(world.coordinator)
    page = client.get(reverse("monitoring:review", args=[submission.pk]))
    assert page.context["awaits_sign_off"]
    client.post(reverse("monitoring:submission_accept", args=[submission.pk]))
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_review_page_highlights_what_changed_since_the_return(client, world, campaign):
    submission = campaign.submissions.get()
    services.submission_return(submission=submission, comment="Проверьте диагностику", by=world.coordinator)
    services.submission_save(
        submission=submission,
        answers={"teachers_diagnosed": "35", "format": "Очная"},
        base_revision=None,
        by=world.respondent,
    )
    client.force_login(world.coordinator)
    response = client.get(reverse("monitoring:review", args=[submission.pk]))
    page = response.content.decode()
    assert 'data-changed="teachers_diagnosed"' in page and 'data-changed="format"' in page
    assert 'data-changed="teachers"' not in page
    assert response.context["sheet"].changed == {"teachers_diagnosed", "format"}
    # The history: the return with its comment, and the save's diff against the save before it.
    history = response.context["sheet"].history
    assert [entry.event.action for entry in history] == ["saved", "submitted", "returned", "saved"]
    assert history[2].event.comment == "Проверьте диагностику"
    changes = {(c.label, c.before, c.after) for c in history[3].changes}
    assert changes == {("Прошли диагностику", "30", "35"), ("Форма диагностики", "", "Очная")}
    assert "<del>30</del>" in page and "<ins>35</ins>" in page


def test_review_page_shows_checks_previous_figures_and_indicators(client, world):
    campaign = make_campaign(world.municipality, period="2025/26")
    previous = make_period("2024/25")
    teachers = campaign.form.fields.get(code="teachers").data_element
    put(teachers, world.school, previous, 1234)
    submission = make_submission(campaign, world.school, {"teachers": "40", "teachers_diagnosed": "50"})
    Field.objects.create(
        form=campaign.form, code="report", label="Отчёт", kind=Field.Kind.FILE, required=False, order=9
    )
    SubmissionFile.objects.create(
        submission=submission,
        field_code="report",
        file=ContentFile(b"%PDF", name="r.pdf"),
        name="отчёт.pdf",
        size=4,
    )
    client.force_login(world.operator)
    response = client.get(reverse("monitoring:review", args=[submission.pk]))
    page = response.content.decode()
    sheet = response.context["sheet"]
    assert sheet.previous_period == previous
    answers = {a.item.code: a for section in sheet.sections for a in section.answers}
    assert answers["teachers"].previous == "1\xa0234"
    assert answers["teachers"].text == "40"
    assert sheet.problems == 1 and "Прошли диагностику" in sheet.messages[0]  # diagnosed > teachers
    assert [r.indicator.code for r in sheet.indicators] == ["2.3.1"]
    assert sheet.indicators[0].value == 125
    assert answers["report"].text == "отчёт.pdf"
    assert reverse("monitoring:submission_file", args=[submission.pk]) + "?field=report" in page
    accept = reverse("monitoring:submission_accept", args=[submission.pk])
    assert accept not in page  # the operator only reads


def test_review_page_query_count_does_not_grow_with_history(client, world, campaign):
    submission = campaign.submissions.get()
    client.force_login(world.coordinator)
    url = reverse("monitoring:review", args=[submission.pk])

    def round_trip(n):
        services.submission_return(submission=submission, comment=f"Ещё раз {n}", by=world.coordinator)
        services.submission_save(
            submission=submission, answers={"teachers": str(41 + n)}, base_revision=None, by=world.respondent
        )
        services.submission_submit(submission=submission, by=world.respondent)

    round_trip(0)
    once = queries(client, url)
    for n in range(1, 6):
        round_trip(n)
    assert queries(client, url) == once
    assert len(client.get(url).context["sheet"].history) == 2 + 6 * 3


# The home page -----------------------------------------------------------------------------------


def test_staff_home_page_lists_what_waits(client, world, campaign):
    late = make_campaign(
        world.municipality, form=campaign.form, title="Просроченный", opens_on=days(-9), deadline=days(-1)
    )
    submitted(late, world.school)
    make_campaign(
        world.municipality, form=campaign.form, state=Campaign.State.DRAFT, title="Забытый", opens_on=days(-1)
    )

    forgotten = Campaign.objects.get(title="Забытый")

    def items(user) -> set[tuple[str, str]]:
        roles = list(Role.objects.filter(user=user))
        return {(item.url, item.severity) for item in selectors.staff_attention(user, roles)}

    def url(c, status=""):
        return reverse("monitoring:campaign", args=[c.pk]) + (f"?status={status}" if status else "")

    waiting = {(url(campaign, "submitted"), "warning"), (url(late, "submitted"), "warning")}
    missing = {(url(late, "late"), "danger")}  # other_school, past the deadline
    draft = {(url(forgotten), "warning")}
    assert items(world.coordinator) == waiting | missing | draft
    assert items(world.executor) == missing | draft  # executors run collections, do not review
    assert items(world.operator) == set()
    assert items(world.outsider) == set()
    roles = list(Role.objects.filter(user=world.coordinator))
    text = next(i.text for i in selectors.staff_attention(world.coordinator, roles) if "late" in i.url)
    assert "Просроченный" in text and "1" in text
    # An extension past today takes the organization off the missing ones.
    services.extension_grant(
        campaign=late, organization=world.other_school, deadline=days(3), reason="", by=world.coordinator
    )
    assert items(world.coordinator) == waiting | draft
    client.force_login(world.coordinator)
    page = client.get(reverse("mcok:home")).content.decode()
    assert "Забытый" in page
