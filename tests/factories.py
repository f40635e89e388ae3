"""Plain factories: make_* functions with keyword overrides."""

from dataclasses import dataclass
from itertools import count

from directions import access
from directions.models import Block, Direction, Duty, Responsibility
from mcok import services
from mcok.models import Document, Municipality, Official, Organization, Period, Role, User

_numbers = count(1)


def make_municipality(**fields) -> Municipality:
    n = next(_numbers)
    values = {"name": f"Район {n}", "slug": f"district-{n}", "department": f"Управление образования {n}"}
    return Municipality.objects.create(**(values | fields))


def make_organization(municipality: Municipality, **fields) -> Organization:
    n = next(_numbers)
    values = {"short_name": f"СОШ № {n}", "full_name": f"МБОУ «Средняя школа № {n}»", "kind": "school"}
    return Organization.objects.create(municipality=municipality, **(values | fields))


def make_official(municipality: Municipality, **fields) -> Official:
    n = next(_numbers)
    values = {"full_name": f"Иванова{n} А.Б.", "position": "главный инспектор"}
    return Official.objects.create(municipality=municipality, **(values | fields))


def make_document(municipality: Municipality, **fields) -> Document:
    n = next(_numbers)
    values = {"title": f"О мониторинге {n}", "number": str(n), "kind": "order"}
    return Document.objects.create(municipality=municipality, **(values | fields))


def make_user(username: str | None = None, **fields) -> User:
    return User.objects.create_user(username=username or f"user{next(_numbers)}", password="pw", **fields)


def make_user_with_role(kind: str, *, municipality=None, organization=None, **fields) -> User:
    user = make_user(**fields)
    services.role_grant(user=user, kind=kind, municipality=municipality, organization=organization)
    return user


def make_year(year: int) -> Period:
    return services.period_get_or_create(kind=Period.Kind.YEAR, year=year, number=0)


def make_direction(municipality: Municipality, code: str = "1.1", **fields) -> Direction:
    """A direction in force from 2020 on, in the block its code names."""
    block, _created = Block.objects.get_or_create(
        code=code.split(".")[0], defaults={"name": f"Блок {code[0]}"}
    )
    values = {"block": block, "name": f"Направление {code}", "valid_from": make_year(2020)}
    return Direction.objects.create(municipality=municipality, code=code, **(values | fields))


def assign(user: User, direction: Direction, duty: str = Duty.COORDINATOR, **fields) -> Responsibility:
    """Make `user` the direction's coordinator or executor (Приложение 1 of the order): through the
    official linked to the account, or a new one. Open-ended unless `starts_on`/`ends_on` say."""
    official = Official.objects.filter(user=user, municipality=direction.municipality).first()
    if official is None:
        official = make_official(direction.municipality, user=user, full_name=f"{user.username} А.А.")
    access.forget_duties(user)
    return Responsibility.objects.create(direction=direction, duty=duty, official=official, **fields)


@dataclass
class World:
    """Two municipalities. In the first: the department, a school and another school, one user per
    role, the head of the department, and two directions as an order assigns them (1.1 to
    `coordinator` and `executor`, 2.3 to `other_coordinator`); in the second: its own coordinator and
    school. Nobody should see across them, nor act on a direction not theirs."""

    municipality: Municipality
    school: Organization
    other_school: Organization
    administrator: User
    coordinator: User
    executor: User
    operator: User
    expert: User
    respondent: User
    head: User
    other_respondent: User
    elsewhere: Municipality
    elsewhere_school: Organization
    outsider: User  # coordinator of the second municipality
    outsider_school: User  # respondent of the second municipality's school
    chief: User  # head of the first municipality's department: approves anything there
    direction: Direction  # 1.1: `coordinator` coordinates it and `executor` executes it
    other_direction: Direction  # 2.3: `other_coordinator` coordinates it, nobody else
    other_coordinator: User  # a coordinator of the same municipality, of another direction


def make_world() -> World:
    municipality = make_municipality(name="Ишимбайский район", slug="ishim")
    school = make_organization(municipality)
    other_school = make_organization(municipality)
    elsewhere = make_municipality(name="Амурский район", slug="amur")
    elsewhere_school = make_organization(elsewhere)

    def staff(kind):
        return make_user_with_role(kind, municipality=municipality)

    coordinator, executor, other_coordinator = (
        staff(kind) for kind in ("coordinator", "executor", "coordinator")
    )
    direction = make_direction(municipality, "1.1")
    other_direction = make_direction(municipality, "2.3")
    assign(coordinator, direction, Duty.COORDINATOR)
    assign(executor, direction, Duty.EXECUTOR)
    assign(other_coordinator, other_direction, Duty.COORDINATOR)
    return World(
        municipality=municipality,
        school=school,
        other_school=other_school,
        administrator=staff(Role.Kind.ADMINISTRATOR),
        coordinator=coordinator,
        executor=executor,
        operator=staff(Role.Kind.OPERATOR),
        expert=staff(Role.Kind.EXPERT),
        respondent=make_user_with_role(Role.Kind.RESPONDENT, organization=school),
        head=make_user_with_role(Role.Kind.SCHOOL_HEAD, organization=school),
        other_respondent=make_user_with_role(Role.Kind.RESPONDENT, organization=other_school),
        elsewhere=elsewhere,
        elsewhere_school=elsewhere_school,
        outsider=make_user_with_role(Role.Kind.COORDINATOR, municipality=elsewhere),
        outsider_school=make_user_with_role(Role.Kind.RESPONDENT, organization=elsewhere_school),
        chief=staff(Role.Kind.DEPARTMENT_HEAD),
        direction=direction,
        other_direction=other_direction,
        other_coordinator=other_coordinator,
    )
