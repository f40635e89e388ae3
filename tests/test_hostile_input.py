"""Hostile values that once made server errors (issue 18, «Server errors from input»): a username over
255 characters, «²» in ids, a NUL byte in ?municipality=/?period=/?field=, year 9999 in the audit
filter and a collection dated year 1. Each answers a Russian refusal or «not found», never a 5xx.

NUL fails only on PostgreSQL (SQLite stores it): on SQLite those tests pass either way, the CI runs
them on both."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import tasks
from monitoring.models import Campaign
from roadmaps.models import Roadmap
from tests.indicators.factories import make_indicator, make_period
from tests.monitoring.factories import make_campaign, make_form, make_submission

LONG_NAME = "я" * 300
SUPERSCRIPT_TWO = "²"  # '²'.isdigit() is true, int('²') raises ValueError
NUL = "bad\x00value"


def no_server_error(response) -> None:
    assert response.status_code < 500, response.status_code


@pytest.fixture
def client(client):
    """A 5xx as a status to assert on, so that a test lists every route that fails."""
    client.raise_request_exception = False
    return client


def server_errors(client, asked) -> list[tuple[str, int]]:
    return [(url, status) for url, query in asked if (status := client.get(url, query).status_code) >= 500]


# A username over 255 characters: django-axes records failures in a 255-character column ----------


def test_a_long_username_at_the_login_page_is_a_russian_form_error(client, world):
    response = client.post(reverse("login"), {"username": LONG_NAME, "password": "x"})
    no_server_error(response)
    assert response.status_code == 200
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in response.content.decode()


def test_a_long_username_at_the_token_endpoint_is_a_400(client, world):
    response = client.post(reverse("api:token"), {"username": LONG_NAME, "password": "x"})
    no_server_error(response)
    assert response.status_code == 400


# «²» in ids ----------------------------------------------------------------------------------------


@pytest.fixture
def campaign(world):
    return make_campaign(world.municipality, form=make_form(world.municipality))


def test_superscript_digits_in_query_ids_find_nothing(client, world, campaign):
    roadmap = Roadmap.objects.create(municipality=world.municipality, title="Дорожная карта")
    asked = [
        (reverse("monitoring:campaign_new"), {"form": SUPERSCRIPT_TWO}),
        (reverse("directions:responsibilities", args=[world.municipality.slug]), {"item": SUPERSCRIPT_TWO}),
        (
            reverse("directions:responsibility_add", args=[world.municipality.slug]),
            {"direction": SUPERSCRIPT_TWO},
        ),
        (reverse("indicators:values"), {"organization": SUPERSCRIPT_TWO}),
        (reverse("roadmaps:recommendation_new"), {"indicator": SUPERSCRIPT_TWO}),
        (reverse("roadmaps:decision_new"), {"recommendation": SUPERSCRIPT_TWO}),
        (reverse("roadmaps:event_edit", args=[roadmap.pk]), {"event": SUPERSCRIPT_TWO}),
        (reverse("reports:report_create"), {"direction": SUPERSCRIPT_TWO, "kind": "direction"}),
    ]
    for actor in (world.administrator, world.coordinator):
        client.force_login(actor)
        assert server_errors(client, asked) == [], actor


def test_superscript_digits_in_posted_ids_are_ignored(client, world, campaign):
    client.force_login(world.administrator)
    response = client.post(
        reverse("monitoring:submissions_accept_bulk", args=[campaign.pk]), {"submission": SUPERSCRIPT_TWO}
    )
    no_server_error(response)


# A NUL byte in ?municipality=, ?period=, ?field= ---------------------------------------------------

NO_ARGUMENTS = [
    "directions:overview",
    "directions:card",
    "directions:evaluations",
    "indicators:catalogue",
    "indicators:values",
    "monitoring:campaign_new",
    "roadmaps:roadmaps",
    "roadmaps:groups",
    "roadmaps:recommendations",
    "roadmaps:recommendation_new",
    "roadmaps:decisions",
    "roadmaps:decision_new",
    "reports:reports",
    "reports:report_create",
    "reports:dashboard",
    "reports:site",
    "reports:site_page_create",
    "mcok:audit",
]


@pytest.mark.parametrize("parameter", ["municipality", "period"])
def test_a_nul_byte_in_municipality_or_period_names_nothing(client, world, parameter):
    make_period("2025/26")
    indicator = make_indicator(world.municipality, "I1", "E1")
    for actor in (world.administrator, world.coordinator, world.chief):
        client.force_login(actor)
        asked = [(reverse(name), {parameter: NUL}) for name in NO_ARGUMENTS]
        asked.append((reverse("roadmaps:recommendation_new"), {"indicator": indicator.pk, parameter: NUL}))
        assert server_errors(client, asked) == [], actor


def test_a_nul_byte_in_field_names_nothing(client, world, campaign):
    form = campaign.form
    submission = make_submission(campaign, world.school)
    asked = [
        (reverse("monitoring:field_edit", args=[form.pk]), {"field": NUL}),
        (reverse("monitoring:field_code_suggest", args=[form.pk]), {"field": NUL, "label": "Вопрос"}),
        (reverse("monitoring:submission_file", args=[submission.pk]), {"field": NUL}),
    ]
    for actor in (world.administrator, world.coordinator, world.respondent):
        client.force_login(actor)
        assert server_errors(client, asked) == [], actor


# Dates at the edges of the calendar -----------------------------------------------------------------


def test_the_audit_trail_up_to_the_last_day_of_9999_is_a_russian_form_error(client, world):
    client.force_login(world.administrator)
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        response = client.get(reverse("mcok:audit"), query)
        assert response.status_code == 200
        assert "Введите дату между 1990 и 2100 годом" in response.content.decode()


def test_the_hourly_task_survives_a_collection_dated_year_1(world, campaign):
    year_1 = datetime.date(1, 1, 1)
    Campaign.objects.filter(pk=campaign.pk).update(opens_on=year_1, deadline=year_1)
    result = tasks.campaigns_advance.delay(timezone.localdate().isoformat()).get()
    assert result["closed"] == 0


def test_a_collection_dated_year_1_is_refused_where_it_is_entered(client, world):
    form = make_form(world.municipality)
    period = make_period("2025/26")
    client.force_login(world.coordinator)
    data = {
        "form": form.pk,
        "period": period.pk,
        "title": "Диагностика",
        "opens_on": "0001-01-01",
        "deadline": "0001-01-02",
        "closes_on": "",
        "choose": "criteria",
    }
    response = client.post(reverse("monitoring:campaign_new"), data)
    assert response.status_code == 200
    assert "Введите дату между 1990 и 2100 годом" in response.content.decode()
    assert not Campaign.objects.exists()
