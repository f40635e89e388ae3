"""Every URL pattern and API endpoint, tried by every kind of outsider: nothing unpublished leaks.

The victim is a school of the first municipality, with its own official and document, and the
department of that municipality, with its official and document. Each record carries a marker
in its name. Three outsiders try every named route, with every victim id in every id-like slot:
an anonymous visitor, the respondent of another school of the same municipality, and a
coordinator of another municipality. None may get a page that shows a marker it should not see,
and an id that belongs to the victim must answer exactly as an id that does not exist.
"""

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from mcok.models import Period, Role, User
from tests.factories import make_document, make_official, make_organization, make_world

# Routes an anonymous visitor may open: the login, the password reset, the health check.
PUBLIC_ROUTES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "admin:login",
    "api:token",  # answers 405 to GET, 400 to a POST without credentials
}
ID_SLOTS = {"pk", "id", "object_id"}
ABSENT_ID = 987654321


@dataclass
class Victim:
    school_markers: list[str]  # the school's own records
    department_markers: list[str]  # the municipality's records, readable by its schools
    school_ids: list[int]
    department_ids: list[int]
    slugs: list[str]

    def ids(self, who: str) -> list[int]:
        return self.school_ids if who == "another school" else self.school_ids + self.department_ids


def named_routes(resolver=None, namespace="", groups=()) -> list[tuple[str, tuple[str, ...]]]:
    """(name, slots) of every named route, with the slots of the prefixes it sits under."""
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        slots = groups + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += named_routes(pattern, inner, slots)
        elif isinstance(pattern, URLPattern) and pattern.name:
            routes.append((namespace + pattern.name, slots))
    return sorted(set(routes))


def urls_for(name: str, slots: tuple[str, ...], victim: Victim, who: str) -> list[tuple[str, bool]]:
    """Every URL of the route with the victim's ids and slugs: (url, whether it names the victim)."""
    choices: dict[str, list[tuple[str, bool]]] = {}
    for slot in slots:
        if slot in ID_SLOTS:
            choices[slot] = [(str(pk), True) for pk in victim.ids(who)] + [(str(ABSENT_ID), False)]
        elif slot == "slug":
            slugs = [] if who == "another school" else victim.slugs
            choices[slot] = [(slug, True) for slug in slugs] + [("absent-slug", False)]
        elif slot == "format":
            choices[slot] = [("json", False)]
        elif slot == "app_label":
            choices[slot] = [("mcok", False)]
        elif slot == "model_name":
            choices[slot] = [("organization", False)]
        else:
            choices[slot] = [("x1", False)]
    combos: list[tuple[dict, bool]] = [({}, False)]
    for slot, values in choices.items():
        combos = [
            ({**kwargs, slot: value}, named or hit) for kwargs, named in combos for value, hit in values
        ]
    urls = []
    for kwargs, names_victim in combos:
        try:
            urls.append((reverse(name, kwargs=kwargs), names_victim))
        except NoReverseMatch:
            continue
    return urls


@pytest.fixture
def victim(db) -> tuple[Victim, object]:
    world = make_world()
    marker = "ТАЙНА"
    municipality = world.municipality
    # The victim's ids are far from anything else's, so an id names one victim record only.
    school = make_organization(
        municipality, pk=500001, short_name=f"{marker}-школа", full_name=f"{marker}-ОО"
    )
    teacher = make_official(municipality, pk=500002, full_name=f"{marker}-учитель", organization=school)
    plan = make_document(municipality, pk=500003, title=f"{marker}-план-школы", organization=school)
    plan.file.save("plan.txt", ContentFile(f"{marker}-содержимое-файла".encode()))
    inspector = make_official(municipality, pk=500004, full_name=f"{marker}-инспектор")
    order = make_document(municipality, pk=500005, title=f"{marker}-приказ-управления")
    garden = make_organization(municipality, pk=500006, short_name=f"{marker}-сад", kind="kindergarten")
    world.respondent.roles.update(organization=school)
    world.school = school
    # The management cycle: the municipality's staff only, never a school.
    directions = make_directions_victim(municipality, marker)
    return (
        Victim(
            school_markers=[
                school.short_name,
                school.full_name,
                teacher.full_name,
                plan.title,
                f"{marker}-содержимое",
                *directions.markers,
            ],
            department_markers=[inspector.full_name, order.title, garden.short_name],
            school_ids=[school.pk, teacher.pk, plan.pk, *directions.ids],
            department_ids=[inspector.pk, order.pk, garden.pk],
            slugs=[municipality.slug],
        ),
        world,
    )


