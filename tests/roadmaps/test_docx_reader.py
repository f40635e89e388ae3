"""The roadmap reader of Word documents. The documents are built here with python-docx from the
wording of the seeds: 001 (Амурский район: one roadmap, number | event | deadline | result |
responsible, six sections whose number stands beside a merged title) and 003 (Добрянский округ:
roadmaps with a title, planned criteria and sections merged across the table). Each is read back
and compared field by field; then the refusals, and random tables that may only ever be read or
refused with RoadmapFileError."""

import contextlib
import io
import zipfile

import docx
import pytest
from django.utils import translation
from docx.enum.text import WD_BREAK
from docx.exceptions import InvalidSpanError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from roadmaps import docx_reader
from roadmaps.docx_reader import RoadmapFileError, read_roadmaps, split_responsible, years_of


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever the catalogue holds."""
    with translation.override("en"):
        yield


# Building documents ---------------------------------------------------------------------------------


class Merged:
    """A row whose cells from `start` on are merged into one holding `text`; the cells before it
    hold `before` (001: the section number beside its merged title)."""

    def __init__(self, text: str, *, before: tuple[str, ...] = ()):
        self.text, self.before = text, before


def add_table(document, rows, *, down: tuple[int, int, int] | None = None):
    """A table of `rows` (lists of texts or Merged rows). `down` = (column, first row, last row)
    merges that column's cells vertically, keeping the first one's text."""
    width = max(len(row) if isinstance(row, list) else len(row.before) + 1 for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for index, row in enumerate(rows):
        cells = table.rows[index].cells
        if isinstance(row, Merged):
            for cell, text in zip(cells, row.before, strict=False):
                cell.text = text
            merged = cells[len(row.before)].merge(cells[width - 1])
            merged.text = row.text
        else:
            for cell, text in zip(cells, row, strict=False):
                cell.text = text
    if down:
        column, first, last = down
        text = table.cell(first, column).text
        for index in range(first + 1, last + 1):
            table.cell(index, column).text = ""
        table.cell(first, column).merge(table.cell(last, column)).text = text
    return table


def page_break(document):
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezipped(content: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None):
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, (replace or {}).get(info.filename, data))
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return buffer.getvalue()


# 003, Добрянский городской округ: two of its eight roadmaps --------------------------------------

SCHOOLS_TITLE = (
    "План мероприятий («дорожная карта») по разработке и реализации муниципальной системы поддержки "
    "школ с низкими образовательными результатами обучающихся и школ, функционирующих в "
    "неблагоприятных социальных условиях, в Добрянском городском округе на 2021- 2024 годы"
)
SCHOOLS_CRITERIA = [
    "по выявлению динамики образовательных результатов в школах с низкими результатами обучения "
    "и/или школах, функционирующих в неблагоприятных социальных условиях",
    "по учету педагогических работников школ с низкими результатами обучения и/или школ, "
    "функционирующих в неблагоприятных социальных условиях, прошедших диагностику профессиональных "
    "дефицитов/предметных компетенций",
    "по оказанию методической помощи школам с низкими результатами обучения и/или школам, "
    "функционирующим в неблагоприятных социальных условиях",
]
SCHOOLS_HEADER = [
    "№ п/п",
    "\nМероприятие \n(содержание деятельности)",
    "Ответственные исполнители",
    "Сроки исполнения",
    "Планируемый результат",
]
LOW_RESULTS = "общеобразовательных организаций, имеющих низкие образовательные результаты обучающихся (500+)"
UNFAVOURABLE = "функционирующих в неблагоприятных социальных условиях"
SCHOOLS_PART_1 = [
    SCHOOLS_HEADER,
    Merged("1. Нормативно-правовое обеспечение "),
    [
        "1.1.",
        "Формирование проектной группы по разработке и внедрению концепции поддержки школ с низкими "
        f"образовательными результатами обучающихся и школ, {UNFAVOURABLE}",
        "Управление образования",
        "Июнь 2021 год",
        "Утверждена проектная группа",
    ],
    [
        "1.2.",
        "Разработка и утверждение критериев и показателей системы работы со школами с низкими "
        "результатами обучения и/или школами, функционирующими в неблагоприятных социальных условиях "
        "на муниципальном уровне",
        "Управление образования, образовательные организации",
        "Июль-август, 2021 год",
        "Утверждена система критериев и показателей                  на муниципальном уровне",
    ],
    [
        "1.3.",
        "Разработка и утверждение дорожной карты по поддержке школ с низкими образовательными "
        f"результатами обучающихся и школ, {UNFAVOURABLE}, муниципального образования  ",
        "Управление образования",
        "Июль-август, 2021 год",
        "Утверждена дорожная карта по поддержке школ с низкими образовательными результатами "
        f"обучающихся и школ, {UNFAVOURABLE}, в муниципальном образовании Пермского края",
    ],
    Merged("2. Общесистемные мероприятия "),
    [
        "2.1.",
        "Проведение мероприятий регионального плана-графика реализации федерального проекта по "
        f"организации методической поддержки {LOW_RESULTS}",
        "Управление образования, образовательные организации",
        "Ежегодно ",
        "Проведены мероприятия в соответствии с региональным планом-графиком",
    ],
    [
        "2.2.",
        "Организационное, техническое, информационное сопровождение деятельности предметных групп "
        "учителей школ Пермского края-участников регионального проекта «Образовательный лифт: школы с "
        "низкими образовательными результатами»",
        "",  # the responsible of 2.1–2.4 is one cell merged down the four rows
        "Ежегодно ",
        "Отчет о результатах участия в реализации регионального проекта «Образовательный лифт: школы "
        "с низкими образовательными результатами»",
    ],
    [
        "2.3.",
        "Проведение мероприятий (дорожной карты) по поддержке школ с низкими образовательными "
        f"результатами обучающихся и школ, {UNFAVOURABLE}, муниципального образования  ",
        "",
        "Ежегодно                    (в соответствии с планом) ",
        "Отчет (справка)",
    ],
    [
        "2.4.",
        "Проведение совещаний по результатам реализации федерального проекта по организации "
        f"методической поддержки {LOW_RESULTS}",
        "",
        "В течение года (по мере необходимости)",
        "Анализ и рекомендации",
    ],
    [
        "2.5.",
        "Организация каскадного метода реализации федерального проекта по организации методической "
        f"поддержки {LOW_RESULTS} в сельских школах ДГО",
        "Управление образования, \nМБУ ДПО «ИМЦ», образовательные организации",
        "2021, 2022 годы",
        "Повышение качества образования в сельских школах",
    ],
]
SCHOOLS_PART_2 = [
    [
        "3.1.",
        "Подготовка и представление отчетов о реализации федерального проекта по организации "
        f"методической поддержки {LOW_RESULTS}",
        "Кураторы ШНОР, муниципальный координатор",
        "Ежегодно  (декабрь)",
        "Отчет",
    ],
    [
        "3.2.",
        "Подготовка и представление результатов системы работы со школами с низкими результатами "
        "обучения и/или школами, функционирующими в неблагоприятных социальных условиях на "
        "муниципальном уровне",
        "Управление образования",
        "Ежегодно   (август)",
        "Справка",
    ],
    [
        "3.3.",
        "Подготовка адресных рекомендаций,                в том числе для принятия управленческих "
        "решений,                                по результатам мониторинга системы работы со школами "
        "с низкими результатами обучения и/или школами, функционирующими в неблагоприятных социальных "
        "условиях ",
        "МБУ ДПО «ИМЦ»",
        "Ежегодно ",
        "Рекомендации по результатам мониторинга ",
    ],
]

OBJECTIVITY_TITLE = (
    "План мероприятий («дорожная карта») по разработке и реализации муниципальной системы "
    "объективности процедур оценки качества образования и олимпиад школьников в ДГО на 2021 -2024 годы."
)
OBJECTIVITY_ROWS = [
    ["№", "Мероприятие\n(содержание деятельности)", "Ответственные", "Сроки", "Планируемый результат"],
    Merged("1. Нормативно – правовое обеспечение"),
    [
        "1.1.",
        "Формирование рабочей группы по разработке и внедрению концепции в ОО.",
        "Управление образования",
        "Июнь ",
        "Утверждена рабочая группа",
    ],
    [
        "1.2",
        "Разработка и утверждение критериев и показателей системы объективности процедур оценки "
        "качества образования и олимпиад школьников.",
        "Управление образования",
        "Июль ",
        "Утверждена система критериев и показателей.",
    ],
    [
        "1.3.",
        "Разработка и утверждение плана – графика мониторинга объективности результатов процедур "
        "оценки качества образования и олимпиад школьников.",
        "Управление образования",
        "В течение года",
        "Утвержден план – график мониторинга объективности результатов оценочных процедур.",
    ],
    Merged("2. Общесистемные мероприятия"),
    [
        "2.1.",
        "Проведение мероприятий адресной помощи ОО с низкими результатами, мероприятия адресной помощи "
        "учителям, имеющим профессиональные проблемы и дефициты.",
        "Образовательные организации \nМБУ ДПО «ИМЦ»",
        "Ежегодно",
        "Формирование  позитивного отношения к объективной оценке образовательных результатов.",
    ],
    [
        "2.2.",
        "Организация внутришкольной системы оценки образовательных результатов:\n"
        "- положение о внутренней системе оценки качества подготовки обучающихся;\n"
        "- система регулярных независимых оценочных процедур, объективность результатов которых "
        "обеспечивает руководство ОО;\n"
        "-принятые в ОО критерии текущего и итогового оценивания;\n",
        "Образовательные организации",
        "2021 -2022 учебный год",
        "Организация внутришкольной системы оценки образовательных результатов.",
    ],
    [
        "2.3.",
        "Проведение мониторинга объективности результатов оценочных процедур и олимпиад школьников в "
        "соответствии с утверждённым планом – графиком.",
        "Управление образования Образовательные организации",
        "Ежегодно",
        "Проведен мониторинг",
    ],
    [
        "2.4.",
        "Проведение совещаний по результатам мониторинга объективности результатов оценочных процедур "
        "и олимпиад школьников",
        "Управление образования Образовательные организации",
        "Ежегодно",
        "Анализ и рекомендации",
    ],
    [
        "2.5.",
        "Проведение региональных контрольно – оценочных процедур",
        "Управление образования",
        "По графику РЦОИ",
        "",
    ],
    Merged("3. Мониторинг"),
    [
        "3.1.",
        "Подготовка и представление ежегодного отчета по реализации системы ",
        "Управление образования",
        "Ежегодно",
        "Отчет",
    ],
]


def document_003(*, repeat_header: bool = True) -> bytes:
    """The order of 003 with two of its roadmaps, the first split by a page break before its third
    section, and a table of a project group's members (Приложение 3)."""
    document = docx.Document()
    document.add_paragraph("Администрация Добрянского городского округа")
    document.add_paragraph("ПРИКАЗ")
    document.add_paragraph(
        "1. Утвердить прилагаемые планы работ «дорожные карты» реализации муниципальной системы "
        "управления качеством образования до 2024 года (далее – МСУКО) (Приложение 1)."
    )
    document.add_paragraph("Приложение 1 \nк приказу управления образования \nот ")
    document.add_paragraph(SCHOOLS_TITLE)
    document.add_paragraph("Планируемые критерии для разработки проекта:")
    for number, criterion in enumerate(SCHOOLS_CRITERIA, start=1):
        document.add_paragraph(f"{number}) {criterion}")
    document.add_paragraph("")
    add_table(document, SCHOOLS_PART_1, down=(2, 6, 9))
    page_break(document)
    second = [Merged("3. Мониторинг управления ходом реализации Плана"), *SCHOOLS_PART_2]
    add_table(document, [SCHOOLS_HEADER, *second] if repeat_header else second)
    document.add_paragraph("")
    document.add_paragraph(OBJECTIVITY_TITLE)
    document.add_paragraph("Планируемые критерии для разработки проекта:")
    document.add_paragraph("1) по обеспечению объективности процедур оценки качества образования")
    document.add_paragraph("2) по обеспечению объективности Всероссийской олимпиады школьников")
    add_table(document, OBJECTIVITY_ROWS)
    document.add_paragraph("Приложение 3\n к приказу управления образования")
    document.add_paragraph("Состав проектных групп по разработке и реализации МСУКО")
    add_table(
        document,
        [
            ["№", "ФИО педагога", "ОО"],
            Merged("Муниципальный куратор – Суркова Ю.С."),
            ["1", "Жукова Алла Анатольевна", "МБОУ «ДСОШ № 3»"],
            ["2", "Лазарева Светлана Анатольевна", "МБОУ «ПСОШ №1»"],
        ],
    )
    return saved(document)


