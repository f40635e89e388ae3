"""Setting up a collection in headless chromium: the school list's search, «tick all», «untick all»
and «tick a kind» with the count ticked; the checks offer only numeric questions where they compare
numbers; a question is changed on the form's own page."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import log_in
from tests.factories import make_organization, make_world
from tests.monitoring.factories import make_form


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_picks_schools_and_builds_checks(new_page):
    world = make_world()
    make_form(world.municipality, elements=False)
    make_organization(world.municipality, short_name="Детский сад «Ромашка»", kind="kindergarten")
    make_organization(world.municipality, short_name="Детский сад «Берёзка»", kind="kindergarten")
    make_organization(world.municipality, short_name="ДДТ", kind="additional")
    page = new_page()
    log_in(page, world.coordinator.username, "pw")

    page.goto("/monitoring/campaigns/new/")
    page.locator("details.choose-list > summary").click()
    count = page.locator("[data-org-count]")
    total = page.locator(".org-picker-item").count()
    expect(count).to_have_text(f"Выбрано: 0 из {total}")
    page.locator("button[data-org-pick='kind'][data-kind='kindergarten']").click()
    expect(count).to_have_text(f"Выбрано: 2 из {total}")
    page.fill("[data-org-search]", "ддт")
    expect(page.locator(".org-picker-item:visible")).to_have_count(1)
    page.locator("button[data-org-pick='all']").click()
    expect(count).to_contain_text(f"Выбрано: 3 из {total}")
    page.fill("[data-org-search]", "березка")  # ё and е alike
    expect(page.locator(".org-picker-item:visible")).to_have_text(["Детский сад «Берёзка»"])
    page.locator("button[data-org-pick='none']").click()
    expect(count).to_contain_text(f"Выбрано: 0 из {total}")


@pytest.mark.django_db(transaction=True)
def test_checks_offer_numbers_and_questions_change_in_place(new_page):
    world = make_world()
    form = make_form(world.municipality, elements=False)
    page = new_page()
    log_in(page, world.coordinator.username, "pw")
    page.goto(f"/monitoring/forms/{form.pk}/")

    page.locator("#new-rule > summary").click()
    rule = page.locator("form.rule-form")
    rule.locator("select[name='kind']").select_option("le")
    expect(rule.locator("select[name='left'] option:not([disabled])")).to_have_count(3)  # «—» and 2 numbers
    rule.locator("select[name='kind']").select_option("both")
    expect(rule.locator("select[name='left'] option:not([disabled])")).to_have_count(5)

    item = form.fields.get(code="comment")
    question = page.locator(f"#q-{item.pk}")
    question.locator("details.question-edit > summary").click()
    question.locator("textarea[name='label']").fill("Комментарий школы")
    question.locator("form.question-inline button[type='submit']").first.click()
    expect(page.locator(f"#q-{item.pk} .question-label")).to_contain_text("Комментарий школы")
