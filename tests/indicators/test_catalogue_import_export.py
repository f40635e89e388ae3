"""Data elements, indicators and evaluation positions through django-import-export (mcok.catalogues):
a round trip, a bad row reported in Russian with nothing written, the catalogue's own rules kept."""

import pytest
import tablib
from django.urls import reverse

from directions.models import Position
from directions.resources import PositionResource
from indicators.models import DataElement, Indicator
from indicators.resources import DataElementResource, IndicatorResource
from mcok.catalogues import SafeCSV
from mcok.models import Municipality
from tests.indicators.factories import make_element, make_indicator, make_period


def resource_for(cls, world, user=None):
    resource = cls(user=user)
    resource.administered = lambda: Municipality.objects.filter(pk=world.municipality.pk)
    return resource


def test_data_elements_and_indicators_round_trip(world):
    make_element(world.municipality, "teachers_total")
    make_element(world.municipality, "teachers_young")
    make_indicator(world.municipality, "П1", "teachers_young", "teachers_total")
    elements = SafeCSV().export_data(resource_for(DataElementResource, world).export())
    indicators = SafeCSV().export_data(resource_for(IndicatorResource, world).export())
    DataElement.objects.filter(municipality=world.municipality).update(name="изменено")
    Indicator.objects.all().delete()
    result = resource_for(DataElementResource, world).import_data(
        SafeCSV().create_dataset(elements), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert not DataElement.objects.filter(name="изменено").exists()
    result = resource_for(IndicatorResource, world).import_data(
        SafeCSV().create_dataset(indicators), dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    indicator = Indicator.objects.get(municipality=world.municipality, code="П1")
    assert (indicator.numerator, indicator.denominator) == ("teachers_young", "teachers_total")


def test_an_indicator_with_an_unknown_element_is_a_russian_row_error_and_nothing_is_written(world):
    make_element(world.municipality, "teachers_total")
    dataset = tablib.Dataset(
        headers=["municipality", "code", "name", "kind", "numerator", "denominator", "factor"]
    )
    dataset.append(["ishim", "П1", "Доля", "ratio", "teachers_total", "teachers_total", "100"])
    dataset.append(["ishim", "П2", "Доля", "ratio", "no_such_element", "teachers_total", "100"])
    result = resource_for(IndicatorResource, world).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    messages = " ".join(str(m) for row in result.invalid_rows for ms in row.error_dict.values() for m in ms)
    assert "no_such_element" in messages
    assert not Indicator.objects.filter(code__in=["П1", "П2"]).exists()


def test_the_indicator_export_is_formula_safe(world):
    make_element(world.municipality, "a")
    make_indicator(world.municipality, "П1", "a", name="=1+1")
    csv_text = SafeCSV().export_data(resource_for(IndicatorResource, world).export()).decode("utf-8-sig")
    assert "'=1+1" in csv_text


def test_positions_are_imported_under_the_catalogue_rules(world):
    period = make_period("2025")
    dataset = tablib.Dataset(
        headers=["municipality", "period", "direction", "component", "code", "text", "max_score"]
    )
    dataset.append(["ishim", period.code, "1.1", "goals", "1.1.1", "Цели определены", "2"])
    result = resource_for(PositionResource, world, world.coordinator).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), [r.errors for r in result.rows]
    assert Position.objects.get(code="1.1.1").max_score == 2
    bad = tablib.Dataset(
        headers=["municipality", "period", "direction", "component", "code", "text", "max_score"]
    )
    bad.append(["ishim", period.code, "1.1", "goals", "1.1.2", "Ещё одна", "2"])
    bad.append(["ishim", period.code, "9.9", "goals", "9.9.1", "Чужое направление", "2"])
    result = resource_for(PositionResource, world, world.coordinator).import_data(bad, dry_run=False)
    assert result.has_validation_errors()
    assert not Position.objects.filter(code__in=["1.1.2", "9.9.1"]).exists()


@pytest.mark.parametrize("model", ["indicators_dataelement", "indicators_indicator", "directions_position"])
def test_the_admin_offers_import_and_export_only_within_the_tenancy(client, world, model):
    world.administrator.is_staff = True
    world.administrator.save()
    client.force_login(world.administrator)
    assert client.get(reverse(f"admin:{model}_import")).status_code == 200
    assert client.get(reverse(f"admin:{model}_export")).status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse(f"admin:{model}_import")).status_code == 302
