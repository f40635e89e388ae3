"""The newcomer's first hour: the portal's address from the request when SITE_URL is unset, `make run`
on any port, `load_demo` printing only the accounts, every demo user with a full name and an e-mail
on a reserved domain, the Word roadmap import linked from the roadmaps list."""

import io
import logging
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from mcok import site
from mcok.models import User

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def fresh_site(settings):
    settings.SITE_URL = ""
    site._remembered[0] = ""
    site.cache.delete(site.CACHE_KEY)
    yield settings
    site._remembered[0] = ""
    site.cache.delete(site.CACHE_KEY)


def test_site_url_when_set_is_the_address(fresh_site):
    fresh_site.SITE_URL = "https://mcok.example.org/"
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8123")
    assert site.base_url(request) == "https://mcok.example.org"
    assert site.base_url() == "https://mcok.example.org"


def test_unset_the_address_is_the_requests_and_letters_remember_it(fresh_site):
    assert site.base_url() == site.FALLBACK  # before any request
    fresh_site.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/monitoring/", HTTP_HOST="127.0.0.1:8123")
    site.SiteAddressMiddleware(lambda r: None)(request)
    assert site.base_url() == "http://127.0.0.1:8123"
    assert site.absolute("/monitoring/my/") == "http://127.0.0.1:8123/monitoring/my/"


def test_a_letter_written_after_a_page_on_another_port_links_there(client, world, fresh_site, mailoutbox):
    from monitoring import services
    from monitoring.models import Reminder
    from tests.monitoring.factories import make_campaign

    fresh_site.ALLOWED_HOSTS = ["*"]
    world.respondent.email = "respondent@school.example"
    world.respondent.save(update_fields=["email"])
    client.force_login(world.coordinator)
    client.get("/", HTTP_HOST="127.0.0.1:8123")
    campaign = make_campaign(world.municipality, organizations=[world.school])
    services.reminders_send(campaign=campaign, kind=Reminder.Kind.MANUAL)
    assert "http://127.0.0.1:8123/monitoring/my/" in mailoutbox[0].body


def test_make_run_takes_the_port():
    dry = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "runserver 127.0.0.1:8123" in dry
    assert "make run PORT=" in (ROOT / "README.md").read_text()


@pytest.mark.django_db
def test_load_demo_prints_only_the_accounts_and_every_user_is_named_and_mailable(caplog):
    caplog.set_level(logging.INFO)
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Демонстрационные учётные записи")
    assert all(line.startswith("  ") for line in lines[1:])
    assert not [r for r in caplog.records if r.name.startswith(("celery", "kombu"))]
    for user in User.objects.all():
        assert user.first_name and user.last_name, user.username
        assert user.email == f"{user.username}@mcok.example", user.username


def test_the_roadmaps_list_links_to_the_word_import(client, world):
    client.force_login(world.chief)
    page = client.get(reverse("roadmaps:roadmaps")).content.decode()
    assert f'href="{reverse("roadmaps:import")}"' in page
