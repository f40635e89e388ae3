import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from directions import access
from directions.models import (
    CardDuty,
    Component,
    Cycle,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    Position,
    Responsibility,
    Score,
    Transition,
)
from indicators.models import IndicatorValue, Target
from mcok import selectors as core_selectors
from mcok.models import Municipality, Role, User
from monitoring import demo_vpr
from monitoring.models import Campaign, Submission
from reports import dashboard
from roadmaps.models import Decision, Event, ProjectGroup, Recommendation, Response

SLUGS = ("ishimbay", "amursk", "dobryanka", "sosnovka")


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_the_seeds_directions_load_as_written(demo):
    counts = {slug: Direction.objects.filter(municipality__slug=slug).count()
              for slug in ("ishimbay", "amursk", "dobryanka", "sosnovka")}  # fmt: skip
    assert counts == {"ishimbay": 9, "amursk": 8, "dobryanka": 8, "sosnovka": 9}
    dpo = Direction.objects.get(municipality__slug="ishimbay", code="2.3")
    assert "дополнительного профессионального образования" in dpo.name
    assert [r.holder_name for r in dpo.holders(Duty.COORDINATOR)] == ["Шерсткина Е.А."]
    assert sorted(r.holder_name for r in dpo.holders(Duty.EXECUTOR)) == ["ИМЦ", "Найденова А.Н."]
    for direction in Direction.objects.filter(municipality__slug="sosnovka"):
        assert direction.goal and len(direction.measure_list) >= 2
    preschool = Direction.objects.filter(municipality__slug="amursk", name__icontains="дошкольн")
    assert preschool.filter(block__code="2").exists()
    assert CardDuty.objects.filter(municipality__slug="ishimbay").count() == 6


def test_load_demo_twice_changes_nothing(demo):
    models = [Direction, CardDuty, Cycle, Transition, Position, Evaluation, Score, Responsibility, User,
              Role, Target, Event, Event.indicators.through, Recommendation, Response, Decision,
              ProjectGroup]  # fmt: skip
    before = {m.__name__: m.objects.count() for m in models}
    texts = dict(CycleComponent.objects.values_list("pk", "content"))
    call_command("load_demo", stdout=io.StringIO())
    assert {m.__name__: m.objects.count() for m in models} == before
    assert dict(CycleComponent.objects.values_list("pk", "content")) == texts


def test_demo_evaluations_have_stored_indices(demo):
    finished = Evaluation.objects.get(municipality__slug="amursk", period__code="2025")
    assert finished.state == Evaluation.State.FINISHED
    total = finished.results["total"]
    assert total["max"] == sum(
        p.max_score for p in Position.objects.filter(municipality__slug="amursk", period__code="2025")
    )
    assert 0 < total["score"] < total["max"]


def test_the_demo_coordinator_sees_the_overview_and_the_card(client, demo):
    client.force_login(User.objects.get(username="ishimbay-coordinator"))
    body = client.get(reverse("directions:overview"), {"period": "2025"}).content.decode()
    assert "1.1 Система оценки качества подготовки обучающихся" in body
    assert "Управленческий цикл" in body
    body = client.get(reverse("directions:card")).content.decode()
    assert "технологической карты" in body.lower() or "Технологическая карта" in body
    client.force_login(User.objects.get(username="ishimbay-school"))
    assert "Система оценки качества" not in client.get(reverse("directions:overview")).content.decode()


def test_the_people_the_order_names_have_logins_acting_for_their_directions(demo):
    directions = {d.code: d for d in Direction.objects.filter(municipality__slug="ishimbay")}
    mastryukova = User.objects.get(username="ishimbay-mastryukova")
    assert [o.full_name for o in mastryukova.officials.all()] == ["Мастрюкова Л.И."]
    assert access.duties_in(mastryukova, directions["1.1"]) == [Duty.COORDINATOR, Duty.EXECUTOR]
    sherstkina = User.objects.get(username="ishimbay-sherstkina")
    assert access.duties_in(sherstkina, directions["1.1"]) == []
    assert Duty.COORDINATOR in access.duties_in(sherstkina, directions["2.3"])
    naydenova = User.objects.get(username="ishimbay-naydenova")
    assert access.duties_in(naydenova, directions["2.3"]) == [Duty.EXECUTOR]
    chief = User.objects.get(username="ishimbay-chief")
    assert all(access.is_coordinator_of(chief, d) for d in directions.values())


def test_every_direction_has_its_cycle_for_2025(demo):
    assert set(Direction.objects.values_list("pk", flat=True)) == set(
        Cycle.objects.filter(period__code="2025").values_list("direction", flat=True)
    )


# 2025, where everything meets ------------------------------------------------------------------------