def outline(roadmap) -> list[tuple[str, str, list[str]]]:
    return [(s.number, s.title, [e.number for e in s.events]) for s in roadmap.sections]


def test_003_roadmaps_with_criteria_sections_and_a_split_table():
    result = read_roadmaps(io.BytesIO(document_003()))

    assert result.warnings == [
        "Table 2 continues table 1: their rows were joined.",
        "Tables that are not roadmaps were skipped: 4.",
    ]
    schools, objectivity = result.roadmaps
    assert schools.title == SCHOOLS_TITLE
    assert schools.years == (2021, 2024)
    assert schools.criteria == SCHOOLS_CRITERIA
    assert schools.tables == [1, 2]
    assert outline(schools) == [
        ("1", "Нормативно-правовое обеспечение", ["1.1", "1.2", "1.3"]),
        ("2", "Общесистемные мероприятия", ["2.1", "2.2", "2.3", "2.4", "2.5"]),
        ("3", "Мониторинг управления ходом реализации Плана", ["3.1", "3.2", "3.3"]),
    ]

    events = {event.number: event for event in schools.events}
    first = events["1.2"]
    assert first.content == (
        "Разработка и утверждение критериев и показателей системы работы со школами с низкими "
        "результатами обучения и/или школами, функционирующими в неблагоприятных социальных условиях "
        "на муниципальном уровне"
    )
    assert first.responsible == "Управление образования, образовательные организации"
    assert first.responsible_names == ["Управление образования", "образовательные организации"]
    assert first.deadline == "Июль-август, 2021 год"
    assert first.result == "Утверждена система критериев и показателей на муниципальном уровне"
    assert (first.table, first.row) == (1, 4)

    # The responsible cell merged down 2.1–2.4 belongs to each of the four events.
    for number in ("2.1", "2.2", "2.3", "2.4"):
        assert events[number].responsible == "Управление образования, образовательные организации"
    assert events["2.3"].deadline == "Ежегодно (в соответствии с планом)"
    assert events["2.5"].responsible == "Управление образования,\nМБУ ДПО «ИМЦ», образовательные организации"
    assert events["2.5"].responsible_names == [
        "Управление образования",
        "МБУ ДПО «ИМЦ»",
        "образовательные организации",
    ]
    assert events["2.5"].deadline == "2021, 2022 годы"

    # The second part of the table, after the page break, repeats the header.
    last = events["3.3"]
    assert (last.table, last.row) == (2, 5)
    assert last.content.startswith(
        "Подготовка адресных рекомендаций, в том числе для принятия управленческих"
    )
    assert last.responsible_names == ["МБУ ДПО «ИМЦ»"]
    assert last.deadline == "Ежегодно"
    assert last.result == "Рекомендации по результатам мониторинга"
    assert events["3.1"].responsible_names == ["Кураторы ШНОР", "муниципальный координатор"]

    assert objectivity.title == OBJECTIVITY_TITLE
    assert objectivity.years == (2021, 2024)
    assert objectivity.criteria == [
        "по обеспечению объективности процедур оценки качества образования",
        "по обеспечению объективности Всероссийской олимпиады школьников",
    ]
    assert objectivity.tables == [3]
    assert outline(objectivity) == [
        ("1", "Нормативно – правовое обеспечение", ["1.1", "1.2", "1.3"]),
        ("2", "Общесистемные мероприятия", ["2.1", "2.2", "2.3", "2.4", "2.5"]),
        ("3", "Мониторинг", ["3.1"]),
    ]
    events = {event.number: event for event in objectivity.events}
    assert events["2.1"].responsible_names == ["Образовательные организации", "МБУ ДПО «ИМЦ»"]
    assert events["2.1"].result == (
        "Формирование позитивного отношения к объективной оценке образовательных результатов."
    )
    # Two parties written without a separator between them.
    assert events["2.3"].responsible_names == ["Управление образования", "Образовательные организации"]
    assert events["2.2"].content.splitlines() == [
        "Организация внутришкольной системы оценки образовательных результатов:",
        "- положение о внутренней системе оценки качества подготовки обучающихся;",
        "- система регулярных независимых оценочных процедур, объективность результатов которых "
        "обеспечивает руководство ОО;",
        "-принятые в ОО критерии текущего и итогового оценивания;",
    ]
    assert events["2.2"].deadline == "2021 -2022 учебный год"
    assert events["2.5"].result == ""
    assert (events["3.1"].table, events["3.1"].row) == (3, 13)


