"""The index on the public tab comes from THE latest finished evaluation (one function picks it for
the public tab, the dashboard and the report) and says whether it is a self-assessment or an expert
evaluation; the operator's publication is what puts it there."""

from decimal import Decimal

import pytest
from django.urls import reverse

from directions import proposals, services
from directions.models import Cycle, CycleComponent, Evaluation, Position, Score
from reports import analytics, dashboard, public
from reports.models import PublicPage
from tests.factories import make_document, make_year


@pytest.fixture
def period(world):
    return make_year(2025)


@pytest.fixture
def self_assessment(world, period, django_capture_on_commit_callbacks) -> Evaluation:
    """2.3's self-assessment for 2025: its goals approved with a document, so the portal proposes
    2 of 2 for Ц.1; the coordinator accepts it and Ц.2 gets 1 of 2 with a comment: 75 %."""
    direction = world.other_direction
    for code in ("Ц.1", "Ц.2"):
        Position.objects.create(
            municipality=world.municipality,
            period=period,
            direction=direction,
            component="goals",
            code=code,
            text=code,
            max_score=2,
        )
    cycle = Cycle.objects.create(direction=direction, period=period)
    goals = CycleComponent.objects.create(cycle=cycle, component="goals", state=CycleComponent.State.APPROVED)
    goals.documents.add(make_document(world.municipality))
    evaluation = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.chief
    )
    scores = {
        s.position.code: s
        for s in Score.objects.filter(evaluation=evaluation).select_related("position__direction")
    }
    with django_capture_on_commit_callbacks(execute=True):
        proposals.proposal_accept(score=scores["Ц.1"], by=world.other_coordinator)
        proposals.score_save(
            score=scores["Ц.2"], by=world.other_coordinator, value=Decimal(1), comment="Без сроков"
        )
    return evaluation


def direction_page(world) -> PublicPage:
    public.pages_ensure(world.municipality)
    return PublicPage.objects.get(municipality=world.municipality, direction=world.other_direction)


def test_the_self_assessment_index_appears_once_finished_and_published_marked_as_such(
    client, world, self_assessment
):
    page = direction_page(world)
    client.force_login(world.operator)
    client.post(reverse("reports:site_page_publish", args=[page.pk]))
    url = reverse("open:page", args=[world.municipality.slug, page.slug])
    client.logout()
    assert "Индекс направления" not in client.get(url).content.decode()  # not finished yet

    services.evaluation_finish(evaluation=self_assessment, by=world.chief)
    page.refresh_from_db()
    assert public.is_stale(page)  # the operator's page list says so
    assert "Индекс направления" not in client.get(url).content.decode()  # the public reads what was published

    client.force_login(world.operator)
    assert client.post(reverse("reports:site_page_publish", args=[page.pk])).status_code == 302
    client.logout()
    body = client.get(url).content.decode()
    assert "Индекс направления" in body and "75,0" in body
    assert "(самооценка)" in body
    assert "экспертная оценка" not in body


def test_an_expert_evaluation_of_the_same_period_wins_everywhere_and_is_marked(
    client, world, period, self_assessment
):
    services.evaluation_finish(evaluation=self_assessment, by=world.chief)
    expert = Evaluation.objects.create(
        municipality=world.municipality,
        period=period,
        kind=Evaluation.Kind.EXPERT,
        state=Evaluation.State.FINISHED,
        results={"total": {"score": 1, "max": 4, "percent": 25.0}, "directions": {}, "blocks": {}},
        created_by=world.chief,
    )
    # Finished before the self-assessment, yet the expert evaluation outranks it in the same period.
    Evaluation.objects.filter(pk=expert.pk).update(finished_at=self_assessment.finished_at.replace(year=2020))
    assert analytics.latest_evaluation(world.municipality, period) == expert
    assert dashboard.latest_finished_evaluation(world.chief, world.municipality, period) == expert
    assert Evaluation.objects.latest_finished(world.municipality) == expert

    home = next(p for p in public.pages_ensure(world.municipality) if p.kind == PublicPage.Kind.HOME)
    public.publish(home, user=world.operator)
    body = client.get(reverse("open:home", args=[world.municipality.slug])).content.decode()
    assert "(экспертная оценка)" in body and "25,0" in body


def test_a_later_periods_evaluation_is_the_latest(world, period, self_assessment):
    services.evaluation_finish(evaluation=self_assessment, by=world.chief)
    earlier = Evaluation.objects.create(
        municipality=world.municipality,
        period=make_year(2024),
        kind=Evaluation.Kind.EXPERT,
        state=Evaluation.State.FINISHED,
        results={"total": {"score": 1, "max": 4, "percent": 25.0}},
        created_by=world.chief,
    )
    assert Evaluation.objects.latest_finished(world.municipality) == self_assessment
    assert analytics.latest_evaluation(world.municipality, make_year(2024)) == earlier
