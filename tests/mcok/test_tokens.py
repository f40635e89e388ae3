"""API tokens end: after their lifetime, with a password change, with «Выйти на всех устройствах»,
and each issue gives a new key (issue 18, item 3)."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mcok.models import User
from tests.factories import make_user

PASSWORD = "Верный-пароль-2025"
NOW = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def user(db) -> User:
    user = make_user("region", email="region@example.org")
    user.set_password(PASSWORD)
    user.save()
    return user


def issue(password: str = PASSWORD, username: str = "region"):
    return APIClient().post(reverse("api:token"), {"username": username, "password": password}, format="json")


def me(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api:me"))


def test_a_token_is_issued_with_its_expiry_and_works(user, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 12
    with time_machine.travel(NOW, tick=False):
        response = issue()
        assert response.status_code == 200
        assert datetime.datetime.fromisoformat(response.json()["expires"]) == NOW + datetime.timedelta(
            hours=12
        )
        assert me(response.data["token"]).status_code == 200


def test_a_wrong_password_gets_no_token(user):
    response = issue(password="неверный")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_token_expires_after_its_lifetime_with_a_russian_401(user, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 12
    with time_machine.travel(NOW, tick=False):
        key = issue().data["token"]
    with time_machine.travel(NOW + datetime.timedelta(hours=11, minutes=59), tick=False):
        assert me(key).status_code == 200
    with time_machine.travel(NOW + datetime.timedelta(hours=12), tick=False):
        response = me(key)
    assert response.status_code == 401
    assert "Срок действия токена истёк" in response.data["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_the_lifetime_comes_from_the_setting(user, settings):
    settings.API_TOKEN_LIFETIME_HOURS = 1
    with time_machine.travel(NOW, tick=False):
        key = issue().data["token"]
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        assert me(key).status_code == 401


def test_an_expired_token_in_the_header_does_not_stop_asking_for_a_new_one(user, settings):
    with time_machine.travel(NOW, tick=False):
        old = issue().data["token"]
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
        response = client.post(
            reverse("api:token"), {"username": "region", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200
        assert me(response.data["token"]).status_code == 200


def test_each_issue_gives_a_new_key_and_revokes_the_old(user):
    first = issue().data["token"]
    second = issue().data["token"]

    assert first != second
    response = me(first)
    assert response.status_code == 401
    assert "Токен недействителен" in response.data["detail"]
    assert me(second).status_code == 200
    assert list(Token.objects.values_list("key", flat=True)) == [second]


def test_a_password_change_on_the_page_revokes_the_token(user):
    key = issue().data["token"]
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Новый-пароль-2026",
            "new_password2": "Новый-пароль-2026",
        },
    )
    assert response.status_code == 302

    response = me(key)
    assert response.status_code == 401
    assert "Токен недействителен" in response.data["detail"]


def test_a_password_set_anywhere_else_revokes_the_token(user):
    key = issue().data["token"]
    user.refresh_from_db()
    user.set_password("Новый-пароль-2026")  # the admin, a reset letter, `changepassword`
    user.save()
    assert me(key).status_code == 401


def test_saving_the_account_without_a_new_password_keeps_the_token(user):
    key = issue().data["token"]
    user.refresh_from_db()
    user.first_name = "Регион"
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert me(key).status_code == 200


def test_sign_out_everywhere_ends_every_session_and_the_token(user):
    key = issue().data["token"]
    office, home = Client(), Client()
    for client in (office, home):
        assert client.post(reverse("login"), {"username": "region", "password": PASSWORD}).status_code == 302
    other = make_user("neighbour")
    neighbour = Client()
    neighbour.force_login(other)
    assert Session.objects.count() == 3

    page = office.get(reverse("password_change")).content.decode()
    assert "Выйти на всех устройствах" in page
    response = office.post(reverse("mcok:sign_out_everywhere"), follow=True)

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "Вы вышли на всех устройствах" in response.content.decode()
    for client in (office, home):
        assert client.get(reverse("mcok:home")).url.startswith(reverse("login"))
    assert neighbour.get(reverse("mcok:home")).status_code == 200  # another account's session stays
    assert me(key).status_code == 401


def test_sign_out_everywhere_is_post_only_and_needs_a_login(user):
    client = Client()
    response = client.post(reverse("mcok:sign_out_everywhere"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(user)
    assert client.get(reverse("mcok:sign_out_everywhere")).status_code == 405