def test_a_split_table_without_its_header_is_joined_by_its_width():
    result = read_roadmaps(document_003(repeat_header=False))

    schools = result.roadmaps[0]
    assert schools.tables == [1, 2]
    assert [len(section.events) for section in schools.sections] == [3, 5, 3]
    assert (schools.events[-1].table, schools.events[-1].row) == (2, 4)


# 001, Амурский муниципальный район: the roadmap of the municipal project ------------------------

AMUR_TITLE = (
    "«Дорожная карта» муниципального проекта «Развитие системы управления качеством образования в "
    "Амурском муниципальном районе» на 2022 – 2024 годы"
)
PRACTICE = "(проект «Повышение объективности оценки образовательных результатов («Все решают только знания»)"
UPBRINGING = (
    "(Проект воспитания и социализации обучающихся общеобразовательных организаций, расположенных на "
    "территории Амурского муниципального района Хабаровского края, на 2021 – 2025 годы)"
)
AMUR_ROWS = [
    [
        "№ п/п",
        "Ключевые мероприятия (содержание деятельности) муниципального уровня",
        "Сроки исполнения",
        "Конечный результат реализации мероприятий",
        "Ответственный исполнитель",
    ],
    Merged(
        "Аналитическая деятельность, включая анализ эффективности принятых мер, управленческие решения, "
        "планирование деятельности",
        before=("1",),
    ),
    [
        "1.1.",
        "Анализ и интерпретация данных по результатам мотивирующего мониторинга и оценка деятельности "
        "УОМПиС, выработка управленческих решений («Практика эффективного управления»)",
        "Май 2022 г., далее – по мере проведения мониторингов \n\n(согласно графику проведения)",
        "Аналитическая справка",
        "УОМПиС, МКУ ИМЦ, МКУ ХЭССО, руководители ОУ",
    ],
    [
        "1.2.",
        "Проведение мониторинга мероприятий по выполнению показателя «Доля педагогических работников в "
        "возрасте до 35 лет в общей численности педагогических работников в муниципальном образовании»",
        "2022-2024 г.г., 2 раза в год\n\n",
        "Аналитическая справка (процентное соотношение педагогических работников в возрасте до 35 лет в "
        "общей численности педагогических работников не ниже дорожной карты)  ",
        "Бахаева А.В., главный специалист, Тимофеева М.А. директор ИМЦ,\n\n"
        "руководители образовательных учреждений",
    ],
    [
        "1.5.",
        "Направление экспертов для подготовки и работы в предметных комиссиях в период проведения ГИА "
        + PRACTICE,
        "В соответствии с расписанием проведения ГИА\n\n",
        "Содействие в организации работы региональных предметных комиссий",
        "УОМПиС, руководители ОУ\n\nЛёзина М.А., заместитель начальника, Максимова М.П., главный "
        "специалист, Буханцева М.Ю., главный специалист",
    ],
    Merged(
        "Методическая поддержка муниципального проекта развития системы управления качеством образования",
        before=("2.",),
    ),
    [
        "2.1.",
        "Методический семинар для руководителей образовательных учреждений (управленческих команд) по "
        "разработке институциональной программ развития системы управления качеством образования ",
        "Август, сентябрь 2022 г.",
        "Проекты институциональных программ",
        "УОМПиС, МКУ ИМЦ",
    ],
    [
        "2.6.",
        "Утверждение муниципальных программ воспитания и социализации обучающихся.\n\nАктуализация "
        f"муниципальных программ воспитания и социализации обучающихся {UPBRINGING}",
        "май –август 2022 г., 2023 г., 2024 г.",
        "Актуализация муниципальных программ воспитания и социализации обучающихся",
        "ХК ИРО, УОМПиС,\n\nРязанова Е.В., главный специалист УОМПиС,\n\nРуководители ОУ",
    ],
    Merged(
        "Региональная/муниципальная система мониторинга эффективности управления качеством образования",
        before=("3.",),
    ),
    [
        "3.4.",
        "Анализ деятельности учреждений по профессиональной ориентации обучающихся с ОВЗ («Амур-талант».",
        "ежегодно, август",
        "Подготовка материала               к собеседованию",
        "УОМПиС, руководители образовательных учреждений, \n\nЕгоров А.А., начальник отдела молодежной "
        "политики и спорта,\n\nЗахарова М.С., ведущий специалист,\n\nМаксимова М.П., главный специалист ",
    ],
    [
        "3.5.",
        "Анализ достижения показателей региональной программ воспитания и социализации обучающихся.",
        "ежегодно, ноябрь",
        "Подготовка материала               к собеседованию",
        "УОМПиС, Рязанова Е.В., главный специалист, руководители образовательных учреждений",
    ],
    Merged("Система повышения квалификации руководителей и специалистов УОМПиС", before=("4.",)),
    [
        "4.1.",
        "Проведение обучающих мероприятий для руководителей образовательных организаций по "
        "проектированию управленческого цикла по организации и проведению оценки механизмов управления "
        "качеством образования («Практика эффективного управления»)",
        "2022 –  2024 годы",
        "Не менее 30\xa0% руководителей образовательных учреждений ежегодно",
        "УОМПиС,\n\nЗагуменнова Л.В., заместитель начальника, Лёзина М.А., заместитель начальника, "
        "Тимофеева М.А., директор МКУ ИМЦ",
    ],
    [
        "4.3.",
        "Направление на стажировку руководителей образовательных учреждений АМР по вопросам управления "
        "качеством образования",
        "2022 – 2023 годы",
        "Не менее 40 % руководителей образовательных учреждений за два года",
        "УОМПиС, МКУ ИМЦ",
    ],
    Merged(
        "Система формирования и функционирования муниципального кадрового резерва руководителей системы "
        "образования",
        before=("5.",),
    ),
    [
        "5.1.",
        "Обновление кадрового резерва руководителей общеобразовательных учреждений, организаций "
        "дополнительного образования, включающего представителей от каждой образовательной организации "
        "«Команда будущего»",
        "постоянно",
        "Списочный состав кадрового резерва",
        "УОМПиС",
    ],
    Merged(
        "Система информационно обеспечения региональной программы/муниципального проекта развития "
        "системы управления качеством образования",
        before=("6.",),
    ),
    [
        "6.1.",
        "Разработка аналитических материалов по итогам проведения Всероссийских проверочных работ "
        + PRACTICE,
        "Июнь – август 2022 г., \nиюнь – август 2023 г.\n\nиюнь – август 2024 г.",
        "Аналитическая справка",
        "УОМПиС, МКУ ИМЦ, ОУ",
    ],
    [
        "6.2",
        "Проведение серии мероприятий по формированию позитивного отношения к\xa0вопросам объективной "
        "оценки результатов обучения и по использованию объективных результатов для управления "
        "качеством образования " + PRACTICE,
        "2022 – 2024 годы",
        "Позитивная динамика по показателям мотивирующего мониторинга",
        "УОМПиС, МКУ ИМЦ, ОУ",
    ],
]


