"""The error pages speak Russian, look like the portal and show the way back — also on the embedded
default, where DEBUG is on and Django would answer an unknown address with its English technical
page listing every URL pattern."""

import pytest
from django.db import OperationalError
from django.template.loader import render_to_string
from django.test import Client


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_gets_the_portal_s_own_page(world, client, settings, debug):
    settings.DEBUG = debug
    client.force_login(world.coordinator)
    response = client.get("/no-such-page/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "Страница не найдена" in text and "Главная страница" in text
    assert "urlpatterns" not in text and "URLconf" not in text and "Page not found" not in text
    assert 'href="/static/mcok/main.css"' in text or "main." in text


def test_a_record_one_may_not_see_answers_with_the_same_page(world, client, settings):
    settings.DEBUG = True
    client.force_login(world.outsider)
    response = client.get(world.direction.get_absolute_url())
    assert response.status_code == 404 and "Страница не найдена" in response.content.decode()


def test_the_api_keeps_its_json_404(world, client, settings):
    settings.DEBUG = True
    client.force_login(world.coordinator)
    response = client.get("/api/directions/987654321/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_a_server_error_page_needs_no_database_and_shows_the_way_back():
    text = render_to_string("500.html")
    assert "Что-то пошло не так" in text and 'href="/"' in text and "main." in text


def test_a_database_outage_answers_a_styled_503_with_the_way_back(world, settings, monkeypatch):
    from directions import selectors

    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)

    def down(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "overview", down)
    response = client.get("/directions/")
    text = response.content.decode()
    assert response.status_code == 503
    assert "Сервис недоступен" in text and 'href="/"' in text and "main." in text
