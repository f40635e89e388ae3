"""The instructions of the four seed orders for `load_demo`, as the orders write them: each with its
document and item, its responsible as written (linked to the officials and organizations they name),
its deadline as written, and its state in the demo year 2025.

The dated instructions of 2021 and 2022 whose result the demo shows are done, with a report saying
where the result is: Ишимбай's public tab (3), its direction programmes and the links to them (5),
Добрянка's roadmaps by direction (5), Amursk's letter to the ministry (7). The schools' programmes of
Amursk (4.1, «до 01.09.2022») have no trace in the demo and stay open, so the demo shows an overdue
instruction. Lasting instructions («обеспечить своевременную актуализацию», «общее руководство …»,
«контроль … оставляю за собой») have no day and stay in progress.

Idempotent: an instruction (document, item and text) already loaded is updated, not doubled; its
recorded execution is left as it is.
"""

# ruff: noqa: E501

import datetime

from django.db import transaction

from mcok.models import Document, Municipality, Official, Organization
from roadmaps import instructions
from roadmaps.models import Instruction

DONE = Instruction.State.DONE
IN_PROGRESS = Instruction.State.IN_PROGRESS
ASSIGNED = Instruction.State.ASSIGNED

# Per municipality: how its order is found (number, else title), and its instructions in order. Each
# instruction: item, text, responsible as written, officials and organizations it names (by full name /
# short name; "schools" stands for every school and kindergarten of the municipality), deadline as
# written, state, and for a done one the day and the report.
ORDERS = {
    "ishimbay": {
        "number": "1048",
        "instructions": [
            {
                "number": "3",
                "text": "в срок до 01 августа 2021г. обеспечить функционирование на официальном сайте Управления образования отдельной вкладки с целью размещения ссылок на документы, регламентирующие деятельность Управления образования по совершенствованию муниципальных механизмов управления качеством образования, и мероприятия, проводимые в Ишимбайском районе в рамках муниципальных программ (комплексов мер) по отдельным направлениям показателей механизмов управления качеством образования в соответствии с Методическими рекомендациями по подготовке к проведению оценки механизмов управления качеством образования в субъектах Российской Федерации, разработанных ФГБУ Федеральный институт оценки качества образования (далее – Методические рекомендации);",
                "responsible_text": "Муниципальному оператору",
                "organizations": ["ГРЦПИ"],
                "deadline": "в срок до 01 августа 2021г.",
                "state": DONE,
                "done_on": "2021-07-30",
                "report": "Вкладка «Муниципальные механизмы управления качеством образования» открыта на сайте Управления образования: документы и мероприятия по направлениям размещены на публичной вкладке портала.",
            },
            {
                "number": "3",
                "text": "обеспечить своевременную актуализацию и достоверность размещаемой информации согласно Методическим рекомендациям;",
                "responsible_text": "Муниципальному оператору",
                "organizations": ["ГРЦПИ"],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "5",
                "text": "в срок до 12 июля 2021 года разработать муниципальные программы (комплексы мер) по отдельным направлениям показателей механизмов управления качеством образования в рамках компетенции определенной в Приложении №1;",
                "responsible_text": "Ответственным исполнителям (Вахрушиной Э.Ф., Доценко Т.И., Мастрюковой Л.И., Найденовой А.Н., Таратуниной Д.В., Шерсткиной Е.А.)",
                "officials": ["Вахрушина Э.Ф.", "Доценко Т.И.", "Мастрюкова Л.И.", "Найденова А.Н.", "Таратунина Д.В.", "Шерсткина Е.А."],
                "deadline": "в срок до 12 июля 2021 года",
                "state": DONE,
                "done_on": "2021-07-12",
                "report": "Муниципальные программы (комплексы мер) по направлениям разработаны и утверждены; они загружены в портал как дорожные карты направлений.",
            },
            {
                "number": "5",
                "text": "в срок до 12 июля 2021 года предоставить ссылки на документы, регламентирующие деятельность Управления образования по совершенствованию муниципальных механизмов управления качеством образования, и мероприятия, проводимые в Ишимбайском районе в рамках муниципальных программ (комплексов мер) по отдельным направлениям показателей механизмов управления качеством образования в соответствии с Методическими рекомендациями муниципальному оператору.",
                "responsible_text": "Ответственным исполнителям (Вахрушиной Э.Ф., Доценко Т.И., Мастрюковой Л.И., Найденовой А.Н., Таратуниной Д.В., Шерсткиной Е.А.)",
                "officials": ["Вахрушина Э.Ф.", "Доценко Т.И.", "Мастрюкова Л.И.", "Найденова А.Н.", "Таратунина Д.В.", "Шерсткина Е.А."],
                "deadline": "в срок до 12 июля 2021 года",
                "state": DONE,
                "done_on": "2021-07-12",
                "report": "Ссылки на документы и мероприятия по направлениям переданы муниципальному оператору и размещены на вкладке сайта.",
            },
            {
                "number": "7",
                "text": "Исполнителям, ответственным за организацию работы по направлениям совершенствования муниципальных механизмов управления качеством образования в рамках компетенции деятельности, обеспечить своевременное предоставление информации Координаторам в сроки, установленные требованиями к заполнению мониторингов, а также по запросу Координаторов.",
                "responsible_text": "Исполнителям, ответственным за организацию работы по направлениям совершенствования муниципальных механизмов управления качеством образования",
                "deadline": "в сроки, установленные требованиями к заполнению мониторингов, а также по запросу Координаторов",
                "state": IN_PROGRESS,
            },
            {
                "number": "8",
                "text": "Общее руководство за деятельностью Управления образования по совершенствованию механизмов управления качеством образования Ишимбайского района возложить на заместителя начальника Управления образования Вахрушину Э.Ф.",
                "responsible_text": "заместитель начальника Управления образования Вахрушина Э.Ф.",
                "officials": ["Вахрушина Э.Ф."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "9",
                "text": "Контроль за исполнением настоящего приказа оставляю за собой.",
                "responsible_text": "начальник Управления образования (подписавший приказ)",
                "officials": ["Исмагилов И.И."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
        ],
    },
    "amursk": {
        "number": "369-Д",
        "instructions": [
            {
                "number": "3.1",
                "text": "Своевременное размещение актуальной информации на сайте УОМПиС «Муниципальная система оценки качества образования» по направлениям «Механизмы управления качеством образовательных результатов», «Механизмы управления качеством образовательной деятельности», показателей мотивирующего мониторинга Амурского муниципального района;",
                "responsible_text": "Специалистам УОМПиС, МКУ ИМЦ г. Амурска",
                "organizations": ["МКУ ИМЦ"],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "3.2",
                "text": "Реализацию мероприятий «дорожной карты» Проекта.",
                "responsible_text": "Специалистам УОМПиС, МКУ ИМЦ г. Амурска",
                "organizations": ["МКУ ИМЦ"],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "4.1",
                "text": "Разработать в срок до 01.09.2022 программы (проекты) управления качеством образования, синхронизировав с муниципальным Проектом;",
                "responsible_text": "Руководителям образовательных учреждений Амурского муниципального района Хабаровского края",
                "organizations": "schools",
                "deadline": "в срок до 01.09.2022",
                "state": IN_PROGRESS,
            },
            {
                "number": "4.2",
                "text": "Обеспечить реализацию мероприятий «дорожной карты» Проекта.",
                "responsible_text": "Руководителям образовательных учреждений Амурского муниципального района Хабаровского края",
                "organizations": "schools",
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "5.1",
                "text": "Обеспечить методическое сопровождение Проекта;",
                "responsible_text": "Муниципальному казенному учреждению ИМЦ г. Амурска",
                "organizations": ["МКУ ИМЦ"],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "5.2",
                "text": "Оказать методическую помощь при разработке программ (проекта) на уровне образовательного учреждения.",
                "responsible_text": "Муниципальному казенному учреждению ИМЦ г. Амурска",
                "organizations": ["МКУ ИМЦ"],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "6",
                "text": "Лёзиной М.А., Загуменновой Л.В., Качаевой Е.А., заместителям начальника УОМПиС, осуществлять контроль за реализацией мероприятий Проекта.",
                "responsible_text": "Лёзиной М.А., Загуменновой Л.В., Качаевой Е.А., заместителям начальника УОМПиС",
                "officials": ["Лёзина М.А.", "Загуменнова Л.В.", "Качаева Е.А."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "7",
                "text": "Лёзиной М.А., заместителю начальника УОМПиС, в срок до 02.07.2022 направить информацию о муниципальном проекте «Развитие системы управления качеством образования в Амурском муниципальном районе» на 2022 – 2024 годы в адрес министерства образования и науки Хабаровского края.",
                "responsible_text": "Лёзиной М.А., заместителю начальника УОМПиС",
                "officials": ["Лёзина М.А."],
                "deadline": "в срок до 02.07.2022",
                "state": DONE,
                "done_on": "2022-07-01",
                "report": "Информация о муниципальном проекте направлена в министерство образования и науки Хабаровского края; паспорт проекта опубликован на публичной вкладке портала.",
            },
            {
                "number": "8",
                "text": "Контроль за исполнением данного приказа оставляю за собой.",
                "responsible_text": "начальник УОМПиС (подписавший приказ)",
                "officials": ["Сиденкова Н.Е."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
        ],
    },
    "dobryanka": {
        "title": "Об разработке муниципальной системы управления качеством образования в Добрянском городском округе",
        "instructions": [
            {
                "number": "4",
                "text": "Руководителям образовательных организаций обеспечить присутствие членов проектных групп на плановых заседаниях по разработке и реализации МСУКО.",
                "responsible_text": "Руководителям образовательных организаций",
                "organizations": "schools",
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "5",
                "text": "Руководителям проектных групп обеспечить разработку проекта по соответствующему направлению МСУКО в срок до 01.09.2021 года.",
                "responsible_text": "Руководителям проектных групп",
                "officials": "group leaders",
                "deadline": "в срок до 01.09.2021 года",
                "state": DONE,
                "done_on": "2021-09-01",
                "report": "Проекты по направлениям МСУКО разработаны: планы работ «дорожные карты» (Приложение 1 к приказу) загружены в портал по каждому направлению.",
            },
            {
                "number": "6",
                "text": "Контроль исполнения приказа возложить на Семину Н.В., заместителя начальника управления образования.",
                "responsible_text": "Семину Н.В., заместителя начальника управления образования",
                "officials": ["Семина Н.В."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
        ],
    },
    "sosnovka": {
        "number": "71",
        "instructions": [
            {
                "number": "2",
                "text": "Обеспечить проведение мероприятий по оценке качества образования в соответствии утвержденной Концепцией развития муниципальных механизмов управления качеством образования.",
                "responsible_text": "",
                "deadline": "",
                "state": IN_PROGRESS,
            },
            {
                "number": "3",
                "text": "Контроль за исполнением настоящего приказа оставляю за собой.",
                "responsible_text": "начальник отдела образования (подписавший приказ)",
                "officials": ["Нефедова М.В."],
                "deadline": "",
                "state": IN_PROGRESS,
            },
        ],
    },
}  # fmt: skip

SCHOOL_KINDS = ("school", "kindergarten")


def load() -> None:
    for slug, order in ORDERS.items():
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is not None:
            _load(municipality, order)


def _officials(municipality: Municipality, names) -> list[Official]:
    officials = Official.objects.filter(municipality=municipality, is_active=True)
    if names == "group leaders":
        return list(
            officials.filter(position__startswith="руководитель проектной группы").order_by("full_name")
        )
    found = {official.full_name: official for official in officials.filter(full_name__in=names or [])}
    return [found[name] for name in names or [] if name in found]


def _organizations(municipality: Municipality, names) -> list[Organization]:
    organizations = Organization.objects.filter(municipality=municipality)
    if names == "schools":
        return list(organizations.filter(kind__in=SCHOOL_KINDS).order_by("short_name"))
    found = {o.short_name: o for o in organizations.filter(short_name__in=names or [])}
    return [found[name] for name in names or [] if name in found]


@transaction.atomic
def _load(municipality: Municipality, order: dict) -> None:
    documents = Document.objects.filter(municipality=municipality)
    if order.get("number"):
        document = documents.filter(number=order["number"]).order_by("pk").first()
    else:
        document = documents.filter(title=order["title"]).order_by("pk").first()
    for n, item in enumerate(order["instructions"], start=1):
        data = instructions.InstructionInput(
            text=item["text"],
            number=item["number"],
            document=document,
            responsible_text=item["responsible_text"],
            responsible=[item["responsible_text"]]
            if item["responsible_text"] and not (item.get("officials") or item.get("organizations"))
            else [],
            officials=_officials(municipality, item.get("officials")),
            organizations=_organizations(municipality, item.get("organizations")),
            deadline_text=item["deadline"],
            order=n,
        )
        instruction = instructions.instruction_load(municipality=municipality, data=data)
        if instruction.state != ASSIGNED or instruction.report:
            continue  # its execution was recorded before: left as it is
        instruction.state = item["state"]
        if item["state"] == DONE:
            instruction.done_on = datetime.date.fromisoformat(item["done_on"])
            instruction.report = item["report"]
        instruction.save(update_fields=["state", "done_on", "report"])
