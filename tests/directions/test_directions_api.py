"""The directions API: read-only lists limited by directions.access, and PATCH on a score through
services.score_set."""

from decimal import Decimal

import pytest
from django.urls import reverse

from directions import services
from directions.models import Block, Direction, Evaluation, Position, Score
from mcok import services as core_services
from mcok.models import Period, Role
from tests.factories import assign, make_user_with_role

# Factories ----------------------------------------------------------------------------------------


def make_period(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def make_catalogue(municipality, period: Period) -> dict[str, Position]:
    """Direction 1.1 with Ц.1 /1 and Ц.2 /3; direction 2.1 with М.1 /4."""
    positions = {}
    for code, items in {
        "1.1": [("Ц.1", "goals", 1), ("Ц.2", "goals", 3)],
        "2.1": [("М.1", "measures", 4)],
    }.items():
        block, _created = Block.objects.get_or_create(code=code[0], defaults={"name": f"Блок {code[0]}"})
        direction = Direction.objects.create(
            municipality=municipality, block=block, code=code, name=f"Направление {code}", valid_from=period
        )
        for position_code, component, maximum in items:
            positions[f"{code} {position_code}"] = Position.objects.create(
                municipality=municipality,
                period=period,
                direction=direction,
                component=component,
                code=position_code,
                text=f"Позиция {position_code}",
                max_score=Decimal(maximum),
            )
    return positions


@pytest.fixture
def setup(world):
    period = make_period(2025)
    positions = make_catalogue(world.municipality, period)
    make_catalogue(world.elsewhere, period)
    evaluations = {
        kind: services.evaluation_open(
            municipality=world.municipality, period=period, kind=kind, by=world.coordinator
        )
        for kind in (Evaluation.Kind.SELF, Evaluation.Kind.EXPERT)
    }
    foreign = services.evaluation_open(
        municipality=world.elsewhere, period=period, kind=Evaluation.Kind.SELF, by=world.outsider
    )
    return {
        "period": period,
        "positions": positions,
        "self": evaluations["self"],
        "expert": evaluations["expert"],
        "foreign": foreign,
    }


def score(evaluation: Evaluation, key: str) -> Score:
    direction, code = key.split()
    return Score.objects.get(evaluation=evaluation, position__direction__code=direction, position__code=code)


def patch(client, score_pk: int, data: dict):
    return client.patch(reverse("api:score-detail", args=[score_pk]), data, content_type="application/json")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# Reading ------------------------------------------------------------------------------------------


def test_lists_show_only_what_the_user_may_see(client, world, setup):
    client.force_login(world.expert)

    assert ids(client.get(reverse("api:evaluation-list"))) == {setup["self"].pk, setup["expert"].pk}
    assert ids(client.get(reverse("api:evaluation-position-list"))) == {
        p.pk for p in setup["positions"].values()
    }
    assert ids(client.get(reverse("api:direction-list"))) == set(
        Direction.objects.filter(municipality=world.municipality).values_list("pk", flat=True)
    )
    scores = ids(client.get(reverse("api:score-list"), {"limit": 100}))
    assert scores == set(
        Score.objects.filter(evaluation__municipality=world.municipality).values_list("pk", flat=True)
    )
    assert client.get(reverse("api:evaluation-detail", args=[setup["foreign"].pk])).status_code == 404


@pytest.mark.parametrize("who", ["respondent", "outsider_school"])
def test_schools_see_nothing_of_the_directions(client, world, setup, who):
    client.force_login(getattr(world, who))

    for name in (
        "api:direction-list",
        "api:cycle-list",
        "api:evaluation-position-list",
        "api:evaluation-list",
        "api:score-list",
    ):
        assert ids(client.get(reverse(name))) == set(), name


def test_anonymous_gets_401(client, setup):
    assert client.get(reverse("api:evaluation-list")).status_code == 401
    assert patch(client, score(setup["self"], "1.1 Ц.1").pk, {"score": 1}).status_code == 401


def test_evaluation_carries_its_stored_results_as_stored(client, world, setup):
    evaluation = setup["self"]
    services.score_set(score=score(evaluation, "1.1 Ц.2"), by=world.expert, value=Decimal(3))
    services.evaluation_compute(evaluation=evaluation)
    evaluation.refresh_from_db()
    client.force_login(world.coordinator)

    data = client.get(reverse("api:evaluation-detail", args=[evaluation.pk])).json()

    assert data["results"] == evaluation.results
    assert data["results"]["total"] == {"score": 3, "max": 8, "percent": 37.5}
    assert data["results"]["components"]["1.1"]["goals"] == {"score": 3, "max": 4, "percent": 75.0}
    assert (data["municipality"], data["period"], data["kind"], data["state"]) == (
        "ishim",
        "2025",
        "self",
        "open",
    )
    assert client.get(reverse("api:evaluation-detail", args=[setup["expert"].pk])).json()["results"] is None


def test_filters_narrow_positions_and_scores(client, world, setup):
    client.force_login(world.coordinator)

    positions = client.get(
        reverse("api:evaluation-position-list"), {"direction": "1.1", "component": "goals"}
    ).json()
    assert [(row["direction_code"], row["code"], row["max_score"]) for row in positions["results"]] == [
        ("1.1", "Ц.1", "1.00"),
        ("1.1", "Ц.2", "3.00"),
    ]
    scores = client.get(
        reverse("api:score-list"), {"evaluation": setup["expert"].pk, "direction": "2.1"}
    ).json()
    assert [(row["position_code"], row["score"], row["max_score"]) for row in scores["results"]] == [
        ("М.1", None, "4.00")
    ]


def test_cycles_come_with_their_components_and_states(client, world, setup):
    cycle = services.cycle_open(direction=world.direction, period=setup["period"], by=world.coordinator)
    client.force_login(world.executor)

    data = client.get(reverse("api:cycle-detail", args=[cycle.pk])).json()

    assert (data["direction_code"], data["municipality"], data["period"]) == ("1.1", "ishim", "2025")
    assert [c["component"] for c in data["components"]] == [
        "goals",
        "indicators",
        "methods",
        "monitoring",
        "analysis",
        "recommendations",
        "measures",
        "decisions",
        "effectiveness",
    ]
    assert {c["state"] for c in data["components"]} == {"not_started"}
    assert data["components"][0]["card_row"] == 1
    assert data["components"][0]["allowed_moves"] == ["drafted"]  # the executor of 1.1 drafts
    client.force_login(world.outsider)
    assert client.get(reverse("api:cycle-detail", args=[cycle.pk])).status_code == 404


# Scoring ------------------------------------------------------------------------------------------


def test_an_expert_sets_a_score_and_the_results_follow(
    client, world, setup, django_capture_on_commit_callbacks
):
    evaluation = setup["expert"]
    target = score(evaluation, "1.1 Ц.2")
    client.force_login(world.expert)

    with django_capture_on_commit_callbacks(execute=True):
        response = patch(
            client, target.pk, {"score": "2.5", "comment": "Задачи есть", "evidence": "приказ №5"}
        )

    assert response.status_code == 200, response.content
    assert response.json()["score"] == "2.50"
    target.refresh_from_db()
    assert (target.score, target.comment, target.evidence, target.scored_by) == (
        Decimal("2.5"),
        "Задачи есть",
        "приказ №5",
        world.expert,
    )
    evaluation.refresh_from_db()
    assert evaluation.results["total"] == {"score": 2.5, "max": 8, "percent": 31.3}


def test_a_patch_without_the_score_keeps_it(client, world, setup):
    target = score(setup["expert"], "1.1 Ц.2")
    services.score_set(score=target, by=world.expert, value=Decimal(2), comment="было")
    client.force_login(world.expert)

    response = patch(client, target.pk, {"evidence": "ссылка"})

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.score, target.comment, target.evidence) == (Decimal(2), "было", "ссылка")
    assert patch(client, target.pk, {"score": None}).status_code == 200
    target.refresh_from_db()
    assert target.score is None


