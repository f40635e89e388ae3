"""The indicator catalogues of the seeds (direction 2.3 of 000, П1…П55 of 001) and plausible figures
for the demo organizations, so every indicator page shows numbers."""

import hashlib
import re
from decimal import Decimal

from django.db import transaction

from directions.models import Direction
from indicators import services
from indicators.demo_data import DATA_ELEMENTS, DEMO_SCHOOLS, INDICATORS
from indicators.models import DataElement, DataValue, Indicator, IndicatorGroup, IndicatorValue, Target
from mcok import names
from mcok import services as core_services
from mcok.demo import upsert
from mcok.models import Municipality, Organization, Period

DEMO_YEARS = (2023, 2024, 2025)


def _stable(*parts) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@transaction.atomic
def load() -> None:
    for slug, elements in DATA_ELEMENTS.items():
        municipality = Municipality.objects.get(slug=slug)
        for school in DEMO_SCHOOLS.get(slug, []):
            # Only what is missing: the organizations the core demo already made keep their names.
            Organization.objects.get_or_create(
                municipality=municipality,
                short_name=school["short_name"],
                defaults={
                    "full_name": school.get("full_name", school["short_name"]),
                    "kind": school["kind"],
                    "locality": school.get("locality") or "",
                },
            )
        by_code = {}
        for item in elements:
            by_code[item["code"]] = upsert(
                DataElement,
                {"municipality": municipality, "code": item["code"]},
                {
                    "name": item["name"],
                    "unit": item["unit"],
                    "value_type": item["value_type"],
                    "kinds": item["kinds"],
                },
            )
        directions = {d.code: d for d in Direction.objects.filter(municipality=municipality)}
        groups = _groups(municipality, INDICATORS.get(slug, []))
        organizations = list(Organization.objects.filter(municipality=municipality))
        for item in INDICATORS.get(slug, []):
            indicator = upsert(
                Indicator,
                {"municipality": municipality, "code": item["code"]},
                {
                    "direction": directions.get(item["direction"]),
                    "name": item["name"],
                    "unit": item["unit"],
                    "kind": item["kind"],
                    "numerator": item["numerator"],
                    "denominator": item["denominator"],
                    "factor": item["factor"],
                    "periodicity": item["periodicity"],
                    "periodicity_text": item.get("periodicity_text", ""),
                    "group": groups.get(item.get("group", "")),
                    "responsible_text": item.get("responsible", ""),
                    "higher_is_better": item["higher_is_better"],
                    "method": item["method"],
                    "source": item["source"],
                    "criterion": item["criterion"],
                    "risk_threshold": None
                    if item["risk_below"] is None
                    else Decimal(str(item["risk_below"])),
                    "is_published": True,
                },
            )
            named = responsible_organizations(item.get("responsible", ""), organizations)
            if set(indicator.responsible_organizations.all()) != set(named):
                indicator.responsible_organizations.set(named)
        _load_values(municipality, by_code, _shares(INDICATORS.get(slug, []), by_code))


def _groups(municipality: Municipality, indicators: list[dict]) -> dict[str, IndicatorGroup]:
    """The headings the indicators stand under, in the order the seed first gives them."""
    headings = list(dict.fromkeys(item["group"] for item in indicators if item.get("group")))
    return {
        heading: upsert(IndicatorGroup, {"municipality": municipality, "heading": heading}, {"order": order})
        for order, heading in enumerate(headings, start=1)
    }


_JOINT = re.compile(r";|\bсовместно\s+с\b")


def responsible_organizations(written: str, organizations: list[Organization]) -> list[Organization]:
    """The organizations a responsible cell names («ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»; …»),
    each part matched through mcok.names; a part naming none (the department itself) is left as
    written in the indicator's text."""
    found = []
    for part in _JOINT.split(written or ""):
        organization = names.best_organization(part.strip(), organizations)
        if organization is not None and organization not in found:
            found.append(organization)
    return found


