"""The Content-Security-Policy in headless chromium (issue 18, item 9): the pages a coordinator walks
report no violation of the policy, and what used to be inline still works from its file — «Выбрать
все ожидающие» ticks the boxes of a collection's page, the progress bar of the collections has its
width, the API documentation draws itself."""

import pytest

from tests.browser.support import log_in
from tests.factories import make_world
from tests.monitoring.factories import make_campaign, make_submission

ANSWERS = {"teachers": "40", "teachers_diagnosed": "30", "format": "Очная"}

# Recorded before any script of the page runs; an init script is not subject to the page's policy.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations")


@pytest.mark.django_db(transaction=True)
def test_a_coordinators_pages_break_no_rule_of_the_policy_and_still_work(new_page):
    world = make_world()
    campaign = make_campaign(world.municipality, organizations=[world.school, world.other_school])
    for school in (world.school, world.other_school):
        make_submission(campaign, school, ANSWERS, submit=True)

    page = new_page()
    page.add_init_script(LISTEN)
    log_in(page, world.coordinator.username, "pw")
    seen = {}

    page.goto(f"/monitoring/campaigns/{campaign.pk}/")
    page.click("[data-choose-all]")
    boxes = page.locator('input[form="bulk-accept"]')
    assert boxes.count() == 2
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    seen["campaign"] = _violations(page)

    page.goto("/monitoring/campaigns/")
    width = page.eval_on_selector(".progress-bar", "bar => bar.getBoundingClientRect().width")
    assert width > 0
    seen["campaigns"] = _violations(page)

    for path in ("/", "/indicators/", "/directions/", "/roadmaps/recommendations/", "/reports/"):
        page.goto(path)
        seen[path] = _violations(page)

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15_000)
    seen["api docs"] = _violations(page)

    assert {where: found for where, found in seen.items() if found} == {}
