"""Deadlines of roadmap events: the wording of a «Сроки» cell turned into dates the portal can track.

Roadmaps write deadlines the way people say them: «до 01.09.2021», «Июль - август, 2021 г.»,
«2022 – 2024 годы», «Ежегодно (сентябрь)», «В течение года», «декабрь 2022 г., декабрь 2023 г.,
декабрь 2024 г.», «Май 2022 г., далее – по мере проведения мониторингов»; orders add quarters («I квартал
2025 года», «IV кв. 2024 г.»), a day of every month («до 5 числа каждого месяца»), several dates in one
cell («до 01.03.2025, до 01.09.2025», «15 марта и 15 сентября»), the school year («в течение учебного
года», 1 September – 31 August) and wordings with no date at all («по графику …», «по запросу»).
`parse` reads one cell into a `Deadline`: its kind, the months and years it names, and
`Deadline.occurrences()`, the stretches of time an executor is held to, one per instance of a
recurrence. A wording it cannot read becomes kind `unknown` with the text kept, never an exception:
a cell is input the portal stores and shows, and a roadmap must load whatever its authors wrote.

Pure functions on strings and dates, no ORM: the Event model keeps the text as written (and may keep
the kind); whether an instance is done is the event's state, kept by the caller (see `is_overdue`).
"""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypedDict

from django.db import models
from django.utils.dates import MONTHS, MONTHS_ALT
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Kind(models.TextChoices):
    """What a deadline wording says; a TextChoices so that a model field can store it."""

    DATE = "date", gettext_lazy("A day")  # «до 01.09.2021»
    MONTH = "month", gettext_lazy("A month")  # «Сентябрь 2021»
    MONTHS = "months", gettext_lazy("Several months")  # «Июль - август, 2021 г.», «Июнь, август 2022 г.»
    QUARTER = "quarter", gettext_lazy("A quarter")  # «I квартал 2025 года», «в течение II квартала»
    RANGE = "range", gettext_lazy("A span of years")  # «2022 – 2024 годы», «2021, 2022 годы»
    YEARLY = "yearly", gettext_lazy("Yearly")  # «Ежегодно (сентябрь)», «1 раз в год»
    TWICE_A_YEAR = "twice_a_year", gettext_lazy("Twice a year")
    QUARTERLY = "quarterly", gettext_lazy("Quarterly")
    MONTHLY = "monthly", gettext_lazy("Monthly")
    WITHIN_YEAR = "within_year", gettext_lazy("Within the year")  # «В течение года»
    SCHOOL_YEAR = "school_year", gettext_lazy("Within the school year")  # «в течение учебного года»
    ONGOING = "ongoing", gettext_lazy("Ongoing")  # «постоянно»
    ON_OCCASION = "on_occasion", gettext_lazy("Unscheduled")  # «по мере необходимости»
    LIST = "list", gettext_lazy("Several dates")  # «декабрь 2022 г., май 2023 г., 2024г.»
    UNKNOWN = "unknown", gettext_lazy("Not recognized")


# Kinds that name one stretch of time; the others repeat, wait for an occasion, or list several.
ONCE = frozenset({Kind.DATE, Kind.MONTH, Kind.MONTHS, Kind.QUARTER, Kind.RANGE})
RECURRING = frozenset(
    {
        Kind.YEARLY,
        Kind.TWICE_A_YEAR,
        Kind.QUARTERLY,
        Kind.MONTHLY,
        Kind.WITHIN_YEAR,
        Kind.SCHOOL_YEAR,
        Kind.ONGOING,
    }
)


@dataclass(frozen=True, order=True)
class Occurrence:
    """One instance an executor is held to: the work may start on `starts_on` and is due by `due_on`.

    For a single day both are that day; for «Сентябрь 2021» they are 1 and 30 September; for a
    yearly event, one Occurrence per year.
    """

    starts_on: date
    due_on: date

    def __post_init__(self) -> None:
        if self.starts_on > self.due_on:
            raise ValueError(f"An occurrence cannot end before it starts: {self.starts_on} > {self.due_on}.")


def is_overdue(occurrence: Occurrence, today: date, *, done: bool = False) -> bool:
    """Whether the instance is late: its due date has passed (`due_on < today`) and it is not done.

    The due day itself is still in time. Whether the instance is done is the event's state, which
    lives with the event (a report, a tick per occurrence), so the caller passes it as `done`.
    """
    return not done and occurrence.due_on < today


