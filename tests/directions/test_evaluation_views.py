"""The evaluation pages: the list, the scoring sheet, partial cycles, finishing, the results.

A small catalogue with uneven maxima, so that a ratio of sums and a mean of percentages differ:
direction 1.1 (block 1): Ц.1 goals /1, Ц.2 goals /3, П.1 indicators /2, М.1 measures /4 — 10 points;
direction 2.1 (block 2): Ц.1 goals /5, МС.1 methods /0 — 5 points.
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directions import services
from directions.models import Block, Direction, Evaluation, LevelBand, Position, Score
from mcok import services as core_services
from mcok.models import Period, Role
from tests.factories import make_user_with_role

CATALOGUE = {
    "1.1": [("Ц.1", "goals", 1), ("Ц.2", "goals", 3), ("П.1", "indicators", 2), ("М.1", "measures", 4)],
    "2.1": [("Ц.1", "goals", 5), ("МС.1", "methods", 0)],
}


# Factories ----------------------------------------------------------------------------------------


def make_period(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def make_direction(municipality, code: str, *, valid_from: Period, name: str | None = None) -> Direction:
    block_code = code.split(".")[0]
    block, _created = Block.objects.get_or_create(code=block_code, defaults={"name": f"Блок {block_code}"})
    return Direction.objects.create(
        municipality=municipality,
        block=block,
        code=code,
        name=name or f"Направление {code}",
        valid_from=valid_from,
    )


def make_catalogue(municipality, period: Period, *, since: Period | None = None, catalogue=None) -> dict:
    """The directions (found or made, in force since `since`) and their positions for the period."""
    positions = {}
    for code, items in (catalogue or CATALOGUE).items():
        direction = Direction.objects.filter(municipality=municipality, code=code).first() or make_direction(
            municipality, code, valid_from=since or period
        )
        for position_code, component, maximum in items:
            positions[code, position_code] = Position.objects.create(
                municipality=municipality,
                period=period,
                direction=direction,
                component=component,
                code=position_code,
                text=f"Позиция {code} {position_code}",
                max_score=Decimal(maximum),
            )
    return positions


def make_evaluation(world, period: Period, *, kind: str = Evaluation.Kind.SELF) -> Evaluation:
    return services.evaluation_open(
        municipality=world.municipality, period=period, kind=kind, by=world.coordinator
    )


def score_of(evaluation: Evaluation, direction: str, code: str) -> Score:
    return Score.objects.select_related("position").get(
        evaluation=evaluation, position__direction__code=direction, position__code=code
    )


def sheet_url(evaluation: Evaluation, direction: str = "1.1") -> str:
    return f"{reverse('directions:evaluation', args=[evaluation.pk])}?direction={direction}"


def sheet_data(
    client, evaluation: Evaluation, direction: str, values: dict[str, str], *, why: str = ""
) -> dict[str, str]:
    """What the browser sends from the sheet: every row as the page showed it, with `values`
    (position code → the text typed in the score box) changed, and `why` written in their comment
    (a self-assessment's score other than the portal's proposal needs one)."""
    response = client.get(sheet_url(evaluation, direction))
    assert response.status_code == 200
    data = {}
    for group in response.context["groups"]:
        for form in group.forms:
            for name in ("score", "comment", "evidence", "version"):
                data[form.add_prefix(name)] = form.initial[name]
            if form.position.code in values:
                data[form.add_prefix("score")] = values[form.position.code]
                if why:
                    data[form.add_prefix("comment")] = why
    return data


def stored_scores(evaluation: Evaluation) -> dict[str, Decimal | None]:
    return {
        f"{s.position.direction.code} {s.position.code}": s.score
        for s in Score.objects.filter(evaluation=evaluation).select_related("position__direction")
    }


@pytest.fixture
def year(world) -> Period:
    period = make_period(2025)
    make_catalogue(world.municipality, period, since=make_period(2024))
    return period


# The sheet ----------------------------------------------------------------------------------------


def test_scoring_through_the_sheet_stores_the_hand_computed_results(
    client, world, year, django_capture_on_commit_callbacks
):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)  # a self-assessment: coordinators score it too
    data = sheet_data(
        client, evaluation, "1.1", {"Ц.1": "1", "Ц.2": "2", "П.1": "1,5", "М.1": "4"}, why="По документам"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sheet_url(evaluation), data)

    assert response.status_code == 302
    assert response.url == sheet_url(evaluation)
    assert stored_scores(evaluation) == {
        "1.1 Ц.1": Decimal("1.00"),
        "1.1 Ц.2": Decimal("2.00"),
        "1.1 П.1": Decimal("1.50"),
        "1.1 М.1": Decimal("4.00"),
        "2.1 Ц.1": None,
        "2.1 МС.1": None,
    }
    assert score_of(evaluation, "1.1", "П.1").scored_by == world.coordinator
    evaluation.refresh_from_db()
    # 8.5 of 10 in 1.1, 0 of 5 in 2.1: the total is 8.5 / 15 = 56.7 %, not the mean (85 + 0) / 2.
    assert evaluation.results["total"] == {"score": 8.5, "max": 15, "percent": 56.7}
    assert evaluation.results["directions"]["1.1"] == {"score": 8.5, "max": 10, "percent": 85.0}
    assert evaluation.results["blocks"]["2"] == {"score": 0, "max": 5, "percent": 0.0}
    assert evaluation.results["components"]["1.1"]["goals"] == {"score": 3, "max": 4, "percent": 75.0}
    assert evaluation.results["components"]["2.1"]["methods"] == {"score": 0, "max": 0, "percent": None}


def test_an_expert_scores_an_expert_evaluation(client, world, year, django_capture_on_commit_callbacks):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    client.force_login(world.expert)
    data = sheet_data(client, evaluation, "2.1", {"Ц.1": "5"})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sheet_url(evaluation, "2.1"), data)

    assert response.status_code == 302
    assert score_of(evaluation, "2.1", "Ц.1").score == Decimal(5)
    evaluation.refresh_from_db()
    assert evaluation.results["total"] == {"score": 5, "max": 15, "percent": 33.3}


def test_a_coordinator_cannot_score_an_expert_evaluation(client, world, year):
    evaluation = make_evaluation(world, year, kind=Evaluation.Kind.EXPERT)
    client.force_login(world.coordinator)

    page = client.get(sheet_url(evaluation))
    assert page.status_code == 200
    assert not page.context["may_score"]
    assert 'inputmode="decimal"' not in page.content.decode()
    data = sheet_data(client, evaluation, "1.1", {"Ц.1": "1"})
    response = client.post(sheet_url(evaluation), data, follow=True)

    assert response.redirect_chain == [(sheet_url(evaluation), 302)]
    assert "Вы не можете выставлять баллы в этой оценке." in response.content.decode()
    assert set(stored_scores(evaluation).values()) == {None}


@pytest.mark.parametrize("who", ["expert elsewhere", "outsider", "outsider_school", "respondent"])
def test_others_get_404_on_the_sheet_and_the_results_alike_for_absent(client, world, year, who):
    evaluation = make_evaluation(world, year)
    user = (
        make_user_with_role(Role.Kind.EXPERT, municipality=world.elsewhere)
        if who == "expert elsewhere"
        else getattr(world, who)
    )
    client.force_login(user)

    for name in ("directions:evaluation", "directions:evaluation_results"):
        assert client.get(reverse(name, args=[evaluation.pk])).status_code == 404
        assert client.get(reverse(name, args=[987654])).status_code == 404
    for name in ("directions:evaluation_finish", "directions:evaluation_partial"):
        assert client.post(reverse(name, args=[evaluation.pk])).status_code == 404
    data = {f"s{score.pk}-score": "1" for score in Score.objects.filter(evaluation=evaluation)}
    assert client.post(sheet_url(evaluation), data).status_code == 404
    assert set(stored_scores(evaluation).values()) == {None}
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.OPEN


def test_a_score_above_the_maximum_is_refused_and_no_row_of_the_post_is_saved(client, world, year):
    """All or nothing: one wrong row keeps every row of the POST unsaved, and the page shows every
    value typed, each wrong row with its own message."""
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    data = sheet_data(
        client, evaluation, "1.1", {"Ц.1": "1", "Ц.2": "4", "П.1": "-1", "М.1": "много"}, why="По документам"
    )

    response = client.post(sheet_url(evaluation), data)

    assert response.status_code == 200
    assert set(stored_scores(evaluation).values()) == {None}
    body = response.content.decode()
    assert "Балл не может быть больше максимума 3." in body
    assert "Балл не может быть отрицательным." in body
    assert "Введите число, например 2 или 1,5." in body
    assert "Ничего не сохранено: исправьте отмеченные строки и сохраните снова." in body
    ц1 = score_of(evaluation, "1.1", "Ц.1")
    ц2 = score_of(evaluation, "1.1", "Ц.2")
    assert f'name="s{ц1.pk}-score" id="id_s{ц1.pk}-score" value="1"' in body  # kept, though not saved
    assert f'name="s{ц2.pk}-score" id="id_s{ц2.pk}-score" value="4"' in body
    assert f'aria-describedby="id_s{ц2.pk}-score-error"' in body
    assert body.count('class="has-error"') == 3


def test_more_than_two_decimals_is_refused(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    data = sheet_data(client, evaluation, "1.1", {"П.1": "1,255"})

    response = client.post(sheet_url(evaluation), data)

    assert response.status_code == 200
    assert "Не больше двух знаков после запятой." in response.content.decode()
    assert score_of(evaluation, "1.1", "П.1").score is None


def test_a_row_changed_by_someone_else_meanwhile_is_not_overwritten(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    data = sheet_data(client, evaluation, "1.1", {"Ц.1": "0", "Ц.2": "3"})
    # The expert saves Ц.1 and Ц.2 while the coordinator's page is open.
    services.score_set(score=score_of(evaluation, "1.1", "Ц.1"), by=world.expert, value=Decimal(1))
    services.score_set(score=score_of(evaluation, "1.1", "Ц.2"), by=world.expert, value=Decimal(1))
    data[f"s{score_of(evaluation, '1.1', 'Ц.2').pk}-score"] = ""  # as the page showed it: untouched

    response = client.post(sheet_url(evaluation), data)

    assert response.status_code == 200  # Ц.1 collides: nothing saved
    assert score_of(evaluation, "1.1", "Ц.1").score == Decimal(1)
    assert score_of(evaluation, "1.1", "Ц.2").score == Decimal(1)
    assert "«1»" in response.content.decode()
    # The page now carries the new fingerprint: saving again is a deliberate overwrite.
    again = dict(response.context["groups"][0].forms[0].data.items())
    response = client.post(sheet_url(evaluation), again)
    assert response.status_code == 302
    assert score_of(evaluation, "1.1", "Ц.1").score == Decimal(0)
    assert score_of(evaluation, "1.1", "Ц.2").score == Decimal(1)  # untouched row kept the expert's score


def test_an_unchanged_post_saves_nothing(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    data = sheet_data(client, evaluation, "1.1", {})

    response = client.post(sheet_url(evaluation), data)

    assert response.status_code == 302
    assert not Score.objects.filter(evaluation=evaluation, scored_by__isnull=False).exists()


def test_comment_and_evidence_are_saved_with_the_score(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    data = sheet_data(client, evaluation, "1.1", {"Ц.1": "1"})
    score = score_of(evaluation, "1.1", "Ц.1")
    data[f"s{score.pk}-comment"] = "  Приказ утверждён.\r\nОпубликован.  "
    data[f"s{score.pk}-evidence"] = "https://example.org/prikaz.pdf"

    assert client.post(sheet_url(evaluation), data).status_code == 302

    score.refresh_from_db()
    assert (score.score, score.comment, score.evidence) == (
        Decimal(1),
        "Приказ утверждён.\nОпубликован.",
        "https://example.org/prikaz.pdf",
    )


def test_a_finished_evaluation_is_read_only(client, world, year):
    evaluation = make_evaluation(world, year)
    services.evaluation_finish(evaluation=evaluation, by=world.coordinator)
    client.force_login(world.coordinator)

    page = client.get(sheet_url(evaluation))
    assert not page.context["may_score"] and not page.context["may_manage"]
    data = {f"s{score_of(evaluation, '1.1', 'Ц.1').pk}-score": "1"}
    assert client.post(sheet_url(evaluation), data).status_code == 302
    assert set(stored_scores(evaluation).values()) == {None}


def test_the_sheet_shows_one_direction_by_components_and_404_for_an_unknown_one(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.expert)

    response = client.get(sheet_url(evaluation, "1.1"))
    groups = response.context["groups"]
    assert [group.component for group in groups] == ["goals", "indicators", "measures"]
    assert [[form.position.code for form in group.forms] for group in groups] == [
        ["Ц.1", "Ц.2"],
        ["П.1"],
        ["М.1"],
    ]
    assert response.context["next_direction"].code == "2.1"
    assert client.get(sheet_url(evaluation, "9.9")).status_code == 404
    default = client.get(reverse("directions:evaluation", args=[evaluation.pk]))
    assert default.context["current"].code == "1.1"


def test_sheet_queries_do_not_grow_with_positions(client, world):
    period = make_period(2025)

    def queries_for(count: int, municipality) -> int:
        catalogue = {"1.1": [(f"Ц.{n}", "goals", 2) for n in range(count)]}
        make_catalogue(municipality, period, catalogue=catalogue)
        evaluation = services.evaluation_open(
            municipality=municipality, period=period, kind=Evaluation.Kind.SELF, by=user
        )
        with CaptureQueriesContext(connection) as context:
            assert client.get(sheet_url(evaluation)).status_code == 200
        return len(context.captured_queries)

    from tests.factories import make_municipality

    user = make_user_with_role(Role.Kind.ADMINISTRATOR)  # the instance's administrator
    client.force_login(user)
    assert queries_for(3, make_municipality()) == queries_for(30, make_municipality())


# Opening, partial cycles, finishing ---------------------------------------------------------------


def test_a_coordinator_opens_an_evaluation_with_a_score_per_position(client, world, year):
    client.force_login(world.coordinator)

    response = client.post(
        reverse("directions:evaluation_open"),
        {"municipality": world.municipality.slug, "period": year.code, "kind": Evaluation.Kind.EXPERT},
    )

    evaluation = Evaluation.objects.get(
        municipality=world.municipality, period=year, kind=Evaluation.Kind.EXPERT
    )
    assert response.url == reverse("directions:evaluation", args=[evaluation.pk])
    assert Score.objects.filter(evaluation=evaluation).count() == 6
    assert evaluation.created_by == world.coordinator


def test_opening_an_existing_evaluation_adds_nothing_to_it(client, world, year):
    evaluation = make_evaluation(world, year)
    services.evaluation_finish(evaluation=evaluation, by=world.coordinator)
    make_catalogue(world.municipality, year, catalogue={"1.1": [("Н.1", "goals", 1)]})
    client.force_login(world.coordinator)

    response = client.post(
        reverse("directions:evaluation_open"),
        {"municipality": world.municipality.slug, "period": year.code, "kind": Evaluation.Kind.SELF},
    )

    assert response.url == reverse("directions:evaluation", args=[evaluation.pk])
    assert Score.objects.filter(evaluation=evaluation).count() == 6  # the finished one keeps its positions


@pytest.mark.parametrize("actor", ["expert", "executor", "outsider"])
def test_only_managers_open_evaluations(client, world, year, actor):
    client.force_login(getattr(world, actor))

    page = client.get(reverse("directions:evaluations"))
    response = client.post(
        reverse("directions:evaluation_open"),
        {"municipality": world.municipality.slug, "period": year.code, "kind": Evaluation.Kind.SELF},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert not Evaluation.objects.filter(municipality=world.municipality).exists()
    if actor != "outsider":  # the outsider keeps its own municipality: it has the form, not for this one
        assert page.context["form"] is None


def test_partial_cycles_count_the_managerial_components_only(
    client, world, year, django_capture_on_commit_callbacks
):
    evaluation = make_evaluation(world, year)
    for code, value in (("Ц.1", 1), ("М.1", 3)):
        services.score_set(score=score_of(evaluation, "1.1", code), by=world.expert, value=Decimal(value))
    direction = Direction.objects.get(municipality=world.municipality, code="1.1")
    client.force_login(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directions:evaluation_partial", args=[evaluation.pk]), {"direction": [direction.pk]}
        )

    assert response.status_code == 302
    assert list(evaluation.partial_directions.all()) == [direction]
    evaluation.refresh_from_db()
    assert evaluation.results["directions"]["1.1"] == {"score": 3, "max": 4, "percent": 75.0}
    assert evaluation.results["total"] == {"score": 3, "max": 9, "percent": 33.3}
    assert client.get(sheet_url(evaluation)).context["current"].partial


def test_the_expert_cannot_mark_partial_cycles_or_finish(client, world, year):
    evaluation = make_evaluation(world, year)
    direction = Direction.objects.get(municipality=world.municipality, code="1.1")
    client.force_login(world.expert)

    client.post(reverse("directions:evaluation_partial", args=[evaluation.pk]), {"direction": [direction.pk]})
    client.post(reverse("directions:evaluation_finish", args=[evaluation.pk]))

    evaluation.refresh_from_db()
    assert not evaluation.partial_directions.exists()
    assert evaluation.state == Evaluation.State.OPEN


def test_finishing_stores_the_results_and_closes_the_sheet(client, world, year):
    evaluation = make_evaluation(world, year)
    services.score_set(score=score_of(evaluation, "2.1", "Ц.1"), by=world.expert, value=Decimal(4))
    client.force_login(world.coordinator)

    response = client.post(reverse("directions:evaluation_finish", args=[evaluation.pk]))

    assert response.url == reverse("directions:evaluation_results", args=[evaluation.pk])
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.FINISHED
    assert evaluation.results["total"] == {"score": 4, "max": 15, "percent": 26.7}
    again = client.post(reverse("directions:evaluation_finish", args=[evaluation.pk]), follow=True)
    assert "Оценка уже завершена." in again.content.decode()


# The list -----------------------------------------------------------------------------------------


def test_the_list_shows_the_stored_total_and_only_visible_evaluations(client, world, year):
    evaluation = make_evaluation(world, year)
    services.score_set(score=score_of(evaluation, "1.1", "Ц.2"), by=world.expert, value=Decimal(3))
    services.evaluation_compute(evaluation=evaluation)  # 3 of 15 = 20 %
    other_period = make_period(2025)
    make_catalogue(world.elsewhere, other_period)
    foreign = services.evaluation_open(
        municipality=world.elsewhere, period=other_period, kind=Evaluation.Kind.SELF, by=world.outsider
    )
    client.force_login(world.expert)

    response = client.get(reverse("directions:evaluations"))

    rows = response.context["rows"]
    assert [(row[0].pk, row[1]) for row in rows] == [(evaluation.pk, "20,0")]
    assert foreign.pk not in [row[0].pk for row in rows]


def test_the_list_queries_do_not_grow_with_evaluations(client, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("directions:evaluations")).status_code == 200
        return len(context.captured_queries)

    client.force_login(world.coordinator)
    for year in (2020, 2021):
        period = make_period(year)
        make_catalogue(world.municipality, period, since=make_period(2020))
        make_evaluation(world, period)
    few = queries()
    for year in (2022, 2023, 2024, 2025):
        period = make_period(year)
        make_catalogue(world.municipality, period)
        make_evaluation(world, period)
        make_evaluation(world, period, kind=Evaluation.Kind.EXPERT)
    assert queries() == few


# The results --------------------------------------------------------------------------------------


def scored_2025(world, year) -> Evaluation:
    evaluation = make_evaluation(world, year)
    for code, value in (("Ц.1", "1"), ("Ц.2", "2"), ("П.1", "1.5"), ("М.1", "4")):
        services.score_set(score=score_of(evaluation, "1.1", code), by=world.expert, value=Decimal(value))
    services.evaluation_compute(evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation


def test_results_show_stored_figures_dashes_and_the_change_since_last_year(client, world, year):
    last_year = make_period(2024)
    make_catalogue(world.municipality, last_year)
    previous = make_evaluation(world, last_year)
    for code in ("Ц.1", "Ц.2", "П.1", "М.1"):
        score = score_of(previous, "1.1", code)
        services.score_set(score=score, by=world.expert, value=score.position.max_score)
    services.evaluation_compute(evaluation=previous)  # 1.1: 100 %, 2.1: 0 %, total 10 / 15 = 66.7 %
    evaluation = scored_2025(world, year)  # 1.1: 85 %, 2.1: 0 %, total 56.7 %
    client.force_login(world.expert)

    response = client.get(reverse("directions:evaluation_results", args=[evaluation.pk]))

    assert response.status_code == 200
    context = response.context
    assert context["previous"] == previous
    assert context["total_percent"] == "56,7 %"
    assert (context["total"].score, context["total"].max, context["total"].percent) == ("8,5", "15", "56,7")
    assert context["total"].difference == "−10,0"
    block1, block2 = context["blocks"]
    assert (block1.line.percent, block1.line.difference) == ("85,0", "−15,0")
    assert (block2.line.percent, block2.line.difference) == ("0,0", "0,0")
    (direction,) = block1.directions
    assert (direction.code, direction.score, direction.max, direction.percent) == ("1.1", "8,5", "10", "85,0")
    assert [(c.name, c.score, c.max, c.percent) for c in direction.components] == [
        ("Цели", "3", "4", "75,0"),
        ("Показатели", "1,5", "2", "75,0"),
        ("Меры, мероприятия", "4", "4", "100,0"),
    ]
    methods = block2.directions[0].components[1]
    assert (methods.name, methods.score, methods.max, methods.percent) == (
        "Методы сбора и обработки информации",
        "0",
        "0",
        "—",
    )
    body = response.content.decode()
    assert re.search(
        r'2\.1: </span>Методы сбора и обработки информации</th>\s*<td class="number">0</td>\s*'
        r'<td class="number">0</td>\s*<td class="number">—</td>',
        body,
    )
    assert "−15,0" in body and "−10,0" in body
    assert "<svg" in body and 'role="img"' in body
    assert "1.1 Направление 1.1: 85,0 %" in body  # the chart's description


def test_results_are_read_as_stored_never_recomputed(client, world, year):
    evaluation = scored_2025(world, year)
    # A score changed behind the results' back (no recompute): the page keeps the stored figures.
    Score.objects.filter(evaluation=evaluation, position__code="Ц.1", position__direction__code="2.1").update(
        score=Decimal(5)
    )
    client.force_login(world.coordinator)

    response = client.get(reverse("directions:evaluation_results", args=[evaluation.pk]))

    assert response.context["total"].percent == "56,7"


def test_results_explain_the_lost_points_by_direction_and_component(client, world, year):
    evaluation = scored_2025(world, year)
    client.force_login(world.coordinator)

    explanation = client.get(reverse("directions:evaluation_results", args=[evaluation.pk])).context[
        "explanation"
    ]

    assert [(d.code, d.lost) for d in explanation] == [("1.1", "1,5"), ("2.1", "5")]
    first = explanation[0]
    assert [(c.label, c.lost) for c in first.components] == [("Цели", "1"), ("Показатели", "0,5")]
    assert [(p.code, p.score, p.max, p.lost) for p in first.components[0].positions] == [
        ("Ц.2", "2", "3", "1")
    ]
    not_scored = explanation[1].components[0].positions[0]
    assert (not_scored.code, not_scored.score, not_scored.lost) == ("Ц.1", "не оценена", "5")
    assert not_scored.text == "Позиция 2.1 Ц.1"


def test_results_not_computed_yet(client, world, year):
    evaluation = make_evaluation(world, year)  # the computation waits for the commit, which never comes here
    client.force_login(world.coordinator)

    response = client.get(reverse("directions:evaluation_results", args=[evaluation.pk]))

    assert response.status_code == 200
    assert response.context["results"] is None
    assert "Результаты ещё не рассчитаны." in response.content.decode()


def test_results_show_the_level_from_the_region_bands(client, world, year):
    world.municipality.region = "Республика Башкортостан"
    world.municipality.save()
    for bound, label in ((0, "низкий"), (50, "средний"), (80, "высокий")):
        LevelBand.objects.create(
            region="Республика Башкортостан", period=year, lower_percent=bound, label=label
        )
    LevelBand.objects.create(region="Другой регион", period=year, lower_percent=0, label="чужой")
    evaluation = scored_2025(world, year)
    client.force_login(world.coordinator)

    context = client.get(reverse("directions:evaluation_results", args=[evaluation.pk])).context

    assert context["has_levels"]
    assert context["total"].level == "средний"  # 56.7 %
    assert context["blocks"][0].directions[0].level == "высокий"  # 85 %
    assert context["blocks"][1].line.level == "низкий"  # 0 %


def test_no_level_without_bands(client, world, year):
    evaluation = scored_2025(world, year)
    client.force_login(world.coordinator)

    context = client.get(reverse("directions:evaluation_results", args=[evaluation.pk])).context

    assert not context["has_levels"]
    assert context["total"].level == ""


def test_the_period_choices_are_the_municipalitys_periods_by_year_opening_on_the_catalogue(client, world):
    """The open form, the catalogue's filter and the import offer the periods the municipality uses
    (mcok.periods), grouped by year, and open on the latest period with a catalogue."""
    make_period(2013)  # a year the municipality never used
    catalogue_year = make_period(2024)
    make_catalogue(world.municipality, catalogue_year)
    client.force_login(world.coordinator)
    pages = [
        reverse("directions:evaluations"),
        reverse("directions:positions") + f"?municipality={world.municipality.slug}",
        reverse("directions:positions_import") + f"?municipality={world.municipality.slug}",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert '<optgroup label="2024">' in html, url
        assert '<option value="2024" selected>' in html, url
        assert 'value="2013"' not in html, url


def test_the_catalogue_sorts_by_its_headers_codes_in_natural_order(client, world):
    period = make_period(2025)
    catalogue = {"1.10": [("П.10", "indicators", 1)], "1.2": [("П.9", "goals", 2), ("П.2", "measures", 3)]}
    make_catalogue(world.municipality, period, catalogue=catalogue)
    client.force_login(world.coordinator)
    url = reverse("directions:positions")
    query = {"municipality": world.municipality.slug, "period": period.code}
    codes = ["Позиция 1.10 П.10", "Позиция 1.2 П.9", "Позиция 1.2 П.2"]
    body = client.get(url, {**query, "sort": "code"}).content.decode()
    assert sorted(codes, key=body.index) == ["Позиция 1.2 П.2", "Позиция 1.2 П.9", "Позиция 1.10 П.10"]
    assert 'aria-sort="ascending"' in body and "sort=-code" in body
    body = client.get(url, {**query, "sort": "-code"}).content.decode()
    assert sorted(codes, key=body.index) == ["Позиция 1.10 П.10", "Позиция 1.2 П.9", "Позиция 1.2 П.2"]
    body = client.get(url, {**query, "sort": "direction"}).content.decode()
    assert sorted(codes, key=body.index)[-1] == "Позиция 1.10 П.10"  # 1.2 before 1.10
    body = client.get(url, {**query, "sort": "-max"}).content.decode()
    assert sorted(codes, key=body.index) == ["Позиция 1.2 П.2", "Позиция 1.2 П.9", "Позиция 1.10 П.10"]
    assert "sort=component" in body and "sort=text" in body and "sort=track" in body