def _shares(indicators: list[dict], elements: dict[str, DataElement]) -> list[tuple[str, str]]:
    """(part, whole) of every percentage that divides one element by another: the part is drawn
    no greater than the whole, so no share reads above 100 %."""
    return [
        (item["numerator"], item["denominator"])
        for item in indicators
        if item["kind"] == "ratio"
        and item["unit"] == "%"
        and item["numerator"] in elements
        and item["denominator"] in elements
        and item["numerator"] != item["denominator"]
    ]


def _within_wholes(numbers: dict[str, Decimal], shares: list[tuple[str, str]], seed: str) -> None:
    """Lowers every part above its whole to a share of it, until none is; lowering only ever
    decreases whole numbers, so this ends."""
    changed = True
    while changed:
        changed = False
        for part, whole in shares:
            if part in numbers and whole in numbers and numbers[part] > numbers[whole]:
                numbers[part] = Decimal(numbers[whole] * (40 + _stable(seed, part) % 60) // 100)
                changed = True


def _load_values(
    municipality: Municipality, elements: dict[str, DataElement], shares: list[tuple[str, str]]
) -> None:
    """Figures for each reporting organization and year, stable from run to run. A part is never
    above its whole: a «total» element is drawn first and the others as shares of it, and the parts
    of every percentage are kept within their wholes."""
    # Every organization of a kind that reports an element, the ДПО bodies (kind «other») included.
    kinds = {kind for element in elements.values() for kind in element.kinds}
    reported = set(
        DataValue.objects.filter(municipality=municipality, organization__isnull=False).values_list(
            "organization", flat=True
        )
    )
    organizations = [
        organization
        for organization in Organization.objects.filter(municipality=municipality, kind__in=kinds)
        if organization.pk not in reported  # a rerun adds only the organizations with no figures yet
    ]
    if not organizations:
        return
    # A «1 — да, 0 — нет» element has its maximum in the seed's catalogue.
    maxima = {item["code"]: item["max"] for item in DATA_ELEMENTS[municipality.slug] if "max" in item}
    entries = []
    for year in DEMO_YEARS:
        core_services.periods_ensure(year=year)
        period = Period.objects.get(kind=Period.Kind.YEAR, year=year)
        for organization in organizations:
            size = 20 + _stable(organization.short_name) % 60  # the organization's scale
            numbers: dict[str, Decimal] = {}
            for code, element in elements.items():
                if organization.kind not in element.kinds:
                    continue
                seed = _stable(organization.short_name, code, year)
                if code in maxima:
                    number = Decimal(seed % (maxima[code] + 1))
                elif element.value_type in (DataElement.ValueType.PERCENT, DataElement.ValueType.SCORE):
                    number = Decimal(40 + seed % 60)
                elif "total" in code or "all" in code:
                    number = Decimal(size + year % 3)
                else:
                    number = Decimal(size * (30 + seed % 65) // 100)
                numbers[code] = number
            _within_wholes(numbers, shares, f"{organization.short_name}:{year}")
            for code, number in numbers.items():
                entries.append(services.Entry(elements[code], organization, period, number))
    services.data_values_write(entries=entries, source="import", by=None)


# Where everything meets: risk thresholds, targets and the cycle's texts -------------------------------


def _risk_threshold(values: list[Decimal], higher_is_better: bool) -> Decimal | None:
    """A whole-number threshold that puts about the worst quarter of the organizations (at least one,
    never all) into the risk group: value < threshold when higher is better, > when lower is."""
    if len(values) < 2:
        return None
    ordered = sorted(values, reverse=not higher_is_better)
    worst = ordered[max(1, len(ordered) // 4) - 1]
    threshold = Decimal(int(worst) + 1) if higher_is_better else Decimal(-int(-worst) - 1)
    at_risk = [v for v in values if (v < threshold if higher_is_better else v > threshold)]
    return threshold if 0 < len(at_risk) < len(values) else None


def _target(before: Decimal, indicator: Indicator) -> Decimal:
    """The year's target from last year's municipal value: five points better for a percentage (a
    growth rate: no decline), five per cent better for a quantity."""
    if indicator.kind == Indicator.Kind.GROWTH:
        return Decimal(100)
    step = Decimal(5) if indicator.unit == "%" else (abs(before) * Decimal("0.05")).quantize(Decimal("0.1"))
    target = before + step if indicator.higher_is_better else before - step
    if indicator.unit == "%":
        target = min(Decimal(100), max(Decimal(0), target.quantize(Decimal(1))))
    return target


def thresholds_and_targets(municipality: Municipality, year: int) -> None:
    """Risk thresholds of the percentages that organizations report, drawn from the year's values (the
    seeds set none), and the year's targets from the year before. Set once: what people changed stays."""
    period = Period.objects.get(kind=Period.Kind.YEAR, year=year)
    before = Period.objects.get(kind=Period.Kind.YEAR, year=year - 1)
    indicators = list(Indicator.objects.filter(municipality=municipality))
    values = IndicatorValue.objects.filter(
        municipality=municipality, period__in=[period, before], value__isnull=False
    ).values_list("indicator_id", "period_id", "organization_id", "value")
    by_organization: dict[int, list[Decimal]] = {}
    municipal: dict[tuple[int, int], Decimal] = {}
    for indicator_id, period_id, organization_id, value in values:
        if organization_id is None:
            municipal[indicator_id, period_id] = value
        elif period_id == period.pk:
            by_organization.setdefault(indicator_id, []).append(value)
    with_target = set(
        Target.objects.filter(indicator__in=indicators, period=period).values_list("indicator", flat=True)
    )
    targets = []
    for indicator in indicators:
        if (
            indicator.risk_threshold is None
            and indicator.unit == "%"
            and indicator.kind != Indicator.Kind.GROWTH
        ):
            threshold = _risk_threshold(by_organization.get(indicator.pk, []), indicator.higher_is_better)
            if threshold is not None:
                upsert(Indicator, {"pk": indicator.pk}, {"risk_threshold": threshold})
        previous = municipal.get((indicator.pk, before.pk))
        if (
            indicator.pk not in with_target
            and previous is not None
            and (indicator.pk, period.pk) in municipal
        ):
            targets.append(Target(indicator=indicator, period=period, value=_target(previous, indicator)))
    Target.objects.bulk_create(targets)


def cycle_texts(municipality: Municipality, year: int) -> None:
    """The «Показатели» and «Методы сбора» components of the year's cycles, written from the
    direction's indicators (their names, units, formulas, methods and sources as the seeds give them),
    in the state the directions' demo gives the direction's components."""
    from directions import demo as directions_demo
    from directions.models import Component, CycleComponent

    components = CycleComponent.objects.filter(
        cycle__direction__municipality=municipality,
        cycle__period__year=year,
        cycle__period__kind=Period.Kind.YEAR,
        component__in=[Component.INDICATORS, Component.METHODS],
    ).select_related("cycle__direction__municipality", "cycle__period")
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(municipality=municipality, direction__isnull=False).order_by(
        "code"
    ):
        indicators.setdefault(indicator.direction_id, []).append(indicator)
    for item in components:
        own = sorted(indicators.get(item.cycle.direction_id, []), key=lambda i: _code_key(i.code))
        if not own:
            continue
        if item.component == Component.INDICATORS:
            lines = [f"{i.code} {i.name}{f', {i.unit}' if i.unit else ''}" for i in own]
            text = "Муниципальные показатели направления:\n" + "\n".join(lines)
        else:
            lines = [
                f"{i.code}: {'; '.join(part for part in (i.criterion, i.method, i.source) if part)}"
                for i in own
            ]
            text = "Методы сбора и обработки информации (критерий оценки; метод; источник):\n" + "\n".join(
                lines
            )
        state = directions_demo.demo_state(item.cycle.direction, item.component)
        directions_demo.component_write(item, text, state)


def _code_key(code: str) -> tuple:
    digits = "".join(c if c.isdigit() else " " for c in code).split()
    return (code.rstrip("0123456789."), *map(int, digits))
