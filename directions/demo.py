"""The directions of the four seeds, the technology card of 000, the municipality's own
self-assessment catalogue, and a cycle and an evaluation under way, so every page shows real work."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from directions import services
from directions.demo_data import BLOCKS, DIRECTIONS, SELF_ASSESSMENT, TECHNOLOGY_CARD
from directions.models import (
    Block,
    CardDuty,
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
from mcok import services as core_services
from mcok.demo import Login, named_login, upsert
from mcok.models import Municipality, Official, Organization, Period, Role, User

CARD_SOURCE = "Приказ №1048 от 05.07.2021, Приложение №2 (технологическая карта)"
CARD_COPY = "По образцу технологической карты Ишимбайского района (приказ №1048 от 05.07.2021, Приложение №2)"
CATALOGUE_SOURCE = "Самооценка муниципалитета по формулировкам технологической карты (не позиции ФИОКО)"
# The cycles of 2025 meet the indicator values, recommendations and decisions of the demo. The goals
# of Ishimbay's 1.1 and 2.3 wait for their executors, so that the named logins can walk the cycle
# (README: «Ответственность по направлениям»).
CYCLE_YEAR = 2025
WAITING = {("ishimbay", "1.1"), ("ishimbay", "2.3")}
EVALUATION_YEARS = (2025, 2026)
State = CycleComponent.State


@transaction.atomic
def load() -> list[Login]:
    blocks = {code: upsert(Block, {"code": code}, {"name": name}) for code, name in BLOCKS.items()}
    logins: list[Login] = []
    for slug, data in DIRECTIONS.items():
        municipality = Municipality.objects.get(slug=slug)
        directions = _load_directions(municipality, data, blocks)
        _load_card(municipality)
        _load_catalogue(municipality, directions)
        _load_cycles(municipality, directions)
        _load_evaluations(municipality)
        logins += _named_logins(municipality)
    return logins


def _named_logins(municipality: Municipality) -> list[Login]:
    """A login for every official the order assigns to a direction: the coordinators act for the
    directions they coordinate and the executors for theirs, whatever the login's role says."""
    duties: dict[Official, dict[str, list[str]]] = {}
    rows = (
        Responsibility.objects.filter(direction__municipality=municipality, official__isnull=False)
        .select_related("official__municipality", "official__user", "direction")
        .order_by("direction__code")
    )
    for row in rows:
        duties.setdefault(row.official, {}).setdefault(row.duty, []).append(row.direction.code)
    logins = []
    for official, held in sorted(duties.items(), key=lambda item: item[0].full_name):
        kind = Role.Kind.COORDINATOR if Duty.COORDINATOR in held else Role.Kind.EXECUTOR
        scope = "; ".join(
            f"{Duty(duty).label.lower()} {', '.join(codes)}" for duty, codes in sorted(held.items())
        )
        logins.append(named_login(official, [kind], scope))
    return logins


def _year(year: int) -> Period:
    core_services.periods_ensure(year=year)
    return Period.objects.get(kind=Period.Kind.YEAR, year=year)


def _load_directions(municipality: Municipality, data: dict, blocks: dict) -> list[Direction]:
    valid_from = _year(data["valid_from"])
    officials = {o.full_name: o for o in Official.objects.filter(municipality=municipality)}
    organizations = {o.short_name: o for o in Organization.objects.filter(municipality=municipality)}
    directions = []
    for item in data["directions"]:
        direction = upsert(
            Direction,
            {"municipality": municipality, "code": item["code"], "valid_from": valid_from},
            {
                "block": blocks[item["block"]],
                "name": item["name"],
                "goal": item["goal"],
                "measures": "\n".join(item["measures"]),
                "source": data["source"],
            },
        )
        for name in item["coordinators"]:
            if name in officials:
                services.assign(direction=direction, duty=Duty.COORDINATOR, official=officials[name])
        for name in item["executors"]:
            if name in officials:
                services.assign(direction=direction, duty=Duty.EXECUTOR, official=officials[name])
        for name in item["executor_organizations"]:
            if name in organizations:
                services.assign(direction=direction, duty=Duty.EXECUTOR, organization=organizations[name])
        directions.append(direction)
    return directions


