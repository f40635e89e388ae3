"""Reads worth a name: the catalogue with the municipal values of a period, the tables of an indicator's
page (per organization, the dynamics, the risk group) and the formula written in words.

Every read starts from indicators.access or mcok.access, and each one is a fixed number of queries
whatever the number of organizations or indicators.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import access, breakdown, formulas
from indicators.models import CategoryOption, DataElement, Indicator, IndicatorValue, Target
from mcok import access as core_access
from mcok.models import Municipality, Period, User
from mcok.sorting import natural_key

YEAR_KINDS = (Period.Kind.YEAR, Period.Kind.ACADEMIC_YEAR)


# Scope --------------------------------------------------------------------------------------------


def catalogue_municipalities(user: User) -> QuerySet[Municipality]:
    """Municipalities whose catalogue `user` reads: those where they hold a municipal role (all for an
    instance administrator). Schools do not read the catalogue: they see their own values only."""
    return core_access.visible(Municipality.objects.all(), user, municipality="pk")


def default_period(municipality: Municipality, indicator: Indicator | None = None) -> Period | None:
    """The latest (academic) year with computed values of the municipality, or of the indicator, of any
    kind for an indicator that has values only in shorter periods; else the current calendar year,
    else the latest year before it; None when no period exists at all."""
    values = IndicatorValue.objects.filter(municipality=municipality, value__isnull=False)
    if indicator is not None:
        values = values.filter(indicator=indicator)
    with_values = Period.objects.filter(pk__in=values.values("period")).order_by("-ends_on", "starts_on")
    latest = with_values.filter(kind__in=YEAR_KINDS).first()
    if latest is None and indicator is not None:
        latest = with_values.first()
    if latest is not None:
        return latest
    years = Period.objects.filter(kind=Period.Kind.YEAR).order_by("-year")
    today = timezone.localdate().year
    return years.filter(year=today).first() or years.filter(year__lt=today).first() or years.first()


def periods() -> QuerySet[Period]:
    """Every period, the latest first: the choice of the pages."""
    return Period.objects.order_by("-starts_on", "ends_on")


# The catalogue -------------------------------------------------------------------------------------


def formula_elements(municipality: Municipality) -> list[DataElement]:
    """The data elements a formula of the municipality may name, by their names as a person looks
    for them (the code, which the formula is written in, beside each)."""
    elements = DataElement.objects.filter(municipality=municipality).only("code", "name", "unit")
    return sorted(elements, key=lambda e: (e.name.casefold().replace("ё", "е"), natural_key(e.code)))


def catalogue(*, user: User, municipality: Municipality, period: Period | None) -> QuerySet[Indicator]:
    """The municipality's indicators, each annotated with the municipality's value for the period
    (municipal_value, municipal_reason, reported, expected): one query with a LEFT JOIN, whatever the
    number of rows. Ordered by code, shorter codes first, so «П8» comes before «П10»."""
    indicators = (
        access.indicators_visible_to(user)
        .filter(municipality=municipality)
        .select_related("direction", "group")
        .order_by(Length("code"), "code")
    )
    if period is None:
        none = Value(None)
        return indicators.annotate(
            municipal_value=none, municipal_reason=Value(""), reported=none, expected=none
        )
    return indicators.annotate(
        total=FilteredRelation(
            "values", condition=Q(values__period=period, values__organization__isnull=True)
        ),
        municipal_value=F("total__value"),
        municipal_reason=F("total__reason"),
        reported=F("total__reported"),
        expected=F("total__expected"),
    )


# The indicator's page ------------------------------------------------------------------------------


@dataclass
class OrganizationRow:
    """An organization's value of the indicator in the period."""

    organization_id: int
    name: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    reason: str  # the label of why there is no value
    at_risk: bool


@dataclass
class DynamicsRow:
    """The municipality's value in one period of the series."""

    period: Period
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    reason: str
    reported: int
    expected: int
    target: Decimal | None


def municipal_value(indicator: Indicator, period: Period | None) -> IndicatorValue | None:
    """The municipality's own row of the indicator for the period, if computed."""
    if period is None:
        return None
    return IndicatorValue.objects.filter(
        indicator=indicator, period=period, organization__isnull=True
    ).first()