@dataclass(frozen=True)
class Deadline:
    """A deadline wording as read by `parse`.

        `text` is the cell as written. `months` are the months named, in order (a span is spelled out:
        «май – август» is 5, 6, 7, 8; «Сентябрь 2021 – январь 2022» is 9, 10, 11, 12, 1). `years` are the
        years named, ascending; for a wording without a year that `parse` dated from the roadmap's first
        year («Август – Сентябрь»), `years_assumed` is true. Recurrences keep only the years they name
        («декабрь 2022 г., декабрь 2023 г., декабрь 2024 г.»); without any they run over the roadmap's
        years. `day` is the day of the month of a `date` (and of a yearly «не позднее 1 февраля», and of a
    monthly «до 5 числа каждого месяца»). A `quarter` keeps the months of its quarters («I–II квартал
    2025 г.»: 1 to 6).
        `times` is how often within each period («2 раза в квартал»: 2). `first` is what comes before
        «далее» («Май 2022 г., далее – по мере …»: May 2022), and then `months`, `years` and `day` are its.
        `items` are the parts of a `list`. `start_year` and `end_year` are the roadmap's years that
        `parse` was given, the default window of `occurrences`.
    """

    text: str
    kind: Kind
    months: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    day: int | None = None
    times: int = 1
    first: "Deadline | None" = None
    items: tuple["Deadline", ...] = ()
    years_assumed: bool = False
    start_year: int | None = None
    end_year: int | None = None

    def occurrences(self, start_year: int | None = None, end_year: int | None = None) -> list[Occurrence]:
        """Each tracked instance as (starts_on, due_on), sorted.

        start_year and end_year (default: those given to `parse`) are the roadmap's years: the window
        a recurrence without years of its own runs over and the year of a wording without one. Years
        the wording names always win. A day gives that day; a month its first to its last day;
        several months the first day of the first to the last day of the last; years 1 January of
        the first to 31 December of the last; a yearly event in a month one instance per year in that
        month; yearly without a month, within the year, twice a year, quarterly and monthly the whole
        year, half, quarter or month, per period; monthly on a day that day of every month; a quarter
        its three months (several quarters one instance each); the school year 1 September of each
        roadmap year to 31 August of the next; ongoing the years written then each later year;
        unscheduled nothing (beyond what precedes «далее»); a list each of its items; unknown nothing.
        With no year anywhere (no roadmap years, none written) a recurrence gives nothing.
        """
        window = _window(
            self.start_year if start_year is None else start_year,
            self.end_year if end_year is None else end_year,
        )
        return sorted(set(self._occurrences(window)))

    def _occurrences(self, window: range) -> list[Occurrence]:
        if self.kind is Kind.LIST:
            return [found for item in self.items for found in item._occurrences(window)]
        if self.kind in ONCE:
            return self._once(window)
        if self.first is not None:
            head = self.first._occurrences(window)
            if not head:
                return []
            after = max(found.due_on.year for found in head) + 1
            return head + self._per_period(range(after, max(after, window.stop)))
        if self.kind in RECURRING:
            return self._per_period(self.years or window)
        return []  # unscheduled or unknown: nothing to track on a date

    def _once(self, window: range) -> list[Occurrence]:
        if self.kind is Kind.QUARTER:
            year = (
                self.years[0] if self.years and not self.years_assumed else window.start if window else None
            )
            if year is None:
                return []
            firsts = sorted({month - (month - 1) % 3 for month in self.months})
            return [_months_span(year, (month, month + 2)) for month in firsts]
        if self.kind is Kind.RANGE:
            return [Occurrence(date(self.years[0], 1, 1), date(self.years[-1], 12, 31))]
        if self.years and not self.years_assumed:
            year = self.years[0]
        elif window:
            year = window.start
        else:
            return []  # «Август – Сентябрь» with no roadmap year: nothing to date it by
        if self.kind is Kind.DATE:
            assert self.day is not None
            day = _day(year, self.months[0], self.day)
            return [Occurrence(day, day)]
        return [_months_span(year, self.months)]

    def _per_period(self, years: Sequence[int]) -> list[Occurrence]:
        found: list[Occurrence] = []
        for year in years:
            if self.kind is Kind.YEARLY and self.day is not None and self.months:
                day = _day(year, self.months[0], self.day)
                found.append(Occurrence(day, day))
            elif self.kind is Kind.YEARLY and self.months:
                found.append(_months_span(year, self.months))
            elif self.kind is Kind.SCHOOL_YEAR:
                found.append(Occurrence(date(year, 9, 1), date(year + 1, 8, 31)))
            elif self.kind in (Kind.YEARLY, Kind.WITHIN_YEAR, Kind.ONGOING):
                found.append(Occurrence(date(year, 1, 1), date(year, 12, 31)))
            elif self.kind is Kind.TWICE_A_YEAR:
                found += [_months_span(year, (1, 6)), _months_span(year, (7, 12))]
            elif self.kind is Kind.QUARTERLY:
                found += [_months_span(year, (month, month + 2)) for month in (1, 4, 7, 10)]
            elif self.kind is Kind.MONTHLY and self.day is not None:
                found += [Occurrence(day, day) for day in (_day(year, m, self.day) for m in range(1, 13))]
            elif self.kind is Kind.MONTHLY:
                found += [_months_span(year, (month,)) for month in range(1, 13)]
        return found


