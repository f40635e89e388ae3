"""The Dobryanka project groups of seed 003 (Приложение 3) with their curators, leaders and members,
and a few meetings with agenda items, votes and decisions (one without a quorum, and the repeated
meeting that holds it, with a review of the roadmap).

The leader is member 1 of the group, as Приложение 3 numbers it. A member's line is kept as written:
«Катаева Ирина Юрьевна, старший воспитатель» gives the position «старший воспитатель», and what the
order adds to the organization («(КШ)», «корпус «Голубятская ООШ»») is kept as the qualifier.
Members are matched to the demo officials and organizations of mcok/demo_data.py by name through
mcok.names (the legal form aside for МБОУ/МАОУ slips, by number only where the kind of institution
agrees: a kindergarten for a kindergarten, for schools the letters too — «ПСОШ №1» is never «ДООШ
№ 1»). An organization the demo data does not hold is kept as written in the qualifier.
Idempotent: a rerun changes nothing.
"""

import datetime
import re

from django.db import transaction

from mcok import names
from mcok.models import Municipality, Official, Organization
from roadmaps.groups import roadmap_state
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
            ("Катаева Ирина Юрьевна, старший воспитатель", "МАДОУ ЦРР «ДДС № 16 «Берёзка»"),
            ("Шевченко Лариса Борисовна", "МБДОУ «Добрянский детский сад №21»"),
            ("Иванова Надежда Дмитриевна (воспитатель)", "МБДОУ «ПДС №7»"),
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

ROADMAP_REVIEW = "Рассмотрение хода реализации дорожной карты"

# Meetings: (group index, number, date, time, place, present, items, number of the meeting repeated).
# Each item: (title, heard, decision, reasons, for, against, abstained). Those present are the first
# members in order, the leader first.
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
        None,
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
        None,
    ),
    (
        5,
        "3",
        datetime.date(2021, 10, 19),
        datetime.time(15, 0),
        "Управление образования, каб. 12",
        9,
        [
            (
                "Об итогах обсуждения критериев муниципальной системы воспитания",
                "Близнецова Е.В., муниципальный куратор",
                "Принять критерии муниципальной системы воспитания с замечаниями "
                "образовательных организаций.",
                "Замечания образовательных организаций учтены в проекте критериев.",
                6,
                1,
                2,
            ),
            (
                ROADMAP_REVIEW,
                "Тотьмянина Е.А., руководитель проектной группы",
                "Принять к сведению ход реализации дорожной карты; просроченные мероприятия "
                "выполнить до 01.12.2021.",
                "Ежемесячный анализ исполнения мероприятий дорожной карты (п. 3.6 Положения).",
                8,
                0,
                1,
            ),
        ],
        "2",
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
        None,
    ),
]


# Spellings of one organization in the order: the place name and its abbreviation, and a slip.
SPELLINGS = {"полазненская сош": "псош", "вильвинская": "вильвенская"}


def split_member(written: str) -> tuple[str, str]:
    """«Катаева Ирина Юрьевна, старший воспитатель» → (name, position); «… (воспитатель)» the same."""
    match = re.fullmatch(r"\s*(.+?)\s*(?:,\s*(.+?)|\((.+?)\))\s*", written)
    if not match:
        return written.strip(), ""
    return match.group(1), (match.group(2) or match.group(3) or "").strip()


def split_organization(written: str) -> tuple[str, str]:
    """«МБОУ «ДООШ №1» (КШ)» → (organization, «(КШ)»); «…», корпус «Голубятская ООШ»» likewise."""
    written = written.strip()
    match = re.fullmatch(r"(.+?»)\s*(\(.+\)|,\s*(корпус.+))", written)
    if not match:
        return written, ""
    return match.group(1), (match.group(3) or match.group(2)).strip()


def _as_usual(name: str) -> str:
    """The order's own spellings and slips («Полазненская СОШ» for «ПСОШ»; «первой категории») put right."""
    name = name.lower().replace("ё", "е").replace("первой категории", "")
    for spelling, usual in SPELLINGS.items():
        name = name.replace(spelling, usual)
    return name


def _organization(organizations: list[Organization], written: str) -> Organization | None:
    """The demo organization the order names, or None when it is not held or not certain."""
    if not written:
        return None
    return names.best_organization(
        _as_usual(split_organization(written)[0]),
        organizations,
        names=lambda o: [_as_usual(o.short_name)],
    )


def _official(officials: list[Official], name: str) -> Official | None:
    exact = [o for o in officials if o.full_name == name.strip()]
    return exact[0] if len(exact) == 1 else names.best_official(name, officials)


def _members(
    group: ProjectGroup, leader_name: str | None, leader: Official | None, members, officials, organizations
):
    """The leader as member 1, then the members as Приложение 3 lists them; a rerun fixes what an
    older load matched wrongly and changes nothing else."""
    rows = []
    if leader_name:
        rows.append(
            (leader_name, "", leader.organization.short_name if leader and leader.organization else "", True)
        )
    rows += [(*split_member(line), written, False) for line, written in members]
    for order, (name, position, written, is_leader) in enumerate(rows, start=1):
        official = leader if is_leader else _official(officials, name)
        organization_written, qualifier = split_organization(written) if written else ("", "")
        organization = _organization(organizations, organization_written) or (
            official.organization if official else None
        )
        if organization is None and organization_written:
            qualifier = written  # an organization the demo data does not hold, kept as written
        wanted = {
            "official": official,
            "organization": organization,
            "position": position,
            "qualifier": qualifier,
            "is_leader": is_leader,
            "order": order,
        }
        member = group.members.filter(full_name=name).first()
        if member is None:
            Member.objects.create(group=group, full_name=name, **wanted)
            continue
        changed = [field for field, value in wanted.items() if getattr(member, field) != value]
        if changed:
            for field in changed:
                setattr(member, field, wanted[field])
            member.save(update_fields=changed)


@transaction.atomic
def load() -> None:
    municipality = Municipality.objects.filter(slug=SLUG).first()
    if municipality is None:  # mcok's demo must run first
        return
    officials = list(Official.objects.filter(municipality=municipality).select_related("organization"))
    organizations = list(Organization.objects.filter(municipality=municipality))
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
        _members(group, leader_name, leader, members, officials, organizations)
        made.append(group)
    for index, number, date, time, place, present, items, repeats in MEETINGS:
        group = made[index]
        members = list(group.members.filter(is_active=True).order_by("order", "full_name"))
        meeting = group.meetings.filter(number=number, date=date).first()
        if meeting is not None:
            # an older load counted the members without the leader: the demo meeting is set again
            if meeting.members_total != len(members):
                meeting.members_total = len(members)
                meeting.save(update_fields=["members_total"])
                meeting.attendees.set(members[:present])
            continue
        meeting = Meeting.objects.create(
            group=group,
            number=number,
            kind=Meeting.Kind.REPEATED if repeats else Meeting.Kind.PLANNED,
            repeats=group.meetings.filter(number=repeats).first() if repeats else None,
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
            review = item_title == ROADMAP_REVIEW
            AgendaItem.objects.create(
                meeting=meeting,
                order=order,
                kind=AgendaItem.Kind.ROADMAP_REVIEW if review else AgendaItem.Kind.REGULAR,
                roadmap_state=roadmap_state(group, date) if review else [],
                title=item_title,
                speakers=heard,
                decision=decision,
                reasons=reasons,
                votes_for=yes,
                votes_against=no,
                votes_abstained=abstained,
            )