def municipal_values(indicator_ids, periods, municipality_ids) -> dict[tuple[int, int], Decimal | None]:
    """THE value of an indicator for the pages, the reports and the analyses: the municipality's own
    computed row (not an organization's) of each indicator in each period, by (indicator id, period
    id); a pair with no computed row is absent, one computed without a value maps to None. One
    query. `periods` and `municipality_ids` are ids (or objects) of periods and municipalities."""
    return {
        (indicator_id, period_id): value
        for indicator_id, period_id, value in IndicatorValue.objects.filter(
            indicator_id__in=list(indicator_ids),
            period_id__in=[getattr(period, "pk", period) for period in periods],
            municipality_id__in=[getattr(item, "pk", item) for item in municipality_ids],
            organization__isnull=True,
        ).values_list("indicator_id", "period_id", "value")
    }


def target_for(indicator: Indicator, period: Period | None) -> Decimal | None:
    if period is None:
        return None
    return Target.objects.filter(indicator=indicator, period=period).values_list("value", flat=True).first()


def _worst_first(indicator: Indicator):
    """Rows with a value first, the worst of them first (the lowest when higher is better), then the
    rows without a value; ties by name."""

    def key(row: OrganizationRow):
        if row.value is None:
            return (1, Decimal(0), row.name)
        return (0, row.value if indicator.higher_is_better else -row.value, row.name)

    return key


def organization_rows(*, user: User, indicator: Indicator, period: Period | None) -> list[OrganizationRow]:
    """Every organization's value for the period, the worst first, with the risk mark. One query."""
    if period is None:
        return []
    values = (
        access.indicator_values_visible_to(user)
        .filter(indicator=indicator, period=period, organization__isnull=False)
        .select_related("organization")
    )
    reasons = dict(IndicatorValue.Reason.choices)
    rows = [
        OrganizationRow(
            organization_id=item.organization_id,
            name=item.organization.short_name,
            numerator=item.numerator,
            denominator=item.denominator,
            value=item.value,
            reason=str(reasons.get(item.reason, "")) if item.value is None else "",
            at_risk=indicator.is_at_risk(item.value),
        )
        for item in values
    ]
    return sorted(rows, key=_worst_first(indicator))


def risk_group(rows: list[OrganizationRow]) -> list[OrganizationRow]:
    """The organizations whose value is worse than the indicator's risk threshold, the worst first."""
    return [row for row in rows if row.at_risk]


def dynamics(*, user: User, indicator: Indicator, kind: str) -> list[DynamicsRow]:
    """The municipality's value in every period of `kind` that has one (or where some organization
    reported), in time order, with the target of each period. Two queries."""
    targets = dict(Target.objects.filter(indicator=indicator).values_list("period_id", "value"))
    reasons = dict(IndicatorValue.Reason.choices)
    values = (
        access.indicator_values_visible_to(user)
        .filter(indicator=indicator, organization__isnull=True, period__kind=kind)
        .exclude(value__isnull=True, reported=0)  # a period nobody reported for says nothing
        .select_related("period")
        .order_by("period__starts_on")
    )
    return [
        DynamicsRow(
            period=item.period,
            numerator=item.numerator,
            denominator=item.denominator,
            value=item.value,
            reason=str(reasons.get(item.reason, "")) if item.value is None else "",
            reported=item.reported,
            expected=item.expected,
            target=targets.get(item.period_id),
        )
        for item in values
    ]


def element_names(municipality: Municipality) -> dict[str, str]:
    """{code: name} of the municipality's data elements."""
    return dict(DataElement.objects.filter(municipality=municipality).values_list("code", "name"))


# The breakdown by option ---------------------------------------------------------------------------


@dataclass
class BreakdownCell:
    """An organization's value of the indicator for one option."""

    value: Decimal | None
    reason: str  # the label of why there is no value
    at_risk: bool


@dataclass
class BreakdownOrganization:
    organization_id: int
    name: str
    cells: list[BreakdownCell | None]  # per option, in the options' order; None: not reported


@dataclass
class BreakdownRisk:
    """The organizations in the risk group for one option, the worst first: (id, name, value)."""

    option: CategoryOption
    organizations: list[tuple[int, str, Decimal | None]]


@dataclass
class BreakdownTable:
    """The indicator by the options of a category, as its page shows it to one user: the municipal
    value per option, and the organizations the user reads, with the risk group of each option."""

    breakdown: breakdown.Breakdown
    organizations: list[BreakdownOrganization]
    risk: list[BreakdownRisk]

    @property
    def category(self):
        return self.breakdown.category

    @property
    def categories(self):
        return self.breakdown.categories

    @property
    def options(self) -> list[breakdown.OptionValues]:
        return self.breakdown.options


