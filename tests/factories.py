"""Plain factories: make_* functions with keyword overrides."""

from dataclasses import dataclass
from itertools import count

from mcok import services
from mcok.models import Document, Municipality, Official, Organization, Role, User

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


@dataclass
class World:
    """Two municipalities. In the first: the department, a school and another school, and one user
    per role; in the second: its own coordinator and school. Nobody should see across them."""

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


def make_world() -> World:
    municipality = make_municipality(name="Ишимбайский район", slug="ishim")
    school = make_organization(municipality)
    other_school = make_organization(municipality)
    elsewhere = make_municipality(name="Амурский район", slug="amur")
    elsewhere_school = make_organization(elsewhere)

    def staff(kind):
        return make_user_with_role(kind, municipality=municipality)

    return World(
        municipality=municipality,
        school=school,
        other_school=other_school,
        administrator=staff(Role.Kind.ADMINISTRATOR),
        coordinator=staff(Role.Kind.COORDINATOR),
        executor=staff(Role.Kind.EXECUTOR),
        operator=staff(Role.Kind.OPERATOR),
        expert=staff(Role.Kind.EXPERT),
        respondent=make_user_with_role(Role.Kind.RESPONDENT, organization=school),
        head=make_user_with_role(Role.Kind.SCHOOL_HEAD, organization=school),
        other_respondent=make_user_with_role(Role.Kind.RESPONDENT, organization=other_school),
        elsewhere=elsewhere,
        elsewhere_school=elsewhere_school,
        outsider=make_user_with_role(Role.Kind.COORDINATOR, municipality=elsewhere),
        outsider_school=make_user_with_role(Role.Kind.RESPONDENT, organization=elsewhere_school),
    )
