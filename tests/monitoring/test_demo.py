"""The monitoring demo: each demo municipality's form and collections, the mix of states, the figures
of the accepted forms, and the Dobryanka school's open collection the browser test walks through."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from directions.models import Duty
from indicators.models import DataElement, DataValue, Indicator, IndicatorValue
from mcok.models import Organization, Role, User
from monitoring import access
from monitoring.models import Campaign, Field, Form, Reminder, Rule, Section, Submission, SubmissionEvent

SLUGS = ("ishimbay", "amursk", "dobryanka", "sosnovka")
MODELS = [Form, Section, Field, Rule, Campaign, Submission, SubmissionEvent, Reminder, DataElement, Indicator,
          DataValue, Organization]  # fmt: skip


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # The callbacks run as after a real commit: reminders are claimed and the indicators recomputed.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())


def _school_of(username: str) -> Organization:
    return Role.objects.get(user__username=username, kind=Role.Kind.RESPONDENT).organization


def test_every_municipality_has_a_form_collections_in_every_state_and_figures(demo):
    for slug in SLUGS:
        form = Form.objects.exclude(title="Результаты ВПР").get(municipality__slug=slug)
        assert form.sections.count() >= 2, slug
        numeric = form.fields.filter(kind__in=Field.NUMERIC_KINDS)
        assert numeric.exists() and not numeric.filter(data_element=None).exists(), slug
        assert form.fields.filter(kind__in=[Field.Kind.CHOICE, Field.Kind.MULTIPLE_CHOICE]).exists(), slug
        assert form.fields.exclude(help_text="").exists(), slug
        assert form.rules.filter(kind=Rule.Kind.LESS_OR_EQUAL).exists(), slug

        collections = Campaign.objects.filter(municipality__slug=slug, form=form)
        assert {(c.state, c.period.code) for c in collections} == {
            ("closed", "2024"),
            ("open", "2025"),
            ("draft", "2026"),
        }, slug
        current = collections.get(state=Campaign.State.OPEN)
        states = Counter(current.submissions.values_list("status", flat=True))
        assert set(states) == set(Submission.Status.values), slug
        assert current.organizations.count() > sum(states.values()), slug  # someone has not started
        returned = current.submissions.get(status=Submission.Status.RETURNED)
        assert returned.review_comment and returned.events.filter(action="returned").exists()
        # The closed collection was accepted; the draft one asks, but nobody sees it yet.
        closed = collections.get(state=Campaign.State.CLOSED)
        assert set(closed.submissions.values_list("status", flat=True)) == {Submission.Status.ACCEPTED}
        assert not collections.get(state=Campaign.State.DRAFT).submissions.exists()

    # The accepted forms became figures, through the acceptance itself.
    for slug in SLUGS:
        for submission in Submission.objects.filter(
            campaign__municipality__slug=slug, status=Submission.Status.ACCEPTED
        ).select_related("campaign__period", "organization"):
            figures = {
                v.data_element.code: v.value
                for v in DataValue.objects.filter(
                    organization=submission.organization,
                    period=submission.campaign.period,
                    source="submission",
                ).select_related("data_element")
            }
            bound = (
                submission.campaign.form.fields.exclude(data_element=None)
                .exclude(kind=Field.Kind.TABLE)  # tables: tests/monitoring/test_tables.py
                .select_related("data_element")
            )
            for item in bound:
                if item.code in submission.answers:
                    assert figures[item.data_element.code] == Decimal(submission.answers[item.code]), slug
    # The seed's own ratio (000, 2.3.1) is fed by the form: its terms are the form's questions.
    indicator = Indicator.objects.get(municipality__slug="ishimbay", code="2.3.1")
    form = Form.objects.exclude(title="Результаты ВПР").get(municipality__slug="ishimbay")
    codes = set(form.fields.exclude(data_element=None).values_list("data_element__code", flat=True))
    assert {indicator.numerator, indicator.denominator} <= codes
    for slug in ("dobryanka", "sosnovka"):
        assert IndicatorValue.objects.filter(
            indicator__municipality__slug=slug, period__code="2025", organization=None, value__isnull=False
        ).exists(), slug


def test_load_demo_twice_changes_nothing(demo):
    before = {m.__name__: m.objects.count() for m in MODELS}
    call_command("load_demo", stdout=io.StringIO())
    assert {m.__name__: m.objects.count() for m in MODELS} == before


def test_the_dobryanka_school_fills_in_its_open_collection_and_the_indicator_follows(
    client, demo, django_capture_on_commit_callbacks
):
    """What the browser test does, through the API: the school's open collection, not started, feeds
    the ratio 2.3.1 shown on the indicator page; a coordinator of the form's direction accepts."""
    school = _school_of("dobryanka-school")
    campaign = Campaign.objects.get(municipality__slug="dobryanka", state=Campaign.State.OPEN)
    assert campaign.period.code == "2025"
    assert campaign.organizations.filter(pk=school.pk).exists()
    assert not campaign.submissions.filter(organization=school).exclude(status="draft").exists()
    indicator = Indicator.objects.get(municipality__slug="dobryanka", code="2.3.1")
    assert indicator.kind == Indicator.Kind.RATIO and indicator.is_published
    bound = dict(campaign.form.fields.exclude(data_element=None).values_list("data_element__code", "code"))
    assert {indicator.numerator, indicator.denominator} <= set(bound)
    # The form is of direction 2.3: one of its coordinators, by the order, accepts; not an administrator.
    assigned = campaign.form.direction.holders(Duty.COORDINATOR, campaign.period)
    officials = sorted((r.official for r in assigned if r.official_id), key=lambda o: o.full_name)
    coordinator = next(o.user for o in officials if o.user_id)
    assert access.can_review(coordinator, campaign)
    assert not access.can_review(User.objects.get(username="dobryanka-administrator"), campaign)
    before = IndicatorValue.objects.get(indicator=indicator, period=campaign.period, organization=None).value

    client.force_login(User.objects.get(username="dobryanka-school"))
    assert campaign.pk in {row["id"] for row in client.get(reverse("api:campaign-list")).json()["results"]}
    response = client.post(
        reverse("api:submission-list"), {"campaign": campaign.pk}, content_type="application/json"
    )
    assert response.status_code in (200, 201), response.content
    submission = response.json()
    answers = {"ped_total": 40, "ped_diagnosed": 30, "young_teachers": 5, "young_mentored": 4}
    response = client.patch(
        reverse("api:submission-detail", args=[submission["id"]]),
        {"answers": answers, "base_revision": submission["revision"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["errors"] == {}
    assert client.post(reverse("api:submission-submit", args=[submission["id"]])).status_code == 200

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:submission-accept", args=[submission["id"]]))
    assert response.status_code == 200, response.content
    own = IndicatorValue.objects.get(indicator=indicator, period=campaign.period, organization=school)
    assert own.value == Decimal(75)
    after = IndicatorValue.objects.get(indicator=indicator, period=campaign.period, organization=None).value
    assert after != before
    page = client.get(reverse("indicators:indicator", args=[indicator.pk]))
    assert page.status_code == 200
    assert school.short_name in page.content.decode()