def test_no_component_holds_placeholder_text_and_every_moved_one_has_a_real_text(demo):
    components = CycleComponent.objects.all()
    # The old placeholder, matched alike on SQLite (whose LIKE folds ASCII only) and PostgreSQL; the
    # catalogue's honest note «демонстрационный показатель» in «Методы сбора» is not a placeholder.
    assert not components.filter(content__contains="Демонстрационный текст").exists()
    assert not components.exclude(state=CycleComponent.State.NOT_STARTED).filter(content="").exists()
    for slug in SLUGS:  # mixed states in every municipality
        states = set(components.filter(cycle__direction__municipality__slug=slug, cycle__period__code="2025")
                     .values_list("state", flat=True))  # fmt: skip
        assert states == set(CycleComponent.State.values), slug


def test_the_seeds_own_texts_are_the_components_of_2025(demo):
    def text(slug, code, component):
        return CycleComponent.objects.get(
            cycle__direction__municipality__slug=slug,
            cycle__direction__code=code,
            cycle__period__code="2025",
            component=component,
        ).content

    goals = text("ishimbay", "2.3", Component.GOALS)
    assert goals.startswith("Цель: наличие и функционирование") and "7. Прогнозирование развития" in goals
    assert "Мониторинг программ ДПО, сформированных по ГЗ" in text("ishimbay", "2.3", Component.MONITORING)
    assert "пакета методических материалов" in text("ishimbay", "2.3", Component.ANALYSIS)
    assert "Профилактика профессионального выгорания" in text("ishimbay", "2.3", Component.MEASURES)
    assert "муниципального задания" in text("ishimbay", "2.3", Component.EFFECTIVENESS)
    assert "2.3.12" in text("ishimbay", "2.3", Component.INDICATORS)
    assert text("sosnovka", "2.5", Component.GOALS) == "Развитие высоконравственной личности"
    assert "развитие добровольчества" in text("sosnovka", "2.5", Component.MEASURES)


def test_every_municipality_meets_in_2025(demo):
    for slug in SLUGS:
        values = IndicatorValue.objects.filter(municipality__slug=slug, value__isnull=False)
        for year in ("2024", "2025"):
            assert values.filter(period__code=year, organization=None).exists(), (slug, year)
        of_2025 = values.filter(period__code="2025").exclude(organization=None).select_related("indicator")
        at_risk = [v for v in of_2025 if v.indicator.is_at_risk(v.value)]
        assert at_risk, slug
        assert Target.objects.filter(indicator__municipality__slug=slug, period__code="2025").exists(), slug
        collections = Campaign.objects.filter(municipality__slug=slug, period__code="2025")
        collection = collections.exclude(form__title=demo_vpr.TITLE).get()  # the tables of ВПР aside
        accepted = collection.submissions.filter(status=Submission.Status.ACCEPTED).count()
        assert 0 < accepted < collection.organizations.count(), slug
        recommendations = Recommendation.objects.filter(municipality__slug=slug, period__code="2025")
        assert Response.objects.filter(recommendation__in=recommendations).exists(), slug
        assert any(r.organizations.count() > r.responses.count() for r in recommendations), slug
        decision = Decision.objects.get(municipality__slug=slug, period__code="2025")
        assert decision.indicators.exists() and decision.events.exists() and decision.recommendations.exists()
        assert Event.objects.filter(roadmap__municipality__slug=slug, indicators__isnull=False).exists(), slug
    groups = ProjectGroup.objects.filter(municipality__slug="dobryanka")
    assert groups.exists() and not groups.filter(direction=None).exists()
    assert not groups.filter(document=None).exists()


def test_ishimbay_self_assessment_of_2025_is_open_the_others_finished(demo):
    evaluations = Evaluation.objects.filter(period__code="2025", kind=Evaluation.Kind.SELF)
    ishimbay = evaluations.get(municipality__slug="ishimbay")
    assert ishimbay.state != Evaluation.State.FINISHED
    scores = Score.objects.filter(evaluation=ishimbay)
    assert not scores.filter(position__direction__code="2.3").exclude(score=None).exists()
    assert scores.exclude(position__direction__code="2.3").exclude(score=None).exists()
    assert set(evaluations.exclude(pk=ishimbay.pk).values_list("state", flat=True)) == {
        Evaluation.State.FINISHED
    }


def test_the_dashboard_and_the_overview_open_on_2025_not_on_an_empty_current_year(demo):
    today = datetime.date(2026, 12, 7)
    for municipality in Municipality.objects.filter(slug__in=SLUGS):
        assert core_selectors.latest_period_with_data(municipality, today).code == "2025"
        assert dashboard.default_period(municipality, today).code == "2025"
