"""The public tab in headless chromium, on the demo municipalities.

`ishimbay-operator` opens the operator's side of the public tab, opens the page of direction 2.3,
previews it and publishes it; an anonymous visitor, who got «not found» before, now reads it at
/open/ishimbay/<slug>/. The operator withdraws it and a visitor gets «not found» again. With
SCREENSHOTS_DIR set, the public home page and the direction's page (also 360 px wide) are saved there.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from directions.models import Direction
from mcok.models import User
from reports import public
from reports.models import PublicPage
from tests.browser.support import log_in

MUNICIPALITY = "ishimbay"
DIRECTION_CODE = "2.3"


def _screenshot(page, name: str) -> None:
    directory = os.environ.get("SCREENSHOTS_DIR")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(directory) / name), full_page=True)


def _status(visitor, url: str) -> int:
    response = visitor.goto(url)
    assert response is not None
    return response.status


def _publish_from_detail(operator) -> None:
    operator.locator("form[action$='/publish/'] button[type=submit]").click()
    operator.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_the_operator_publishes_and_withdraws_a_direction_page(new_page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    direction = Direction.objects.get(municipality__slug=MUNICIPALITY, code=DIRECTION_CODE)
    operator_user = User.objects.get(username=f"{MUNICIPALITY}-operator")
    for page in PublicPage.objects.filter(municipality=direction.municipality, published__isnull=False):
        public.withdraw(page, user=operator_user)  # start from a tab nobody published

    operator = new_page()
    operator.on("dialog", lambda dialog: dialog.accept())  # publishing and withdrawing ask first
    log_in(operator, operator_user.username)
    operator.goto("/reports/site/")
    assert operator.locator("h1").count() == 1
    _screenshot(operator, "operator-site-list.png")
    operator.locator("table a", has_text=direction.name).first.click()
    operator.wait_for_load_state("networkidle")
    page = PublicPage.objects.get(direction=direction)
    assert operator.url.endswith(f"/reports/site/{page.pk}/")
    public_path = f"/open/{MUNICIPALITY}/{page.slug}/"
    assert public_path in operator.inner_text("main")
    assert f"{public_path}embed/" in operator.input_value("#embed-code")

    operator.goto(f"/reports/site/{page.pk}/edit/")
    assert operator.locator("textarea[name=body]").count() == 1
    _screenshot(operator, "operator-page-edit.png")
    operator.goto(f"/reports/site/{page.pk}/")

    # Nobody outside sees the page before it is published.
    visitor = new_page()
    assert _status(visitor, public_path) == 404

    # The preview shows the page as the public would see it, with a banner.
    operator.locator(f"a[href$='/reports/site/{page.pk}/preview/']").click()
    operator.wait_for_load_state("networkidle")
    assert operator.locator(".preview-banner").is_visible()
    assert direction.name in operator.inner_text("body")
    operator.go_back()
    operator.wait_for_load_state("networkidle")

    # Publication: version 1, and the visitor reads it.
    _publish_from_detail(operator)
    page.refresh_from_db()
    assert page.published is not None and page.published.number == 1
    assert operator.locator(".message-success").count() == 1
    _screenshot(operator, "operator-page-published.png")
    assert _status(visitor, public_path) == 200
    assert direction.name in visitor.inner_text("body")
    assert visitor.locator(".preview-banner").count() == 0

    # The home page of the tab, published too, links the direction's page.
    home = PublicPage.objects.get(municipality=direction.municipality, kind=PublicPage.Kind.HOME)
    operator.goto(f"/reports/site/{home.pk}/")
    _publish_from_detail(operator)
    home_visitor = new_page()
    assert _status(home_visitor, f"/open/{MUNICIPALITY}/") == 200
    assert home_visitor.locator(f"a[href='{public_path}']").count() >= 1
    _screenshot(home_visitor, "public-home.png")
    _screenshot(visitor, "public-direction.png")
    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
    assert _status(phone, public_path) == 200
    _screenshot(phone, "public-direction-360.png")

    # Withdrawal: a visitor gets «not found» again (a new one: browsers keep public pages a while).
    operator.goto(f"/reports/site/{page.pk}/")
    operator.locator("form[action$='/withdraw/'] button[type=submit]").click()
    operator.wait_for_load_state("networkidle")
    page.refresh_from_db()
    assert page.published is None
    assert page.versions.get(number=1).withdrawn_by == operator_user
    assert _status(new_page(), public_path) == 404