def _window(start_year: int | None, end_year: int | None) -> range:
    """The roadmap's years; one given alone stands for both, none gives no window."""
    if start_year is None and end_year is None:
        return range(0)
    first = end_year if start_year is None else start_year
    last = start_year if end_year is None else end_year
    assert first is not None and last is not None
    return range(first, last + 1)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day(year: int, month: int, day: int) -> date:
    """The day in that year; 29 February of a year without one is the 28th."""
    return date(year, month, min(day, _last_day(year, month)))


def _months_span(year: int, months: Sequence[int]) -> Occurrence:
    """First day of the first month to the last day of the last; a month lower than the one before
    it is in the next year (September … January)."""
    last_year = year
    for previous, month in zip(months, months[1:], strict=False):
        if month < previous:
            last_year += 1
    last = months[-1]
    return Occurrence(date(year, months[0], 1), date(last_year, last, _last_day(last_year, last)))


# Reading ------------------------------------------------------------------------------------------


class _Roadmap(TypedDict):
    """The roadmap's years given to `parse`, passed on to every Deadline it builds."""

    start_year: int | None
    end_year: int | None


_MONTH = (
    r"(?:январ|феврал|апрел|июн|июл|сентябр|октябр|ноябр|декабр)(?:ь|я|е|ю|ем)"
    r"|(?:март|август)(?:а|е|у|ом)?"
    r"|ма(?:й|я|е|ю|ем)"
)
_MONTH_PREFIXES = ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
_YEAR = r"(?:19|20)\d\d"
_QUARTER_NUMBER = r"iv|iii|ii|i|[1-4]"
_TOKEN = re.compile(
    rf"(?P<quarter>(?<!\w)(?P<q>{_QUARTER_NUMBER})(?:\s*-?\s*(?:й|го|ом|м)(?!\w))?"
    rf"(?:\s*-\s*(?P<q2>{_QUARTER_NUMBER})(?:\s*-?\s*(?:й|го|ом|м)(?!\w))?)?"
    r"\s*(?:квартал\w*|кв(?:\.|(?!\w))))"
    rf"|(?P<date>(?P<dd>\d{{1,2}})\.(?P<dm>\d{{1,2}})\.(?P<dy>{_YEAR}|\d\d)(?![\d])"
    rf"|(?P<sd>\d\d)\.(?P<sm>\d\d)(?![.\d]))"
    rf"|(?P<named>(?P<nd>\d{{1,2}})\s+(?P<nm>{_MONTH})(?!\w)(?:\s+(?P<ny>{_YEAR})(?!\d))?)"
    rf"|(?P<year>{_YEAR})(?!\d)"
    rf"|(?P<month>{_MONTH})(?!\w)"
    r"|(?P<dash>-|/|(?:по|до)(?!\w))"
    r"|(?P<filler>(?:гг|г\.\s*г|г)(?:\.|(?!\w))"
    r"|(?:годов|годы|года|году|годах|год|на|в|во|с|со|к|не|позднее|конца|концу|конец|срок|и"
    r"|течение|течении|период|периоде)(?!\w))"
    r"|(?P<academic>учебн\w*)"
    r"|(?P<word>\w+)"
    r"|(?P<skip>\s+|[^\w\s])"
)
# One character for one: positions found in the normalized text cut the original.
_SAME_LENGTH = str.maketrans(
    {**dict.fromkeys("‐‑‒–—―−", "-"), **dict.fromkeys("\xa0\u2007\u202f", " "), "ё": "е"}
)
_THEN = re.compile(r"(?<!\w)(?:далее|в\s+дальнейшем|затем)(?!\w)")
_TIMES = re.compile(
    r"(?<!\w)(?:(?P<n>\d+|один|одного|два|две|три|четыре)\s+)?раза?\s+в\s+"
    r"(?P<unit>год|полугодие|полгода|квартал|месяц)(?!\w)"
)
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
# «до 5 числа», «до 10-го числа»: the day of a monthly deadline.
_MONTH_DAY = re.compile(r"(?<!\w)(?P<day>\d{1,2})(?:\s*-?\s*(?:го|е))?\s+числ")
# «до» after a comma or «и» starts the next deadline of a list, it does not close a span.
_LIST_BEFORE = re.compile(r"(?:[,;]|(?<!\w)и)\s*$")
_NUMBER_WORDS = {"один": 1, "одного": 1, "два": 2, "две": 2, "три": 3, "четыре": 4}
# Checked in this order: the first that matches decides («Ежегодно, в соответствии с Планом-графиком»
# is yearly, «В течение года (по мере необходимости)» within the year).
_RULES = (
    (
        re.compile(r"ежемесячн|каждый\s+месяц|каждого\s+месяца"),
        Kind.MONTHLY,
    ),
    (re.compile(r"ежекварталь|каждый\s+квартал"), Kind.QUARTERLY),
    (re.compile(r"ежеполугодн|каждое\s+полугодие"), Kind.TWICE_A_YEAR),
    (re.compile(r"ежегодн|каждый\s+год(?!\w)"), Kind.YEARLY),
    (re.compile(r"числа\s+(?:\w+\s+)?месяца"), Kind.MONTHLY),  # «до 5 числа месяца, следующего за …»
    (
        re.compile(
            r"в\s+течени[еия]\s+(?:всего\s+|текущего\s+|каждого\s+)?учебного\s+года"
            r"|^\W*(?:каждый\s+|текущий\s+)?учебный\s+год\W*$"
        ),
        Kind.SCHOOL_YEAR,
    ),
    (re.compile(r"в\s+течени[еия]\s+(?:\w+\s+){0,2}?год(?:а|у)?(?!\w)"), Kind.WITHIN_YEAR),
    (re.compile(r"постоянн|на\s+постоянной\s+основе"), Kind.ONGOING),
    (
        re.compile(
            r"по\s+мере|(?:при|по)\s+необходимости|по\s+запросу|по\s+результатам"
            r"|(?:в\s+соответствии\s+с|согласно)\s+(?:\w+\s+)?(?:расписани|график|план|порядк|срок)"
            r"|по\s+(?:\w+\s+)?(?:графику|расписанию|плану)|по\s+согласованию"
            r"|в\s+(?:установленные\s+)?сроки|в\s+установленном\s+порядке"
        ),
        Kind.ON_OCCASION,
    ),
)


