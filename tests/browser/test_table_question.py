"""A table question in headless chromium: the school fills a subject × class table on a desktop and on a
phone; the live totals follow each keystroke; the table's total is checked against the number of pupils
in all («итого должно совпасть…»): no total while a cell is empty, a mismatch, then a match; a «не
применимо» row (or column) empties and disables its cells and still lets the table be complete."""

import re

import pytest
from playwright.sync_api import expect

from monitoring.models import Field, Form, Rule, Section, Submission
from tests.browser.support import log_in
from tests.factories import make_world
from tests.indicators.factories import make_element
from tests.indicators.test_categories import make_category, make_combo
from tests.monitoring.factories import make_campaign, make_submission

RULE = "итого должно совпасть с общим количеством обучающихся"
TABLE = "pupils_by_class"


def _setup():
    world = make_world()
    municipality = world.municipality
    klass = make_category(
        municipality, "klass", "Класс", [("5", "5 класс"), ("6", "6 класс"), ("7", "7 класс")]
    )
    subject = make_category(
        municipality, "predmet", "Предмет", [("math", "Математика"), ("rus", "Русский язык")]
    )
    element = make_element(
        municipality, "vpr_wrote", category_combo=make_combo(municipality, "sk", subject, klass)
    )
    form = Form.objects.create(municipality=municipality, title="Результаты ВПР", direction=world.direction)
    section = Section.objects.create(form=form, title="ВПР", order=1)
    Field.objects.create(
        form=form,
        section=section,
        code="pupils_total",
        label="Писали всего",
        kind=Field.Kind.INTEGER,
        order=1,
    )
    Field.objects.create(
        form=form,
        section=section,
        code=TABLE,
        label="Писали по предметам и классам",
        kind=Field.Kind.TABLE,
        min_value=0,
        data_element=element,
        order=2,
    )
    Rule.objects.create(form=form, kind=Rule.Kind.EQUAL, fields=["pupils_total", TABLE], message=RULE)
    campaign = make_campaign(municipality, form=form, by=world.coordinator, period="2025")
    submission = make_submission(campaign, world.school, by=world.respondent)
    return world, submission


def _cell(page, row: str, column: str):
    return page.locator(f"input[name='answer-{TABLE}__{row}|{column}']")


def _open(page, submission) -> None:
    with page.expect_navigation(wait_until="load"):
        page.goto(f"/monitoring/submissions/{submission.pk}/")
    page.wait_for_load_state("networkidle")


def _fill_all(page, value: str = "10", **overrides) -> None:
    for row in ("math", "rus"):
        for column in ("5", "6", "7"):
            _cell(page, row, column).fill(overrides.get(f"{row}{column}", value))


@pytest.mark.django_db(transaction=True)
def test_a_table_on_a_desktop_no_total_then_a_mismatch_then_a_match(new_page):
    world, submission = _setup()
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, world.respondent.username, "pw")
    _open(page, submission)
    rule_box = page.locator("#e-pupils_total")
    total = page.locator(f"#t-{TABLE}")

    page.fill("#id-answer-pupils_total", "60")
    for column in ("5", "6", "7"):
        _cell(page, "math", column).fill("10")
    _cell(page, "rus", "5").fill("10")
    expect(total).to_have_text("нет данных: заполнено 4 из 6 ячеек")
    expect(page.locator("[data-row-total='math']")).to_have_text("30")
    expect(page.locator("[data-row-total='rus']")).to_have_text("—")
    # The saved draft: the table has no total yet, so the check says why, not that they differ.
    expect(rule_box).to_contain_text("нет данных: заполнено 4 из 6 ячеек", timeout=15_000)
    expect(rule_box).not_to_contain_text(RULE)

    _fill_all(page, math5="11")
    expect(page.locator("[data-grand-total]")).to_have_text("61")
    expect(page.locator("[data-column-total='5']")).to_have_text("21")
    expect(rule_box).to_contain_text(RULE, timeout=15_000)

    _cell(page, "math", "5").fill("10")
    expect(total).to_have_text("Итого: 60")
    expect(rule_box).not_to_contain_text(RULE, timeout=15_000)
    expect(rule_box).to_have_text(re.compile(r"^\s*$"))

    # Russian is not written in these classes: the row is «не применимо», its cells go empty.
    page.check(f"input[name='answer-{TABLE}__na'][value='row:rus']")
    for column in ("5", "6", "7"):
        expect(_cell(page, "rus", column)).to_be_disabled()
        expect(_cell(page, "rus", column)).to_have_value("")
    expect(total).to_have_text("Итого: 30")
    expect(rule_box).to_contain_text(RULE, timeout=15_000)
    page.fill("#id-answer-pupils_total", "30")
    expect(rule_box).not_to_contain_text(RULE, timeout=15_000)

    _open(page, submission)
    expect(page.locator(f"input[name='answer-{TABLE}__na'][value='row:rus']")).to_be_checked()
    expect(_cell(page, "rus", "6")).to_be_disabled()
    expect(page.locator(f"#t-{TABLE}")).to_have_text("Итого: 30")
    stored = Submission.objects.get(pk=submission.pk).answers
    assert stored["pupils_total"] == "30"
    assert stored[TABLE]["na"] == ["row:rus"] and set(stored[TABLE]["cells"]) == {
        "math|5",
        "math|6",
        "math|7",
    }

    page.click("#submit-button")
    expect(page.locator(".status-submitted").first).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_table_on_a_phone_is_a_list_of_rows_that_stays_usable(new_page):
    world, submission = _setup()
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, world.respondent.username, "pw")
    _open(page, submission)

    row = page.locator(f"table[data-table='{TABLE}'] tbody tr[data-row='math']")
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"  # a card, not a table row
    box = page.locator(f"table[data-table='{TABLE}']").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # no sideways scrolling to reach a cell
    first, second = _cell(page, "math", "5").bounding_box(), _cell(page, "math", "6").bounding_box()
    assert second["y"] > first["y"]  # the cells of a row stand one under another
    labels = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert "5 класс" in labels
    assert page.locator(f"[name='answer-{TABLE}__math|5']").count() == 1  # the same inputs, once

    page.fill("#id-answer-pupils_total", "45")
    _fill_all(page, "9")
    expect(page.locator("[data-row-total='math']")).to_have_text("27")
    expect(page.locator("#e-pupils_total")).to_contain_text(RULE, timeout=15_000)  # 54 ≠ 45
    # A school without a 7th class marks the column «не применимо» on the phone as well.
    page.locator(f"input[name='answer-{TABLE}__na'][value='col:7']").tap()
    expect(_cell(page, "rus", "7")).to_be_disabled()
    expect(page.locator(f"#t-{TABLE}")).to_have_text("Итого: 36")
    page.fill("#id-answer-pupils_total", "36")
    expect(page.locator("#e-pupils_total")).not_to_contain_text(RULE, timeout=15_000)
    stored = Submission.objects.get(pk=submission.pk).answers
    assert stored[TABLE]["na"] == ["col:7"] and stored["pupils_total"] == "36"