def test_a_score_above_the_maximum_is_a_400_with_the_russian_reason(client, world, setup):
    target = score(setup["expert"], "1.1 Ц.2")
    client.force_login(world.expert)

    response = patch(client, target.pk, {"score": "3.5"})

    assert response.status_code == 400
    assert response.json() == ["Балл позиции Ц.2 должен быть от 0 до 3."]
    target.refresh_from_db()
    assert target.score is None


@pytest.mark.parametrize("value", ["-1", "много", "1.234"])
def test_bad_numbers_are_a_400(client, world, setup, value):
    target = score(setup["expert"], "1.1 Ц.2")
    client.force_login(world.expert)

    response = patch(client, target.pk, {"score": value})

    assert response.status_code == 400
    assert "score" in response.json()
    target.refresh_from_db()
    assert target.score is None


def test_a_coordinator_cannot_score_an_expert_evaluation_through_the_api(client, world, setup):
    target = score(setup["expert"], "1.1 Ц.1")
    client.force_login(world.coordinator)

    response = patch(client, target.pk, {"score": 1})

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.score is None
    # A self-assessment the coordinator may score: the positions of the direction they coordinate,
    # not those of another direction.
    own = score(setup["self"], "1.1 Ц.1")
    assign(world.coordinator, own.position.direction)
    assert patch(client, own.pk, {"score": 1}).status_code == 200
    assert patch(client, score(setup["self"], "2.1 М.1").pk, {"score": 1}).status_code == 403


def test_an_expert_of_another_municipality_cannot_score_here(client, world, setup):
    target = score(setup["expert"], "1.1 Ц.1")
    client.force_login(make_user_with_role(Role.Kind.EXPERT, municipality=world.elsewhere))

    assert patch(client, target.pk, {"score": 1}).status_code == 404
    assert patch(client, 987654321, {"score": 1}).status_code == 404
    target.refresh_from_db()
    assert target.score is None


def test_a_finished_evaluation_refuses_scores(client, world, setup):
    evaluation = setup["expert"]
    services.evaluation_finish(evaluation=evaluation, by=world.coordinator)
    client.force_login(world.expert)

    response = patch(client, score(evaluation, "1.1 Ц.1").pk, {"score": 1})

    assert response.status_code == 400
    assert response.json() == ["Оценка завершена: её баллы больше не меняются."]


def test_scores_are_read_only_otherwise(client, world, setup):
    client.force_login(world.expert)
    url = reverse("api:score-detail", args=[score(setup["expert"], "1.1 Ц.1").pk])

    assert client.put(url, {"score": 1}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    assert client.post(reverse("api:score-list"), {}).status_code == 405