def parse(text: str, *, start_year: int | None = None, end_year: int | None = None) -> Deadline:
    """Read a roadmap's deadline wording; `unknown` (with the text kept) when it cannot be read.

    start_year and end_year are the roadmap's years (e.g. 2021 and 2024): a wording without a year
    («Август – Сентябрь») takes the first, recurrences without years run over all of them. Any case,
    «–», «—» or «-» with or without spaces, «г.», «гг.», «г.г.», «год(а, ы, ов)», commas, parentheses,
    line breaks, «до», «не позднее», month names in any case («сентября», «в сентябре») are read.
    """
    roadmap = _Roadmap(start_year=start_year, end_year=end_year)
    norm = _normalize(text)
    return (
        _continued(text, norm, roadmap)
        or _recurrence(text, norm, roadmap)
        or _period(text, norm, roadmap)
        or Deadline(text, Kind.UNKNOWN, **roadmap)
    )


def _normalize(text: str) -> str:
    """Lower case, one dash, one space, «е» for «ё»: as long as `text`, character for character."""
    lowered = "".join(low if len(low := char.lower()) == 1 else char for char in text)
    return lowered.translate(_SAME_LENGTH)


def _continued(text: str, norm: str, roadmap: _Roadmap) -> Deadline | None:
    """«<period>, далее – <rule>»: the period first, then the rule (yearly, ongoing, unscheduled)."""
    then = _THEN.search(norm)
    if then is None:
        return None
    rule = _rule(norm[then.end() :])
    head_text = text[: then.start()].rstrip(" \t\r\n,;:-–—")
    head = _period(head_text, _normalize(head_text), roadmap)
    if rule is None or head is None:
        return None
    kind, times = rule
    return Deadline(
        text,
        kind,
        months=head.months,
        years=head.years,
        day=head.day,
        times=times,
        first=head,
        years_assumed=head.years_assumed,
        **roadmap,
    )


def _rule(norm: str) -> tuple[Kind, int] | None:
    """The recurrence or occasion a wording names, with how many times per period; None if none."""
    times = _TIMES.search(norm)
    if times is not None:
        number = times["n"]
        count = 1 if number is None else _NUMBER_WORDS.get(number) or int(number)
        unit = times["unit"]
        if unit == "год" and count in (1, 3):
            return Kind.YEARLY, count
        if unit == "год" and count == 2:
            return Kind.TWICE_A_YEAR, 1
        if unit == "год" and count == 4:
            return Kind.QUARTERLY, 1
        if unit in ("полугодие", "полгода") and 1 <= count <= 4:
            return Kind.TWICE_A_YEAR, count
        if unit == "квартал" and 1 <= count <= 4:
            return Kind.QUARTERLY, count
        if unit == "месяц" and 1 <= count <= 4:
            return Kind.MONTHLY, count
        return None  # «12 раз в год»: no kind tracks that, better unknown than wrong
    for pattern, kind in _RULES:
        if pattern.search(norm):
            return kind, 1
    return None


