"""The Dobryanka project groups of seed 003 (Приложение 3) with their curators, leaders and members,
and a few meetings with agenda items, votes and decisions (one of them without a quorum).

Members are matched to the demo officials and organizations of mcok/demo_data.py by name; a person
or organization the demo data does not hold is kept as written. Idempotent: a rerun changes nothing.
"""

import datetime
import re

from django.db import transaction

from mcok.models import Municipality, Official, Organization
from roadmaps.models import AgendaItem, Meeting, Member, ProjectGroup

SLUG = "dobryanka"

# (title, curators, leader, [(full name, organization as written), ...]) as Приложение 3 writes them.
GROUPS = [
    (
        "Система оценки качества подготовки обучающихся в Добрянском городском округе и система "
        "объективности процедур оценки качества образования и олимпиад школьников",
        ["Суркова Ю.С."],
        None,
        [
            ("Жукова Алла Анатольевна", "МБОУ «ДСОШ № 3»"),
            ("Лазарева Светлана Анатольевна", "МБОУ «ПСОШ №1»"),
            ("Бородина Ольга Леонидовна", "МБОУ «ПСОШ №3»"),
            ("Егорова Анна Васильевна", "МБОУ «Сенькинская СОШ»"),
            ("Рева Надежда Александровна", "МБОУ «Вильвенская СОШ»"),
            ("Цвенгер Валентина Михайловна", "МБОУ «ПСОШ№3»"),
            ("Кучумова Ирина Викторовна", "МБОУ «Вильвенская СОШ»"),
            ("Кочетова Любовь Александровна", "МБОУ «Дивьинская СОШ»"),
        ],
    ),
    (
        "Система поддержки школ с низкими образовательными результатами обучающихся и школ, "
        "функционирующих в неблагоприятных социальных условиях, в Добрянском городском округе",
        ["Калашникова Е.А."],
        "Мотуз Ирина Львовна",
        [
            ("Дроздова Светлана Николаевна", "МБОУ «ДСОШ №2»"),
            ("Галкина Валентина Михайловна", "МБОУ «ДСОШ № 5»"),
            ("Черепанова Людмила Александровна", "МАОУ «ПСОШ № 1»"),
            ("Кузнецова Т.Ю.", "МБОУ «ПСОШ № 3»"),
            ("Некрасова М.И.", ""),
            ("Жукова Мария Алексеевна", "МБОУ «Вильвинская СОШ»"),
            ("Безводинских Марина Викторовна", "МБОУ «Сенькинская СОШ»"),
        ],
    ),
    (
        "Система по самоопределению и профессиональной ориентации обучающихся в Добрянском городском округе",
        ["Воронцова Е.А."],
        "Занина Татьяна Викторовна",
        [
            ("Ганина Надежда Валериановна", "МБОУ «Вильвенская СОШ»"),
            ("Сай Елена Владимировна", "МБОУ «ДСОШ№5»"),
            ("Голтвенко Татьяна Валерьевна", "МБОУ «ПСОШ№3»"),
            ("Гердт Елена Вячеславовна", "МБОУ «Сенькинская СОШ»"),
            ("Каменева Лариса Васильевна", "МАУДО «ПЦДОД «Школа технического резерва»"),
            ("Галкина Наталья Валентиновна", "МАОУ «ПСОШ№1»"),
            ("Ростовщикова Олеся Николаевна", "МБОУ «ДООШ№5»"),
            ("Стольникова Виктория Геннадьевна", "МАДОУ «ДДС №15»"),
            ("Солопова Наталья Михайловна", "МБОУ «ДСОШ№3»"),
            ("Богданова Наталья Владимировна", "МБОУ «ДСОШ№3»"),
            ("Мелкозерова Оксана Викторовна", "МБОУ «ДСОШ№3"),
            ("Баранцева Екатерина Александровна", "МБОУ «Дивьинская СОШ»"),
            ("Шукалович Оксана Михайловна", "МАДОУ ЦРР «ДДС №16 «Березка»"),
        ],
    ),
    (
        "Система мониторинга эффективности деятельности руководителей образовательных организаций "
        "Добрянского городского округа",
        ["Власенко С.Г."],
        "Кочкина Татьяна Викторовна",
        [
            ("Стерхова Наталья Николаевна", "МБОУ» ДСОШ № 2»"),
            ("Шилкова Ольга Николаевна", "МБОУ «ДСОШ № 5»"),
            ("Жилкина Анастасия Михайловна", "МАОУ «ПСОШ № 1»"),
            ("Меденникова Ольга Ивановна", "МБОУ «ПСОШ № 3»"),
            ("Пьянков Алексей Юрьевич", "МБОУ «Дивьинская СОШ»"),
            ("Жукова Мария Алексеевна", "МБОУ «Вильвенская СОШ»"),
            ("Попенкова Римма Анатольевна", "МБОУ «Сенькинская СОШ»"),
            ("Максименкова Татьяна Александровна", "МАДОУ «ЦРР «ДДС № 15»"),
            ("Адыхамова Ольга Владиславовна", "МАДОУ первой категории «ЦРР «ДДС № 16 «Березка»"),
            ("Елтышева Анна Андреевна", "МБУ ДО «ЦДОД «Логос»"),
        ],
    ),
    (
        "Система научно-методического сопровождения и обеспечения профессионального развития педагогических "
        "работников в общеобразовательных организациях Добрянского городского округа",
        ["Сыкулева Е.П.", "Коновалова И.А."],
        "Шутемова Наталья Ивановна",
        [
            ("Шилкова Светлана Николаевна", "МБОУ «Вильвенская СОШ»"),
            ("Суханова Екатерина Васильевна", "МБОУ «ДСОШ №5»"),
            ("Токарева Светлана Николаевна", "МБДОУ «Добрянский детский сад №21»"),
            ("Тарасова Ирина Михайловна", "МАДОУ «Детский сад №11»"),
            ("Бобыльских Наталья Михайловна", "МБОУ «ДООШ №1»"),
            ("Пьянкова Марина Владимировна", "МБОУ «Дивьинская СОШ»"),
            ("Трофимчик Оксана Анатольевна", "МБОУ «ДСОШ №3»"),
            ("Деревянко Ирина Ивановна", "МБОУ «ДСОШ № 5»"),
            ("Малахова Татьяна Львовна", "МАОУ «Полазненская СОШ №1»"),
            ("Балуева Надежда Геннадьевна", "МБОУ «Полазненская СОШ №3»"),
            ("Бажина Светлана Юрьевна", "МАДОУ «Детский сад №11»"),
            ("Белошицкая Ирина Владимировна", "МАДОУ «ЦРР «ДДС № 15»"),
        ],
    ),
    (
        "Система воспитания в Добрянском городском округе",
        ["Близнецова Е.В."],
        "Тотьмянина Екатерина Анатольевна",
        [
            ("Сидорова Наталья Юрьевна", "МБОУ «ДООШ №1» (КШ)"),
            ("Матвиенко Ирина Владимировна", "МБОУ «ДСОШ №3»"),
            ("Смирнова Любовь Владимировна", "МБОУ «ДСОШ № 5»"),
            ("Барсукова Лариса Евгеньевна", "МБОУ «Вильвенская СОШ»"),
            ("Деменева Татьяна Владимировна", "МАОУ «Полазненская СОШ №1»"),
            ("Рыжкова Наталья Федоровна", "МБОУ «Сенькинская СОШ»"),
            ("Белоусова Анна Николаевна", "МАУДО «ПЦДОД «Школа технического резерва»"),
            ("Яковлева Оксана Николаевна", "МАДОУ «Детский сад №11»"),
            ("Карпова Ольга Анатольевна", "МАДОУ «ДДС №15»"),
            ("Катаева Ирина Юрьевна", "МАДОУ ЦРР «ДДС № 16 «Берёзка»"),
            ("Шевченко Лариса Борисовна", "МБДОУ «Добрянский детский сад №21»"),
            ("Иванова Надежда Дмитриевна", "МБДОУ «ПДС №7»"),
            ("Золотозубова Людмила Михайловна", "МБУ ДО «ЦДОД «Логос»"),
        ],
    ),
    (
        "Система оценки качества дошкольного образования в Добрянском городском округе",
        ["Якимова Т.А."],
        "Зайкова Елена Викторовна",
        [
            ("Бражкина Светлана Анатольевна", "МАДОУ «Детский сад №11»"),
            ("Пермякова Нина Викторовна", "МАДОУ «Детский сад №15»"),
            ("Вялова Ирина Викторовна", "МБДОУ «Добрянский детский сад №21»"),
            ("Тарасенко Татьяна Николаевна", "МБДОУ «Добрянский детский сад №21»"),
            ("Денисова Ирина Геннадьевна", "МАДОУ «ПДС №7»"),
            ("Пономарева Ирина Геннадьевна", "МБДОУ «ПДС №7»"),
            ("Бакаева Ирина Дмитриевна", "МБОУ «Дивьинская СОШ»"),
            ("Маркова Надежда Григорьевна", "МБОУ «ДСОШ № 5», корпус «Голубятская ООШ»"),
        ],
    ),
]