def _load_card(municipality: Municipality) -> None:
    source = CARD_SOURCE if municipality.slug == "ishimbay" else CARD_COPY
    for row in TECHNOLOGY_CARD:
        upsert(
            CardDuty,
            {"municipality": municipality, "row": row["row"]},
            {
                "title": row["title"],
                "action": row["action"],
                "coordinator": row["coordinator"],
                "executor": row["executor"],
                "operator": row["operator"],
                "source": source,
            },
        )


def _load_catalogue(municipality: Municipality, directions: list[Direction]) -> None:
    for year in EVALUATION_YEARS:
        period = _year(year)
        existing = set(
            Position.objects.filter(municipality=municipality, period=period).values_list(
                "direction_id", "code"
            )
        )
        Position.objects.bulk_create(
            Position(
                municipality=municipality,
                period=period,
                direction=direction,
                component=item["component"],
                code=item["code"],
                text=item["text"],
                max_score=Decimal(item["max"]),
                source=CATALOGUE_SOURCE,
            )
            for direction in directions
            for item in SELF_ASSESSMENT
            if (direction.pk, item["code"]) not in existing
        )


def _progress(direction: Direction) -> int:
    """How far the demo cycle of a direction has gone: a stable number from its code, 0 to 8; -1 for
    the directions whose cycle waits for its executors."""
    if (direction.municipality.slug, direction.code) in WAITING:
        return -1  # nothing started
    return int(hashlib.sha256(f"{direction.municipality_id}:{direction.code}".encode()).hexdigest(), 16) % 9


def _load_cycles(municipality: Municipality, directions: list[Direction]) -> None:
    period = _year(CYCLE_YEAR)
    admin = User.objects.get(username="admin")
    for direction in directions:
        if Cycle.objects.filter(direction=direction, period=period).exists():
            continue
        cycle = services.cycle_open(direction=direction, period=period, by=admin)
        items = list(cycle.components.order_by("pk"))
        done = _progress(direction)
        for index, item in enumerate(items):
            # The first components are further on: published, approved, drafted, then not started.
            steps = [State.DRAFTED, State.APPROVED, State.PUBLISHED][: max(0, min(3, done - index + 1))]
            previous = State.NOT_STARTED
            for state in steps:
                Transition.objects.create(component=item, from_state=previous, to_state=state, by=admin)
                previous = state
            if steps:
                item.state = previous
                item.content = "Демонстрационный текст: проект документа по компоненту цикла."
                item.changed_by = admin
                item.changed_at = timezone.now()
                item.save()
            if index == 0 and done <= 0:
                item.due_on = period.starts_on.replace(month=3, day=1)  # overdue: the matrix shows it
                item.save()


def _demo_score(position: Position) -> Decimal:
    digest = int(
        hashlib.sha256(
            f"{position.period.year}:{position.direction.code}:{position.code}".encode()
        ).hexdigest(),
        16,
    )
    return Decimal(digest % (int(position.max_score) + 1))


def _load_evaluations(municipality: Municipality) -> None:
    admin = User.objects.get(username="admin")
    for year in EVALUATION_YEARS:
        period = _year(year)
        if Evaluation.objects.filter(
            municipality=municipality, period=period, kind=Evaluation.Kind.SELF
        ).exists():
            continue
        evaluation = services.evaluation_open(
            municipality=municipality, period=period, kind=Evaluation.Kind.SELF, by=admin
        )
        scores = list(
            Score.objects.filter(evaluation=evaluation).select_related(
                "position__period", "position__direction"
            )
        )
        finished = year < EVALUATION_YEARS[-1]
        for index, score in enumerate(scores):
            if finished or index % 3:  # this year's evaluation is two-thirds scored
                score.score = _demo_score(score.position)
                score.scored_by = admin
                score.scored_at = timezone.now()
        Score.objects.bulk_update(scores, ["score", "scored_by", "scored_at"])
        if finished:
            services.evaluation_finish(evaluation=evaluation, by=admin)
        else:
            services.evaluation_compute(evaluation=evaluation)