def _recurrence(text: str, norm: str, roadmap: _Roadmap) -> Deadline | None:
    """A recurrence, a span within the year, ongoing or unscheduled work; the months, day and years
    it names are picked out of the rest, the other words («в соответствии с планом») are comments."""
    rule = _rule(norm)
    if rule is None:
        return None
    kind, times = rule
    if kind is Kind.ON_OCCASION:
        return Deadline(text, kind, **roadmap)
    phrases = _phrases(_tokens(norm), strict=False) or []
    years = sorted({year for phrase in phrases for year in _phrase_years(phrase)} | _span_years(phrases))
    months: tuple[int, ...] = ()
    day = None
    if kind is Kind.MONTHLY and (month_day := _MONTH_DAY.search(norm)) and 1 <= int(month_day["day"]) <= 31:
        day = int(month_day["day"])
    if kind is Kind.YEARLY:
        days = [phrase for phrase in phrases if phrase.kind == "day"]
        if len(days) == 1:
            day, months = days[0].day, days[0].months
        else:
            named = [month for phrase in phrases if phrase.kind == "months" for month in phrase.months]
            months = tuple(dict.fromkeys(named))
    return Deadline(text, kind, months=months, years=tuple(years), day=day, times=times, **roadmap)


def _period(text: str, norm: str, roadmap: _Roadmap) -> Deadline | None:
    """A day, month(s) or years, one or several; None unless every word is read."""
    tokens = _tokens(norm)
    academic = any(token.kind == "academic" for token in tokens)
    phrases = _phrases([token for token in tokens if token.kind != "academic"], strict=True)
    if not phrases:
        return None
    items = _items(phrases)
    if items is None:
        return None
    if len(items) == 1:
        found = _single(items[0], text, academic=academic, roadmap=roadmap)
    elif academic:
        return None
    else:
        found = _several(items, text, roadmap)
    if found is not None and any(token.quarter for token in tokens):
        return _as_quarters(found)
    return found


def _as_quarters(found: Deadline) -> Deadline | None:
    """Months read from quarters are a quarter (a list of them, a list of quarters; the same quarter
    of several years is yearly in its months); a span across years is not («IV квартал 2024 –
    I квартал 2025» stays unknown)."""
    if found.kind is Kind.LIST:
        items = tuple(_as_quarters(item) for item in found.items)
        if any(item is None for item in items):
            return None
        return replace(found, items=items)  # type: ignore[arg-type]
    if found.kind is Kind.YEARLY:  # «II квартал 2024 г., II квартал 2025 г.»: each year, that quarter
        return found
    if found.kind not in (Kind.MONTH, Kind.MONTHS) or len(found.years) > 1:
        return None
    if any(earlier >= later for earlier, later in zip(found.months, found.months[1:], strict=False)):
        return None
    return replace(found, kind=Kind.QUARTER)


@dataclass(frozen=True)
class _Token:
    kind: str  # day, month, year, dash, academic, word
    start: int
    end: int
    day: int | None = None
    month: int | None = None
    year: int | None = None
    quarter: bool = False  # a month that begins or ends a quarter


def _month_number(word: str) -> int:
    if word.startswith("мар"):
        return 3
    return next(number for number, prefix in enumerate(_MONTH_PREFIXES, 1) if word.startswith(prefix))


def _tokens(norm: str) -> list[_Token]:
    tokens = []
    for found in _TOKEN.finditer(norm):
        start, end = found.span()
        if found["quarter"]:  # «I квартал», «I–II кв.»: its months as a span, «январь – март»
            first, last = _QUARTERS[found["q"]], _QUARTERS[found["q2"] or found["q"]]
            tokens += [
                _Token("month", start, end, month=3 * first - 2, quarter=True),
                _Token("dash", start, end),
                _Token("month", start, end, month=3 * last, quarter=True),
            ]
        elif found["date"]:
            day, month, year = int(found["dd"] or found["sd"]), int(found["dm"] or found["sm"]), found["dy"]
            if year is not None and len(year) == 2:  # «01.09.21»
                year = f"20{year}"
            tokens.append(_day_token(day, month, None if year is None else int(year), start, end))
        elif found["named"]:
            year = None if found["ny"] is None else int(found["ny"])
            tokens.append(_day_token(int(found["nd"]), _month_number(found["nm"]), year, start, end))
        elif found["year"]:
            tokens.append(_Token("year", start, end, year=int(found["year"])))
        elif found["month"]:
            tokens.append(_Token("month", start, end, month=_month_number(found["month"])))
        elif found["dash"] and found["dash"] == "до" and _LIST_BEFORE.search(norm[:start]):
            pass  # «до 01.03.2025, до 01.09.2025»: the next item of a list
        elif found["dash"]:
            tokens.append(_Token("dash", start, end))
        elif found["academic"]:
            tokens.append(_Token("academic", start, end))
        elif found["word"]:
            tokens.append(_Token("word", start, end))
    return tokens


