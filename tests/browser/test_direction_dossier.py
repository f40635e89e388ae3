"""A direction's year walked through its dossier in chromium, on the demo.

`ishimbay-sherstkina` coordinates 2.3 of Ишимбай. For 2025 she opens the dossier, accepts a school's
form of the direction's collection (the indicators are recomputed), sends a recommendation to an
indicator's risk group, takes a decision on it, drafts the analysis of effectiveness into the cycle's
component; `ishimbay-naydenova`, its executor, passes the draft and Шерсткина approves it; she accepts
the portal's proposals for 2.3 in the open self-assessment and finishes it; `ishimbay-operator`
publishes 2.3's page of the public tab, where the index of 2.3 for 2025 appears marked «самооценка».
"""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from directions.models import Component, CycleComponent, Direction, Evaluation, Score
from indicators.models import DataValue, Indicator, IndicatorValue
from indicators.services import indicator_values_recompute
from monitoring import demo_vpr
from monitoring.models import Campaign, Submission
from reports.models import PublicPage
from roadmaps.models import Decision, Recommendation
from tests.browser.support import log_in

State = CycleComponent.State


def settle(page) -> None:
    page.wait_for_load_state("networkidle")


def reported(direction: Direction) -> int:
    """How many organizations' forms the direction's municipal values of 2025 count."""
    values = IndicatorValue.objects.filter(
        indicator__direction=direction, period__code="2025", organization__isnull=True
    )
    return values.aggregate(total=Sum("reported"))["total"] or 0


