"""Accessibility kept: axe-core (as axe-playwright-python bundles it) in headless chromium on every
kind of page of the public tab, in both versions, and on the main page of each role; no violation
of serious or critical impact. The version for the visually impaired is switched on and off by its
link, survives navigation inside the tab and inside the department's frame.

Nothing is fetched: the binding carries axe.min.js, chromium is Debian's."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.models import PublicPage
from tests.browser.support import log_in

expect = pytest.importorskip("playwright.sync_api").expect
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

MUNICIPALITY = "ishimbay"
BLOCKING = ("serious", "critical")
ROLES = ("administrator", "chief", "coordinator", "executor", "operator", "expert", "school", "head")
# The CSP of the tab forbids scripts: axe is injected through the DevTools protocol, which the
# policy does not govern; the page's own policy stays as it is (no bypass).


def _audit(page, where: str) -> list[str]:
    results = axe_module.Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])][:5]
            found.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} at {targets}"
            )
    return found


def _tab_paths() -> list[str]:
    pages = PublicPage.objects.filter(municipality__slug=MUNICIPALITY, published__isnull=False)
    direction = pages.filter(kind=PublicPage.Kind.DIRECTION).order_by("order", "pk").first()
    assert direction is not None, "the demo publishes the directions' pages"
    paths = [
        reverse("open:home", args=[MUNICIPALITY]),
        reverse("open:page", args=[MUNICIPALITY, direction.slug]),
        reverse("open:embed", args=[MUNICIPALITY, direction.slug]),
        reverse("open:embed_home", args=[MUNICIPALITY]),
        reverse("open:data", args=[MUNICIPALITY]),
        reverse("open:data_set", args=[MUNICIPALITY, "indicators"]),
        reverse("open:page", args=[MUNICIPALITY, "no-such-page"]),  # the tab's «not found»
    ]
    free = pages.filter(kind=PublicPage.Kind.FREE).first()
    if free is not None:
        paths.append(reverse("open:page", args=[MUNICIPALITY, free.slug]))
    return paths


@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_violation_on_the_tab_and_the_roles_main_pages(new_page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    found: list[str] = []

    visitor = new_page()
    # The audit sees what it must: an image without a text alternative is critical.
    visitor.set_content('<!doctype html><html lang="ru"><title>t</title><img src="data:,"></html>')
    assert any("image-alt" in line for line in _audit(visitor, "probe"))
    for path in _tab_paths():
        for suffix in ("", "?vi=1"):
            visitor.goto(path + suffix)
            found += _audit(visitor, path + suffix)

    for role in ROLES:
        page = new_page()
        log_in(page, f"{MUNICIPALITY}-{role}")
        page.goto("/")
        assert "/accounts/login/" not in page.url, role
        found += _audit(page, f"{role}: /")
    assert found == []


@pytest.mark.django_db(transaction=True)
def test_the_version_for_the_visually_impaired_is_switched_and_kept(new_page, live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    visitor = new_page()
    visitor.goto(reverse("open:home", args=[MUNICIPALITY]))
    regular_size = visitor.eval_on_selector("body", "body => parseFloat(getComputedStyle(body).fontSize)")
    visitor.get_by_role("link", name="Версия для слабовидящих").click()
    visitor.wait_for_load_state("load")
    assert "vi=1" in visitor.url
    large = visitor.eval_on_selector("body", "body => parseFloat(getComputedStyle(body).fontSize)")
    assert large >= regular_size * 1.4
    colours = visitor.eval_on_selector(
        "body", "body => [getComputedStyle(body).color, getComputedStyle(body).backgroundColor]"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    assert visitor.locator("svg:visible, img:visible").count() == 0

    # Into a direction's page and on to the open data: the version stays.
    visitor.locator("main .direction-list a").first.click()
    visitor.wait_for_load_state("load")
    assert "vi=1" in visitor.url
    assert visitor.locator("svg").count() == 0
    visitor.locator("footer a", has_text="Открытые данные").click()
    visitor.wait_for_load_state("load")
    assert "vi=1" in visitor.url and visitor.get_by_role("link", name="Обычная версия").is_visible()
    visitor.get_by_role("link", name="Обычная версия").click()
    visitor.wait_for_load_state("load")
    assert "vi=1" not in visitor.url
    assert visitor.get_by_role("link", name="Версия для слабовидящих").is_visible()

    # In the department's frame the switch changes the frame, not the department's page.
    direction = PublicPage.objects.filter(
        municipality__slug=MUNICIPALITY, kind=PublicPage.Kind.DIRECTION, published__isnull=False
    ).first()
    embed_url = live_server.url + reverse("open:embed", args=[MUNICIPALITY, direction.slug])
    # The department's page, of another origin, frames the tab as the embed code says.
    host = new_page()
    host.set_content(
        f'<!doctype html><html lang="ru"><title>Сайт</title><h1>Сайт управления</h1>'
        f'<iframe src="{embed_url}" title="МСОКО" width="900" height="700"></iframe></html>'
    )
    department = host.url
    frame = host.frame_locator("iframe")
    frame.get_by_role("link", name="Версия для слабовидящих").click()
    frame.get_by_role("link", name="Обычная версия").wait_for()
    assert host.url == department
    inner = next(item for item in host.frames if item.url.startswith(live_server.url))
    assert "vi=1" in inner.url
    expect(frame.locator("body")).to_have_css("color", "rgb(0, 0, 0)")
