"""Directions as the orders write them: a municipality's own block names and positions left empty
where an order gives none."""

import pytest

from directions import demo as directions_demo
from directions import selectors
from directions.models import Direction
from mcok import demo as mcok_demo
from mcok.models import Municipality, Official


@pytest.fixture
def demo(db):
    mcok_demo.load()
    directions_demo.load()


def test_sosnovka_keeps_its_own_block_names_the_others_fiokos(demo):
    sosnovka = Municipality.objects.get(slug="sosnovka")
    names = selectors.block_names(sosnovka)
    assert names == {
        "1": "Управление качеством образовательных результатов",
        "2": "Управление качеством образовательной деятельности",
    }
    direction = Direction.objects.filter(municipality=sosnovka, code="2.1").first()
    assert direction.block_label == "2. Управление качеством образовательной деятельности"
    ishimbay = Municipality.objects.get(slug="ishimbay")
    assert (
        selectors.block_names(ishimbay)["1"] == "Механизмы управления качеством образовательных результатов"
    )
    assert Direction.objects.filter(municipality=ishimbay).exclude(block_name="").count() == 0


def test_the_block_name_shows_on_the_direction_page(client, demo):
    from mcok.models import User

    direction = Direction.objects.filter(municipality__slug="sosnovka").first()
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("root", "", "x")
    client.force_login(admin)
    response = client.get(direction.get_absolute_url())
    assert response.status_code == 200
    assert "Управление качеством образовательн" in response.content.decode()


def test_positions_the_order_does_not_give_stay_empty(demo):
    for name in ("Доценко Т.И.", "Найденова А.Н.", "Таратунина Д.В."):
        assert Official.objects.get(municipality__slug="ishimbay", full_name=name).position == ""
    assert not Official.objects.filter(position__icontains="специалист Управления образования").exists()
    mcok_demo.load()  # a rerun finds the officials by name: no second record
    assert Official.objects.filter(municipality__slug="ishimbay", full_name="Доценко Т.И.").count() == 1