def document_001() -> bytes:
    """Приложение 1 of the order №369-Д: a layout table with the appendix's stamp, the title in two
    paragraphs, the roadmap; then Приложение 2 with the indicator catalogue, which is no roadmap."""
    document = docx.Document()
    document.add_paragraph("Об утверждении муниципального проекта")
    add_table(
        document, [["", "", "Приложение № 1\nк приказу начальника управления образования\n\nот 01.07.2022"]]
    )
    document.add_paragraph("«Дорожная карта» муниципального проекта")
    document.add_paragraph("")
    document.add_paragraph(
        "«Развитие системы управления качеством образования в Амурском муниципальном районе» на 2022 – "
        "2024 годы"
    )
    add_table(document, AMUR_ROWS)
    add_table(document, [["", "", "Приложение № 2\nк приказу начальника управления образования"]])
    document.add_paragraph("ПОКАЗАТЕЛИ\nмотивирующего мониторинга управления образования")
    add_table(
        document,
        [
            [
                "№ показателя",
                "Наименование показателя",
                "Ед. измерения",
                "Характеристика показателя",
                "Периодичность",
            ],
            ["П1.", "Темп роста доли фонда оплаты труда педагогических работников", "%", "", "2 раза в год"],
        ],
    )
    return saved(document)


def test_001_roadmap_with_its_column_order_and_numbered_merged_sections(tmp_path):
    path = tmp_path / "369-Д.docx"
    path.write_bytes(document_001())

    result = read_roadmaps(path)

    assert result.warnings == ["Tables that are not roadmaps were skipped: 1, 3, 4."]
    [amur] = result.roadmaps
    assert amur.title == AMUR_TITLE
    assert amur.years == (2022, 2024)
    assert amur.criteria == []
    assert amur.tables == [2]
    assert outline(amur) == [
        (
            "1",
            "Аналитическая деятельность, включая анализ эффективности принятых мер, управленческие "
            "решения, планирование деятельности",
            ["1.1", "1.2", "1.5"],
        ),
        (
            "2",
            "Методическая поддержка муниципального проекта развития системы управления качеством образования",
            ["2.1", "2.6"],
        ),
        (
            "3",
            "Региональная/муниципальная система мониторинга эффективности управления качеством образования",
            ["3.4", "3.5"],
        ),
        ("4", "Система повышения квалификации руководителей и специалистов УОМПиС", ["4.1", "4.3"]),
        (
            "5",
            "Система формирования и функционирования муниципального кадрового резерва руководителей "
            "системы образования",
            ["5.1"],
        ),
        (
            "6",
            "Система информационно обеспечения региональной программы/муниципального проекта развития "
            "системы управления качеством образования",
            ["6.1", "6.2"],
        ),
    ]
    events = {event.number: event for event in amur.events}
    first = events["1.1"]
    assert (
        first.deadline == "Май 2022 г., далее – по мере проведения мониторингов (согласно графику проведения)"
    )
    assert first.result == "Аналитическая справка"
    assert first.responsible == "УОМПиС, МКУ ИМЦ, МКУ ХЭССО, руководители ОУ"
    assert first.responsible_names == ["УОМПиС", "МКУ ИМЦ", "МКУ ХЭССО", "руководители ОУ"]
    assert (first.table, first.row) == (2, 3)
    assert events["1.2"].deadline == "2022-2024 г.г., 2 раза в год"
    assert events["1.2"].responsible == (
        "Бахаева А.В., главный специалист, Тимофеева М.А. директор ИМЦ,\n"
        "руководители образовательных учреждений"
    )
    assert events["1.2"].responsible_names == [
        "Бахаева А.В., главный специалист",
        "Тимофеева М.А. директор ИМЦ",
        "руководители образовательных учреждений",
    ]
    assert events["1.5"].responsible_names == [
        "УОМПиС",
        "руководители ОУ",
        "Лёзина М.А., заместитель начальника",
        "Максимова М.П., главный специалист",
        "Буханцева М.Ю., главный специалист",
    ]
    assert events["2.6"].content.splitlines()[0] == (
        "Утверждение муниципальных программ воспитания и социализации обучающихся."
    )
    assert events["2.6"].responsible_names == [
        "ХК ИРО",
        "УОМПиС",
        "Рязанова Е.В., главный специалист УОМПиС",
        "Руководители ОУ",
    ]
    assert events["3.4"].responsible_names == [
        "УОМПиС",
        "руководители образовательных учреждений",
        "Егоров А.А., начальник отдела молодежной политики и спорта",
        "Захарова М.С., ведущий специалист",
        "Максимова М.П., главный специалист",
    ]
    assert events["3.5"].responsible_names == [
        "УОМПиС",
        "Рязанова Е.В., главный специалист",
        "руководители образовательных учреждений",
    ]
    assert events["3.5"].result == "Подготовка материала к собеседованию"
    assert events["4.1"].result == "Не менее 30 % руководителей образовательных учреждений ежегодно"
    assert events["4.1"].responsible_names == [
        "УОМПиС",
        "Загуменнова Л.В., заместитель начальника",
        "Лёзина М.А., заместитель начальника",
        "Тимофеева М.А., директор МКУ ИМЦ",
    ]
    assert events["6.1"].deadline == "Июнь – август 2022 г., июнь – август 2023 г. июнь – август 2024 г."
    assert events["6.2"].content.startswith(
        "Проведение серии мероприятий по формированию позитивного отношения к "
    )
    assert (events["6.2"].table, events["6.2"].row) == (2, 19)