def _day_token(day: int, month: int, year: int | None, start: int, end: int) -> _Token:
    """A day, or a word when there is no such day (31.02.2022); 29 February is fine without a year."""
    if not 1 <= month <= 12 or not 1 <= day <= _last_day(2000 if year is None else year, month):
        return _Token("word", start, end)
    return _Token("day", start, end, day=day, month=month, year=year)


@dataclass(frozen=True)
class _Phrase:
    """A day, a run of months with the year that closes it («июнь, август 2022»), or a year."""

    kind: str  # day, months, year
    start: int
    end: int
    months: tuple[int, ...] = ()
    year: int | None = None
    day: int | None = None
    dash_before: bool = False  # «<previous> – <this>»: the two make a span


def _phrases(tokens: list[_Token], *, strict: bool) -> list[_Phrase] | None:
    """Group tokens into phrases; None (strict only) at a word or a dash that joins nothing."""
    phrases: list[_Phrase] = []
    run: list[tuple[int, bool]] = []  # (month, joined to the previous one by a dash)
    run_start = run_end = 0
    run_dash_before = False
    dash = False

    def close(year: int | None, end: int) -> bool:
        nonlocal run
        months = _run_months(run, strict=strict)
        if months is None:
            return False
        phrases.append(
            _Phrase("months", run_start, end, months=months, year=year, dash_before=run_dash_before)
        )
        run = []
        return True

    for token in tokens:
        if token.kind == "word":
            if strict:
                return None
        elif token.kind == "dash":
            if dash and strict:
                return None
            dash = bool(run or phrases)  # a leading «до»/«по»/«–» joins nothing: «до 2024 года»
        elif token.kind == "month":
            assert token.month is not None
            if run:
                run.append((token.month, dash))
            else:
                run, run_start, run_dash_before = [(token.month, False)], token.start, dash
            run_end, dash = token.end, False
        elif token.kind == "year":
            if run and not dash:
                if not close(token.year, token.end):
                    return None
            else:
                if run and not close(None, run_end):
                    return None
                phrases.append(_Phrase("year", token.start, token.end, year=token.year, dash_before=dash))
            dash = False
        elif token.kind == "day":
            if run and not close(None, run_end):
                return None
            phrases.append(
                _Phrase(
                    "day",
                    token.start,
                    token.end,
                    months=(token.month or 1,),
                    year=token.year,
                    day=token.day,
                    dash_before=dash,
                )
            )
            dash = False
    if run and not close(None, run_end):
        return None
    if dash and strict:
        return None  # «2022 –»: a span without its end
    return phrases


def _run_months(run: list[tuple[int, bool]], *, strict: bool) -> tuple[int, ...] | None:
    """The months of a run, spans spelled out: «май – август» is 5, 6, 7, 8. Strictly, they must
    go forward within the year («ноябрь – февраль 2022»: which year is November in?)."""
    months = [run[0][0]]
    for month, spanned in run[1:]:
        if spanned:
            current = months[-1]
            while current != month:
                current = current % 12 + 1
                months.append(current)
        else:
            months.append(month)
    if strict and any(later <= earlier for earlier, later in zip(months, months[1:], strict=False)):
        return None
    return tuple(months)


def _phrase_years(phrase: _Phrase) -> set[int]:
    return set() if phrase.year is None else {phrase.year}


def _span_years(phrases: list[_Phrase]) -> set[int]:
    """The years between «2022 – 2024» (the ends are counted with the phrases)."""
    years: set[int] = set()
    for previous, phrase in zip(phrases, phrases[1:], strict=False):
        if phrase.dash_before and previous.year is not None and phrase.year is not None:
            years |= set(range(previous.year, phrase.year + 1))
    return years


_Item = tuple[_Phrase, _Phrase | None]  # a phrase, or the two ends of a span


def _items(phrases: list[_Phrase]) -> list[_Item] | None:
    items: list[_Item] = []
    for phrase in phrases:
        if phrase.dash_before and items:
            first, last = items[-1]
            if last is not None:
                return None  # «2021 – 2022 – 2023»
            items[-1] = (first, phrase)
        else:
            items.append((phrase, None))
    return items


