"""The second factor in headless chromium: a coordinator of an instance that requires it signs in, is
sent to set it up, reads the QR code and the key, confirms with the application's code, gets ten
recovery codes with a print button; the next sign-in asks for the code; no page breaks the CSP."""

import base64
import re

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.support import log_in
from tests.factories import make_world

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def code_from_key(key_text: str, *, shift: int = 0) -> str:
    """What an authenticator application shows for the key typed in from the page."""
    key = key_text.replace(" ", "")
    key += "=" * (-len(key) % 8)
    totp = TOTP(base64.b32decode(key), 30, 0, 6, 0)
    totp.time = timezone.now().timestamp() + shift * 30
    return f"{totp.token():06d}"


@pytest.mark.django_db(transaction=True)
@override_settings(OTP_REQUIRED=True)
def test_a_coordinator_sets_up_the_second_factor_and_signs_in_with_it(new_page):
    world = make_world()
    page = new_page()
    page.add_init_script(LISTEN)
    violations = []

    log_in(page, world.coordinator.username, "pw")
    page.goto("/organizations/")
    expect(page).to_have_url(re.compile(r"/account/second-factor/setup/"))
    expect(page.locator("h1")).to_have_text("Настройка второго фактора")
    expect(page.locator("img.qr-code")).to_be_visible()
    assert page.eval_on_selector("img.qr-code", "image => image.naturalWidth") > 0
    key = page.locator(".secret-key").inner_text()
    violations += page.evaluate("window.__violations")

    page.fill("input[name=code]", code_from_key(key))
    page.click("button:has-text('Подтвердить и включить')")
    expect(page.locator("h1")).to_have_text("Коды восстановления")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    expect(page.locator("[data-print]")).to_be_visible()
    violations += page.evaluate("window.__violations")
    page.click("text=Я сохранил коды, продолжить")
    expect(page).to_have_url(re.compile(r"/organizations/$"))

    # The next sign-in asks for the code after the password.
    again = new_page()
    again.add_init_script(LISTEN)
    log_in(again, world.coordinator.username, "pw")
    again.goto("/organizations/")
    expect(again).to_have_url(re.compile(r"/account/second-factor/verify/"))
    expect(again.locator("text=Использовать код восстановления")).to_be_visible()
    again.fill("input[name=code]", code_from_key(key, shift=1))
    again.click("button:has-text('Продолжить')")
    expect(again).to_have_url(re.compile(r"/organizations/$"))
    violations += again.evaluate("window.__violations")
    assert violations == []