@dataclass
class Records:
    markers: list[str]
    ids: list[int]


def make_directions_victim(municipality, marker: str) -> Records:
    """A direction with its cycle, a position and an evaluation, every id in the victim's range."""
    from directions.models import Block, Cycle, CycleComponent, Direction, Evaluation, Position, Score
    from mcok.services import periods_ensure

    periods_ensure(year=2025)
    period = Period.objects.get(code="2025")
    block = Block.objects.create(code="1", name="Блок 1")
    direction = Direction.objects.create(
        pk=500011,
        municipality=municipality,
        block=block,
        code="1.1",
        name=f"{marker}-направление",
        goal=f"{marker}-цель",
        valid_from=period,
    )
    cycle = Cycle.objects.create(pk=500012, direction=direction, period=period)
    component = CycleComponent.objects.create(
        pk=500013, cycle=cycle, component="goals", content=f"{marker}-содержание-цели"
    )
    position = Position.objects.create(
        pk=500014,
        municipality=municipality,
        period=period,
        direction=direction,
        component="goals",
        code="Ц.1",
        text=f"{marker}-позиция",
        max_score=2,
    )
    evaluation = Evaluation.objects.create(
        pk=500015,
        municipality=municipality,
        period=period,
        created_by=User.objects.filter(is_superuser=False).first(),
        results={"total": {"score": 1, "max": 2, "percent": 50.0}},
    )
    score = Score.objects.create(
        pk=500016, evaluation=evaluation, position=position, score=1, comment=f"{marker}-балл"
    )
    return Records(
        markers=[direction.name, direction.goal, component.content, position.text, score.comment],
        ids=[direction.pk, cycle.pk, component.pk, position.pk, evaluation.pk, score.pk],
    )


def outsiders(world) -> dict[str, object]:
    return {
        "anonymous": None,
        "another school": world.other_respondent,
        "another municipality": world.outsider,
        "another municipality's school": world.outsider_school,
    }


def test_the_matrix_covers_every_route():
    names = {name for name, _slots in named_routes()}
    for expected in (
        "mcok:organization",
        "mcok:official",
        "mcok:document-file",
        "api:organization-detail",
        "api:municipality-detail",
        "admin:mcok_organization_change",
        "api:schema",
    ):
        assert expected in names
    assert len(names) > 40


@pytest.mark.parametrize(
    "who", ["anonymous", "another school", "another municipality", "another municipality's school"]
)
def test_no_route_leaks_to_an_outsider(client, victim, who):
    victim, world = victim
    user = outsiders(world)[who]
    if user is not None:
        client.force_login(user)
    # The other school of the same municipality may read the department's records; nobody else may.
    forbidden = victim.school_markers + ([] if who == "another school" else victim.department_markers)
    tried = 0
    for name, slots in named_routes():
        if user is None and name in PUBLIC_ROUTES:
            continue
        answers = {}
        for url, names_victim in urls_for(name, slots, victim, who):
            response = client.get(url)
            tried += 1
            assert response.status_code < 500, (who, url)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            body = content.decode(errors="replace")
            for marker in forbidden:
                assert marker not in body, (who, url, marker)
            if user is None:
                assert response.status_code in (302, 401, 403, 404, 405), (who, url, response.status_code)
                if response.status_code == 302:
                    assert "login" in response.url or response.url == "/admin/", (who, url, response.url)
            answers.setdefault(names_victim, set()).add(response.status_code)
        # "Not yours" answers exactly like "absent".
        if True in answers and False in answers:
            assert answers[True] == answers[False], (who, name, answers)
    assert tried > 100


def test_the_victims_own_school_reads_its_records(client, victim):
    victim, world = victim
    client.force_login(world.respondent)
    body = client.get(reverse("mcok:organizations")).content.decode()
    assert victim.school_markers[0] in body
    body = client.get(reverse("mcok:documents")).content.decode()
    assert victim.school_markers[3] in body
    assert victim.department_markers[1] in body


def test_roles_cover_the_domain():
    assert set(Role.Kind.values) == {
        "administrator",
        "coordinator",
        "executor",
        "operator",
        "expert",
        "respondent",
        "school_head",
    }
