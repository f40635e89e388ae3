import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from directions import access
from directions.models import (
    CardDuty,
    Cycle,
    Direction,
    Duty,
    Evaluation,
    Position,
    Responsibility,
    Score,
    Transition,
)
from mcok.models import Role, User


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
    models = [Direction, CardDuty, Cycle, Transition, Position, Evaluation, Score, Responsibility, User, Role]
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
