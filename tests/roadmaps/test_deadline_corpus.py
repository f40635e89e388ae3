"""The deadline reader against a corpus of wordings: the seeds' own and the kinds other orders write.

`deadline_corpus.csv` holds one wording a row with the kind it should be read as; «seed …» rows are
the seeds' cells verbatim (seed:line and event), «written» rows are wordings of the same kinds as
orders and roadmaps of other municipalities put them (quarters, a day of every month, several dates,
spans of years, unscheduled wordings, the school year). A wording is recognised when it is read as
the kind its row gives; the two seed cells no kind fits are kept and count against the rate.
"""

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadmaps.deadlines import Kind, Occurrence, describe, parse

CORPUS = Path(__file__).with_name("deadline_corpus.csv")
START, END = 2024, 2026  # the roadmap's years the corpus is read with


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_corpus_is_large_and_names_only_known_kinds():
    rows = corpus()
    assert len(rows) >= 200
    assert sum(row["source"].startswith("seed") for row in rows) >= 90
    assert {row["kind"] for row in rows} <= set(Kind.values)
    # Only the seeds may hold a wording no kind fits («1 раз в три года», an empty cell): they are
    # kept as written and count as not recognised.
    assert all(row["source"].startswith("seed") for row in rows if row["kind"] == Kind.UNKNOWN)
    assert len({row["wording"] for row in rows}) == len(rows)


def test_at_least_95_percent_of_the_corpus_is_recognised(capsys):
    rows = corpus()
    missed = []
    for row in rows:
        found = parse(row["wording"], start_year=START, end_year=END)
        if found.kind != row["kind"] or found.kind is Kind.UNKNOWN:
            missed.append(
                f"{row['source']}: {row['wording']!r} expected {row['kind']}, read {found.kind.value}"
            )
    rate = 1 - len(missed) / len(rows)
    with capsys.disabled():
        print(f"\ndeadline corpus: {len(rows) - len(missed)} of {len(rows)} recognised ({rate:.1%})")
        for line in missed:
            print("  not recognised:", line)
    assert rate >= 0.95, "\n".join(missed)


def spans(text: str, start_year: int = START, end_year: int = END) -> list[tuple[str, str]]:
    found = parse(text, start_year=start_year, end_year=end_year).occurrences()
    return [(o.starts_on.isoformat(), o.due_on.isoformat()) for o in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I квартал 2025 года", [("2025-01-01", "2025-03-31")]),
        ("II квартал 2025 г.", [("2025-04-01", "2025-06-30")]),
        ("IV кв. 2024 г.", [("2024-10-01", "2024-12-31")]),
        ("3-й квартал 2025 г.", [("2025-07-01", "2025-09-30")]),
        ("в течение II квартала", [("2024-04-01", "2024-06-30")]),  # the roadmap's first year
        ("до конца III квартала 2025 года", [("2025-07-01", "2025-09-30")]),
        ("I–II кварталы 2026 года", [("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30")]),
        (
            "I квартал 2025 г., III квартал 2025 г.",
            [("2025-01-01", "2025-03-31"), ("2025-07-01", "2025-09-30")],
        ),
        (
            "II квартал 2024 г., II квартал 2025 г.",
            [("2024-04-01", "2024-06-30"), ("2025-04-01", "2025-06-30")],
        ),
    ],
)
def test_a_quarter_spans_its_three_months(text, expected):
    assert spans(text) == expected


def test_a_quarter_without_any_year_gives_nothing():
    assert parse("IV квартал").occurrences() == []
    assert parse("IV квартал").kind is Kind.QUARTER


def test_quarterly_gives_every_quarter_of_every_year():
    found = spans("ежеквартально", 2025, 2025)
    assert found == [
        ("2025-01-01", "2025-03-31"),
        ("2025-04-01", "2025-06-30"),
        ("2025-07-01", "2025-09-30"),
        ("2025-10-01", "2025-12-31"),
    ]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("до 5 числа каждого месяца", 5),
        ("ежемесячно до 10 числа", 10),
        ("Ежемесячно, до 25-го числа", 25),
        ("до 3-го числа месяца, следующего за отчетным", 3),
    ],
)
def test_a_day_of_every_month_is_monthly_on_that_day(text, day):
    deadline = parse(text, start_year=2025, end_year=2025)
    assert (deadline.kind, deadline.day) == (Kind.MONTHLY, day)
    found = deadline.occurrences()
    assert found == [Occurrence(date(2025, month, day), date(2025, month, day)) for month in range(1, 13)]


def test_the_30th_of_every_month_is_the_last_day_of_february():
    found = parse("До 30 числа каждого месяца", start_year=2025, end_year=2025).occurrences()
    assert len(found) == 12 and found[1].due_on == date(2025, 2, 28)


