import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from directions.models import CardDuty, Cycle, Direction, Evaluation, Position, Score, Transition
from mcok.models import User


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_the_seeds_directions_load_as_written(demo):
    counts = {slug: Direction.objects.filter(municipality__slug=slug).count()
              for slug in ("ishimbay", "amursk", "dobryanka", "sosnovka")}  # fmt: skip
    assert counts == {"ishimbay": 9, "amursk": 8, "dobryanka": 8, "sosnovka": 9}
    dpo = Direction.objects.get(municipality__slug="ishimbay", code="2.3")
    assert "дополнительного профессионального образования" in dpo.name
    assert [o.full_name for o in dpo.coordinators.all()] == ["Шерсткина Е.А."]
    assert [o.full_name for o in dpo.executors.all()] == ["Найденова А.Н."]
    assert [o.short_name for o in dpo.executor_organizations.all()] == ["ИМЦ"]
    for direction in Direction.objects.filter(municipality__slug="sosnovka"):
        assert direction.goal and len(direction.measure_list) >= 2
    preschool = Direction.objects.filter(municipality__slug="amursk", name__icontains="дошкольн")
    assert preschool.filter(block__code="2").exists()
    assert CardDuty.objects.filter(municipality__slug="ishimbay").count() == 6


def test_load_demo_twice_changes_nothing(demo):
    models = [Direction, CardDuty, Cycle, Transition, Position, Evaluation, Score]
    before = {m.__name__: m.objects.count() for m in models}
    call_command("load_demo", stdout=io.StringIO())
    assert {m.__name__: m.objects.count() for m in models} == before


def test_demo_evaluations_have_stored_indices(demo):
    finished = Evaluation.objects.get(municipality__slug="ishimbay", period__code="2025")
    assert finished.state == Evaluation.State.FINISHED
    total = finished.results["total"]
    assert total["max"] == sum(
        p.max_score for p in Position.objects.filter(municipality__slug="ishimbay", period__code="2025")
    )
    assert 0 < total["score"] < total["max"]


def test_the_demo_coordinator_sees_the_overview_and_the_card(client, demo):
    client.force_login(User.objects.get(username="ishimbay-coordinator"))
    body = client.get(reverse("directions:overview"), {"period": "2026"}).content.decode()
    assert "1.1 Система оценки качества подготовки обучающихся" in body
    assert "Управленческий цикл" in body
    body = client.get(reverse("directions:card")).content.decode()
    assert "технологической карты" in body.lower() or "Технологическая карта" in body
    client.force_login(User.objects.get(username="ishimbay-school"))
    assert "Система оценки качества" not in client.get(reverse("directions:overview")).content.decode()
