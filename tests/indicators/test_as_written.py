"""Indicators as the orders write them: groups, periodicity and responsible executors as written, and
demo values for every organization that reports an indicator, the ДПО bodies included."""

import pytest

from directions import demo as directions_demo
from indicators import demo as indicators_demo
from indicators import services
from indicators.models import Indicator, IndicatorGroup, IndicatorValue
from mcok import demo as mcok_demo
from mcok.models import Organization


@pytest.fixture
def demo(db):
    mcok_demo.load()
    directions_demo.load()
    indicators_demo.load()
    while services.recompute_pending():  # the task the doorbell rings after commit
        pass


def test_every_ishimbay_2_3_indicator_has_values_for_2023_to_2025(demo):
    indicators = Indicator.objects.filter(municipality__slug="ishimbay", code__startswith="2.3.")
    assert indicators.count() == 12
    for indicator in indicators:
        years = set(
            IndicatorValue.objects.filter(
                indicator=indicator, organization__isnull=True, value__isnull=False
            ).values_list("period__year", flat=True)
        )
        assert {2023, 2024, 2025} <= years, indicator.code
    dpo = IndicatorValue.objects.filter(
        indicator__code="2.3.2", organization__kind="other", value__isnull=False
    )
    assert dpo.exists()


def test_responsible_organizations_and_the_text_as_written(demo):
    indicator = Indicator.objects.get(municipality__slug="ishimbay", code="2.3.1")
    assert "ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»" in indicator.responsible_text
    named = set(indicator.responsible_organizations.values_list("short_name", flat=True))
    assert {"ГАУ ДПО ИРО РБ", "ГАУ ДПО «ЦОПП РБ»", "ЦНППМ ГБПОУ УМПК", "ГАУ РБ ЦОПМКП"} <= named
    only_department = Indicator.objects.get(municipality__slug="ishimbay", code="2.3.5")
    assert not only_department.responsible_organizations.exists()
    assert only_department.responsible_text.startswith("МКУ Управление образования")


def test_groups_keep_the_order_s_headings_and_order(demo):
    headings = list(
        IndicatorGroup.objects.filter(municipality__slug="ishimbay").values_list("heading", flat=True)
    )
    assert headings[0].startswith("Повышение квалификации педагогов") and len(headings) == 3
    assert Indicator.objects.get(municipality__slug="ishimbay", code="2.3.8").group.heading == headings[1]
    amursk = IndicatorGroup.objects.filter(municipality__slug="amursk")
    assert amursk.count() == 3 and amursk.first().order == 1


def test_the_periodicity_as_written_beside_the_parsed_one(demo):
    p45 = Indicator.objects.get(municipality__slug="amursk", code="П45")
    assert p45.periodicity_text == "2 раза в квартал"
    assert p45.periodicity == Indicator.Periodicity.QUARTERLY


def test_a_rerun_changes_nothing(demo):
    count = IndicatorValue.objects.count()
    history = Indicator.history.count()
    indicators_demo.load()
    assert IndicatorValue.objects.count() == count and Indicator.history.count() == history


def test_responsible_parts_are_matched_one_by_one(db):
    class Org:
        def __init__(self, short_name, full_name=""):
            self.short_name, self.full_name, self.kind = short_name, full_name, "other"

    bodies = [Org("ГАУ ДПО ИРО РБ"), Org("ГАУ ДПО «ЦОПП РБ»")]
    found = indicators_demo.responsible_organizations("ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»", bodies)
    assert found == bodies
    assert indicators_demo.responsible_organizations("МКУ Управление образования", bodies) == []
    assert Organization.objects.count() == 0


def test_the_form_keeps_the_written_texts_and_the_pages_show_them(client, world):
    from django.urls import reverse

    from directions.models import Duty
    from indicators.models import IndicatorGroup
    from tests.factories import assign, make_organization
    from tests.indicators.test_selectors import make_catalogue
    from tests.indicators.test_views import body, indicator_data

    catalogue = make_catalogue(world)
    assign(world.coordinator, catalogue.direction, Duty.COORDINATOR)
    group = IndicatorGroup.objects.create(
        municipality=catalogue.share.municipality, heading="Качество программ ДПО"
    )
    iro = make_organization(catalogue.share.municipality, short_name="ГАУ ДПО ИРО РБ", kind="other")
    client.force_login(world.coordinator)
    url = reverse("indicators:indicator_edit", args=[catalogue.share.pk])
    data = indicator_data(
        code="2.3.1",
        name="Доля",
        direction=catalogue.direction.pk,
        group=group.pk,
        periodicity="quarterly",
        periodicity_text="2 раза в квартал",
        responsible_organizations=[iro.pk],
        responsible_text="ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»",
    )
    assert client.post(url, data).status_code == 302
    indicator = Indicator.objects.get(pk=catalogue.share.pk)
    assert indicator.group == group and indicator.periodicity_text == "2 раза в квартал"
    assert list(indicator.responsible_organizations.all()) == [iro]
    page = body(client.get(reverse("indicators:indicator", args=[indicator.pk])))
    assert "Качество программ ДПО" in page and "2 раза в квартал" in page
    assert "ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»" in page.replace("&laquo;", "«").replace(
        "&raquo;", "»"
    )
    catalogue_page = body(
        client.get(reverse("indicators:catalogue"), {"municipality": indicator.municipality.slug})
    )
    assert "Качество программ ДПО" in catalogue_page and "2 раза в квартал" in catalogue_page


def test_the_figures_import_names_organizations_through_the_one_matcher(world):
    from indicators import imports
    from tests.factories import make_organization

    school = make_organization(world.municipality, short_name="МБОУ «ПСОШ № 1»")
    make_organization(world.municipality, short_name="МБОУ «ДООШ № 1»")
    catalogue = imports._Catalogue(world.municipality)
    long_form = "муниципальное бюджетное общеобразовательное учреждение «ПСОШ №1»"
    assert catalogue.organization(long_form, 2) == (school, None)
    assert catalogue.organization("ПСОШ N1", 3) == (school, None)
    found, problem = catalogue.organization("СОШ №1", 4)
    assert found is None and problem
