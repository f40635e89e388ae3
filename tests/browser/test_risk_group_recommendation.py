"""A recommendation to a risk group, in headless chromium: from the indicator's page the coordinator
opens the prefilled recommendation and saves it to the risk group's schools; and a new one addressed
«Группа риска» with only the indicator and the period chosen gets the same schools."""

import pytest
from django.urls import reverse

from roadmaps.models import Recommendation
from tests.browser.support import log_in
from tests.factories import make_organization, make_world
from tests.roadmaps.test_recommendations import make_indicator, make_year, put


@pytest.mark.django_db(transaction=True)
def test_a_recommendation_reaches_the_risk_group(new_page):
    world = make_world()
    period = make_year(2024)
    indicator = make_indicator(world.municipality, risk_threshold=50, direction=world.direction)
    third = make_organization(world.municipality, short_name="СОШ с. Ромашкино")
    for organization, value in ((world.school, 40), (world.other_school, 80), (third, 45), (None, 55)):
        put(indicator, period, organization, value)
    at_risk = {world.school.pk, third.pk}

    page = new_page()
    log_in(page, world.coordinator.username, "pw")
    page.goto(reverse("indicators:indicator", args=[indicator.pk]) + f"?period={period.code}")
    page.get_by_role("link", name="Рекомендация группе риска").click()
    page.wait_for_load_state("networkidle")
    checked = page.locator("input[name=organizations]:checked")
    assert {int(v) for v in checked.evaluate_all("boxes => boxes.map(b => b.value)")} == at_risk
    page.click("form.form-wide button[type=submit]")
    page.wait_for_load_state("networkidle")
    first = Recommendation.objects.get()
    assert first.level == Recommendation.Level.RISK_GROUP
    assert {o.pk for o in first.organizations.all()} == at_risk

    # A new one addressed «Группа риска»: the indicator and the period are enough.
    page.goto(reverse("roadmaps:recommendation_new") + f"?municipality={world.municipality.slug}")
    page.fill("input[name=title]", "Повысить долю педагогов, прошедших КПК")
    page.fill("textarea[name=text]", "Проанализируйте причины и сообщите о мерах.")
    page.select_option("select[name=level]", Recommendation.Level.RISK_GROUP)
    page.select_option("select[name=direction]", str(world.direction.pk))
    page.select_option("select[name=period]", str(period.pk))
    page.select_option("select[name=indicator]", str(indicator.pk))
    page.click("form.form-wide button[type=submit]")
    page.wait_for_load_state("networkidle")
    second = Recommendation.objects.exclude(pk=first.pk).get()
    assert {o.pk for o in second.organizations.all()} == at_risk
    assert third.short_name in page.inner_text("main")
