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


# One period picker (mcok.periods) -------------------------------------------------------------------------

TODAY = date(2025, 11, 20)


def _codes(queryset) -> list[str]:
    return [period.code for period in queryset]


def test_the_municipality_has_its_own_periods_and_the_current_ones(world):
    from mcok.periods import municipality_periods
    from tests.monitoring.factories import make_campaign

    services.periods_ensure(year=2025)
    make_campaign(world.municipality, period="2023", state="draft")  # used, though not data yet
    make_campaign(world.elsewhere, period="2012")  # another municipality's period

    own = _codes(municipality_periods(world.municipality, today=TODAY))
    assert "2023" in own and "2012" not in own
    # the current ones: the calendar year and every period under way on 20.11.2025
    assert {"2025", "2025/26", "2025-H2", "2025-Q4"} <= set(own)
    assert "2025-Q1" not in own and "2025-H1" not in own
    assert "2012" in _codes(municipality_periods(world.elsewhere, today=TODAY))
    assert "2012" in _codes(municipality_periods(None, today=TODAY))  # no municipality: every period


def test_a_records_own_period_stays_offered(world):
    from mcok.periods import municipality_periods

    old = services.period_get_or_create(kind="year", year=2011, number=0)
    assert "2011" not in _codes(municipality_periods(world.municipality, today=TODAY))
    assert "2011" in _codes(municipality_periods(world.municipality, include=[old], today=TODAY))


def test_the_choice_groups_by_year_the_newest_first_without_an_empty_option(world):
    from mcok.periods import PeriodField, municipality_periods

    services.periods_ensure(year=2024)
    services.periods_ensure(year=2025)
    field = PeriodField()
    field.queryset = municipality_periods(None, today=TODAY)
    choices = list(field.choices)
    years = [label for label, _options in choices]
    assert years[:2] == ["2025", "2024"] and years == sorted(years, reverse=True)
    first = [str(label) for _value, label in choices[0][1]]
    assert first[:2] == ["2025 год", "2025/2026 учебный год"]
    assert len(first) == 8
    html = field.widget.render("period", None)
    assert '<optgroup label="2025">' in html and "---------" not in html
    optional = PeriodField(required=False, empty_label="— нет —")
    optional.queryset = field.queryset
    assert list(optional.choices)[0] == ("", "— нет —")
    assert field.clean(str(field.queryset.first().pk)).code == "2025"
    with pytest.raises(ValidationError) as refusal:
        field.clean("999999")
    assert refusal.value.messages == ["Выберите период из списка."]


def test_the_default_is_the_latest_period_with_data_else_the_current(world):
    from django.db.models import Exists, OuterRef

    from mcok.periods import default_period
    from monitoring.models import Campaign
    from tests.monitoring.factories import make_campaign, make_form

    services.periods_ensure(year=2023)
    services.periods_ensure(year=2025)
    assert default_period(world.municipality, today=TODAY).code == "2025"  # nothing yet: the current

    form, other_form = (
        make_form(world.municipality),
        make_form(world.municipality, title="Другая", elements=False),
    )
    make_campaign(world.municipality, form=form, period="2023/24")
    make_campaign(world.municipality, form=other_form, period="2023")
    assert default_period(world.municipality, today=TODAY).code == "2023"  # the calendar year first
    make_campaign(world.elsewhere, period="2025")
    assert default_period(world.municipality, today=TODAY).code == "2023"  # others' data do not count

    # a page's own data: only the collections of one form, say
    campaign = Campaign.objects.filter(municipality=world.municipality, period__code="2023/24").get()
    of_the_form = Exists(Campaign.objects.filter(period=OuterRef("pk"), form=campaign.form))
    assert default_period(world.municipality, of_the_form, today=TODAY).code == "2023/24"
    # a future period with data is not where a page opens
    make_campaign(world.municipality, form=other_form, period="2030")
    assert default_period(world.municipality, today=TODAY).code == "2023"


def test_the_report_form_offers_only_the_municipalitys_periods(world):
    from reports.report_forms import ReportForm
    from tests.monitoring.factories import make_campaign

    services.periods_ensure(year=2025)
    make_campaign(world.elsewhere, period="2014")
    form = ReportForm(municipality=world.municipality)
    codes = _codes(form.fields["period"].queryset)
    assert "2014" not in codes
    assert "---------" not in str(form["period"])


def test_the_indicator_catalogues_filter_offers_the_municipalitys_periods_by_year(world):
    from indicators.filters import IndicatorFilter
    from indicators.models import Indicator
    from tests.monitoring.factories import make_campaign

    make_campaign(world.elsewhere, period="2013")
    make_campaign(world.municipality, period="2016")
    chosen = services.period_get_or_create(kind="year", year=2012, number=0)
    catalogue = IndicatorFilter({}, Indicator.objects.none(), municipality=world.municipality, period=chosen)
    html = str(catalogue.form["period"])
    assert '<optgroup label="2016">' in html and '<optgroup label="2012">' in html  # the chosen one stays
    assert "2013" not in html and "---------" not in html
