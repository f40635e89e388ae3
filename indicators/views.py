"""The indicator pages: the catalogue with the municipal values of a period, an indicator's page (its
formula in words, the values per organization, the dynamics, the risk group), the catalogue's forms,
the list of data elements and the department's entry of figures.

Records are found through indicators.access and the selectors (404 alike for "absent" and "not
yours"); schools do not read the catalogue, so its pages answer them 404. Figures are written only
through services.data_values_write.
"""

import logging
from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from indicators import access, charts, links, selectors, services
from indicators.filters import DataElementFilter, IndicatorFilter
from indicators.forms import DataElementForm, IndicatorForm, ValuesForm
from indicators.imports import parse_number, plain_number
from indicators.models import DataElement, DataValue, Indicator
from mcok import exports, numbers, params
from mcok.lists import Columns, Natural, list_page
from mcok.models import Municipality, Organization, Period

logger = logging.getLogger(__name__)

# Changing these changes the computed values; the rest (names, thresholds) is read as it is shown.
FORMULA_FIELDS = {"kind", "numerator", "denominator", "factor"}


# Choices shared by the pages ----------------------------------------------------------------------


def _municipality(request: HttpRequest, candidates: QuerySet[Municipality]) -> Municipality:
    """?municipality=slug among `candidates` (404 for any other), or the first of them."""
    slug = params.query(request.GET, "municipality")
    municipality = candidates.filter(slug=slug).first() if slug else candidates.first()
    if municipality is None:
        raise Http404
    return municipality


def _managed_municipality(request: HttpRequest, allowed: Callable[..., bool], refusal: str) -> Municipality:
    """The municipality whose catalogue the form adds to: ?municipality=slug, or the first where
    `allowed(user, municipality)`. 404 for a municipality the user does not see, 403 with `refusal`
    for one they see but may not add to."""
    visible = selectors.catalogue_municipalities(request.user)
    if params.query(request.GET, "municipality"):
        municipality = _municipality(request, visible)
    else:
        municipality = next((m for m in visible if allowed(request.user, m)), None) or _municipality(
            request, visible
        )
    if not allowed(request.user, municipality):
        raise PermissionDenied(refusal)
    return municipality


def _indicator_refusal() -> str:
    return _(
        "Only the executors and coordinators of the indicator's direction and the head of the department "
        "edit an indicator of a direction; an indicator of no direction is edited by the municipality's "
        "coordinators and executors."
    )


def _element_refusal() -> str:
    return _("Only the coordinators, the administrators and the head of the department keep data elements.")


def _entry_refusal() -> str:
    return _(
        "Only the education department's coordinators, executors, administrators and head enter figures."
    )


def _period(request: HttpRequest, default: Callable[[], Period | None]) -> Period | None:
    """?period=code (404 for an unknown code), or the default."""
    code = params.query(request.GET, "period")
    if code:
        return get_object_or_404(Period, code=code)
    return default()


def _stamp() -> str:
    return timezone.localdate().isoformat()


def _file_part(text: str) -> str:
    return text.replace("/", "-")


# The catalogue ---------------------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request, selectors.catalogue_municipalities(request.user))
    period = _period(request, lambda: selectors.default_period(municipality))
    queryset = selectors.catalogue(user=request.user, municipality=municipality, period=period)

    def columns() -> Columns:
        value = _("Value, %(period)s") % {"period": period.label} if period else _("Value")
        return Columns(
            [
                _("Code"),
                _("Name"),
                _("Direction"),
                _("Unit"),
                _("Kind"),
                _("Periodicity"),
                value,
                _("Organizations reported"),
                _("Organizations expected"),
            ],
            lambda i: (
                i.code,
                i.name,
                str(i.direction) if i.direction else "",
                i.unit,
                i.get_kind_display(),
                i.get_periodicity_display(),
                i.municipal_value,
                i.reported,
                i.expected,
            ),
        )

    name = f"indicators-{municipality.slug}" + (f"-{_file_part(period.code)}" if period else "")
    return list_page(
        request,
        queryset=queryset,
        filterset_class=partial(
            IndicatorFilter,
            municipality=municipality,
            period=period,
            may_manage=access.can_create_any_indicator(request.user, municipality),
            may_enter=access.can_enter_values(request.user, municipality),
        ),
        template="indicators/catalogue.html",
        name=name,
        title=_("Indicators"),
        columns=columns,
        sorts={
            "code": Natural("code"),
            "name": ["name"],
            "direction": ["direction__code", "name"],
            "unit": ["unit", "name"],
            "kind": ["kind", "name"],
            "periodicity": ["periodicity", "name"],
            "value": ["municipal_value", "name"],
            "reported": ["reported", "name"],
        },
    )


