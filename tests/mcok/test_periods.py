from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from mcok import services
from mcok.models import Period, period_code, period_dates


@pytest.mark.parametrize(
    ("kind", "year", "number", "code", "starts", "ends"),
    [
        ("year", 2024, 0, "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("academic_year", 2024, 0, "2024/25", date(2024, 9, 1), date(2025, 8, 31)),
        ("academic_year", 2099, 0, "2099/00", date(2099, 9, 1), date(2100, 8, 31)),
        ("half_year", 2024, 1, "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("half_year", 2024, 2, "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("quarter", 2024, 1, "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("quarter", 2024, 3, "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("quarter", 2024, 4, "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_code_and_dates(kind, year, number, code, starts, ends):
    assert period_code(kind, year, number) == code
    assert period_dates(kind, year, number) == (starts, ends)
    assert services.period_parse(code) == (kind, year, number)


@pytest.mark.parametrize(
    "code",
    ["", "24", "2024/26", "2024-H3", "2024-Q5", "2024-Q", "осень", "2024/2025x", "0000", "١٢٣٤", "3000"],
)
def test_parse_refuses_other_codes_in_russian(code):
    with pytest.raises(ValidationError) as error:
        services.period_parse(code)
    assert "не код периода" in error.value.messages[0]


def test_periods_ensure_is_idempotent(db):
    assert services.periods_ensure(year=2025) == 8
    assert services.periods_ensure(year=2025) == 0
    assert set(Period.objects.values_list("code", flat=True)) == {
        "2025", "2025/26", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
    }  # fmt: skip


def test_database_refuses_a_fifth_quarter(db):
    with pytest.raises(IntegrityError):
        Period.objects.create(
            kind="quarter",
            year=2024,
            number=5,
            code="x",
            starts_on=date(2024, 1, 1),
            ends_on=date(2024, 2, 1),
        )


def test_periods_ensure_task_runs_in_process(db):
    from mcok.tasks import periods_ensure

    assert periods_ensure.delay(2030).get() == 16
    assert Period.objects.filter(year__in=[2030, 2031]).count() == 16


@given(st.text(max_size=20))
def test_parse_answers_any_text_with_a_period_or_a_russian_refusal(text):
    try:
        kind, year, number = services.period_parse(text)
    except ValidationError as error:
        assert "не код периода" in error.messages[0]
    else:
        assert services.period_parse(period_code(kind, year, number)) == (kind, year, number)


@given(st.sampled_from(["year", "academic_year", "half_year", "quarter"]), st.integers(1990, 2099), st.data())
def test_every_code_parses_back_and_its_dates_are_ordered(kind, year, data):
    number = {"year": 0, "academic_year": 0, "half_year": data.draw(st.integers(1, 2))}.get(
        kind, data.draw(st.integers(1, 4))
    )
    code = period_code(kind, year, number)
    assert services.period_parse(code) == (kind, year, number)
    starts, ends = period_dates(kind, year, number)
    assert starts < ends