# Meetings of the first three groups: (group index, number, date, time, place, present, items).
# Each item: (title, heard, decision, reasons, for, against, abstained).
MEETINGS = [
    (
        5,
        "1",
        datetime.date(2021, 9, 14),
        datetime.time(15, 0),
        "Управление образования, каб. 12",
        10,
        [
            (
                "О плане работы проектной группы на 2021/2022 учебный год",
                "Тотьмянина Е.А., руководитель проектной группы",
                "Утвердить план работы проектной группы на 2021/2022 учебный год.",
                "План соответствует дорожной карте муниципальной системы воспитания.",
                9,
                0,
                1,
            ),
            (
                "О критериях и показателях муниципальной системы воспитания",
                "Матвиенко И.В., МБОУ «ДСОШ № 3»",
                "Направить проект критериев в образовательные организации для обсуждения до 01.10.2021.",
                "Критерии требуют согласования с руководителями организаций.",
                6,
                2,
                2,
            ),
        ],
    ),
    (
        5,
        "2",
        datetime.date(2021, 10, 12),
        datetime.time(15, 0),
        "Управление образования, каб. 12",
        5,
        [
            (
                "Об итогах обсуждения критериев муниципальной системы воспитания",
                "Близнецова Е.В., муниципальный куратор",
                "Перенести рассмотрение вопроса на следующее заседание.",
                "Заседание не правомочно: присутствует менее половины членов группы.",
                3,
                0,
                2,
            ),
        ],
    ),
    (
        6,
        "1",
        datetime.date(2021, 9, 21),
        datetime.time(14, 30),
        "МАДОУ «Детский сад № 11»",
        6,
        [
            (
                "О плане контрольно-оценочных мероприятий по оценке качества дошкольного образования",
                "Зайкова Е.В., руководитель проектной группы",
                "Утвердить план контрольно-оценочных мероприятий на 2021/2022 учебный год.",
                "План учитывает график мониторинга качества дошкольного образования РФ (МКДО).",
                4,
                1,
                1,
            ),
            (
                "О размещении адресных рекомендаций на сайтах ДОО",
                "Бражкина С.А., МАДОУ «Детский сад № 11»",
                "Рекомендацию не принимать, доработать порядок размещения.",
                "Порядок размещения не согласован с МБУ ДПО «ИМЦ».",
                3,
                2,
                1,
            ),
        ],
    ),
]


