"""The evaluation's results as XLSX: positions with their scores, the stored figures, formula-safe."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from directions import services
from directions.models import Direction, Evaluation
from tests.directions.test_evaluation_views import make_catalogue, make_evaluation, make_period, score_of


@pytest.fixture
def year(world):
    period = make_period(2025)
    make_catalogue(world.municipality, period, since=make_period(2024))
    return period


def url(evaluation) -> str:
    return reverse("directions:evaluation_results_xlsx", args=[evaluation.pk])


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def scored(world, year, django_capture_on_commit_callbacks) -> Evaluation:
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = make_evaluation(world, year)
    with django_capture_on_commit_callbacks(execute=True):
        score = score_of(evaluation, "1.1", "Ц.2")
        services.score_set(score=score, by=world.expert, value=Decimal(2), comment='=HYPERLINK("http://x")')
        services.score_set(score=score_of(evaluation, "1.1", "М.1"), by=world.expert, value=Decimal(4))
    evaluation.refresh_from_db()
    return evaluation


def test_the_positions_and_the_figures_are_downloaded(
    client, world, year, django_capture_on_commit_callbacks
):
    evaluation = scored(world, year, django_capture_on_commit_callbacks)
    client.force_login(world.coordinator)
    response = client.get(url(evaluation))
    assert f"evaluation-{world.municipality.slug}-" in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Позиции", "Результаты"]
    positions = list(book["Позиции"].iter_rows(values_only=True))
    assert positions[0][:9] == (
        "Код направления",
        "Направление",
        "Трек",
        "Компонент",
        "Код позиции",
        "Позиция оценивания",
        "Максимум",
        "Балл",
        "Потеряно баллов",
    )
    rows = {(r[0], r[4]): r for r in positions[1:]}
    assert len(rows) == 6
    assert rows["1.1", "Ц.2"][6:9] == (3, 2, 1)
    assert rows["1.1", "Ц.1"][7:9] == (None, 1)  # not scored: all of it lost
    # a typed comment is text, never a formula
    cell = next(c for c in book["Позиции"]["K"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    # directions in order, components in the card's order within a direction
    assert [r[4] for r in positions[1:] if r[0] == "1.1"] == ["Ц.1", "Ц.2", "П.1", "М.1"]
    figures = list(book["Результаты"].iter_rows(values_only=True))
    assert figures[0] == ("Уровень", "Код", "Наименование", "Балл", "Максимум", "Индекс, %")
    assert figures[1][0] == "Муниципалитет" and figures[1][3:5] == (6, 15)
    directions = {r[1]: r for r in figures if r[0] == "Направление"}
    assert directions["1.1"][3:6] == (6, 10, 60)


def test_a_partial_cycle_shows_which_positions_count(client, world, year, django_capture_on_commit_callbacks):
    evaluation = scored(world, year, django_capture_on_commit_callbacks)
    evaluation.partial_directions.add(Direction.objects.get(municipality=world.municipality, code="1.1"))
    client.force_login(world.coordinator)
    positions = list(workbook(client.get(url(evaluation)))["Позиции"].iter_rows(values_only=True))
    rows = {(r[0], r[4]): r for r in positions[1:]}
    assert rows["1.1", "Ц.1"][8:10] == (None, "нет")
    assert rows["1.1", "М.1"][8:10] == (0, "да")


def test_not_yet_computed_gives_the_positions_only(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.expert)
    book = workbook(client.get(url(evaluation)))
    assert book.sheetnames == ["Позиции"]


@pytest.mark.parametrize("who", ["respondent", "head", "outsider"])
def test_others_get_404(client, world, year, who):
    evaluation = make_evaluation(world, year)
    client.force_login(getattr(world, who))
    assert client.get(url(evaluation)).status_code == 404
    assert client.get(reverse("directions:evaluation_results_xlsx", args=[10**9])).status_code == 404


def test_the_results_page_links_the_file(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)
    assert (
        url(evaluation)
        in client.get(reverse("directions:evaluation_results", args=[evaluation.pk])).content.decode()
    )


def test_queries_do_not_grow_with_positions(client, world, year):
    evaluation = make_evaluation(world, year)
    client.force_login(world.coordinator)

    def queries() -> int:
        client.get(url(evaluation))
        with CaptureQueriesContext(connection) as context:
            assert client.get(url(evaluation)).status_code == 200
        return len(context.captured_queries)

    before = queries()
    make_catalogue(world.municipality, year, catalogue={f"3.{n}": [("Ц.1", "goals", 1)] for n in range(1, 9)})
    services.evaluation_open(
        municipality=world.municipality, period=year, kind=evaluation.kind, by=world.coordinator
    )
    assert queries() == before