# Headers, numbers and titles that the seeds do not show --------------------------------------------


def test_two_row_header_numbering_row_merged_event_and_document_heading():
    """«№ п/п», «Мероприятие» and «Ответственные» merged down two header rows, «Сроки» over
    «начало» and «окончание», the column numbers 1–5 under them; an event whose cell is merged
    down over a second deadline; an event without a number; no section rows."""
    document = docx.Document()
    document.add_heading("Мероприятия по повышению качества образования на 2024/2025 учебный год", level=1)
    add_table(document, [["Согласовано", "Утверждаю"]])
    table = document.add_table(rows=7, cols=5)
    for column, text in enumerate(["№ п/п", "Мероприятие", "Сроки", "", "Ответственные"]):
        table.cell(0, column).text = text
    for column in (0, 1, 4):
        text = table.cell(0, column).text
        table.cell(0, column).merge(table.cell(1, column)).text = text
    table.cell(0, 2).merge(table.cell(0, 3)).text = "Сроки"
    table.cell(1, 2).text, table.cell(1, 3).text = "начало", "окончание"
    for column in range(5):
        table.cell(2, column).text = str(column + 1)
    rows = [
        [
            "1.",
            "Провести совещание",
            "Сентябрь 2024",
            "Октябрь 2024",
            "Иванова А.Б., начальник отдела; Петров В.Г.",
        ],
        ["", "", "Март 2025", "Апрель 2025", ""],
        ["", "Обобщить опыт", "Май 2025", "", "ИМЦ"],
        ["", "", "", "", ""],
    ]
    for index, texts in enumerate(rows, start=3):
        for column, text in enumerate(texts):
            table.cell(index, column).text = text
    table.cell(3, 1).merge(table.cell(4, 1)).text = "Провести совещание"
    table.cell(3, 0).merge(table.cell(4, 0)).text = "1."

    result = read_roadmaps(saved(document))

    assert result.warnings == [
        "Table 2, row 6: the event has no number; it was numbered 2.",
        "Tables that are not roadmaps were skipped: 1.",
    ]
    [roadmap] = result.roadmaps
    assert roadmap.title == "Мероприятия по повышению качества образования на 2024/2025 учебный год"
    assert roadmap.years == (2024, 2025)
    [section] = roadmap.sections
    assert (section.number, section.title) == ("", "")
    meeting, experience = section.events
    assert meeting.number == "1"
    assert meeting.deadline == "Сентябрь 2024 – Октябрь 2024; Март 2025 – Апрель 2025"
    assert meeting.responsible_names == ["Иванова А.Б., начальник отдела", "Петров В.Г."]
    assert meeting.row == 4
    assert (experience.number, experience.content, experience.deadline) == ("2", "Обобщить опыт", "Май 2025")
    assert experience.responsible_names == ["ИМЦ"]


