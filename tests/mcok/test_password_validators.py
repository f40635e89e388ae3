"""Passwords people set are checked (issue 18, item 2: «`demo1234` is accepted as a password»): at
least ten characters, not a common password, not like the account's name, not digits only — on the
password change page, the password reset page and the admin, in Russian. The demo's accounts keep
«demo»: load_demo stores its hash past the validators (tests/mcok/test_demo.py signs in with it)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mcok import demo
from mcok.models import User

OLD = "Старый-пароль-2026"
REFUSED = {
    "demo1234": "Введённый пароль слишком короткий. Он должен состоять из как минимум 10 символов.",
    "qwertyuiop": "Введённый пароль слишком широко распространён.",
    "2026202620": "Введённый пароль состоит только из цифр.",
    "ivanova.maria1": "Введённый пароль слишком похож на имя пользователя.",
}
ACCEPTED = "Новый-пароль-2026"


@pytest.fixture
def person(db):
    return User.objects.create_user(username="ivanova.maria", password=OLD, email="ivanova@school.example")


@pytest.mark.parametrize("password", list(REFUSED))
def test_the_password_change_page_refuses_a_weak_password_in_russian(client, person, password):
    client.force_login(person)
    data = {"old_password": OLD, "new_password1": password, "new_password2": password}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert REFUSED[password] in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(OLD)


def test_the_password_change_page_accepts_a_strong_password(client, person):
    client.force_login(person)
    data = {"old_password": OLD, "new_password1": ACCEPTED, "new_password2": ACCEPTED}
    assert client.post(reverse("password_change"), data).status_code == 302
    person.refresh_from_db()
    assert person.check_password(ACCEPTED)


def test_the_password_reset_page_refuses_demo1234(client, person):
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    opened = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert opened.status_code == 200
    response = client.post(
        opened.redirect_chain[-1][0], {"new_password1": "demo1234", "new_password2": "demo1234"}
    )
    assert response.status_code == 200
    assert REFUSED["demo1234"] in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(OLD)


def test_the_admin_refuses_demo1234_for_an_account(client, person):
    boss = User.objects.create_superuser(username="boss", password=OLD)
    client.force_login(boss)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "demo1234", "password2": "demo1234", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert REFUSED["demo1234"] in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(OLD)


def test_the_demo_password_would_be_refused_and_is_set_past_the_validators(db):
    with pytest.raises(ValidationError):
        validate_password(demo.DEMO_PASSWORD)
    account = User(username="ishimbay-coordinator")
    account.password = demo._demo_password_hash()
    assert account.check_password(demo.DEMO_PASSWORD)