def test_monthly_without_a_day_is_the_whole_month():
    assert spans("ежемесячно", 2025, 2025)[1] == ("2025-02-01", "2025-02-28")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("до 01.03.2025, до 01.09.2025", ["2025-03-01", "2025-09-01"]),
        ("до 15.01.2025 и до 15.06.2025", ["2025-01-15", "2025-06-15"]),
        ("01.06.2025; 01.12.2025", ["2025-06-01", "2025-12-01"]),
        ("до 01.02.2024, до 01.07.2024, до 01.12.2024", ["2024-02-01", "2024-07-01", "2024-12-01"]),
        ("15 марта и 15 сентября", ["2024-03-15", "2024-09-15"]),  # the roadmap's first year
        (
            "10 января, 10 апреля, 10 июля, 10 октября",
            ["2024-01-10", "2024-04-10", "2024-07-10", "2024-10-10"],
        ),
        ("1 марта 2025 г. и 1 сентября 2025 г.", ["2025-03-01", "2025-09-01"]),
    ],
)
def test_several_dates_in_a_cell_give_one_occurrence_each(text, expected):
    deadline = parse(text, start_year=START, end_year=END)
    assert deadline.kind is Kind.LIST
    assert spans(text) == [(day, day) for day in expected]


def test_a_span_of_days_is_still_not_a_list():
    """«с … по …» joins two days into a span, for which there is no kind; only «до» after a comma
    or «и» starts the next date."""
    assert parse("с 01.03.2025 по 01.09.2025").kind is Kind.UNKNOWN


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("в течение 2024–2026 гг.", (2024, 2025, 2026)),
        ("в течение 2025 - 2027 годов", (2025, 2026, 2027)),
        ("в период 2024–2026 гг.", (2024, 2025, 2026)),
        ("2023-2025 годы", (2023, 2024, 2025)),
        ("в 2024-2026 годах", (2024, 2025, 2026)),
    ],
)
def test_a_span_of_years_after_within_is_a_range(text, years):
    deadline = parse(text)
    assert (deadline.kind, deadline.years) == (Kind.RANGE, years)
    assert deadline.occurrences() == [Occurrence(date(years[0], 1, 1), date(years[-1], 12, 31))]


@pytest.mark.parametrize(
    "text",
    [
        "по графику проведения ВПР",
        "по плану работы управления образования",
        "по отдельному графику",
        "по мере необходимости",
        "по запросу",
        "по согласованию",
        "В сроки, установленные Министерством просвещения РФ",
    ],
)
def test_unscheduled_wordings_are_their_own_kind_with_no_dates(text):
    deadline = parse(text, start_year=START, end_year=END)
    assert deadline.kind is Kind.ON_OCCASION
    assert deadline.occurrences() == []


@pytest.mark.parametrize(
    "text", ["в течение учебного года", "В течение всего учебного года", "в течение текущего учебного года"]
)
def test_the_school_year_runs_from_september_to_august(text):
    deadline = parse(text, start_year=2024, end_year=2025)
    assert deadline.kind is Kind.SCHOOL_YEAR
    assert spans(text, 2024, 2025) == [("2024-09-01", "2025-08-31"), ("2025-09-01", "2026-08-31")]


@pytest.mark.parametrize(
    "text",
    ["в течение 2025/2026 учебного года", "2025/2026 учебный год", "в течение 2025–2026 учебного года"],
)
def test_a_named_school_year_is_september_to_august(text):
    assert spans(text) == [("2025-09-01", "2026-08-31")]


def test_the_calendar_year_stays_a_calendar_year():
    assert spans("в течение 2025 года") == [("2025-01-01", "2025-12-31")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I квартал 2025 года", "I квартал 2025 г."),
        ("в течение II квартала", "II квартал"),
        ("I–II кварталы 2026 года", "I–II квартал 2026 г."),
        ("до 5 числа каждого месяца", "ежемесячно, до 5 числа"),
        ("в течение учебного года", "в течение учебного года"),
        ("до 01.03.2025, до 01.09.2025", "до 01.03.2025; до 01.09.2025"),
    ],
)
def test_new_kinds_are_described_in_russian(text, expected):
    from django.utils import translation

    with translation.override("ru"):
        assert describe(parse(text)) == expected
        assert str(parse(text).kind.label)


FRAGMENTS = [
    "I", "II", "III", "IV", "V", "1", "4", "5", "31", "квартал", "кварталы", "кв.", "кв", "-й", "го",
    "числа", "каждого", "месяца", "ежемесячно", "ежеквартально", "до", "и", ",", ";", "–", "/", "в",
    "течение", "учебного", "года", "учебный", "год", "2024", "2025", "01.03.2025", "15 марта",
    "по графику", "по плану работы", "по запросу", "далее", "период", "годах",
]  # fmt: skip


@given(
    words=st.lists(st.sampled_from(FRAGMENTS), max_size=10),
    separator=st.sampled_from([" ", "", ", "]),
    start_year=st.one_of(st.none(), st.integers(1990, 2040)),
)
def test_the_new_kinds_never_raise_and_give_valid_occurrences(words, separator, start_year):
    text = separator.join(words)
    deadline = parse(text, start_year=start_year, end_year=None if start_year is None else start_year + 2)
    assert deadline.text == text
    for found in deadline.occurrences():
        assert found.starts_on <= found.due_on
    assert isinstance(describe(deadline), str)


@given(text=st.text())
def test_the_reader_never_raises_on_arbitrary_text(text):
    deadline = parse(text, start_year=2024, end_year=2026)
    assert deadline.occurrences() is not None
    assert isinstance(describe(deadline), str)