def _key(name: str) -> str:
    """Organization names compared without spaces, quotes and «первой категории»; ё as е."""
    name = name.lower().replace("ё", "е").replace("первой категории", "")
    name = name.replace("полазненская сош", "псош").replace("(кш)", "")
    name = re.sub(r",.*$", "", name)  # «МБОУ «ДСОШ № 5», корпус …» is the school itself
    return re.sub(r"[\s«»\"'“”]", "", name)


def _organization(organizations: dict[str, Organization], written: str) -> Organization | None:
    if not written:
        return None
    key = _key(written)
    if key in organizations:
        return organizations[key]
    # «МАДОУ «ДДС №15» and «МАДОУ «ЦРР «ДДС № 15»» are one kindergarten; the same with МБОУ/МАДОУ slips
    digits = re.findall(r"\d+", key)
    tail = key.split("«", 1)[-1]
    candidates = [
        org
        for k, org in organizations.items()
        if re.findall(r"\d+", k) == digits and (tail[:3] in k or not tail)
    ]
    for kind_word in ("дс", "сош", "оош", "цдод", "пцдод", "детскийсад"):
        if kind_word in key:
            narrowed = [org for org in candidates if kind_word in _key(org.short_name)]
            if len(narrowed) == 1:
                return narrowed[0]
    return candidates[0] if len(candidates) == 1 else None


def _official(officials: dict[str, Official], name: str) -> Official | None:
    return officials.get(name.strip())


@transaction.atomic
def load() -> None:
    municipality = Municipality.objects.filter(slug=SLUG).first()
    if municipality is None:  # mcok's demo must run first
        return
    officials = {o.full_name: o for o in Official.objects.filter(municipality=municipality)}
    organizations = {_key(o.short_name): o for o in Organization.objects.filter(municipality=municipality)}
    made = []
    for title, curators, leader_name, members in GROUPS:
        group, _created = ProjectGroup.objects.get_or_create(municipality=municipality, title=title)
        curator_ids = {o.pk for o in (_official(officials, name) for name in curators) if o is not None}
        leader = _official(officials, leader_name) if leader_name else None
        if group.leader_id != (leader and leader.pk):
            group.leader = leader
            group.save()
        if set(group.curators.values_list("pk", flat=True)) != curator_ids:
            group.curators.set(curator_ids)
        for order, (name, written) in enumerate(members, start=1):
            if group.members.filter(full_name=name).exists():
                continue
            official = _official(officials, name)
            organization = _organization(organizations, written) or (
                official.organization if official else None
            )
            position = (
                "" if organization or not written else written
            )  # an unknown organization kept as written
            Member.objects.create(
                group=group,
                official=official,
                full_name=name,
                organization=organization,
                position=position,
                order=order,
            )
        made.append(group)
    for index, number, date, time, place, present, items in MEETINGS:
        group = made[index]
        if group.meetings.filter(number=number, date=date).exists():
            continue
        members = list(group.members.filter(is_active=True))
        meeting = Meeting.objects.create(
            group=group,
            number=number,
            date=date,
            time=time,
            place=place,
            members_total=len(members),
            chair=group.leader.full_name if group.leader else "",
            secretary=members[-1].full_name,
            invited="Представитель МБУ ДПО «ИМЦ»",
        )
        meeting.attendees.set(members[:present])
        for order, (item_title, heard, decision, reasons, yes, no, abstained) in enumerate(items, start=1):
            AgendaItem.objects.create(
                meeting=meeting,
                order=order,
                title=item_title,
                speakers=heard,
                decision=decision,
                reasons=reasons,
                votes_for=yes,
                votes_against=no,
                votes_abstained=abstained,
            )
