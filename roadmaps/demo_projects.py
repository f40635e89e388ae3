"""Amursk's municipal projects for `load_demo`, as order №369-Д of 01.07.2022 writes them (seed 001):
the passport of the project «Развитие системы управления качеством образования в Амурском
муниципальном районе» на 2022 – 2024 годы, the table pairing the region's projects with the
municipality's, and the role the order gives Тимофеева М.А. that the portal has no role for.

The project serves the eight systems («в рамках развития восьми ключевых направлений (систем)»), its
roadmap is Приложение № 1 and its control points the indicators of motivating monitoring
(Приложение № 2). The table's municipal projects get only what the table says: their titles and the
regional projects they answer to; the order binds none of them to a system.

Idempotent: a project whose title the municipality already has is left as it is.
"""

# ruff: noqa: E501

from django.db import transaction

from directions.models import Direction
from indicators.models import Indicator
from mcok.models import Document, Municipality, Official
from roadmaps import access, projects
from roadmaps.demo_roadmaps import AMURSK_PROJECT
from roadmaps.models import MunicipalProject, ProjectParticipant, Roadmap

REGION = "Хабаровский край"
ORDER_NUMBER = "369-Д"

PASSPORT = {
    "title": "«Развитие системы управления качеством образования в Амурском муниципальном районе» на 2022 – 2024 годы",
    "start_year": 2022,
    "end_year": 2024,
    "leader": "Сиденкова Н.Е.",
    "leader_text": "Сиденкова Н. Е., начальник управления образования, молодежной политики и спорта (далее- УОМПиС)",
    "deputies": [
        "Загуменнова Л.В., заместитель начальника УОМПиС",
        "Качаева Е.А., заместитель начальника УОМПиС",
        "Лёзина М.А., заместитель начальника УОМПиС",
    ],
    "executors": [
        "Головина М.С., главный специалист УОМПиС",
        "Максимова М.П., главный специалист УОМПиС",
        "Бахаева А.В., главный специалист УОМПиС",
        "Буханцева М.Ю., главный специалист УОМПиС",
        "Козлова Н.В., главный специалист УОМПиС",
        "Захарова М.С., главный специалист УОМПиС",
        "Рязанова Е.В., главный специалист УОМПиС",
        "Тимофеева М.А., Директор Муниципального казенного учреждения информационно – методический центр г. Амурска Амурского муниципального района Хабаровского края (далее- МКУ ИМЦ)",
    ],
    "co_executors": [
        "Муниципальное казённое учреждение хозяйственно-эксплуатационная служба системы образования Амурского муниципального района (далее-МКУ ХЭССО)",
        "образовательные учреждения системы образования Амурского муниципального района",
    ],
    "basis": "Нормативно-правовые документы федерального и регионального уровня;\nРаспоряжение министерства образования и науки Хабаровского края от 20.02.2022 № 467 \"Об утверждении региональной программы \"Развитие системы управления качеством образования в Хабаровском крае\" на 2022 –2024 годы",
    "goal": "Создание целостной функционирующей системы оценки качества образования в системе образования Амурского муниципального района",
    "tasks": [
        "Развитие системы управления на основе данных, согласованной на всех уровнях управления образованием, повышение качества образования за счет развития механизмов управления качеством образования.",
        "Совершенствование управленческих механизмов для обеспечения доступного и качественного общего, дополнительного образования",
    ],
    "events_text": "Мероприятия определены \"дорожной картой\" \"Развития системы управления качеством образования в Амурском муниципальном районе\" на 2022 – 2024 годы (приложение № 1 к Проекту)",
    "risks": [
        "Удаленность участников Проекта.",
        "Отсутствие сформированной компетентности кадров в области ШСОКО, МСОКО",
    ],
    "effects": [
        "Развитие системы управления качеством образования на основе данных на всех уровнях образования: региональном, муниципальном, институциональном; использование и интерпретация данных и результатов мониторинговых процедур в системе анализа руководителями и ключевыми группами специалистов сферы образования;",
        "Система муниципального проекта, институциональных программ развития управления качеством образования, синхронизированных с федеральной программой развития системы управления качеством образования;",
        "Система мониторинга эффективности управления качеством образования на муниципальном и институциональном уровнях;",
        "Повышение качества управленческой деятельности за счет ее целенаправленности и адресности;",
        "Повышение уровня удовлетворенности качеством образовательных услуг;",
        "Совершенствование муниципальных управленческих механизмов для повышения качества образования;",
        "Повышение качества муниципальной системы образования в целом, создание оптимальных условий для обучения, воспитания, развития (образования) личности обучающегося.",
    ],
}  # fmt: skip