# An indicator ----------------------------------------------------------------------------------------


def _organizations_xlsx(indicator: Indicator, period: Period, rows: list[selectors.OrganizationRow]):
    yes, no = _("yes"), _("no")
    return exports.xlsx_response(
        f"indicator-{_file_part(indicator.code)}-{_file_part(period.code)}-{_stamp()}.xlsx",
        _("Organizations"),
        [
            _("Organization"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Why there is no value"),
            _("In the risk group"),
        ],
        (
            (row.name, row.numerator, row.denominator, row.value, row.reason, yes if row.at_risk else no)
            for row in rows
        ),
    )


def _dynamics_xlsx(indicator: Indicator, period: Period, series: list[selectors.DynamicsRow]):
    return exports.xlsx_response(
        f"indicator-{_file_part(indicator.code)}-dynamics-{_stamp()}.xlsx",
        _("Dynamics"),
        [
            _("Period"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Why there is no value"),
            _("Organizations reported"),
            _("Organizations expected"),
            _("Target"),
        ],
        (
            (
                row.period.label,
                row.numerator,
                row.denominator,
                row.value,
                row.reason,
                row.reported,
                row.expected,
                row.target,
            )
            for row in series
        ),
    )


def _bars(indicator: Indicator, period: Period | None, rows: list[selectors.OrganizationRow]):
    """The organizations' values as bars, when at least one has a value."""
    if period is None or all(row.value is None for row in rows):
        return None
    title = _("%(code)s by organization, %(period)s") % {"code": indicator.code, "period": period.label}
    return charts.bar_chart([(row.name, row.value) for row in rows], title=title, unit=indicator.unit)


def _line(indicator: Indicator, series: list[selectors.DynamicsRow]):
    """The municipality's values over the periods as a line, when at least one period has a value."""
    if all(row.value is None for row in series):
        return None
    title = _("%(code)s by period") % {"code": indicator.code}
    return charts.line_chart(
        [(row.period.label, row.value) for row in series], title=title, unit=indicator.unit
    )


def _breakdown_chart(indicator: Indicator, period: Period | None, table: selectors.BreakdownTable | None):
    """The municipality's value per option as bars, when at least one option has a value."""
    if table is None or period is None or not table.breakdown.has_values:
        return None
    title = _("%(code)s by option: %(category)s, %(period)s") % {
        "code": indicator.code,
        "category": table.category.name,
        "period": period.label,
    }
    return charts.bar_chart(
        [(item.option.name, item.municipal.value) for item in table.options], title=title, unit=indicator.unit
    )


@require_safe
@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.get_indicator_for(request.user, pk)
    municipality = indicator.municipality
    period = _period(request, lambda: selectors.default_period(municipality, indicator))
    rows = selectors.organization_rows(user=request.user, indicator=indicator, period=period)
    export = request.GET.get("format")
    if export == "xlsx" and period is not None:
        return _organizations_xlsx(indicator, period, rows)
    series = selectors.dynamics(user=request.user, indicator=indicator, kind=period.kind) if period else []
    if export == "dynamics-xlsx" and period is not None:
        return _dynamics_xlsx(indicator, period, series)
    context = {
        "indicator": indicator,
        "municipality": municipality,
        "period": period,
        "periods": selectors.periods(),
        "formula": selectors.formula_in_words(indicator, selectors.element_names(municipality)),
        "responsible": indicator.responsible.all(),
        "responsible_organizations": indicator.responsible_organizations.all(),
        "target": (target := selectors.target_for(indicator, period)),
        "target_plain": None if target is None else plain_number(target),
        "total": selectors.municipal_value(indicator, period),
        "rows": rows,
        "risk_group": (risk_group := selectors.risk_group(rows)),
        "risk_group_actions": links.risk_group_actions(request.user, indicator, period, risk_group),
        "series": series,
        "bars": _bars(indicator, period, rows),
        "line": _line(indicator, series),
        "breakdown": (
            table := selectors.breakdown_table(
                user=request.user,
                indicator=indicator,
                period=period,
                category=params.query(request.GET, "category"),
            )
        ),
        "breakdown_chart": _breakdown_chart(indicator, period, table),
        "threshold": None
        if indicator.risk_threshold is None
        else numbers.amount_text(indicator.risk_threshold, unit=indicator.unit),
        "can_manage": access.can_edit_indicator(request.user, indicator),
        "can_enter": access.can_enter_values(request.user, municipality),
        "query": urlencode({"period": period.code}) if period else "",
    }
    return render(request, "indicators/indicator_detail.html", context)


@require_POST
@login_required
def target_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the target of the indicator for the period the page shows; an empty value removes it."""
    indicator = access.get_indicator_for(request.user, pk)
    period = get_object_or_404(Period, code=request.POST.get("period", ""))
    raw = request.POST.get("value", "").strip()
    value = parse_number(raw) if raw else None
    back = f"{reverse('indicators:indicator', args=[indicator.pk])}?{urlencode({'period': period.code})}"
    if raw and value is None:
        messages.error(request, _("Enter the target as a number, for example 85 or 72,5."))
        return redirect(back)
    try:
        services.target_set(indicator=indicator, period=period, value=value, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The target is saved.") if value is not None else _("The target is removed.")
        )
    return redirect(back)


def _indicator_form_page(
    request: HttpRequest, *, indicator: Indicator, municipality: Municipality
) -> HttpResponse:
    creating = indicator.pk is None
    form = IndicatorForm(request.POST or None, instance=indicator, municipality=municipality)
    # Only the directions the user writes indicators for are offered (the indicator's own stays);
    # no direction only to those who write the municipality's unbound indicators.
    direction_field = form.fields["direction"]
    direction_field.queryset = direction_field.queryset.filter(
        Q(pk__in=access.indicator_directions(request.user, municipality).values("pk"))
        | Q(pk=indicator.direction_id)
    )
    direction_field.required = not access.can_create_indicator(request.user, municipality)
    if request.method == "POST" and form.is_valid():
        if not access.can_create_indicator(request.user, municipality, form.cleaned_data["direction"]):
            raise PermissionDenied(_indicator_refusal())
        saved = services.indicator_save(
            indicator=form.save(commit=False),
            municipality=municipality,
            responsible=form.cleaned_data.get("responsible"),
            responsible_organizations=form.cleaned_data.get("responsible_organizations"),
            formula_changed=bool(FORMULA_FIELDS & set(form.changed_data)),
        )
        messages.success(request, _("The indicator %(code)s is saved.") % {"code": saved.code})
        return redirect("indicators:indicator", pk=saved.pk)
    context = {
        "form": form,
        "indicator": None if creating else indicator,
        "municipality": municipality,
        "elements": selectors.formula_elements(municipality),
        "back": reverse("indicators:indicator", args=[indicator.pk])
        if not creating
        else f"{reverse('indicators:catalogue')}?{urlencode({'municipality': municipality.slug})}",
    }
    return render(request, "indicators/indicator_form.html", context)


@login_required
def indicator_new(request: HttpRequest) -> HttpResponse:
    municipality = _managed_municipality(request, access.can_create_any_indicator, _indicator_refusal())
    return _indicator_form_page(
        request, indicator=Indicator(municipality=municipality), municipality=municipality
    )


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = access.get_indicator_for(request.user, pk)
    if not access.can_edit_indicator(request.user, indicator):
        raise PermissionDenied(_indicator_refusal())
    return _indicator_form_page(request, indicator=indicator, municipality=indicator.municipality)


# Data elements --------------------------------------------------------------------------------------


@login_required
def element_list(request: HttpRequest) -> HttpResponse:
    municipalities = selectors.catalogue_municipalities(request.user)
    if not municipalities.exists():
        raise Http404  # schools do not read the catalogue

    def columns() -> Columns:
        kinds = dict(Organization.Kind.choices)
        return Columns(
            [
                _("Municipality"),
                _("Code"),
                _("Name"),
                _("Value type"),
                _("Unit"),
                _("Kinds of organization that report it"),
            ],
            lambda e: (
                e.municipality.name,
                e.code,
                e.name,
                e.get_value_type_display(),
                e.unit,
                ", ".join(str(kinds.get(kind, kind)) for kind in e.kinds),
            ),
        )

    return list_page(
        request,
        queryset=access.data_elements_visible_to(request.user)
        .select_related("municipality")
        .order_by("municipality__name", "code"),
        filterset_class=partial(
            DataElementFilter,
            may_manage=any(access.can_manage_elements(request.user, m) for m in municipalities),
        ),
        template="indicators/element_list.html",
        name="data-elements",
        title=_("Data elements"),
        columns=columns,
        sorts={
            "code": Natural("code"),
            "name": ["name", "code"],
            "type": ["value_type", "name"],
            "unit": ["unit", "name"],
            "municipality": ["municipality__name", "name"],
        },
    )


@login_required
def element_new(request: HttpRequest) -> HttpResponse:
    municipality = _managed_municipality(request, access.can_manage_elements, _element_refusal())
    form = DataElementForm(
        request.POST or None, instance=DataElement(municipality=municipality), municipality=municipality
    )
    if request.method == "POST" and form.is_valid():
        element = services.data_element_save(element=form.save(commit=False))
        messages.success(request, _("The data element %(code)s is saved.") % {"code": element.code})
        return redirect(f"{reverse('indicators:elements')}?{urlencode({'municipality': municipality.slug})}")
    context = {
        "form": form,
        "municipality": municipality,
        "back": f"{reverse('indicators:elements')}?{urlencode({'municipality': municipality.slug})}",
    }
    return render(request, "indicators/element_form.html", context)


# The department's entry of figures --------------------------------------------------------------------


def _entry_municipality(request: HttpRequest) -> tuple[Municipality, list[Municipality]]:
    """The municipality whose figures are entered, and all those where the user may enter them.
    403 for a user who may enter none or not in the chosen one; 404 for one they do not see."""
    visible = selectors.catalogue_municipalities(request.user)
    allowed = [m for m in visible if access.can_enter_values(request.user, m)]
    if not allowed:
        raise PermissionDenied(_entry_refusal())
    slug = params.query(request.GET, "municipality")
    if not slug:
        return allowed[0], allowed
    municipality = _municipality(request, visible)
    if municipality not in allowed:
        raise PermissionDenied(_entry_refusal())
    return municipality, allowed


def _entry_organization(request: HttpRequest, municipality: Municipality) -> Organization | None:
    """?organization=id of the municipality, or None for the municipality as a whole."""
    value = request.GET.get("organization", "")
    if not value:
        return None
    if (pk := params.as_id(value)) is None:
        raise Http404
    return get_object_or_404(Organization, pk=pk, municipality=municipality)


@login_required
def values_entry(request: HttpRequest) -> HttpResponse:
    municipality, municipalities = _entry_municipality(request)
    period = _period(request, lambda: selectors.default_period(municipality))
    if period is None:
        raise Http404
    organization = _entry_organization(request, municipality)
    elements = list(DataElement.objects.filter(municipality=municipality).order_by("code"))
    if organization is not None:  # an organization reports the elements of its kind
        elements = [e for e in elements if not e.kinds or organization.kind in e.kinds]
    current = {
        value.data_element_id: value
        for value in DataValue.objects.filter(
            municipality=municipality, period=period, organization=organization
        ).select_related("entered_by")
    }
    form = ValuesForm(request.POST or None, elements=elements, current=current)
    if request.method == "POST":
        if form.is_valid():
            entries = [
                services.Entry(element, organization, period, value) for element, value in form.entered()
            ]
            written = services.data_values_write(
                entries=entries, source=DataValue.Source.MANUAL, by=request.user
            )
            if written:
                messages.success(
                    request,
                    ngettext("%(count)d value is saved.", "%(count)d values are saved.", written)
                    % {"count": written},
                )
            else:
                messages.info(request, _("Nothing has changed."))
            return redirect(request.get_full_path())
        messages.error(request, _("Nothing is saved: correct the marked rows and save again."))
    context = {
        "municipality": municipality,
        "municipalities": municipalities,
        "period": period,
        "periods": selectors.periods(),
        "organization": organization,
        "organizations": Organization.objects.filter(municipality=municipality, is_active=True).order_by(
            "short_name"
        ),
        "form": form,
    }
    return render(request, "indicators/values_entry.html", context)