def _single(item: _Item, text: str, *, academic: bool, roadmap: _Roadmap) -> Deadline | None:
    first, last = item
    if last is None:
        if academic:
            return None
        if first.kind == "year":
            assert first.year is not None
            return Deadline(text, Kind.RANGE, years=(first.year,), **roadmap)
        kind = Kind.DATE if first.kind == "day" else Kind.MONTH if len(first.months) == 1 else Kind.MONTHS
        if first.year is not None:
            years: tuple[int, ...] = (first.year,)
        else:
            years = () if roadmap["start_year"] is None else (roadmap["start_year"],)
        return Deadline(
            text,
            kind,
            months=first.months,
            years=years,
            day=first.day,
            years_assumed=first.year is None,
            **roadmap,
        )
    if first.year is None or last.year is None or first.kind != last.kind or first.kind == "day":
        return None  # «01.09.2021 – 31.12.2021»: no kind for a span of days; «сентябрь – 2022»
    if first.kind == "year":
        if last.year < first.year or academic and last.year == first.year:
            return None
        if academic:  # «2021 -2022 учебный год»: 1 September 2021 to 31 August 2022
            return _months_between(text, (first.year, 9), (last.year, 8), roadmap)
        return Deadline(text, Kind.RANGE, years=tuple(range(first.year, last.year + 1)), **roadmap)
    if academic:
        return None
    return _months_between(text, (first.year, first.months[0]), (last.year, last.months[-1]), roadmap)


def _months_between(
    text: str, start: tuple[int, int], end: tuple[int, int], roadmap: _Roadmap
) -> Deadline | None:
    """«Сентябрь 2021 – январь 2022»: the months from (year, month) `start` to `end`, spelled out."""
    if end <= start:
        return None
    months, (year, month) = [start[1]], start
    while (year, month) != end:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append(month)
    years = tuple(range(start[0], end[0] + 1))
    return Deadline(text, Kind.MONTHS, months=tuple(months), years=years, **roadmap)


def _several(items: list[_Item], text: str, roadmap: _Roadmap) -> Deadline | None:
    """Several periods: years («2021, 2022 годы»), the same months each year (yearly), or a list;
    days without a year («15 марта и 15 сентября») are a list in the roadmap's first year."""
    singles = [first for first, last in items if last is None]
    undated_days = len(singles) == len(items) and all(p.kind == "day" and p.year is None for p in singles)
    if len(singles) == len(items) and not undated_days:
        years = [phrase.year for phrase in singles]
        if any(year is None for year in years):
            return None  # «Июнь 2021, июль»: which year is July in?
        ascending = all(
            b is not None and a is not None and b > a for a, b in zip(years, years[1:], strict=False)
        )
        known = tuple(year for year in years if year is not None)
        if all(phrase.kind == "year" for phrase in singles):
            if ascending and known[-1] - known[0] == len(known) - 1:
                return Deadline(text, Kind.RANGE, years=known, **roadmap)
        elif ascending and singles[0].kind == "months":
            same_months = all(p.kind == "months" and p.months == singles[0].months for p in singles)
            months_then_years = all(phrase.kind == "year" for phrase in singles[1:])
            if same_months or months_then_years:  # «май –август 2022 г., 2023 г., 2024 г.»
                return Deadline(text, Kind.YEARLY, months=singles[0].months, years=known, **roadmap)
    parts = []
    for index, item in enumerate(items):
        start = 0 if index == 0 else item[0].start
        end = len(text) if index == len(items) - 1 else items[index + 1][0].start
        part = _single(item, text[start:end].strip(" \t\r\n,;"), academic=False, roadmap=roadmap)
        if part is None or part.years_assumed and not undated_days:
            return None
        parts.append(part)
    return Deadline(
        text,
        Kind.LIST,
        months=tuple(month for part in parts for month in part.months),
        years=tuple(sorted({year for part in parts for year in part.years})),
        items=tuple(parts),
        **roadmap,
    )


# Describing ---------------------------------------------------------------------------------------

_IN_MONTH = {
    1: gettext_lazy("in January"),
    2: gettext_lazy("in February"),
    3: gettext_lazy("in March"),
    4: gettext_lazy("in April"),
    5: gettext_lazy("in May"),
    6: gettext_lazy("in June"),
    7: gettext_lazy("in July"),
    8: gettext_lazy("in August"),
    9: gettext_lazy("in September"),
    10: gettext_lazy("in October"),
    11: gettext_lazy("in November"),
    12: gettext_lazy("in December"),
}