# The table «На региональном уровне — На муниципальном уровне», row by row as the order writes it;
# None: the order leaves the municipal cell empty. The last row names two regional projects in one
# cell: each is a regional project of its own, both without a municipal one.
PAIRS: list[tuple[str, str | None]] = [
    ("500+", "«Эффективная школа» и организация методической поддержки общеобразовательных учреждений, имеющих низкие образовательные результаты обучающихся"),
    ("Ориентир – талант. Khv", "«Амур-талант (проект по выявлению, поддержке и развитию способностей и талантов у обучающихся и молодежи Амурского муниципального района Хабаровского края)»"),
    ("Учись и работай в Хабаровском крае!", "«Учись и работай в Хабаровском крае» на 2021-2024 г.г."),
    ("Дошкольное образование: в приоритете – дети!", "«Качество дошкольного образования, как ресурс развития ребенка-дошкольника»"),
    ("Педкластер27", "«Педкластер27»"),
    ("Практика эффективного управления", "«Практика эффективного управления»"),
    ("Дополнительное образование: формула успеха", "Проект воспитания и социализации обучающихся общеобразовательных организаций, расположенных на территории Амурского муниципального района Хабаровского края, на 2021 – 2025 годы"),
    ("Добрая школа", None),
    ("Повышение объективности оценки образовательных результатов («Все решают только знания»)", "«Повышение объективности оценки образовательных результатов («Все решают только знания»)»"),
    ("Регион-профи", None),
    ("Приоритет – трудоустройство выпускников в Хабаровском крае", None),
]  # fmt: skip
# The years the table's titles state.
YEARS = {
    "«Учись и работай в Хабаровском крае» на 2021-2024 г.г.": (2021, 2024),
    PAIRS[6][1]: (2021, 2025),
}

# Item 2 of the order: a role in the federal information system the portal has no role for.
ORGANIZER = {
    "official": "Тимофеева М.А.",
    "title": "муниципальный организатор и ответственный за заполнение муниципальной формы (ФИС ОКО)",
    "text": "Тимофееву М.А., директора муниципального казенного учреждения информационно-методического центра г. Амурска (далее- МКУ ИМЦ г. Амурска), назначить на 2022 год муниципальным организатором и ответственным за заполнение муниципальной формы, размещенной на сайте федерального государственного бюджетного учреждения \"Федеральный институт оценки качества образования\" в личном кабинете https://lk-fisoko.obrnadzor.gov.ru/.",
    "year": 2022,
}  # fmt: skip


def load() -> None:
    municipality = Municipality.objects.filter(slug="amursk").first()
    if municipality is not None:
        _load(municipality)


@transaction.atomic
def _load(municipality: Municipality) -> None:
    existing = set(MunicipalProject.objects.filter(municipality=municipality).values_list("title", flat=True))
    order = Document.objects.filter(municipality=municipality, number=ORDER_NUMBER).first()
    regional = {
        name: projects.regional_project_ensure(region=REGION, name=name, order=n)
        for n, (name, _municipal) in enumerate(PAIRS, start=1)
    }
    project = MunicipalProject.objects.filter(municipality=municipality, title=PASSPORT["title"]).first()
    if PASSPORT["title"] not in existing:
        project = _passport(municipality, order)
    for n, (regional_name, title) in enumerate(PAIRS, start=1):
        if title is None or title in existing:
            continue
        start, end = YEARS.get(title, (None, None))
        MunicipalProject.objects.create(
            municipality=municipality,
            title=title,
            start_year=start,
            end_year=end,
            regional_project=regional[regional_name],
            document=order,
            order=n,
        )
    official = Official.objects.filter(municipality=municipality, full_name=ORGANIZER["official"]).first()
    if official is not None:
        projects.designated_role_save(
            official=official,
            title=ORGANIZER["title"],
            text=ORGANIZER["text"],
            document=order,
            project=project,
            start_year=ORGANIZER["year"],
            end_year=ORGANIZER["year"],
        )


def _passport(municipality: Municipality, order: Document | None) -> MunicipalProject:
    """The passport as written, linked to the officials and organizations it names, its roadmap, the
    motivating-monitoring indicators and the eight systems; published, as the order asks the
    department to keep the site current (item 3.1)."""
    data = PASSPORT
    project = MunicipalProject.objects.create(
        municipality=municipality,
        title=data["title"],
        start_year=data["start_year"],
        end_year=data["end_year"],
        leader=Official.objects.filter(municipality=municipality, full_name=data["leader"]).first(),
        leader_text=data["leader_text"],
        basis=data["basis"],
        goal=data["goal"],
        tasks=data["tasks"],
        events_text=data["events_text"],
        risks=data["risks"],
        effects=data["effects"],
        roadmap=Roadmap.objects.filter(municipality=municipality, project=AMURSK_PROJECT)
        .order_by("pk")
        .first(),
        document=order,
        order=0,
    )
    for role, key in (
        (ProjectParticipant.Role.DEPUTY, "deputies"),
        (ProjectParticipant.Role.EXECUTOR, "executors"),
        (ProjectParticipant.Role.CO_EXECUTOR, "co_executors"),
    ):
        projects.participants_set(project=project, role=role, texts=data[key])
    project.directions.set(Direction.objects.filter(municipality=municipality))
    project.indicators.set(Indicator.objects.filter(municipality=municipality, code__startswith="П"))
    head = access.acting_head(municipality)
    if head is not None:
        projects.project_publish(project=project, by=head)
    return project
