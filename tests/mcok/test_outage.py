"""The database away: a request that meets it gets a 503 with Retry-After in Russian, not a 500."""

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import path


def _lost(request):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def _closed(request):
    raise InterfaceError("connection already closed")


def _broken(request):
    raise ValueError("a bug, not an outage")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("page/", _lost),
    path("api/thing/", _lost),
    path("closed/", _closed),
    path("bug/", _broken),
    path("fine/", _fine),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def anonymous(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("address", ["/page/", "/closed/"])
def test_a_page_gets_503_with_retry_after_and_a_russian_message(anonymous, address):
    response = anonymous.get(address, headers={"accept-language": "ru"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "Сервис временно недоступен" in text
    assert 'http-equiv="refresh"' in text  # a page read with GET comes back by itself


def test_a_form_sent_during_the_outage_is_not_reloaded_away(anonymous):
    response = anonymous.post("/page/", {"a": "1"}, headers={"accept-language": "ru"})
    assert response.status_code == 503
    text = response.content.decode()
    assert 'http-equiv="refresh"' not in text
    assert "вернитесь назад" in text


def test_the_api_gets_json(anonymous):
    response = anonymous.get("/api/thing/", headers={"accept-language": "ru"})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("Сервис временно недоступен")


def test_other_errors_stay_500_and_other_answers_pass(anonymous):
    assert anonymous.get("/bug/").status_code == 500
    assert anonymous.get("/fine/").content == b"ok"


def test_without_the_middleware_the_same_outage_is_a_500(anonymous, settings):
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "mcok.outage.DatabaseUnavailableMiddleware"
    ]
    assert anonymous.get("/page/").status_code == 500