def describe(deadline: Deadline) -> str:
    """A short Russian description, the same for every spelling of a deadline: «ежегодно, в сентябре»,
    «июль – август 2021 г.», «2022–2024 гг., 2 раза в год», «май 2022 г., далее – без фиксированного
    срока». An unknown wording is shown as written, its spaces tidied, since nothing better is known."""
    if deadline.kind is Kind.UNKNOWN:
        return " ".join(deadline.text.split()) or _("no deadline given")
    if deadline.kind is Kind.LIST:
        return "; ".join(describe(item) for item in deadline.items)
    if deadline.kind in ONCE:
        return _describe_once(deadline)
    if deadline.first is not None:
        return _("%(first)s, then %(rule)s") % {
            "first": describe(deadline.first),  # a list of its own («2021, 2022 – далее …») too
            "rule": _describe_rule(deadline, shaped=False),
        }
    rule = _describe_rule(deadline, shaped=True)
    if deadline.years:
        return _("%(years)s, %(rule)s") % {"years": _describe_years(deadline.years), "rule": rule}
    return rule


def _describe_once(deadline: Deadline) -> str:
    if deadline.kind is Kind.RANGE:
        return _describe_years(deadline.years)
    written = () if deadline.years_assumed else deadline.years
    if deadline.kind is Kind.QUARTER:
        firsts = sorted({month - (month - 1) % 3 for month in deadline.months})
        names = [_QUARTER_NAMES[(month + 2) // 3] for month in firsts]
        quarters = f"{names[0]}–{names[-1]}" if len(names) > 1 else names[0]
        if written:
            return _("quarter %(quarters)s of %(year)s") % {"quarters": quarters, "year": written[0]}
        return _("quarter %(quarters)s") % {"quarters": quarters}
    if deadline.kind is Kind.DATE:
        day = f"{deadline.day:02d}.{deadline.months[0]:02d}" + "".join(f".{year}" for year in written)
        return _("by %(date)s") % {"date": day}
    if not written:
        return _describe_months(deadline.months)
    if len(written) == 1:
        return _("%(months)s %(year)s") % {"months": _describe_months(deadline.months), "year": written[0]}
    first = _("%(months)s %(year)s") % {"months": _describe_months(deadline.months[:1]), "year": written[0]}
    last = _("%(months)s %(year)s") % {"months": _describe_months(deadline.months[-1:]), "year": written[-1]}
    return f"{first} – {last}"


def _describe_months(months: Sequence[int]) -> str:
    names = [str(MONTHS[month]).lower() for month in months]
    if len(names) == 1:
        return names[0]
    if all(later == earlier % 12 + 1 for earlier, later in zip(months, months[1:], strict=False)):
        return f"{names[0]} – {names[-1]}"
    return ", ".join(names)


def _describe_years(years: Sequence[int]) -> str:
    if len(years) == 1:
        return _("year %(year)s") % {"year": years[0]}
    if years[-1] - years[0] == len(years) - 1:
        return _("years %(first)s–%(last)s") % {"first": years[0], "last": years[-1]}
    return _("years %(years)s") % {"years": ", ".join(map(str, years))}


def _describe_rule(deadline: Deadline, *, shaped: bool) -> str:
    """The recurrence in words; `shaped` adds the month or day it falls on."""
    kind, times = deadline.kind, deadline.times
    if kind is Kind.YEARLY and shaped and deadline.day is not None and deadline.months:
        day = f"{deadline.day} {str(MONTHS_ALT[deadline.months[0]]).lower()}"
        return _("every year by %(date)s") % {"date": day}
    if kind is Kind.YEARLY and shaped and len(deadline.months) == 1:
        return _("every year %(in_month)s") % {"in_month": _IN_MONTH[deadline.months[0]]}
    if kind is Kind.YEARLY and shaped and deadline.months:
        return _("every year, %(months)s") % {"months": _describe_months(deadline.months)}
    if kind is Kind.YEARLY:
        return _("%(times)s times a year") % {"times": times} if times > 1 else _("every year")
    if kind is Kind.TWICE_A_YEAR:
        return _("%(times)s times every half-year") % {"times": times} if times > 1 else _("twice a year")
    if kind is Kind.QUARTERLY:
        return _("%(times)s times a quarter") % {"times": times} if times > 1 else _("once a quarter")
    if kind is Kind.MONTHLY and deadline.day is not None and times == 1:
        return _("every month by day %(day)s") % {"day": deadline.day}
    if kind is Kind.MONTHLY:
        return _("%(times)s times a month") % {"times": times} if times > 1 else _("every month")
    if kind is Kind.WITHIN_YEAR:
        return _("during the year")
    if kind is Kind.SCHOOL_YEAR:
        return _("during the school year")
    if kind is Kind.ONGOING:
        return _("continuously")
    return _("unscheduled")
