"""The whole way of a form through the portal, in headless chromium, on the demo municipalities.

`dobryanka-school` fills the open collection's form, leaves, comes back to the draft and submits;
`dobryanka-sykuleva`, coordinator of the form's direction 2.3, returns it with a comment; the school
fixes it and resubmits; the coordinator accepts; the indicator page shows the school's value and the
changed municipal value.
"""

import re

import pytest
from django.core.management import call_command
from django.utils.formats import number_format
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorValue
from monitoring.models import Campaign, Submission
from tests.browser.support import log_in

COLLECTION = "Профессиональное развитие педагогов — 2025"


def _wait_saved(page) -> None:
    """Until the autosave has nothing pending and reported no error. Playwright's own locators wait:
    wait_for_function would evaluate a string in the page, which the portal's CSP forbids."""
    status = page.locator("#save-status")
    expect(status).not_to_have_text(re.compile(r"^\s*$|…"), timeout=15_000)
    expect(status).not_to_have_class(re.compile(r"\bis-error\b"))


def _open_form(page) -> None:
    """The collection's form from «my collections», fully loaded: typing before the form's script has
    run would fire no autosave (the status would stay empty)."""
    with page.expect_navigation(wait_until="load"):
        page.locator("tr", has_text=COLLECTION).locator("a.button").click()


def _indicator_row(page, indicator: Indicator, school: str) -> tuple[str, str]:
    """(the school's row text, the whole page text) of the indicator page for 2025."""
    page.goto(f"/indicators/{indicator.pk}/?period=2025")
    return page.locator("tr", has_text=school).first.inner_text(), page.inner_text("main")


@pytest.mark.django_db(transaction=True)
def test_a_form_goes_from_the_school_to_the_indicator_page(new_page):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    campaign = Campaign.objects.get(municipality__slug="dobryanka", title=COLLECTION)
    share = Indicator.objects.get(municipality__slug="dobryanka", code="2.3.1")
    school_user = "dobryanka-school"

    coordinator = new_page()
    log_in(coordinator, "dobryanka-sykuleva")
    school_name = campaign.organizations.get(roles__user__username=school_user).short_name
    row_before, page_before = _indicator_row(coordinator, share, school_name)
    total_before = IndicatorValue.objects.get(indicator=share, period__code="2025", organization=None)
    assert "75,0" not in row_before

    # The school fills part of the form, leaves and finds its draft again.
    school = new_page()
    log_in(school, school_user)
    school.goto("/monitoring/my/")
    _open_form(school)
    school.fill("#id-answer-ped_total", "40")
    school.fill("#id-answer-ped_diagnosed", "20")
    school.locator("#id-answer-ped_diagnosed").blur()
    _wait_saved(school)
    school.goto("/")
    school.goto("/monitoring/my/")
    _open_form(school)
    assert school.input_value("#id-answer-ped_total") == "40"
    assert school.input_value("#id-answer-ped_diagnosed") == "20"
    school.fill("#id-answer-young_teachers", "5")
    school.fill("#id-answer-young_mentored", "4")
    _wait_saved(school)
    school.click("#submit-button")
    school.wait_for_load_state("networkidle")
    submission = Submission.objects.get(campaign=campaign, organization__short_name=school_name)
    assert submission.status == Submission.Status.SUBMITTED

    # The coordinator returns it with a comment.
    coordinator.goto(f"/monitoring/submissions/{submission.pk}/review/")
    coordinator.fill("textarea[name=comment]", "Проверьте число прошедших диагностику: по приказу 30.")
    coordinator.click("button.button-danger")
    coordinator.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED

    # The school reads the comment, fixes the number and resubmits.
    school.goto(f"/monitoring/submissions/{submission.pk}/")
    assert "по приказу 30" in school.inner_text("main")
    school.fill("#id-answer-ped_diagnosed", "30")
    school.locator("#id-answer-ped_diagnosed").blur()
    _wait_saved(school)
    school.click("#submit-button")
    school.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED

    # The coordinator sees what changed since the return, and accepts.
    coordinator.goto(f"/monitoring/submissions/{submission.pk}/review/")
    coordinator.locator("form[action$='/accept/'] button[type=submit]").click()
    coordinator.wait_for_load_state("networkidle")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ACCEPTED

    # The indicator page follows: the school's 30 of 40, and a new municipal figure.
    row_after, page_after = _indicator_row(coordinator, share, school_name)
    assert "75,0" in row_after
    total = IndicatorValue.objects.get(indicator=share, period__code="2025", organization=None)
    shown = f"{number_format(total.value, 1, use_l10n=True)} %"
    assert total.numerator == total_before.numerator + 30
    assert shown in page_after and shown not in page_before
