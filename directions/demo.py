"""The directions of the four seeds, the technology card of 000, the municipality's own
self-assessment catalogue, and a cycle and an evaluation under way, so every page shows real work."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from directions import services
from directions.demo_data import (
    BLOCKS,
    CYCLE_TEXTS,
    DIRECTIONS,
    DRAFTED_STATES,
    SELF_ASSESSMENT,
    TECHNOLOGY_CARD,
    WAITING_STATES,
)
from directions.models import (
    Block,
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
from mcok import names
from mcok import services as core_services
from mcok.demo import Login, named_login, upsert
from mcok.models import Municipality, Official, Organization, Period, Role, User

CARD_SOURCE = "Приказ №1048 от 05.07.2021, Приложение №2 (технологическая карта)"
CARD_COPY = "По образцу технологической карты Ишимбайского района (приказ №1048 от 05.07.2021, Приложение №2)"
CATALOGUE_SOURCE = "Самооценка муниципалитета по формулировкам технологической карты (не позиции ФИОКО)"
# The cycles of 2025 meet the indicator values, collections, recommendations and decisions of the
# demo. The goals of Ishimbay's 1.1 and 2.3 wait for their executors, so that the named logins can walk
# the cycle (README: «Ответственность по направлениям»).
CYCLE_YEAR = 2025
WAITING = set(WAITING_STATES)
# A finished self-assessment of each year; Ishimbay's of 2025 is under way, 2.3 not yet scored (the
# portal proposes its scores from the evidence).
EVALUATION_YEARS = (2024, 2025)
OPEN_EVALUATIONS = {("ishimbay", 2025): "2.3"}
# The text of the earlier demo's components, replaced on a rerun: nothing placeholder stays.
PLACEHOLDER = "Демонстрационный текст: проект документа по компоненту цикла."
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
        logins += _named_logins(municipality)  # before the cycles: the people named move them
        _load_cycles(municipality, directions)
        _load_evaluations(municipality)
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
    # the names as the order writes them, matched through mcok.names
    index = names.NameIndex(
        Official.objects.filter(municipality=municipality),
        Organization.objects.filter(municipality=municipality),
    )
    directions = []
    for item in data["directions"]:
        direction = upsert(
            Direction,
            {"municipality": municipality, "code": item["code"], "valid_from": valid_from},
            {
                "block": blocks[item["block"]],
                "block_name": data.get("block_names", {}).get(item["block"], ""),
                "name": item["name"],
                "goal": item["goal"],
                "measures": "\n".join(item["measures"]),
                "source": data["source"],
            },
        )
        for name in item["coordinators"]:
            if official := index.official(name):
                services.assign(direction=direction, duty=Duty.COORDINATOR, official=official)
        for name in item["executors"]:
            if official := index.official(name):
                services.assign(direction=direction, duty=Duty.EXECUTOR, official=official)
        for name in item["executor_organizations"]:
            if organization := index.organization(name):
                services.assign(direction=direction, duty=Duty.EXECUTOR, organization=organization)
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
    return int(hashlib.sha256(f"{direction.municipality.slug}:{direction.code}".encode()).hexdigest(), 16) % 9


def demo_state(direction: Direction, component: str) -> str:
    """The state the demo gives a component that has a text: the first components further on
    (published, approved, drafted), the later ones not started; the waiting cycles as WAITING_STATES
    says."""
    key = (direction.municipality.slug, direction.code)
    waiting = WAITING_STATES.get(key, DRAFTED_STATES.get(key))
    if waiting is not None:
        return waiting.get(component, State.NOT_STARTED)
    index = list(Component.values).index(component)
    steps = max(0, min(3, _progress(direction) - index + 1))
    return [State.NOT_STARTED, State.DRAFTED, State.APPROVED, State.PUBLISHED][steps]


def _movers(direction: Direction, period: Period) -> dict[str, User]:
    """Who moves the demo components into each state, as the card says: an executor of the direction
    drafts, its coordinator approves, the operator publishes (the municipality's role logins where
    the order names nobody with a login)."""
    slug = direction.municipality.slug

    def named(duty: str, fallback: str) -> User:
        officials = sorted(
            (r.official for r in direction.holders(duty, period) if r.official_id and r.official.user_id),
            key=lambda o: o.full_name,
        )
        return officials[0].user if officials else User.objects.get(username=f"{slug}-{fallback}")

    return {
        State.DRAFTED: named(Duty.EXECUTOR, "executor"),
        State.APPROVED: named(Duty.COORDINATOR, "chief"),
        State.PUBLISHED: User.objects.get(username=f"{slug}-operator"),
    }


def component_write(
    item: CycleComponent, text: str, state: str, movers: dict[str, User] | None = None
) -> None:
    """Give a demo component its text and walk it to `state` (each step a transition by the person
    whose duty it is). A component someone has moved or written since is left as it is, except the
    placeholder of the earlier demo, which gives way to the text."""
    if item.content == PLACEHOLDER:
        item.content = text
        item.save(update_fields=["content"])
        return
    if item.state != State.NOT_STARTED or item.content:
        return
    steps = [State.DRAFTED, State.APPROVED, State.PUBLISHED]
    steps = steps[: steps.index(state) + 1] if state in steps else []
    if steps and movers is None:
        movers = _movers(item.cycle.direction, item.cycle.period)
    previous = State.NOT_STARTED
    for to_state in steps:
        Transition.objects.create(component=item, from_state=previous, to_state=to_state, by=movers[to_state])
        previous = to_state
    item.state = previous
    item.content = text
    if steps:
        item.changed_by = movers[previous]
        item.changed_at = timezone.now()
    item.save()


def _texts(direction: Direction) -> dict[str, str]:
    """The components' texts the seeds give the direction: its goal, its main measures and, where the
    seed writes the whole programme, the programme's sections."""
    texts = {}
    if direction.goal:
        texts[Component.GOALS] = direction.goal
    if direction.measures:
        texts[Component.MEASURES] = "\n".join(f"— {line}" for line in direction.measure_list)
    texts.update(CYCLE_TEXTS.get((direction.municipality.slug, direction.code), {}))
    return texts


def _load_cycles(municipality: Municipality, directions: list[Direction]) -> None:
    period = _year(CYCLE_YEAR)
    admin = User.objects.get(username="admin")
    for direction in directions:
        opened = Cycle.objects.filter(direction=direction, period=period).first()
        cycle = opened or services.cycle_open(direction=direction, period=period, by=admin)
        items = {item.component: item for item in cycle.components.select_related("cycle__period")}
        movers = _movers(direction, period)
        for component, text in _texts(direction).items():
            component_write(items[component], text, demo_state(direction, component), movers)
        for item in items.values():
            if item.content == PLACEHOLDER:  # the earlier demo's text, with nothing of the seeds for it
                item.content = ""
                item.save(update_fields=["content"])
        goals = items[Component.GOALS]
        if opened is None and goals.state == State.NOT_STARTED and _progress(direction) <= 0:
            goals.due_on = period.starts_on.replace(month=3, day=1)  # overdue: the matrix shows it
            goals.save(update_fields=["due_on"])


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
        unscored = OPEN_EVALUATIONS.get((municipality.slug, year))
        for score in scores:
            if score.position.direction.code != unscored:
                score.score = _demo_score(score.position)
                score.scored_by = admin
                score.scored_at = timezone.now()
        Score.objects.bulk_update(scores, ["score", "scored_by", "scored_at"])
        if unscored is None:
            services.evaluation_finish(evaluation=evaluation, by=admin)
        else:
            services.evaluation_compute(evaluation=evaluation)
