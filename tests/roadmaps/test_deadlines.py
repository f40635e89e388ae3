"""Deadline wordings of the seeds' roadmaps read into kinds, months, years and tracked occurrences."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from roadmaps.deadlines import Deadline, Kind, Occurrence, describe, is_overdue, parse

DATE, MONTH, MONTHS, RANGE = Kind.DATE, Kind.MONTH, Kind.MONTHS, Kind.RANGE
YEARLY, TWICE_A_YEAR, QUARTERLY, MONTHLY = Kind.YEARLY, Kind.TWICE_A_YEAR, Kind.QUARTERLY, Kind.MONTHLY
WITHIN_YEAR, ONGOING, ON_OCCASION, LIST, UNKNOWN = (
    Kind.WITHIN_YEAR,
    Kind.ONGOING,
    Kind.ON_OCCASION,
    Kind.LIST,
    Kind.UNKNOWN,
)

# Every distinct wording of the seeds' deadline columns, verbatim (spaces, no-break spaces, line
# breaks and all); the id is seed:line of the cell and the event's number.
SEED_WORDINGS = [
    # 001 (Амурский район), «Дорожная карта» муниципального проекта, column «Сроки исполнения»
    pytest.param(
        "Май 2022 г., далее – по мере проведения мониторингов \n\n(согласно графику проведения)",
        ON_OCCASION,
        (5,),
        (2022,),
        id="001:321 1.1",
    ),
    pytest.param("2022-2024 г.г., 2 раза в год", TWICE_A_YEAR, (), (2022, 2023, 2024), id="001:331 1.2"),
    pytest.param(
        "2022\xa0год, далее\xa0– по мере проведения мониторингов", ON_OCCASION, (), (2022,), id="001:341 1.3"
    ),
    pytest.param(
        "не позднее 1 февраля 2023 г.,         далее – ежегодно", YEARLY, (2,), (2023,), id="001:347 1.4"
    ),
    pytest.param("В соответствии с расписанием проведения ГИА", ON_OCCASION, (), (), id="001:355 1.5"),
    pytest.param(
        "В соответствии с расписанием проведения оценочных процедур", ON_OCCASION, (), (), id="001:365 1.6"
    ),
    pytest.param("2022-2024 годы", RANGE, (), (2022, 2023, 2024), id="001:373 1.7"),
    pytest.param(
        "декабрь 2022 г., декабрь 2023 г., декабрь 2024 г.",
        YEARLY,
        (12,),
        (2022, 2023, 2024),
        id="001:381 1.8",
    ),
    pytest.param(
        "апрель 2022 г., апрель 2023 г., апрель 2024 г.", YEARLY, (4,), (2022, 2023, 2024), id="001:397 1.10"
    ),
    pytest.param("Август, сентябрь 2022 г.", MONTHS, (8, 9), (2022,), id="001:412 2.1"),
    pytest.param("Июнь, август 2022 г.", MONTHS, (6, 8), (2022,), id="001:418 2.2"),
    pytest.param("в течение года", WITHIN_YEAR, (), (), id="001:426 2.3"),
    pytest.param("2022 г.-2024 г.", RANGE, (), (2022, 2023, 2024), id="001:432 2.4"),
    pytest.param(
        "март 2022 г., март 2023 г., март 2024 г.", YEARLY, (3,), (2022, 2023, 2024), id="001:438 2.5"
    ),
    pytest.param(
        "май –август 2022 г., 2023 г., 2024 г.", YEARLY, (5, 6, 7, 8), (2022, 2023, 2024), id="001:448 2.6"
    ),
    pytest.param("май 2022 г., май 2023 г., май 2024 г.", YEARLY, (5,), (2022, 2023, 2024), id="001:465 3.1"),
    pytest.param("ежегодно, июль, август", YEARLY, (7, 8), (), id="001:473 3.2"),
    pytest.param("ежегодно, август", YEARLY, (8,), (), id="001:479 3.3"),
    pytest.param("ежегодно, ноябрь", YEARLY, (11,), (), id="001:499 3.5"),
    pytest.param("декабрь 2022 г., май 2023 г., 2024г.", LIST, (12, 5), (2022, 2023, 2024), id="001:507 3.6"),
    pytest.param("2022 –  2024 годы", RANGE, (), (2022, 2023, 2024), id="001:520 4.1"),
    pytest.param(
        "июнь 2022 г., июнь 2023 г., июнь 2024 г.", YEARLY, (6,), (2022, 2023, 2024), id="001:528 4.2"
    ),
    pytest.param("2022 – 2023 годы", RANGE, (), (2022, 2023), id="001:534 4.3"),
    pytest.param("2022\xa0–   2023\xa0годы, далее – постоянно", ONGOING, (), (2022, 2023), id="001:566 4.9"),
    pytest.param("постоянно", ONGOING, (), (), id="001:581 5.1"),
    pytest.param("2022\xa0–   2024 годы", RANGE, (), (2022, 2023, 2024), id="001:587 5.2"),
    pytest.param("2022\xa0–   2024\xa0годы", RANGE, (), (2022, 2023, 2024), id="001:593 5.3"),
    pytest.param(
        "Июнь – август 2022 г., \nиюнь – август 2023 г.\n\nиюнь – август 2024 г.",
        YEARLY,
        (6, 7, 8),
        (2022, 2023, 2024),
        id="001:614 6.1",
    ),
    pytest.param("2022 – 2024 годы", RANGE, (), (2022, 2023, 2024), id="001:625 6.2"),
    # 001, Приложение № 2 (motivating-monitoring indicators), column «Периодичность»
    pytest.param("2 раза в год", TWICE_A_YEAR, (), (), id="001:653 П1"),
    pytest.param("1 раз в год", YEARLY, (), (), id="001:735 П17"),
    pytest.param("1 раза в год", YEARLY, (), (), id="001:751 П19"),
    pytest.param("1\xa0раз в квартал", QUARTERLY, (), (), id="001:887 П38"),
    pytest.param("1\xa0раз в год", YEARLY, (), (), id="001:905 П43"),
    pytest.param("2 раза в квартал", QUARTERLY, (), (), id="001:921 П45"),
    pytest.param("1 раз в квартал", QUARTERLY, (), (), id="001:979 П54"),
    # 003 (Добрянский округ), the eight roadmaps, columns «Сроки исполнения», «Сроки», «Срок исполнения»
    pytest.param("Июль - август, 2021 г.", MONTHS, (7, 8), (2021,), id="003:93 1.1"),
    pytest.param("ежегодно", YEARLY, (), (), id="003:99 1.2"),
    pytest.param("Ежегодно, в соответствии с Планом-графиком", YEARLY, (), (), id="003:105 1.3"),
    pytest.param("2021-2022 гг.", RANGE, (), (2021, 2022), id="003:119 1.5"),
    pytest.param("Ежегодно ", YEARLY, (), (), id="003:127 2.1"),
    pytest.param("По мере проведения контрольно-оценочных процедур", ON_OCCASION, (), (), id="003:139 2.3"),
    pytest.param("Ежегодно (сентябрь)", YEARLY, (9,), (), id="003:145 2.4"),
    pytest.param(
        "В соответствии с графиком проведения международных исследований",
        ON_OCCASION,
        (),
        (),
        id="003:151 2.5",
    ),
    pytest.param("В соответствии с графиком проведения МСИ", ON_OCCASION, (), (), id="003:157 2.6"),
    pytest.param("По результатам выборки РФ", ON_OCCASION, (), (), id="003:163 2.7"),
    pytest.param("В соответствии с графиком проведения НИКО", ON_OCCASION, (), (), id="003:169 2.8"),
    pytest.param("Ежегодно", YEARLY, (), (), id="003:175 2.9"),
    pytest.param("Ежегодно, (август)", YEARLY, (8,), (), id="003:183 3.1"),
    pytest.param("Ежегодно\n(декабрь)", YEARLY, (12,), (), id="003:189 3.2"),
    pytest.param("1 раз в три года для каждой ОО", UNKNOWN, (), (), id="003:202 3.4"),
    pytest.param("Июнь 2021 год", MONTH, (6,), (2021,), id="003:226 1.1"),
    pytest.param("Июль-август, 2021 год", MONTHS, (7, 8), (2021,), id="003:232 1.2"),
    pytest.param("Ежегодно                    (в соответствии с планом) ", YEARLY, (), (), id="003:258 2.3"),
    pytest.param("В течение года (по мере необходимости)", WITHIN_YEAR, (), (), id="003:264 2.4"),
    pytest.param("2021, 2022 годы", RANGE, (), (2021, 2022), id="003:270 2.5"),
    pytest.param("Ежегодно  (декабрь)", YEARLY, (12,), (), id="003:279 3.1"),
    pytest.param("Ежегодно   (август)", YEARLY, (8,), (), id="003:285 3.2"),
    pytest.param("Июнь ", MONTH, (6,), (), id="003:322 1.1"),
    pytest.param("Июль ", MONTH, (7,), (), id="003:328 1.2"),
    pytest.param("Июль – Август ", MONTHS, (7, 8), (), id="003:334 1.3"),
    pytest.param("Август", MONTH, (8,), (), id="003:340 1.4"),
    pytest.param("Август – Сентябрь", MONTHS, (8, 9), (), id="003:346 1.5"),
    pytest.param("Ежегодно\n (не позднее ноября)", YEARLY, (11,), (), id="003:352 1.6"),
    pytest.param("В течении года", WITHIN_YEAR, (), (), id="003:361 2.1"),
    pytest.param("Ежегодно\n(сентябрь)", YEARLY, (9,), (), id="003:367 2.2"),
    pytest.param("Сентябрь", MONTH, (9,), (), id="003:415 3.2"),
    pytest.param("В течение года", WITHIN_YEAR, (), (), id="003:451 1.3"),
    pytest.param(
        "2021 -2022 учебный год",
        MONTHS,
        (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8),
        (2021, 2022),
        id="003:466 2.2",
    ),
    pytest.param("По графику РЦОИ", ON_OCCASION, (), (), id="003:490 2.5"),
    pytest.param("Июнь 2021", MONTH, (6,), (2021,), id="003:527 1.1"),
    pytest.param("Июль-август 2021", MONTHS, (7, 8), (2021,), id="003:533 1.2"),
    pytest.param("Июль 2021", MONTH, (7,), (2021,), id="003:560 1.4"),
    pytest.param("Сентябрь 2021", MONTH, (9,), (2021,), id="003:708 2.3"),
    pytest.param("", UNKNOWN, (), (), id="003:726 2.6"),
    pytest.param("Июнь 2021 ", MONTH, (6,), (2021,), id="003:860 2.3"),
    pytest.param("Сентябрь 2021 – январь 2022", MONTHS, (9, 10, 11, 12, 1), (2021, 2022), id="003:866 2.4"),
    pytest.param("Июль  - август, 2021 г.", MONTHS, (7, 8), (2021,), id="003:914 1.1"),
    pytest.param("Ежегодно   (сентябрь)", YEARLY, (9,), (), id="003:968 2.4"),
    pytest.param("В соответствии с графиком проведения ", ON_OCCASION, (), (), id="003:974 2.5"),
    pytest.param("В соответствии с графиком проведения МКДО", ON_OCCASION, (), (), id="003:980 2.6"),
    pytest.param("Май 2022", MONTH, (5,), (2022,), id="003:770 3.2+"),
]

# Deadlines written elsewhere in the seeds: in the orders' text (000, 001, 003) and in the titles of
# the roadmaps and the project passport (001 «Сроки реализации Проекта»).
TEXT_WORDINGS = [
    pytest.param("в срок до 01 августа 2021г.", DATE, (8,), (2021,), id="000:29"),
    pytest.param("в срок до 12 июля 2021 года", DATE, (7,), (2021,), id="000:39"),
    pytest.param("в срок до 01.09.2022", DATE, (9,), (2022,), id="001:28"),
    pytest.param("в срок до 02.07.2022", DATE, (7,), (2022,), id="001:46"),
    pytest.param("не позднее 1 февраля 2023 г.", DATE, (2,), (2023,), id="001:349 before «далее»"),
    pytest.param("в срок до 01.09.2021 года", DATE, (9,), (2021,), id="003:37"),
    pytest.param("2022-2024", RANGE, (), (2022, 2023, 2024), id="001:151 passport"),
    pytest.param("на 2022 –2024 годы", RANGE, (), (2022, 2023, 2024), id="001:148 title"),
    pytest.param("на 2021 -2024 годы.", RANGE, (), (2021, 2022, 2023, 2024), id="003:302 title"),
    pytest.param("в 2021-2024 годы", RANGE, (), (2021, 2022, 2023, 2024), id="003:784 title"),
    pytest.param("до 2024 года", RANGE, (), (2024,), id="003:33"),
    pytest.param(
        "на 2021-2024 учебный год",
        MONTHS,
        (*range(9, 13), *range(1, 9)) * 3,
        (2021, 2022, 2023, 2024),
        id="003:508 title: academic years, September 2021 to August 2024",
    ),
]

# The brief's own examples and the spellings it asks to tolerate.
OTHER_WORDINGS = [
    pytest.param("до 01.09.2021", DATE, (9,), (2021,), id="by a day"),
    pytest.param("01.09.2021", DATE, (9,), (2021,), id="a day"),
    pytest.param("до 15 мая 2022 года", DATE, (5,), (2022,), id="a day, genitive month"),
    pytest.param("до сентября 2021 г.", MONTH, (9,), (2021,), id="genitive month"),
    pytest.param("в сентябре 2021 года", MONTH, (9,), (2021,), id="prepositional month"),
    pytest.param("в сентябре", MONTH, (9,), (), id="a month without a year"),
    pytest.param("СЕНТЯБРЬ 2021", MONTH, (9,), (2021,), id="upper case"),
    pytest.param("до конца 2022 года", RANGE, (), (2022,), id="to the end of a year"),
    pytest.param("2022—2024 гг.", RANGE, (), (2022, 2023, 2024), id="em dash"),
    pytest.param("2021–2022 г.г.", RANGE, (), (2021, 2022), id="en dash, г.г."),
    pytest.param("2022 - 2024 годов", RANGE, (), (2022, 2023, 2024), id="годов"),
    pytest.param("с 2022 по 2024 год", RANGE, (), (2022, 2023, 2024), id="с … по …"),
    pytest.param("2022 год", RANGE, (), (2022,), id="one year"),
    pytest.param("2021, 2023 годы", LIST, (), (2021, 2023), id="years with a gap"),
    pytest.param(
        "Июнь – август 2022 г., \nиюнь – август 2023 г.\nиюнь – август 2024 г.",
        YEARLY,
        (6, 7, 8),
        (2022, 2023, 2024),
        id="brief's spelling of 001 6.1",
    ),
    pytest.param("ежегодно (сентябрь)", YEARLY, (9,), (), id="yearly in a month"),
    pytest.param("Ежегодно до 1 сентября", YEARLY, (9,), (), id="yearly by a day"),
    pytest.param("ежемесячно", MONTHLY, (), (), id="monthly"),
    pytest.param("один раз в месяц", MONTHLY, (), (), id="once a month (003, Приложение 2)"),
    pytest.param("ежеквартально", QUARTERLY, (), (), id="quarterly"),
    pytest.param("по мере необходимости", ON_OCCASION, (), (), id="as needed"),
    pytest.param("в течение 2022 года", WITHIN_YEAR, (), (2022,), id="within a named year"),
    pytest.param("12 раз в год", UNKNOWN, (), (), id="no kind for twelve times a year"),
    pytest.param("01.09.2021 – 31.12.2021", UNKNOWN, (), (), id="no kind for a span of days"),
    pytest.param("31.02.2022", UNKNOWN, (), (), id="no such day"),
    pytest.param("ноябрь – февраль 2022", UNKNOWN, (), (), id="which year is November in"),
    pytest.param("Июнь 2021, июль", UNKNOWN, (), (), id="which year is July in"),
    pytest.param("2022 учебный год", UNKNOWN, (), (), id="which academic year"),
    pytest.param("после утверждения бюджета", UNKNOWN, (), (), id="prose"),
]


@pytest.mark.parametrize(("text", "kind", "months", "years"), SEED_WORDINGS + TEXT_WORDINGS + OTHER_WORDINGS)
def test_wording(text, kind, months, years):
    deadline = parse(text)
    assert (deadline.kind, deadline.months, deadline.years) == (kind, months, years)
    assert deadline.text == text


def test_the_table_holds_every_distinct_seed_wording_once():
    texts = [param.values[0] for param in SEED_WORDINGS]
    assert len(texts) == len(set(texts)) == 82


def test_a_wording_without_a_year_takes_the_roadmaps_first_year():
    deadline = parse("Август – Сентябрь", start_year=2021, end_year=2024)
    assert (deadline.kind, deadline.months, deadline.years, deadline.years_assumed) == (
        MONTHS,
        (8, 9),
        (2021,),
        True,
    )
    assert deadline.occurrences() == [Occurrence(date(2021, 8, 1), date(2021, 9, 30))]
    assert deadline.occurrences(2022, 2024) == [Occurrence(date(2022, 8, 1), date(2022, 9, 30))]
    assert parse("Август – Сентябрь").occurrences() == []  # no year anywhere: nothing to date it by


def test_a_continuation_keeps_what_comes_before_it():
    deadline = parse("2022\xa0–   2023\xa0годы, далее – постоянно")
    assert deadline.kind is ONGOING and deadline.years == (2022, 2023)
    assert deadline.first == Deadline("2022\xa0–   2023\xa0годы", RANGE, years=(2022, 2023))
    deadline = parse("Май 2022 г., далее – по мере проведения мониторингов")
    assert (deadline.kind, deadline.first.kind, deadline.first.text) == (ON_OCCASION, MONTH, "Май 2022 г.")


def test_a_list_keeps_its_items_as_written():
    deadline = parse("декабрь 2022 г., май 2023 г., 2024г.")
    assert [(item.text, item.kind) for item in deadline.items] == [
        ("декабрь 2022 г.", MONTH),
        ("май 2023 г.", MONTH),
        ("2024г.", RANGE),
    ]


def test_how_often_within_the_period():
    assert parse("2 раза в квартал").times == 2
    assert parse("1\xa0раз в квартал").times == 1


def spans(deadline: Deadline, *window: int) -> list[tuple[str, str]]:
    return [
        (found.starts_on.isoformat(), found.due_on.isoformat()) for found in deadline.occurrences(*window)
    ]


def test_yearly_in_september_over_the_roadmap_years():
    september = [(f"{year}-09-01", f"{year}-09-30") for year in range(2021, 2025)]
    assert spans(parse("Ежегодно (сентябрь)", start_year=2021, end_year=2024)) == september
    assert spans(parse("Ежегодно\n(сентябрь)"), 2021, 2024) == september
    assert parse("Ежегодно (сентябрь)").occurrences() == []  # no roadmap years: nothing to repeat over


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до 01.09.2021", [("2021-09-01", "2021-09-01")]),
        ("Сентябрь 2021", [("2021-09-01", "2021-09-30")]),
        ("Июнь, август 2022 г.", [("2022-06-01", "2022-08-31")]),
        ("Сентябрь 2021 – январь 2022", [("2021-09-01", "2022-01-31")]),
        ("2021 -2022 учебный год", [("2021-09-01", "2022-08-31")]),
        ("2022 – 2024 годы", [("2022-01-01", "2024-12-31")]),
        ("2021, 2022 годы", [("2021-01-01", "2022-12-31")]),
        ("По мере проведения контрольно-оценочных процедур", []),
        ("1 раз в три года для каждой ОО", []),
        (  # years written win over the roadmap's
            "декабрь 2022 г., декабрь 2023 г., декабрь 2024 г.",
            [("2022-12-01", "2022-12-31"), ("2023-12-01", "2023-12-31"), ("2024-12-01", "2024-12-31")],
        ),
        (
            "май –август 2022 г., 2023 г., 2024 г.",
            [("2022-05-01", "2022-08-31"), ("2023-05-01", "2023-08-31"), ("2024-05-01", "2024-08-31")],
        ),
        ("Ежегодно", [(f"{year}-01-01", f"{year}-12-31") for year in range(2021, 2025)]),
        ("В течение года (по мере необходимости)", [(f"{y}-01-01", f"{y}-12-31") for y in range(2021, 2025)]),
        (
            "2022-2024 г.г., 2 раза в год",
            [
                (f"{y}-{a}", f"{y}-{b}")
                for y in range(2022, 2025)
                for a, b in [("01-01", "06-30"), ("07-01", "12-31")]
            ],
        ),
        (
            "1 раз в квартал",
            [
                (f"{y}-{a}", f"{y}-{b}")
                for y in range(2021, 2025)
                for a, b in [("01-01", "03-31"), ("04-01", "06-30"), ("07-01", "09-30"), ("10-01", "12-31")]
            ],
        ),
        ("2022 – 2023 годы, далее – постоянно", [("2022-01-01", "2023-12-31"), ("2024-01-01", "2024-12-31")]),
        ("Май 2022 г., далее – по мере проведения мониторингов", [("2022-05-01", "2022-05-31")]),
        (
            "не позднее 1 февраля 2023 г., далее – ежегодно",
            [("2023-02-01", "2023-02-01"), ("2024-02-01", "2024-02-01")],
        ),
        (
            "декабрь 2022 г., май 2023 г., 2024г.",
            [("2022-12-01", "2022-12-31"), ("2023-05-01", "2023-05-31"), ("2024-01-01", "2024-12-31")],
        ),
        (
            "ежегодно до 29 февраля",
            [
                ("2021-02-28", "2021-02-28"),
                ("2022-02-28", "2022-02-28"),
                ("2023-02-28", "2023-02-28"),
                ("2024-02-29", "2024-02-29"),
            ],
        ),
    ],
)
def test_occurrences_over_2021_to_2024(text, expected):
    assert spans(parse(text, start_year=2021, end_year=2024)) == expected


def test_monthly_gives_every_month_of_every_year():
    found = parse("ежемесячно").occurrences(2022, 2023)
    assert len(found) == 24
    assert found[1] == Occurrence(date(2022, 2, 1), date(2022, 2, 28))


def test_overdue_once_the_due_day_has_passed_and_the_work_is_not_done():
    september = Occurrence(date(2021, 9, 1), date(2021, 9, 30))
    assert not is_overdue(september, date(2021, 9, 30))  # the due day itself is still in time
    assert is_overdue(september, date(2021, 10, 1))
    assert not is_overdue(september, date(2021, 10, 1), done=True)
    with pytest.raises(ValueError):
        Occurrence(date(2021, 9, 30), date(2021, 9, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ежегодно (сентябрь)", "every year in September"),
        ("ежегодно, июль, август", "every year, july – august"),
        ("Ежегодно до 1 сентября", "every year by 1 september"),
        ("Июль - август, 2021 г.", "july – august 2021"),
        ("Июнь, август 2022 г.", "june, august 2022"),
        ("Сентябрь 2021 – январь 2022", "september 2021 – january 2022"),
        ("до 01.09.2021", "by 01.09.2021"),
        ("2022 – 2024 годы", "years 2022–2024"),
        ("2021, 2023 годы", "year 2021; year 2023"),
        ("2022-2024 г.г., 2 раза в год", "years 2022–2024, twice a year"),
        ("2 раза в квартал", "2 times a quarter"),
        ("декабрь 2022 г., декабрь 2023 г., декабрь 2024 г.", "years 2022–2024, every year in December"),
        ("Май 2022 г., далее – по мере проведения мониторингов", "may 2022, then unscheduled"),
        ("не позднее 1 февраля 2023 г., далее – ежегодно", "by 01.02.2023, then every year"),
        ("2022 –   2023 годы, далее – постоянно", "years 2022–2023, then continuously"),
        ("В течении года", "during the year"),
        ("1 раз в три года\nдля каждой ОО", "1 раз в три года для каждой ОО"),  # unknown: as written
        ("  ", "no deadline given"),
    ],
)
def test_describe_composes_the_same_words_for_every_spelling(text, expected):
    with translation.override("en"):
        assert describe(parse(text)) == expected


@pytest.mark.skipif(
    translation.gettext("every year") == "every year",
    reason="the catalogue lacks roadmaps/deadlines.py's messages: run `make messages` and translate",
)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ежегодно (сентябрь)", "ежегодно, в сентябре"),
        ("ежегодно, июль, август", "ежегодно, июль – август"),
        ("Июль - август, 2021 г.", "июль – август 2021 г."),
        ("2022-2024 г.г., 2 раза в год", "2022–2024 гг., 2 раза в год"),
        ("декабрь 2022 г., май 2023 г., 2024г.", "декабрь 2022 г.; май 2023 г.; 2024 г."),
        (
            "Май 2022 г., далее – по мере проведения мониторингов",
            "май 2022 г., далее – без фиксированного срока",
        ),
        ("не позднее 1 февраля 2023 г., далее – ежегодно", "до 01.02.2023, далее – ежегодно"),
        ("", "срок не указан"),
    ],
)
def test_describe_in_russian(text, expected):
    assert describe(parse(text)) == expected


# Pieces of deadline wordings, glued at random, to reach deep into the reader.
# fmt: off
FRAGMENTS = [
    "Январь", "февраля", "марте", "Апрель", "мая", "июнь", "ИЮЛЯ", "август", "сентябре", "октябрь",
    "ноября", "декабрь", "2021", "2022", "2024", "1999", "2099", "20", "31", "29", "1", "г.", "гг.",
    "г.г.", "год", "года", "годы", "годов", "2024г.", "учебный", "01.09.2021", "29.02.2024", "31.02.2022",
    "15.13.2022", "01.09", "–", "—", "-", ",", "(", ")", "\n", "\xa0", "до", "по", "с", "в", "не позднее",
    "конца", "ежегодно", "далее", "далее –", "постоянно", "по мере необходимости", "в течение года",
    "2 раза в год", "1 раз в квартал", "3 раза в месяц", "раз в полугодие", "ежемесячно",
    "в соответствии с планом",
]
# fmt: on


def assert_valid(deadline: Deadline, *window: int) -> None:
    for found in deadline.occurrences(*window):
        assert isinstance(found.starts_on, date) and isinstance(found.due_on, date)
        assert found.starts_on <= found.due_on
    assert isinstance(describe(deadline), str)


@given(text=st.text(), start_year=st.one_of(st.none(), st.integers(1990, 2040)))
def test_parse_never_raises_on_any_text(text, start_year):
    deadline = parse(text, start_year=start_year, end_year=None if start_year is None else start_year + 3)
    assert deadline.text == text
    assert_valid(deadline)
    assert_valid(deadline, 2021, 2024)


@given(
    words=st.lists(st.sampled_from(FRAGMENTS), max_size=12), separator=st.sampled_from([" ", "", ", ", "\n"])
)
def test_parsed_wordings_give_valid_date_pairs(words, separator):
    deadline = parse(separator.join(words), start_year=2021, end_year=2024)
    assert_valid(deadline)
    assert_valid(deadline, 2030, 2031)
    assert all(1 <= month <= 12 for month in deadline.months)
    assert list(deadline.years) == sorted(set(deadline.years))


def test_a_list_then_a_rule_is_described():
    """Found by Hypothesis: several years before «далее» made a list the first part, which the
    description of a single deadline could not read."""
    assert describe(parse("2022 2021 – далее раз в полугодие", start_year=2021, end_year=2024)) == (
        "2022 г.; 2021 г., далее – 2 раза в год"
    )