def breakdown_table(
    *, user: User, indicator: Indicator, period: Period | None, category: str | None
) -> BreakdownTable | None:
    """The indicator by the category with the code `category` (the first one, by name, when the code
    names none of its categories) in the period; None when it cannot be broken down. The
    organizations are those `user` reads (none for a reader of no organization). A fixed number of
    queries, whatever the number of options and organizations."""
    if period is None:
        return None
    found = breakdown.breakdowns([indicator], period).get(indicator.pk)
    if not found:
        return None
    shown = next((item for item in found if item.category.code == category), found[0])
    readable = set(
        core_access.organizations_visible_to(user)
        .filter(municipality=indicator.municipality_id)
        .values_list("pk", flat=True)
    )
    reasons = dict(IndicatorValue.Reason.choices)
    reported = sorted(
        {pk for item in shown.options for pk in item.organizations if pk in readable},
        key=lambda pk: (shown.names.get(pk, "").casefold(), pk),
    )
    organizations = []
    for pk in reported:
        cells: list[BreakdownCell | None] = []
        for item in shown.options:
            row = item.organizations.get(pk)
            cells.append(
                None
                if row is None
                else BreakdownCell(
                    row.value,
                    str(reasons.get(row.reason, "")) if row.value is None else "",
                    pk in item.at_risk,
                )
            )
        organizations.append(BreakdownOrganization(pk, shown.names.get(pk, ""), cells))

    def worst_first(entry: tuple[int, str, Decimal | None]):
        value = entry[2] or Decimal(0)
        return (value if indicator.higher_is_better else -value, entry[1])

    risk = []
    for item in shown.options:
        members = [
            (pk, shown.names.get(pk, ""), item.organizations[pk].value)
            for pk in item.at_risk
            if pk in readable
        ]
        if members:
            risk.append(BreakdownRisk(item.option, sorted(members, key=worst_first)))
    return BreakdownTable(shown, organizations, risk)


# The formula in words ------------------------------------------------------------------------------

_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "/"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _words(node: formulas.Node, names: dict[str, str], parent: int = 0, right: bool = False) -> str:
    """An expression with the codes replaced by names; parentheses only where the order needs them."""
    if isinstance(node, formulas.Number):
        return format(node.value.normalize(), "f").replace(".", ",")
    if isinstance(node, formulas.Code):
        name = names.get(node.code, node.code)
        if node.options:  # a cell or a group of cells: «… (класс=5, предмет=математика)»
            name += " (" + ", ".join(f"{category}={option}" for category, option in node.options) + ")"
        return name
    if isinstance(node, formulas.Negative):
        return "−" + _words(node.operand, names, 3)
    precedence = _PRECEDENCE[node.op]
    text = (
        f"{_words(node.left, names, precedence)} {_SYMBOLS[node.op]} "
        f"{_words(node.right, names, precedence, right=True)}"
    )
    # a − (b + c) and a / (b × c) keep their parentheses on the right at equal precedence.
    if precedence < parent or (right and precedence == parent):
        return f"({text})"
    return text


def _side(text: str, names: dict[str, str]) -> str:
    """One side of a ratio in parentheses, as the orders write it: «(Общее число педагогов)»; a bare
    number stays bare."""
    node = formulas.parse(text)
    words = _words(node, names)
    return words if isinstance(node, formulas.Number) else f"({words})"


def formula_in_words(indicator: Indicator, names: dict[str, str]) -> str:
    """The indicator's formula with the data elements' names for their codes, e.g. «(Число педагогов,
    прошедших КПК) / (Общее число педагогов) × 100». An empty string when no formula is set; the
    formula as written when it does not parse (the form refuses such a formula, the seeds may not)."""
    numerator, denominator = indicator.numerator.strip(), indicator.denominator.strip()
    if not numerator:
        return ""
    try:
        if indicator.kind == Indicator.Kind.RATIO and denominator:
            text = f"{_side(numerator, names)} / {_side(denominator, names)}"
            return text if indicator.factor == 1 else f"{text} × {indicator.factor}"
        if indicator.kind == Indicator.Kind.GROWTH:
            # The base ratio, or a quantity when there is no denominator.
            if denominator:
                words = f"{_side(numerator, names)} / {_side(denominator, names)}"
            else:
                words = _words(formulas.parse(numerator), names)
            return _("(%(expression)s in the period) / (%(expression)s in the previous period) × 100") % {
                "expression": words
            }
        return _words(formulas.parse(numerator), names)
    except formulas.FormulaError:
        if denominator:
            return f"({numerator}) / ({denominator}) × {indicator.factor}"
        return numerator
