"""Password spraying locks the address; a school's shared address with a few failures does not
(issue 18, item 4). The per-(username, address) lockout is tested in test_auth.py."""

import pytest
from django.test import Client
from django.urls import reverse

from mcok.models import User
from tests.factories import make_user

PASSWORD = "Верный-пароль-2025"
SPRAYER = "203.0.113.66"
SCHOOL = "10.0.0.1"  # every teacher of the school signs in from it


@pytest.fixture
def accounts(db) -> list[User]:
    users = [make_user(f"teacher{n:02}") for n in range(60)]
    for user in users:
        user.set_password(PASSWORD)
    User.objects.bulk_update(users, ["password"])
    return users


def log_in(client, username: str, password: str, address: str, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_spraying_sixty_usernames_from_one_address_locks_the_address(accounts, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    client = Client()
    statuses = [log_in(client, user.username, "лето2025", SPRAYER).status_code for user in accounts]

    assert statuses[:49] == [200] * 49  # each username failed once: far below its own limit of 5
    assert set(statuses[49:]) == {429}  # the fiftieth failure from the address locks it
    # Now even a right password for an account never tried from there is refused, in Russian.
    response = log_in(client, make_user("fresh").username, "pw", SPRAYER)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Слишком много попыток" in body
    assert "с вашего сетевого адреса" in body.lower()
    assert "заблокирован на 15 минут" in body
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert log_in(Client(), "teacher00", PASSWORD, SCHOOL).status_code == 302


def test_the_address_lock_reads_the_address_behind_the_trusted_proxy(accounts, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    settings.TRUSTED_PROXY_COUNT = 1
    for user in accounts[:50]:  # all through one nginx, as in docker-compose
        log_in(Client(), user.username, "лето2025", "172.18.0.2", HTTP_X_FORWARDED_FOR=SPRAYER)

    locked = log_in(Client(), "teacher55", PASSWORD, "172.18.0.2", HTTP_X_FORWARDED_FOR=SPRAYER)
    school = log_in(Client(), "teacher55", PASSWORD, "172.18.0.2", HTTP_X_FORWARDED_FOR=SCHOOL)

    assert locked.status_code == 429
    assert school.status_code == 302


def test_a_school_with_a_few_failures_on_its_shared_address_locks_no_one_else(accounts, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    # Ten teachers mistype their passwords twice each, and one forgets it and is locked (5 failures).
    for user in accounts[:10]:
        for _ in range(2):
            assert log_in(Client(), user.username, "опечатка", SCHOOL).status_code == 200
    for _ in range(5):
        log_in(Client(), "teacher59", "забыла", SCHOOL)
    assert log_in(Client(), "teacher59", PASSWORD, SCHOOL).status_code == 429  # her own lockout

    # 25 failures from the address: everyone else still signs in, the ten who mistyped too.
    for user in accounts[:20]:
        client = Client()
        assert log_in(client, user.username, PASSWORD, SCHOOL).status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_a_success_does_not_wipe_the_address_count(accounts, settings):
    """A sprayer with an account of their own cannot reset the address counter by signing in."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    for user in accounts[1:50]:
        log_in(Client(), user.username, "лето2025", SPRAYER)
    assert log_in(Client(), "teacher00", PASSWORD, SPRAYER).status_code == 302

    assert log_in(Client(), "teacher55", "лето2025", SPRAYER).status_code == 429


def test_the_api_token_endpoint_is_locked_for_the_address_too(accounts, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    for user in accounts[:50]:
        Client().post(reverse("api:token"), {"username": user.username, "password": "x"}, REMOTE_ADDR=SPRAYER)

    response = Client().post(
        reverse("api:token"), {"username": "teacher55", "password": PASSWORD}, REMOTE_ADDR=SPRAYER
    )

    assert response.status_code == 429
    assert response.json() == {
        "detail": "Слишком много неверных паролей: получение токена заблокировано на 15 минут."
    }
