from decimal import Decimal

from django.utils import timezone

from indicators import services
from indicators.models import DataElement, Indicator
from mcok import services as core_services
from mcok.models import Period, period_code


def make_period(code: str) -> Period:
    kind, year, number = core_services.period_parse(code)
    return core_services.period_get_or_create(kind=kind, year=year, number=number)


def academic_year_now() -> Period:
    """The academic year under way today: a period every municipality is offered, whatever the date."""
    today = timezone.localdate()
    return make_period(period_code("academic_year", today.year if today.month >= 9 else today.year - 1))


def make_element(municipality, code: str, kinds=("school",), **fields) -> DataElement:
    return DataElement.objects.create(
        municipality=municipality, code=code, name=code, kinds=list(kinds), **fields
    )


def make_indicator(municipality, code: str, numerator: str, denominator: str = "", **fields) -> Indicator:
    values = {
        "name": code,
        "kind": Indicator.Kind.RATIO if denominator else Indicator.Kind.VALUE,
        "unit": "%",
    }
    return Indicator.objects.create(
        municipality=municipality,
        code=code,
        numerator=numerator,
        denominator=denominator,
        **(values | fields),
    )


def put(element, organization, period, value, by=None) -> None:
    services.data_values_write(
        entries=[services.Entry(element, organization, period, Decimal(str(value)))], source="manual", by=by
    )