def an_indicator_with_a_risk_group(direction: Direction) -> Indicator:
    for indicator in Indicator.objects.filter(direction=direction, risk_threshold__isnull=False).order_by(
        "code"
    ):
        values = IndicatorValue.objects.filter(
            indicator=indicator, period__code="2025", organization__isnull=False, value__isnull=False
        )
        if any(indicator.is_at_risk(item.value) for item in values):
            return indicator
    raise AssertionError("the demo gives 2.3 no risk group in 2025")


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_walks_the_year_of_her_direction_through_the_dossier(new_page, live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    direction = Direction.objects.get(municipality__slug="ishimbay", code="2.3")
    dossier_url = f"/directions/{direction.pk}/?period=2025"

    sherstkina = new_page()
    log_in(sherstkina, "ishimbay-sherstkina")
    sherstkina.goto(dossier_url)
    for part in ("indicators", "collections", "recommendations", "decisions", "events", "evaluation"):
        assert sherstkina.get_by_test_id(f"dossier-{part}").is_visible(), part
    assert "координатор" in sherstkina.get_by_test_id("my-role").inner_text()

    # A school's form of the direction's collection, accepted: the municipal values count it.
    campaign = Campaign.objects.exclude(form__title=demo_vpr.TITLE).get(
        form__direction=direction, period__code="2025"
    )
    waiting = campaign.submissions.get(status=Submission.Status.SUBMITTED)
    # The demo stores every school's figures; this school's are taken out as if not yet accepted.
    DataValue.objects.filter(
        organization=waiting.organization,
        period=campaign.period,
        data_element__in=campaign.form.fields.values("data_element"),
    ).delete()
    indicator_values_recompute(municipality=direction.municipality, period=campaign.period)
    before = reported(direction)
    sherstkina.get_by_test_id("dossier-collections").get_by_role("link", name=campaign.title).click()
    settle(sherstkina)
    sherstkina.check(f"#choose-{waiting.pk}")
    sherstkina.get_by_role("button", name="Принять отмеченные").click()
    settle(sherstkina)
    waiting.refresh_from_db()
    assert waiting.status == Submission.Status.ACCEPTED
    assert reported(direction) > before

    # A recommendation to an indicator's risk group, issued.
    indicator = an_indicator_with_a_risk_group(direction)
    sherstkina.goto(f"/roadmaps/recommendations/new/?indicator={indicator.pk}&period=2025")
    sherstkina.get_by_role("button", name="Сохранить").click()
    settle(sherstkina)
    recommendation = Recommendation.objects.filter(direction=direction, indicator=indicator).latest("pk")
    at_risk = {
        item.organization_id
        for item in IndicatorValue.objects.filter(
            indicator=indicator, period__code="2025", organization__isnull=False
        )
        if indicator.is_at_risk(item.value)
    }
    assert set(recommendation.organizations.values_list("pk", flat=True)) == at_risk
    sherstkina.get_by_role("button", name="Направить адресатам").click()
    settle(sherstkina)
    recommendation.refresh_from_db()
    assert recommendation.state == Recommendation.State.ISSUED

    # A decision on it, with the recommendation's indicator.
    sherstkina.goto(f"/roadmaps/decisions/new/?recommendation={recommendation.pk}")
    sherstkina.fill("input[name=title]", "Адресная методическая помощь школам группы риска")
    sherstkina.fill("input[name=adopted_on]", "2025-11-20")
    sherstkina.get_by_role("button", name="Сохранить").click()
    settle(sherstkina)
    decision = Decision.objects.get(title="Адресная методическая помощь школам группы риска")
    assert list(decision.recommendations.all()) == [recommendation]
    assert indicator in decision.indicators.all()

    # The analysis of effectiveness, drafted into the component (its seed text replaced on purpose).
    sherstkina.goto(dossier_url)
    sherstkina.get_by_role("link", name="Анализ эффективности мер по направлению").click()
    settle(sherstkina)
    sherstkina.get_by_role("button", name="Подготовить анализ в компонент цикла").click()
    settle(sherstkina)
    replace = sherstkina.get_by_role("button", name="Заменить текст")
    if replace.count():
        replace.click()
        settle(sherstkina)
    effectiveness = CycleComponent.objects.get(
        cycle__direction=direction, cycle__period__code="2025", component=Component.EFFECTIVENESS
    )
    assert decision.title in effectiveness.content

    naydenova = new_page()
    log_in(naydenova, "ishimbay-naydenova")
    naydenova.goto(f"/directions/components/{effectiveness.pk}/")
    naydenova.locator("form.move:has(input[name=to_state][value=drafted]) button[type=submit]").click()
    settle(naydenova)
    sherstkina.goto(f"/directions/components/{effectiveness.pk}/")
    sherstkina.locator("form.move:has(input[name=to_state][value=approved]) button[type=submit]").click()
    settle(sherstkina)
    effectiveness.refresh_from_db()
    assert effectiveness.state == State.APPROVED

    # The self-assessment: the portal's proposals for 2.3 accepted, the evaluation finished.
    evaluation = Evaluation.objects.get(municipality__slug="ishimbay", period__code="2025")
    assert evaluation.kind == Evaluation.Kind.SELF and evaluation.state == Evaluation.State.OPEN
    sherstkina.goto(f"/directions/evaluations/{evaluation.pk}/?direction=2.3")
    sherstkina.get_by_role("button", name="Принять все предложения").click()
    settle(sherstkina)
    scores = Score.objects.filter(evaluation=evaluation, position__direction=direction)
    assert scores.exists() and not scores.filter(score__isnull=True).exists()
    assert all(score.score == score.proposed for score in scores)
    sherstkina.goto(f"/directions/evaluations/{evaluation.pk}/")
    sherstkina.locator("section[aria-labelledby=finish-heading] button[type=submit]").click()
    settle(sherstkina)
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.FINISHED
    index = evaluation.results["directions"]["2.3"]["percent"]

    # The operator publishes 2.3's page; the public reads the index marked «самооценка».
    operator = new_page()
    operator.on("dialog", lambda dialog: dialog.accept())  # publishing and withdrawing ask first
    log_in(operator, "ishimbay-operator")
    page = PublicPage.objects.get(municipality__slug="ishimbay", direction=direction)
    operator.goto(f"/reports/site/{page.pk}/")
    operator.locator("form[action$='/publish/'] button[type=submit]").click()
    settle(operator)
    reader = new_page()
    reader.goto(f"/open/ishimbay/{page.slug}/")
    text = reader.locator("main").inner_text()
    assert "самооценка" in text
    assert f"{index:.1f}".replace(".", ",") in text