def test_section_rows_written_in_the_first_cells_without_merging():
    document = docx.Document()
    document.add_paragraph("ПЛАН МЕРОПРИЯТИЙ по реализации проекта на 2023 год")
    add_table(
        document,
        [
            ["Ответственные (исполнители)", "№", "Наименование мероприятия", "Срок", "Результат"],
            ["", "Раздел 1. Организационные мероприятия", "", "", ""],
            ["Управление образования", "1.1", "Издать приказ", "Январь", "Приказ"],
            ["", "2", "Мониторинг", "", ""],
            ["ИМЦ", "2.1", "Собрать данные", "Февраль", "Справка"],
            ["ИМЦ", "", "Проанализировать данные", "Март", "Справка"],
            ["ИМЦ", "2.1", "Повторить анализ", "Апрель", ""],
            ["", "2.3", "", "", ""],
        ],
    )

    result = read_roadmaps(saved(document))

    [roadmap] = result.roadmaps
    assert roadmap.title == "ПЛАН МЕРОПРИЯТИЙ по реализации проекта на 2023 год"
    assert roadmap.years == (2023, 2023)
    assert outline(roadmap) == [
        ("1", "Организационные мероприятия", ["1.1"]),
        ("2", "Мониторинг", ["2.1", "2.2", "2.1"]),
    ]
    assert roadmap.sections[0].events[0].responsible_names == ["Управление образования"]
    assert result.warnings == [
        "Table 1, row 6: the event has no number; it was numbered 2.2.",
        "Table 1, row 7: the number 2.1 repeats an earlier event's.",
        "Table 1, row 8 has no event text; the row was skipped.",
    ]


def test_cell_text_as_word_shows_it():
    """Tabs and line breaks of the runs, not the paragraph's tab stops; an inserted run, not a
    deleted one; no soft hyphens."""
    document = docx.Document()
    document.add_paragraph("План мероприятий")
    table = add_table(document, [["Мероприятие", "Срок"], ["", "Май"]])
    paragraph = table.cell(1, 0).paragraphs[0]
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(3))
    paragraph.add_run("Семи\u00adнар\tдля")
    paragraph.add_run().add_break()
    paragraph.add_run("руководителей")
    inserted, deleted = OxmlElement("w:ins"), OxmlElement("w:del")
    for element, tag, text in ((inserted, "w:t", " ОО"), (deleted, "w:delText", " и учителей")):
        run, piece = OxmlElement("w:r"), OxmlElement(tag)
        piece.text = text
        run.append(piece)
        element.append(run)
        paragraph._p.append(element)

    [roadmap] = read_roadmaps(saved(document)).roadmaps

    assert roadmap.events[0].content == "Семинар для\nруководителей ОО"


