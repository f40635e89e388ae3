"""A recommendation to a risk group reaches the risk group: addressed «Группа риска» with the indicator
and the period chosen, its schools are filled in; the indicator's page links to the prefilled form,
for those who draft the direction's recommendations."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmaps import recommendations as services
from roadmaps.models import Recommendation
from tests.factories import make_organization
from tests.roadmaps.test_recommendations import make_indicator, make_year, put

RISK = Recommendation.Level.RISK_GROUP


@pytest.fixture
def risk(world):
    """П8 of direction 1.1, threshold 50 %: the school (40) and a third school (45) are at risk in 2024."""
    period = make_year(2024)
    indicator = make_indicator(world.municipality, risk_threshold=50, direction=world.direction)
    third = make_organization(world.municipality, short_name="СОШ с. Ромашкино")
    put(indicator, period, world.school, 40)
    put(indicator, period, world.other_school, 80)
    put(indicator, period, third, 45)
    put(indicator, period, None, 55)
    return indicator, period, third


def test_addressed_to_a_risk_group_it_gets_the_risk_groups_schools(world, risk):
    indicator, period, third = risk
    recommendation = services.recommendation_create(
        municipality=world.municipality,
        by=world.coordinator,
        title="Повысить долю",
        text="Проанализируйте причины.",
        level=RISK,
        direction=world.direction,
        period=period,
        indicator=indicator,
    )
    assert set(recommendation.organizations.all()) == {world.school, third}


def test_a_risk_group_without_an_indicator_or_a_period_is_refused_with_a_reason(world, risk):
    indicator, period, _third = risk
    for missing in ({"indicator": indicator}, {"period": period}):
        with pytest.raises(ValidationError) as refused:
            services.recommendation_create(
                municipality=world.municipality,
                by=world.coordinator,
                title="Т",
                text="Т",
                level=RISK,
                direction=world.direction,
                **missing,
            )
        assert "risk group" in " ".join(refused.value.messages) or "групп" in " ".join(refused.value.messages)
    assert not Recommendation.objects.exists()


def test_chosen_schools_stay_as_chosen(world, risk):
    indicator, period, _third = risk
    recommendation = services.recommendation_create(
        municipality=world.municipality,
        by=world.coordinator,
        title="Т",
        text="Т",
        level=RISK,
        organizations=[world.school],
        direction=world.direction,
        period=period,
        indicator=indicator,
    )
    assert list(recommendation.organizations.all()) == [world.school]


def test_the_form_sent_to_a_risk_group_saves_its_schools(client, world, risk):
    indicator, period, third = risk
    client.force_login(world.coordinator)
    response = client.post(
        reverse("roadmaps:recommendation_new"),
        {
            "municipality": world.municipality.slug,
            "title": "Повысить долю",
            "text": "Проанализируйте причины.",
            "level": RISK,
            "direction": world.direction.pk,
            "period": period.pk,
            "indicator": indicator.pk,
        },
    )
    assert response.status_code == 302
    recommendation = Recommendation.objects.get()
    assert set(recommendation.organizations.all()) == {world.school, third}


def test_the_indicator_page_links_to_the_prefilled_recommendation(client, world, risk):
    indicator, period, third = risk
    page_url = reverse("indicators:indicator", args=[indicator.pk]) + f"?period={period.code}"
    prefilled = reverse("roadmaps:recommendation_new") + f"?indicator={indicator.pk}&amp;period={period.code}"
    client.force_login(world.coordinator)
    assert prefilled in client.get(page_url).content.decode()
    form = client.get(prefilled.replace("&amp;", "&"))
    assert form.status_code == 200
    assert set(form.context["form"].initial["organizations"]) == {world.school, third}
    # The coordinator of another direction reads the indicator but drafts nothing of 1.1: no link.
    client.force_login(world.other_coordinator)
    page = client.get(page_url)
    assert page.status_code == 200 and "recommendations/new/" not in page.content.decode()


def test_no_link_without_a_risk_group(client, world, risk):
    indicator, period, _third = risk
    indicator.risk_threshold = 10
    indicator.save()
    client.force_login(world.coordinator)
    page = client.get(reverse("indicators:indicator", args=[indicator.pk]) + f"?period={period.code}")
    assert "recommendations/new/" not in page.content.decode()
