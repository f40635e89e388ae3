"""Categories (with their options), their combinations and the indicator groups in the admin: a
municipal administrator lists, opens and makes only their municipality's; a combination's cells
follow the options of its categories."""

import pytest
from django.urls import reverse

from indicators.models import Category, CategoryCombo, CategoryOption, IndicatorGroup, OptionCombo
from mcok.models import User
from tests.indicators.test_categories import make_category, make_combo


@pytest.fixture
def administrator(world) -> User:
    world.administrator.is_staff = True
    world.administrator.save()
    return world.administrator


@pytest.fixture
def records(world):
    own = make_category(world.municipality, "klass", "Класс", [("5", "5 класс"), ("6", "6 класс")])
    foreign = make_category(world.elsewhere, "pol", "Пол", [("m", "мужской"), ("f", "женский")])
    return {
        "own": own,
        "foreign": foreign,
        "own_combo": make_combo(world.municipality, "class", own),
        "foreign_combo": make_combo(world.elsewhere, "sex", foreign),
        "own_group": IndicatorGroup.objects.create(municipality=world.municipality, heading="Предметные"),
        "foreign_group": IndicatorGroup.objects.create(municipality=world.elsewhere, heading="Чужие"),
    }


def listed(response) -> set:
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("model", "own", "foreign"),
    [
        ("category", "own", "foreign"),
        ("categorycombo", "own_combo", "foreign_combo"),
        ("indicatorgroup", "own_group", "foreign_group"),
    ],
)
def test_the_administrator_sees_only_their_municipalitys_records(
    client, administrator, records, model, own, foreign
):
    client.force_login(administrator)
    assert listed(client.get(reverse(f"admin:indicators_{model}_changelist"))) == {records[own]}
    assert client.get(reverse(f"admin:indicators_{model}_change", args=[records[own].pk])).status_code == 200
    assert client.get(
        reverse(f"admin:indicators_{model}_change", args=[records[foreign].pk])
    ).status_code in (
        302,
        404,
    )


def test_a_new_option_in_the_admin_adds_the_cells_of_the_combinations(client, world, administrator, records):
    category, combo = records["own"], records["own_combo"]
    options = list(category.options.order_by("order"))
    data = {
        "municipality": world.municipality.pk,
        "code": "klass",
        "name": "Класс",
        "options-TOTAL_FORMS": 3,
        "options-INITIAL_FORMS": 2,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for index, option in enumerate(options):
        data |= {
            f"options-{index}-id": option.pk,
            f"options-{index}-category": category.pk,
            f"options-{index}-order": option.order,
            f"options-{index}-code": option.code,
            f"options-{index}-name": option.name,
        }
    data |= {
        "options-2-category": category.pk,
        "options-2-order": 2,
        "options-2-code": "7",
        "options-2-name": "7 класс",
    }
    client.force_login(administrator)
    response = client.post(reverse("admin:indicators_category_change", args=[category.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert CategoryOption.objects.filter(category=category, code="7").exists()
    assert OptionCombo.objects.filter(combo=combo).count() == 3


def test_a_combination_takes_categories_of_its_own_municipality_and_gets_its_cells(
    client, world, administrator, records
):
    client.force_login(administrator)
    url = reverse("admin:indicators_categorycombo_add")
    data = {"municipality": world.municipality.pk, "code": "pair", "name": "Пара", "first": records["own"].pk}
    refused = client.post(url, data | {"second": records["foreign"].pk})
    assert refused.status_code == 200 and not CategoryCombo.objects.filter(code="pair").exists()
    assert client.post(url, data).status_code == 302
    combo = CategoryCombo.objects.get(municipality=world.municipality, code="pair")
    assert OptionCombo.objects.filter(combo=combo).count() == 2


def test_the_administrator_makes_a_category_only_in_their_municipality(client, world, administrator):
    client.force_login(administrator)
    data = {
        "municipality": world.elsewhere.pk,
        "code": "staj",
        "name": "Стаж",
        "options-TOTAL_FORMS": 0,
        "options-INITIAL_FORMS": 0,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    response = client.post(reverse("admin:indicators_category_add"), data)
    assert response.status_code == 200 and not Category.objects.filter(code="staj").exists()
    assert (
        client.post(
            reverse("admin:indicators_category_add"), data | {"municipality": world.municipality.pk}
        ).status_code
        == 302
    )