def test_warnings_about_rows_are_counted_past_the_limit(monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_ROW_WARNINGS", 1)
    document = docx.Document()
    document.add_paragraph("План мероприятий")
    add_table(document, [["Мероприятие", "Срок"], *(["Семинар", "Май"] for _row in range(4))])

    result = read_roadmaps(saved(document))

    assert len(result.roadmaps[0].events) == 4
    assert result.warnings == [
        "Table 1, row 2: the event has no number; it was numbered 1.",
        "There are 3 more warnings about rows like these.",
    ]


def test_a_table_without_a_title_is_read_with_a_warning():
    document = docx.Document()
    add_table(document, [["Мероприятие", "Исполнители"], ["Провести семинар", "ИМЦ"]])

    result = read_roadmaps(saved(document))

    [roadmap] = result.roadmaps
    assert (roadmap.title, roadmap.years) == ("", None)
    assert roadmap.events[0].number == "1"
    assert result.warnings == [
        "The roadmap of table 1 has no title; give it one.",
        "Table 1, row 2: the event has no number; it was numbered 1.",
    ]


def test_row_limit_keeps_what_was_read_and_warns():
    result = read_roadmaps(document_003(), max_rows=5)

    [schools] = result.roadmaps
    assert [event.number for event in schools.events] == ["1.1", "1.2", "1.3"]
    assert result.warnings == [
        "Only the first 5 rows were read; the rest, from row 6 of table 1 on, is ignored."
    ]


@pytest.mark.parametrize(
    ("title", "years"),
    [
        ("… в Добрянском городском округе на 2021-2024 гг.", (2021, 2024)),
        ("… на 2021- 2024 годы", (2021, 2024)),
        ("… Добрянского городского округа на 2021-2024 учебный год", (2021, 2024)),
        ("«Развитие …» на 2022 – 2024 годы", (2022, 2024)),
        ("План на 2022 г.-2024 г.", (2022, 2024)),
        ("План работы с 2023 по 2025 год", (2023, 2025)),
        ("План на 2024/2025 учебный год", (2024, 2025)),
        ("План на 2023 год", (2023, 2023)),
        ("План мероприятий", None),
        ("План на 2024-2021 годы", None),
    ],
)
def test_years_of_a_title(title, years):
    assert years_of(title) == years


POSITION = "заместителя начальника управления образования"
LEADER = "Руководитель группы - Мотуз Ирина Львовна, учитель"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Иванова А.Б., начальник отдела", ["Иванова А.Б., начальник отдела"]),
        ("Иванова А.Б., Петрова В.Г.", ["Иванова А.Б.", "Петрова В.Г."]),
        ("А.Б. Иванова, методист ИМЦ; руководители ОО", ["А.Б. Иванова, методист ИМЦ", "руководители ОО"]),
        (f"Семину Н.В., {POSITION}", [f"Семину Н.В., {POSITION}"]),
        (LEADER, [LEADER]),
        ("Иванова А.Б., главные специалисты отдела", ["Иванова А.Б.", "главные специалисты отдела"]),
        ("Иванова А.Б.; начальник отдела", ["Иванова А.Б.", "начальник отдела"]),
        ("Лёзина М.А.,\nзаместитель начальника", ["Лёзина М.А., заместитель начальника"]),
        ("заместитель начальника, Иванова А.Б.", ["заместитель начальника", "Иванова А.Б."]),
        ("МБОУ «СОШ №1, г. Амурск», ИМЦ", ["МБОУ «СОШ №1, г. Амурск»", "ИМЦ"]),
        ("Управление образования.", ["Управление образования"]),
        ("УОМПиС, УОМПиС", ["УОМПиС"]),
        ("", []),
    ],
)
def test_split_responsible(text, names):
    assert split_responsible(text) == names


# Refusals -------------------------------------------------------------------------------------------


def refusal(content, **options) -> str:
    with pytest.raises(RoadmapFileError) as caught:
        read_roadmaps(content, **options)
    return str(caught.value)


