"""A small world for the generated API requests: every kind of row the API serves exists, so the ids
schemathesis tries (small integers, the slugs and codes below) reach real rows, not only 404s."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from rest_framework.authtoken.models import Token

from directions import services as direction_services
from directions.models import Block, Direction, Evaluation, Position
from indicators.models import DataElement
from mcok import services as core_services
from mcok.models import Period
from roadmaps import services as roadmap_services
from roadmaps.models import Decision, Event, Meeting, ProjectGroup, Recommendation, Roadmap, Section
from tests.factories import World, make_document, make_official, make_world
from tests.indicators.factories import put
from tests.monitoring.factories import make_campaign, make_submission


@dataclass
class Seeded:
    world: World
    coordinator_token: str
    school_token: str


def _year(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def _directions(world: World, period: Period) -> Direction:
    block, _created = Block.objects.get_or_create(code="2", defaults={"name": "Блок 2"})
    direction = Direction.objects.create(
        municipality=world.municipality, block=block, code="2.3", name="Направление 2.3", valid_from=period
    )
    Position.objects.create(
        municipality=world.municipality,
        period=period,
        direction=direction,
        component="goals",
        code="Ц.1",
        text="Позиция Ц.1",
        max_score=Decimal(2),
    )
    direction_services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )
    return direction


def _roadmaps(world: World, direction: Direction) -> None:
    roadmap = Roadmap.objects.create(
        municipality=world.municipality,
        direction=direction,
        title="Дорожная карта",
        start_year=2024,
        end_year=2026,
        document=make_document(world.municipality),
    )
    section = Section.objects.create(roadmap=roadmap, number="1.", title="Нормативное обеспечение")
    event = Event.objects.create(
        roadmap=roadmap,
        section=section,
        number="1.1.",
        content="Утверждение критериев",
        deadline_text="Июль - август, 2025 г.",
        order=1,
    )
    roadmap_services.event_schedule(event=event)
    group = ProjectGroup.objects.create(municipality=world.municipality, direction=direction, title="ШНОР")
    Meeting.objects.create(group=group, date=datetime.date(2025, 11, 5))
    recommendation = Recommendation.objects.create(
        municipality=world.municipality,
        title="Провести анализ",
        text="Текст рекомендации",
        state=Recommendation.State.ISSUED,
    )
    recommendation.organizations.set([world.school])
    Decision.objects.create(municipality=world.municipality, title="Решение о мерах")


def seed() -> Seeded:
    """The test factories' world with a form, an open collection and the school's draft, a direction
    with an evaluation, indicator figures, a roadmap, a project group and a recommendation."""
    world = make_world()
    make_official(world.municipality)
    campaign = make_campaign(world.municipality, by=world.coordinator)
    make_submission(campaign, world.school, {"teachers": 10}, by=world.respondent)
    answers = {"teachers": 5, "teachers_diagnosed": 3}
    make_submission(campaign, world.other_school, answers, by=world.other_respondent, submit=True)
    for element in DataElement.objects.filter(municipality=world.municipality):
        put(element, world.school, campaign.period, 7, by=world.coordinator)
    direction = _directions(world, _year(2025))
    _roadmaps(world, direction)
    return Seeded(
        world=world,
        coordinator_token=Token.objects.create(user=world.coordinator).key,
        school_token=Token.objects.create(user=world.respondent).key,
    )
