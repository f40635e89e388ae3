"""The cycle over the API: each component carries the moves the requesting user may make, a move is
one POST answered by the same service the pages use, and a cycle is opened by POST."""

import pytest
from django.urls import reverse

from directions import services
from directions.models import Component, Cycle, CycleComponent
from tests.factories import make_year

State = CycleComponent.State


@pytest.fixture
def cycle(world) -> Cycle:
    return services.cycle_open(direction=world.direction, period=make_year(2025), by=world.coordinator)


def goals(cycle: Cycle) -> CycleComponent:
    return cycle.components.get(component=Component.GOALS)


def move(client, component: CycleComponent, to: str, **extra):
    url = reverse("api:cycle-component-move", args=[component.pk])
    return client.post(url, {"to": to, **extra}, content_type="application/json")


def allowed_moves(client, cycle: Cycle) -> dict[str, list[str]]:
    body = client.get(reverse("api:cycle-detail", args=[cycle.pk])).json()
    return {item["component"]: item["allowed_moves"] for item in body["components"]}


def test_each_component_carries_the_moves_of_the_requesting_user(client, world, cycle):
    client.force_login(world.executor)
    assert allowed_moves(client, cycle)[Component.GOALS] == [State.DRAFTED]
    client.force_login(world.coordinator)
    assert allowed_moves(client, cycle)[Component.GOALS] == []
    client.force_login(world.other_coordinator)
    assert allowed_moves(client, cycle)[Component.GOALS] == []


def test_a_move_answers_the_new_state_and_the_next_moves(client, world, cycle):
    client.force_login(world.executor)
    response = move(client, goals(cycle), State.DRAFTED)
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["allowed_moves"]) == (State.DRAFTED, [])
    client.force_login(world.coordinator)
    assert sorted(allowed_moves(client, cycle)[Component.GOALS]) == sorted(
        [State.NOT_STARTED, State.APPROVED]
    )
    response = move(client, goals(cycle), State.APPROVED)
    assert response.status_code == 200
    assert goals(cycle).state == State.APPROVED


def test_a_move_that_belongs_to_someone_else_is_403_in_russian(client, world, cycle):
    client.force_login(world.executor)
    move(client, goals(cycle), State.DRAFTED)
    for outsider in (world.other_coordinator, world.executor, world.administrator, world.operator):
        client.force_login(outsider)
        response = move(client, goals(cycle), State.APPROVED)
        assert response.status_code == 403, outsider
        assert "координатор направления" in response.json()["detail"]
    assert goals(cycle).state == State.DRAFTED


def test_the_head_of_the_department_approves_any_direction(client, world, cycle):
    client.force_login(world.executor)
    move(client, goals(cycle), State.DRAFTED)
    client.force_login(world.chief)
    assert move(client, goals(cycle), State.APPROVED).status_code == 200


def test_a_component_not_visible_is_404_and_a_bad_move_400(client, world, cycle):
    client.force_login(world.outsider)
    assert move(client, goals(cycle), State.DRAFTED).status_code == 404
    client.force_login(world.respondent)
    assert move(client, goals(cycle), State.DRAFTED).status_code == 404
    client.force_login(world.executor)
    response = move(client, goals(cycle), State.PUBLISHED)
    assert response.status_code == 400
    assert "невозможна" in str(response.json()["to"])
    assert move(client, goals(cycle), "nonsense").status_code == 400
    client.force_login(world.executor)
    move(client, goals(cycle), State.DRAFTED)
    client.force_login(world.coordinator)
    response = move(client, goals(cycle), State.NOT_STARTED, comment=" ")
    assert response.status_code == 400
    assert goals(cycle).state == State.DRAFTED


def test_a_cycle_is_opened_by_its_coordinator_and_opening_again_returns_it(client, world):
    make_year(2026)
    url = reverse("api:cycle-list")
    payload = {"direction": world.direction.pk, "period": "2026"}
    client.force_login(world.other_coordinator)
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 403
    assert "координатор" in response.json()["detail"]
    client.force_login(world.coordinator)
    first = client.post(url, payload, content_type="application/json")
    assert first.status_code == 201
    assert len(first.json()["components"]) == 9
    again = client.post(url, payload, content_type="application/json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert client.post(url, {**payload, "period": "1812"}, content_type="application/json").status_code == 400
    client.force_login(world.outsider)
    assert client.post(url, payload, content_type="application/json").status_code == 404