def test_a_text_file_renamed_docx_is_refused(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_text("План мероприятий («дорожная карта»)\t№\tМероприятие", encoding="utf-8")

    assert "is not a Word document (.docx)" in refusal(path)


@pytest.mark.parametrize(
    ("megabytes", "reason"),
    [(120, "unpacks to more than 100 MB"), (8, "compressed more than 100 times")],
)
def test_a_zip_bomb_is_refused_from_its_directory(megabytes, reason):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            chunk = b"<w:p/>" * (1024 * 1024 // 6)
            for _megabyte in range(megabytes):
                part.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024

    assert reason in refusal(buffer)


def test_too_many_parts_or_too_big_a_file_is_refused(monkeypatch):
    content = document_003()

    assert "larger than 9.8\xa0KB" in refusal(content, max_bytes=10_000)
    monkeypatch.setattr(docx_reader, "MAX_ENTRIES", 3)
    assert "more than 3 parts" in refusal(content)


def test_macros_encryption_old_word_and_other_office_files_are_refused():
    content = document_003()
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml")
    docm = rezipped(
        content,
        replace={
            "[Content_Types].xml": types.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
        },
    )
    with_vba = rezipped(content, add={"word/vbaProject.bin": b"\x00" * 100})
    workbook = rezipped(
        content, replace={"[Content_Types].xml": types.replace(b"wordprocessingml", b"spreadsheetml")}
    )
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

    assert "contains macros" in refusal(docm)
    assert "contains macros" in refusal(with_vba)
    assert "protected by a password" in refusal(ole + "EncryptedPackage".encode("utf-16-le"))
    assert "old Word 97–2003 document" in refusal(ole)
    assert "is not a Word document" in refusal(workbook)
    assert "cannot be read" in refusal(rezipped(content, replace={"word/document.xml": b"<w:document"}))


def test_a_document_without_a_table_is_refused():
    document = docx.Document()
    document.add_paragraph("План мероприятий («дорожная карта») на 2021-2024 годы")

    assert "The document has no table" in refusal(saved(document))


def test_tables_without_roadmap_headers():
    """Alone, they make the document refused; beside a roadmap, they are skipped and named in a
    warning. A table with some roadmap columns but no event column gets a warning of its own."""
    lonely = docx.Document()
    add_table(lonely, [["№", "ФИО", "ОО"], ["1", "Жукова Алла Анатольевна", "МБОУ «ДСОШ № 3»"]])
    assert "No table of the document is a roadmap" in refusal(saved(lonely))

    document = docx.Document()
    add_table(document, [["№", "ФИО", "ОО"], ["1", "Жукова Алла Анатольевна", "МБОУ «ДСОШ № 3»"]])
    document.add_paragraph("План мероприятий")
    add_table(document, [["Ответственные", "Сроки"], ["ИМЦ", "Май"]])
    document.add_paragraph("План мероприятий на 2022 год")
    add_table(document, [["№", "Мероприятие", "Ответственные"], ["1.", "Семинар", "ИМЦ"]])
    add_table(document, [["№", "Мероприятие"], ["1.", "Семинар"]])

    result = read_roadmaps(saved(document))

    assert [roadmap.title for roadmap in result.roadmaps] == ["План мероприятий на 2022 год"]
    assert result.warnings == [
        "Table 2 was skipped: it has no column of events («Мероприятие», «Содержание деятельности»).",
        "Table 4 was skipped: besides the events it needs a column of the responsible, the deadlines or "
        "the results.",
        "Tables that are not roadmaps were skipped: 1.",
    ]


# Whatever the tables hold, the reader reads them or refuses the file -------------------------------

WORDS = [
    "№", "№ п/п", "Мероприятие", "Содержание деятельности", "Ответственные", "Исполнители", "Сроки",
    "Срок исполнения", "Планируемый результат", "Результат", "1.", "1.1.", "2", "Раздел 2", "II.",
    "1. Нормативно-правовое обеспечение", "Иванова А.Б., начальник отдела", "Ежегодно", "1", "2", "3",
    "План мероприятий («дорожная карта») на 2021-2024 годы", "«", "»", "(", ";", ",", "\n", "\t", " ",
    "Планируемые критерии:",
]  # fmt: skip
TEXT = st.one_of(
    st.sampled_from(WORDS),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=20
    ),
    st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
)


@st.composite
def documents(draw) -> bytes:
    document = docx.Document()
    for _table in range(draw(st.integers(1, 3))):
        for text in draw(st.lists(TEXT, max_size=3)):
            document.add_paragraph(text)
        height, width = draw(st.integers(1, 7)), draw(st.integers(1, 6))
        table = document.add_table(rows=height, cols=width)
        for row in range(height):
            for column in range(width):
                table.cell(row, column).text = draw(TEXT)
        for _merge in range(draw(st.integers(0, 3))):
            top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
            bottom, right = draw(st.integers(top, height - 1)), draw(st.integers(left, width - 1))
            with contextlib.suppress(InvalidSpanError, ValueError):  # refused over earlier merges
                table.cell(top, left).merge(table.cell(bottom, right))
    return saved(document)


@hypothesis_settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_tables_are_read_or_refused(content):
    try:
        result = read_roadmaps(content)
    except RoadmapFileError as error:
        assert str(error)
        return
    assert result.roadmaps
    for roadmap in result.roadmaps:
        for event in roadmap.events:
            assert event.content and event.number and event.row >= 1 and event.table in roadmap.tables


DAMAGE = st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)), min_size=1, max_size=5)


def damaged(content: bytes, damage: list[tuple[int, bytes]]) -> bytes:
    changed = bytearray(content)
    for position, data in damage:
        position %= len(changed)
        changed[position : position + len(data)] = data
    return bytes(changed)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000), DAMAGE, DAMAGE)
def test_random_bytes_and_damaged_documents_are_read_or_refused(noise, damage, xml_damage):
    """Random bytes, a document with damaged bytes, and one whose XML is damaged before zipping."""
    xml = zipfile.ZipFile(io.BytesIO(DOCUMENT_003)).read("word/document.xml")
    candidates = [
        noise,
        damaged(DOCUMENT_003, damage),
        rezipped(DOCUMENT_003, replace={"word/document.xml": damaged(xml, xml_damage)}),
    ]
    for content in candidates:
        try:
            read_roadmaps(content)
        except RoadmapFileError as error:
            assert str(error)


def test_malformed_spans_and_merges_do_not_break_the_reader():
    """What python-docx would not write: a vertical merge with nothing above it, a span of a billion
    columns, a span that is not a number, a legacy horizontal merge, a negative gridBefore."""
    document = docx.Document()
    table = add_table(
        document,
        [["№", "Мероприятие", "Сроки"], ["1.1", "Семинар", "Май"], ["1.2", "Совещание", "Июнь"]],
    )
    header, first, second = ([cell._tc for cell in row.cells] for row in table.rows)

    def set_property(tc, tag, value=None):
        element = OxmlElement(tag)
        if value is not None:
            element.set(qn("w:val"), value)
        tc.get_or_add_tcPr().append(element)

    set_property(header[0], "w:vMerge")
    set_property(first[2], "w:gridSpan", "999999999")
    set_property(second[0], "w:gridSpan", "many")
    set_property(second[1], "w:hMerge", "continue")
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "-5")
    table.rows[2]._tr.get_or_add_trPr().append(before)

    result = read_roadmaps(saved(document))

    [roadmap] = result.roadmaps
    [seminar] = roadmap.events
    assert (seminar.number, seminar.content, seminar.deadline) == ("1.1", "Семинар", "Май")
    assert result.warnings[-1] == "Table 1, row 3 has no event text; the row was skipped."


DOCUMENT_003 = document_003()
