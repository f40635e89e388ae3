"""The formula editor in headless chromium: the coordinator finds a data element by its Russian name,
presses it, and its code goes into the numerator where the cursor was; the list filters as one types."""

import pytest
from playwright.sync_api import expect

from indicators.models import DataElement
from tests.browser.support import log_in
from tests.factories import make_world


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_writes_a_formula_by_names(new_page):
    world = make_world()
    for code, name in [
        ("teachers_total", "Всего педагогических работников"),
        ("teachers_trained", "Педагоги, прошедшие повышение квалификации"),
        ("pupils", "Обучающиеся"),
    ]:
        DataElement.objects.create(municipality=world.municipality, code=code, name=name, kinds=["school"])
    page = new_page()
    log_in(page, world.coordinator.username, "pw")
    page.goto(f"/indicators/new/?municipality={world.municipality.slug}")

    names = page.locator("#element-list button.element-pick")
    expect(names).to_have_text(
        ["Всего педагогических работников", "Обучающиеся", "Педагоги, прошедшие повышение квалификации"]
    )
    page.fill("#element-search", "квалиф")
    expect(page.locator("#element-list li:visible")).to_have_count(1)
    page.locator("#id_numerator").click()
    page.locator("#element-list button", has_text="повышение квалификации").click()
    page.fill("#element-search", "")
    page.locator("#id_numerator").press("End")
    page.locator("#id_numerator").type(" * 100 /")
    page.locator("#element-list button", has_text="Всего педагогических").click()
    expect(page.locator("#id_numerator")).to_have_value("teachers_trained * 100 / teachers_total")

    page.locator("#id_denominator").click()
    page.locator("#element-list button", has_text="Обучающиеся").click()
    expect(page.locator("#id_denominator")).to_have_value("pupils")
    page.fill("#element-search", "нет такого")
    expect(page.locator(".element-none")).to_be_visible()
