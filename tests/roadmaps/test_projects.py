"""Municipal projects: the passport as written, who keeps and who reads it, the dossier's section of
the directions it serves, the public tab when published, the API, and Amursk's passport of order
№369-Д loaded as the order writes it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mcok.services import periods_ensure
from roadmaps import projects
from roadmaps.models import DesignatedRole, MunicipalProject, ProjectParticipant, RegionalProject
from tests.factories import make_official, make_organization

Role = ProjectParticipant.Role


def _passport(world, **overrides) -> projects.PassportInput:
    values = {
        "title": "Развитие системы управления качеством образования",
        "start_year": 2022,
        "end_year": 2024,
        "goal": "Создание целостной системы оценки качества образования",
        "tasks": ["Первая задача", "Вторая задача"],
        "risks": ["Удаленность участников Проекта."],
        "effects": ["Повышение качества управленческой деятельности;"],
        "deputies": ["Загуменнова Л.В., заместитель начальника УОМПиС"],
        "executors": ["Головина М.С., главный специалист УОМПиС", "МКУ ИМЦ, методический центр"],
        "co_executors": ["образовательные учреждения района"],
        "directions": [world.direction],
    }
    return projects.PassportInput(**(values | overrides))


@pytest.fixture
def project(world):
    make_official(world.municipality, full_name="Загуменнова Л.В.", position="заместитель начальника")
    make_official(world.municipality, full_name="Головина М.С.", position="главный специалист")
    make_organization(world.municipality, short_name="МКУ ИМЦ", full_name="Информационно-методический центр")
    return projects.project_save(municipality=world.municipality, data=_passport(world), by=world.coordinator)


def test_the_passport_keeps_the_words_and_links_the_people(world, project):
    passport = projects.passport(project)
    assert project.tasks == ["Первая задача", "Вторая задача"]
    assert [p.name for p in passport.deputies] == ["Загуменнова Л.В., заместитель начальника УОМПиС"]
    assert passport.deputies[0].official.full_name == "Загуменнова Л.В."
    executors = passport.executors
    assert [p.name for p in executors] == [
        "Головина М.С., главный специалист УОМПиС",
        "МКУ ИМЦ, методический центр",
    ]
    assert executors[0].official.full_name == "Головина М.С." and executors[0].organization is None
    assert executors[1].organization.short_name == "МКУ ИМЦ" and executors[1].official is None
    # Named only in words: kept as written, linked to nothing.
    assert passport.co_executors[0].official is None and passport.co_executors[0].organization is None
    assert [d.pk for d in passport.directions] == [world.direction.pk]


def test_the_passport_refuses_reversed_years_and_a_foreign_direction(world, project):
    from tests.factories import make_direction

    with pytest.raises(ValidationError):
        projects.project_save(
            municipality=world.municipality,
            data=_passport(world, start_year=2024, end_year=2022),
            by=world.coordinator,
            project=project,
        )
    foreign = make_direction(world.elsewhere, "1.1")
    with pytest.raises(ValidationError):
        projects.project_save(
            municipality=world.municipality,
            data=_passport(world, directions=[foreign]),
            by=world.coordinator,
            project=project,
        )
    project.refresh_from_db()
    assert project.start_year == 2022 and list(project.directions.all()) == [world.direction]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("coordinator", True),
        ("administrator", True),
        ("chief", True),
        ("other_coordinator", True),
        ("executor", False),
        ("operator", False),
        ("expert", False),
        ("respondent", False),
        ("outsider", False),
    ],
)
def test_who_keeps_the_municipality_s_projects(world, project, actor, allowed):
    user = getattr(world, actor)
    if allowed:
        projects.project_publish(project=project, by=user)
        assert MunicipalProject.objects.get(pk=project.pk).is_published
    else:
        with pytest.raises(PermissionDenied):
            projects.project_publish(project=project, by=user)
        assert not MunicipalProject.objects.get(pk=project.pk).is_published


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("coordinator", 200),
        ("executor", 200),
        ("operator", 200),
        ("respondent", 404),
        ("outsider", 404),
        ("outsider_school", 404),
    ],
)
def test_the_passport_page_is_read_by_the_municipality_s_staff_only(client, world, project, actor, status):
    client.force_login(getattr(world, actor))
    response = client.get(reverse("roadmaps:project", args=[project.pk]))
    assert response.status_code == status
    if status == 200:
        assert "Первая задача" in response.content.decode()
    assert client.get(reverse("api:municipal-project-detail", args=[project.pk])).status_code == status


def test_the_edit_page_refuses_an_executor_and_saves_for_a_coordinator(client, world, project):
    url = reverse("roadmaps:project_edit", args=[project.pk])
    client.force_login(world.executor)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "Чужая правка"}).status_code == 403
    client.force_login(world.coordinator)
    form = client.get(url).context["form"]
    assert "Загуменнова Л.В., заместитель начальника УОМПиС" in form.initial["deputies"]
    data = {
        "title": "Новое название",
        "start_year": "2023",
        "end_year": "2022",
        "tasks": "Одна\nДве",
        "directions": [world.direction.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the years are reversed: the form comes back
    assert "Новое название" in response.content.decode()
    data["end_year"] = "2025"
    response = client.post(url, data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Новое название" and project.tasks == ["Одна", "Две"]
    assert project.participants.count() == 0  # the form sent no participants: none left


def test_the_dossier_shows_the_projects_serving_the_direction(client, world, project):
    periods_ensure(year=2025)
    client.force_login(world.coordinator)
    url = reverse("directions:direction", args=[world.direction.pk]) + "?period=2025"
    page = client.get(url).content.decode()
    assert "Муниципальные проекты" in page and project.title in page
    other = reverse("directions:direction", args=[world.other_direction.pk]) + "?period=2025"
    page = client.get(other).content.decode()
    assert "Муниципальные проекты" in page and project.title not in page
    assert "Ни один муниципальный проект не служит этому направлению." in page


def test_the_public_reads_a_project_only_once_published(client, world, project):
    slug = world.municipality.slug
    url = reverse("open:project", args=[slug, project.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("open:projects", args=[slug])).status_code == 404
    projects.project_publish(project=project, by=world.chief)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Первая задача" in page and "Загуменнова Л.В." in page
    assert "/roadmaps/" not in page  # no link into the staff's pages
    assert "Set-Cookie" not in response.headers
    assert project.title in client.get(reverse("open:projects", args=[slug])).content.decode()
    projects.project_publish(project=project, by=world.chief, published=False)
    assert client.get(url).status_code == 404


def test_the_passport_as_pdf(client, world, project):
    client.force_login(world.executor)
    response = client.get(reverse("roadmaps:project_pdf", args=[project.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_the_api_gives_the_passport(client, world, project):
    client.force_login(world.executor)
    data = client.get(reverse("api:municipal-project-detail", args=[project.pk])).json()
    assert data["tasks"] == ["Первая задача", "Вторая задача"]
    roles = [(p["role"], p["name"]) for p in data["participants"]]
    assert ("deputy", "Загуменнова Л.В., заместитель начальника УОМПиС") in roles
    assert data["directions"] == [world.direction.pk]
    listed = client.get(reverse("api:municipal-project-list")).json()
    assert [row["id"] for row in listed["results"]] == [project.pk]
    client.force_login(world.outsider)
    listed = client.get(reverse("api:municipal-project-list")).json()
    assert listed["results"] == []


def test_the_projects_list_takes_the_same_queries_for_more_projects(client, world, project):
    regional = RegionalProject.objects.create(region=world.municipality.region, name="500+")
    client.force_login(world.coordinator)
    url = reverse("roadmaps:projects")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    before = count()
    for n in range(5):
        MunicipalProject.objects.create(
            municipality=world.municipality, title=f"Проект {n}", regional_project=regional, roadmap=None
        )
    assert count() == before


# Amursk's order as written ----------------------------------------------------------------------


@pytest.fixture
def amursk(db):
    from directions import demo as directions_demo
    from indicators import demo as indicators_demo
    from mcok import demo as mcok_demo
    from roadmaps import demo_projects, demo_roadmaps

    mcok_demo.load()
    directions_demo.load()
    indicators_demo.load()
    demo_roadmaps.load()
    demo_projects.load()
    return MunicipalProject.objects.get(municipality__slug="amursk", roadmap__isnull=False)


def test_amursk_s_passport_as_the_order_writes_it(amursk):
    passport = projects.passport(amursk)
    assert amursk.title.startswith("«Развитие системы управления качеством образования в Амурском")
    assert (amursk.start_year, amursk.end_year) == (2022, 2024)
    assert amursk.leader.full_name == "Сиденкова Н.Е."
    assert [p.official.full_name for p in passport.deputies] == [
        "Загуменнова Л.В.",
        "Качаева Е.А.",
        "Лёзина М.А.",
    ]
    assert len(passport.executors) == 8 and all(p.official for p in passport.executors)
    assert passport.executors[-1].name.startswith(
        "Тимофеева М.А., Директор Муниципального казенного учреждения"
    )
    assert passport.co_executors[0].organization.short_name == "МКУ ХЭССО"
    assert (
        passport.co_executors[1].name
        == "образовательные учреждения системы образования Амурского муниципального района"
    )
    assert len(amursk.tasks) == 2 and amursk.tasks[1].startswith(
        "Совершенствование управленческих механизмов"
    )
    assert amursk.risks == [
        "Удаленность участников Проекта.",
        "Отсутствие сформированной компетентности кадров в области ШСОКО, МСОКО",
    ]
    assert len(amursk.effects) == 7
    assert amursk.roadmap.title.startswith("«Дорожная карта» муниципального проекта")
    assert len(passport.directions) == 8
    assert amursk.indicators.filter(code="П1").exists()
    assert amursk.is_published and amursk.document.number == "369-Д"


def test_amursk_s_table_of_regional_and_municipal_projects(amursk):
    pairs = projects.regional_pairs(amursk.municipality)
    table = [(r.name if r else None, [p.title for p in ps]) for r, ps in pairs]
    assert table[0] == (
        "500+",
        ["«Эффективная школа» и организация методической поддержки общеобразовательных учреждений, "
         "имеющих низкие образовательные результаты обучающихся"],
    )  # fmt: skip
    assert ("Добрая школа", []) in table
    assert ("Педкластер27", ["«Педкластер27»"]) in table
    assert len([row for row in table if row[0]]) == 11
    assert MunicipalProject.objects.filter(municipality__slug="amursk").count() == 9
    # The order binds none of the table's projects to a system, and no system lists them as measures.
    assert not MunicipalProject.objects.filter(
        municipality__slug="amursk", roadmap=None, directions__isnull=False
    )
    from directions.models import Direction

    assert all(not d.measure_list for d in Direction.objects.filter(municipality__slug="amursk"))


def test_amursk_s_fis_oko_organizer_is_a_role_as_written_not_the_operator(amursk):
    from mcok.models import Role as AccountRole

    role = DesignatedRole.objects.get(official__full_name="Тимофеева М.А.")
    assert "муниципальный организатор" in role.title and "ФИС ОКО" in role.title
    assert role.start_year == role.end_year == 2022 and role.project == amursk
    assert "lk-fisoko.obrnadzor.gov.ru" in role.text
    official = role.official
    assert (
        official.user is None
        or not AccountRole.objects.filter(user=official.user, kind=AccountRole.Kind.OPERATOR).exists()
    )
    assert projects.passport(amursk).designated_roles == [role]


def test_amursk_s_demo_loads_twice_without_change(amursk):
    from roadmaps import demo_projects

    before = (
        MunicipalProject.objects.count(),
        ProjectParticipant.objects.count(),
        DesignatedRole.objects.count(),
    )
    demo_projects.load()
    assert (
        MunicipalProject.objects.count(),
        ProjectParticipant.objects.count(),
        DesignatedRole.objects.count(),
    ) == before


def test_amursk_s_passport_on_its_page_and_in_the_api(client, amursk):
    from mcok.models import User

    client.force_login(User.objects.get(username="amursk-chief"))
    page = client.get(reverse("roadmaps:project", args=[amursk.pk])).content.decode()
    assert "Удаленность участников Проекта." in page and "муниципальный организатор" in page
    data = client.get(reverse("api:municipal-project-detail", args=[amursk.pk])).json()
    assert data["leader_text"].startswith("Сиденкова Н. Е.")
    assert data["designated_roles"][0]["full_name"] == "Тимофеева М.А."
    public = client.get(reverse("open:project", args=["amursk", amursk.pk]))
    assert public.status_code == 200


def test_the_public_home_lists_a_project_once_published(
    client, world, project, django_capture_on_commit_callbacks
):
    from reports import public
    from reports.models import PublicPage

    public.pages_ensure(world.municipality)
    home = PublicPage.objects.get(municipality=world.municipality, kind=PublicPage.Kind.HOME)
    public.publish(home, user=world.operator)
    url = reverse("open:home", args=[world.municipality.slug])
    assert project.title not in client.get(url).content.decode()  # and the page is cached now
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_publish(project=project, by=world.coordinator)
    page = client.get(url).content.decode()
    assert project.title in page
    assert reverse("open:project", args=[world.municipality.slug, project.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_publish(project=project, by=world.coordinator, published=False)
    assert project.title not in client.get(url).content.decode()


def test_publishing_and_withdrawing_a_project_ask_for_confirmation(client, world, project):
    client.force_login(world.coordinator)
    url = reverse("roadmaps:project", args=[project.pk])
    action = reverse("roadmaps:project_publish", args=[project.pk])
    body = client.get(url).content.decode()
    form = body[body.index(f'action="{action}"') :].split(">", 1)[0]
    assert 'data-confirm="Опубликовать' in form
    projects.project_publish(project=project, by=world.coordinator)
    body = client.get(url).content.decode()
    form = body[body.index(f'action="{action}"') :].split(">", 1)[0]
    assert 'data-confirm="Снять' in form
