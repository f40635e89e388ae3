"""One way to choose a period: the municipality's periods grouped by year, newest first, and one rule
for the period a page opens on.

«The municipality's periods» are those it uses: the apps that keep work by period append, in their
AppConfig.ready, functions `(municipality) -> expression over Period` to PERIOD_USE_PROVIDERS (a
collection in any state, data values, cycles, evaluations, recommendations, decisions, reports, the
years of a roadmap); the periods with data (mcok.selectors.PERIOD_DATA_PROVIDERS) count too, and so
do the current ones (the calendar year and every period under way today), so a municipality that has
nothing yet still has a period to start.

The period a page opens on (`default_period`): the latest period, up to the current year, in which the
municipality has data for that page (the page passes its own expression, or the providers of data
decide), the calendar year before the other kinds of the same year; the current calendar year when
there is none.
"""

import datetime
import operator
from functools import reduce
from itertools import groupby

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mcok.models import Municipality, Period

PERIOD_USE_PROVIDERS: list = []

# Within a year: the calendar year, the academic year, the halves, the quarters.
KIND_RANK = Case(
    When(kind=Period.Kind.YEAR, then=Value(0)),
    When(kind=Period.Kind.ACADEMIC_YEAR, then=Value(1)),
    When(kind=Period.Kind.HALF_YEAR, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
ORDER = ("-year", "kind_rank", "-number")


def _or(expressions) -> Q | None:
    expressions = list(expressions)
    return reduce(operator.or_, expressions) if expressions else None


def current_period(today: datetime.date | None = None) -> Period | None:
    """The calendar year of today (periods_ensure keeps it in the database)."""
    today = today or timezone.localdate()
    return Period.objects.filter(kind=Period.Kind.YEAR, year=today.year).first()


def municipality_periods(
    municipality: Municipality | None, *, include=(), today: datetime.date | None = None
) -> QuerySet[Period]:
    """The periods the municipality uses, the current ones (the calendar year, and every period under
    way today: the academic year, the half-year, the quarter), and the periods of `include`
    (a record's own period, kept choosable), newest year first. Every period when `municipality` is
    None (an instance administrator choosing for no municipality in particular)."""
    from mcok.selectors import PERIOD_DATA_PROVIDERS

    periods = Period.objects.annotate(kind_rank=KIND_RANK).order_by(*ORDER)
    if municipality is None:
        return periods
    today = today or timezone.localdate()
    used = Q(kind=Period.Kind.YEAR, year=today.year) | Q(starts_on__lte=today, ends_on__gte=today)
    include = [p.pk if isinstance(p, Period) else p for p in include if p is not None]
    if include:
        used |= Q(pk__in=include)
    providers = _or(provider(municipality) for provider in PERIOD_USE_PROVIDERS + PERIOD_DATA_PROVIDERS)
    if providers is not None:
        used |= providers
    return periods.filter(used)


def default_period(
    municipality: Municipality | None,
    data=None,
    *,
    kinds=None,
    today: datetime.date | None = None,
) -> Period | None:
    """The period a page opens on: the latest up to the current year in which `municipality` has data
    for the page (`data`: an expression over Period, e.g. Exists(…period=OuterRef("pk")…), or a
    queryset of periods; the providers of data when None), limited to `kinds` when given; else the
    current calendar year, else the latest year before it, else any year. Two queries at most."""
    from mcok.selectors import PERIOD_DATA_PROVIDERS

    today = today or timezone.localdate()
    if municipality is not None:
        if data is None:
            data = _or(provider(municipality) for provider in PERIOD_DATA_PROVIDERS)
        elif isinstance(data, QuerySet):
            data = Q(pk__in=data.values("pk"))
        if data is not None:
            candidates = Period.objects.annotate(kind_rank=KIND_RANK).filter(data, year__lte=today.year)
            if kinds:
                candidates = candidates.filter(kind__in=kinds)
            latest = candidates.order_by(*ORDER).first()
            if latest is not None:
                return latest
    years = Period.objects.filter(kind=Period.Kind.YEAR).order_by("-year")
    return years.filter(year__lte=today.year).first() or years.last()


# The choice --------------------------------------------------------------------------------------------


class _ByYear(forms.models.ModelChoiceIterator):
    """The periods as option groups, one per year, in the queryset's order (newest first)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for year, rows in groupby(self.queryset, key=lambda period: period.year):
            yield (str(year), [self.choice(row) for row in rows])


class PeriodField(forms.ModelChoiceField):
    """The period choice of every page: option groups by year, newest first, labels as people write
    them («2025 год», «2025/2026 учебный год»); no empty option when a period is required. The view
    narrows it to the municipality's periods with `limit_to`; unchosen, it is empty."""

    iterator = _ByYear
    default_error_messages = {
        "invalid_choice": _("Choose one of the periods in the list."),
    }

    def __init__(self, *, queryset=None, required=True, empty_label=None, **kwargs):
        kwargs.setdefault("label", _("Period"))
        super().__init__(
            queryset=Period.objects.none() if queryset is None else queryset,
            required=required,
            empty_label=empty_label if not required else None,
            **kwargs,
        )

    def label_from_instance(self, obj: Period) -> str:
        return obj.label

    def limit_to(self, municipality: Municipality | None, *, include=()) -> None:
        self.queryset = municipality_periods(municipality, include=include)


class PeriodFilter(django_filters.ModelChoiceFilter):
    """A list's period filter: the same grouped choice; every period until `limit_period` narrows it."""

    field_class = PeriodField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", municipality_periods(None))
        super().__init__(*args, **kwargs)


def limit_period(field, municipality: Municipality | None, *, include=()) -> None:
    """Narrow a period field (a PeriodField, or a django-filter's field) to the municipality's periods."""
    if isinstance(field, PeriodField):
        field.limit_to(municipality, include=include)
    else:
        field.queryset = municipality_periods(municipality, include=include)
