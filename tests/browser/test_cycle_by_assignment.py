"""The management cycle walked in chromium by the people order №1048 names (Приложение 1).

`ishimbay-mastryukova` coordinates and executes 1.1: she writes the goals for 2025, passes the draft
and approves it; `ishimbay-operator` publishes them. `ishimbay-sherstkina` coordinates 2.3 only: on
1.1 she finds no approve button, and a forged POST gets 403. `ishimbay-naydenova` executes 2.3: she
drafts its goals and `ishimbay-sherstkina` approves them.
"""

import pytest
from django.core.management import call_command

from directions.models import Component, CycleComponent
from tests.browser.support import log_in

State = CycleComponent.State


def component(code: str, which: str = Component.GOALS) -> CycleComponent:
    return CycleComponent.objects.get(
        cycle__direction__municipality__slug="ishimbay",
        cycle__direction__code=code,
        cycle__period__code="2025",
        component=which,
    )


def open_component(page, code: str, which: str = Component.GOALS) -> None:
    page.goto(f"/directions/components/{component(code, which).pk}/")
    page.wait_for_load_state("networkidle")


def move_button(page, state: str):
    return page.locator(f"form.move:has(input[name=to_state][value={state}]) button[type=submit]")


def press(page, state: str) -> None:
    move_button(page, state).click()
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_the_people_the_order_names_walk_the_cycle_of_their_directions(new_page, live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    assert component("1.1").state == State.NOT_STARTED
    assert component("2.3").state == State.NOT_STARTED

    # Мастрюкова, coordinator and executor of 1.1: the direction page says both.
    mastryukova = new_page()
    log_in(mastryukova, "ishimbay-mastryukova")
    mastryukova.goto(f"/directions/{component('1.1').cycle.direction_id}/?period=2025")
    role = mastryukova.get_by_test_id("my-role").inner_text()
    assert "координатор" in role and "исполнитель" in role
    open_component(mastryukova, "1.1")
    mastryukova.fill(
        "textarea[name=content]", "Цель: объективность оценочных процедур в каждой школе района."
    )
    mastryukova.locator("form.form-wide button[type=submit]").click()
    mastryukova.wait_for_load_state("networkidle")
    press(mastryukova, State.DRAFTED)
    press(mastryukova, State.APPROVED)
    assert component("1.1").state == State.APPROVED

    operator = new_page()
    operator.on("dialog", lambda dialog: dialog.accept())  # publishing and withdrawing ask first
    log_in(operator, "ishimbay-operator")
    open_component(operator, "1.1")
    press(operator, State.PUBLISHED)
    assert component("1.1").state == State.PUBLISHED

    # Шерсткина coordinates 2.3 only: 1.1's drafted indicators offer her no approval.
    open_component(mastryukova, "1.1", Component.INDICATORS)
    press(mastryukova, State.DRAFTED)
    sherstkina = new_page()
    log_in(sherstkina, "ishimbay-sherstkina")
    open_component(sherstkina, "1.1", Component.INDICATORS)
    assert sherstkina.get_by_role("heading", level=1).count() == 1
    assert move_button(sherstkina, State.APPROVED).count() == 0
    token = next(c["value"] for c in sherstkina.context.cookies() if c["name"] == "csrftoken")
    forged = sherstkina.request.post(
        f"/directions/components/{component('1.1', Component.INDICATORS).pk}/move/",
        form={"to_state": State.APPROVED, "csrfmiddlewaretoken": token},
        headers={"Referer": live_server.url + "/", "Origin": live_server.url},
    )
    assert forged.status == 403
    assert "координатор направления" in forged.text()
    assert component("1.1", Component.INDICATORS).state == State.DRAFTED

    # Найденова executes 2.3 and drafts its goals; Шерсткина approves them.
    naydenova = new_page()
    log_in(naydenova, "ishimbay-naydenova")
    open_component(naydenova, "2.3")
    assert move_button(naydenova, State.APPROVED).count() == 0
    press(naydenova, State.DRAFTED)
    assert component("2.3").state == State.DRAFTED
    open_component(sherstkina, "2.3")
    press(sherstkina, State.APPROVED)
    assert component("2.3").state == State.APPROVED
