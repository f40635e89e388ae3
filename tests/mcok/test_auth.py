import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from mcok.models import User
from tests.factories import make_user

PASSWORD = "Верный-пароль-2025"
SCHOOL_ADDRESS = "10.0.0.1"  # the schools of a municipality often share one


@pytest.fixture
def user(db) -> User:
    user = make_user("petrova", email="petrova@school.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username: str, password: str, address: str = SCHOOL_ADDRESS):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# Logging in


def test_login_with_the_right_password_goes_to_my_work(client, user):
    response = log_in(client, "petrova", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("mcok:home") == "/home/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_follows_next(client, user):
    response = client.post(
        reverse("login"),
        {"username": "petrova", "password": PASSWORD, "next": reverse("mcok:organizations")},
        REMOTE_ADDR=SCHOOL_ADDRESS,
    )
    assert response.status_code == 302
    assert response.url == reverse("mcok:organizations")


def test_login_with_a_wrong_password_says_so_in_russian(client, user):
    response = log_in(client, "petrova", "неверный")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in body
    assert not is_signed_in(client)


def test_signed_in_user_opening_login_goes_to_my_work(client, user):
    client.force_login(user)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("mcok:home")


# django-axes: lockout by username and address together


def test_five_wrong_passwords_lock_the_username_out(client, user):
    for _ in range(4):
        response = log_in(client, "petrova", "неверный")
        assert response.status_code == 200
    response = log_in(client, "petrova", "неверный")  # the fifth failure locks
    assert response.status_code == 429

    response = log_in(client, "petrova", PASSWORD)  # even the right password now
    assert response.status_code == 429
    body = response.content.decode()
    assert "Слишком много попыток" in body
    assert "вход заблокирован на 15 минут" in body
    assert reverse("password_reset") in body
    assert not is_signed_in(client)
    attempt = AccessAttempt.objects.get(username="petrova")
    assert attempt.ip_address == SCHOOL_ADDRESS
    assert attempt.failures_since_start == 6  # the attempt refused while locked counts too


def test_lockout_spares_another_username_from_the_same_address(client, user):
    neighbour = make_user("sidorov")
    neighbour.set_password(PASSWORD)
    neighbour.save()
    for _ in range(5):
        log_in(client, "petrova", "неверный")
    assert log_in(client, "petrova", PASSWORD).status_code == 429

    response = log_in(client, "sidorov", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(neighbour.pk)


def test_lockout_spares_the_same_username_from_another_address(client, user):
    for _ in range(5):
        log_in(client, "petrova", "неверный")
    assert log_in(client, "petrova", PASSWORD, address="10.0.0.2").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_success_forgets_earlier_failures(client, user):
    for _ in range(4):
        log_in(client, "petrova", "неверный")
    assert log_in(client, "petrova", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert log_in(client, "petrova", "неверный").status_code == 200
    assert log_in(client, "petrova", PASSWORD).status_code == 302


# Password reset


def reset_link(message) -> str:
    (link,) = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)
    return link


def test_password_reset_sends_one_russian_letter_with_a_link(client, user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "petrova@school.example"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["petrova@school.example"]
    assert message.subject == "МСОКО-портал: восстановление пароля"
    assert (
        "Поступил запрос на восстановление пароля учётной записи «petrova» в МСОКО-портале." in message.body
    )
    assert "Чтобы установить новый пароль, откройте ссылку:" in message.body
    assert reset_link(message).startswith("/accounts/reset/")


def test_reset_link_sets_a_new_password_once(client, user, mailoutbox):
    client.post(reverse("password_reset"), {"email": "petrova@school.example"})
    link = reset_link(mailoutbox[0])

    response = client.get(link)  # Django moves the token into the session and redirects
    assert response.status_code == 302
    form_url = response.url
    assert "Новый пароль" in client.get(form_url).content.decode()
    response = client.post(
        form_url, {"new_password1": "Новый-пароль-2026", "new_password2": "Новый-пароль-2026"}
    )

    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Новый-пароль-2026")
    assert log_in(client, "petrova", "Новый-пароль-2026").status_code == 302
    client.post(reverse("logout"))
    body = client.get(link, follow=True).content.decode()
    assert "Ссылка недействительна или уже использована" in body


def test_password_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(client, user, mailoutbox):
    known = client.post(reverse("password_reset"), {"email": "petrova@school.example"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@school.example"}, follow=True)

    assert len(mailoutbox) == 1
    assert unknown.redirect_chain == known.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert unknown.content == known.content
    assert "Проверьте почту" in unknown.content.decode()


# Password change


def test_password_change_requires_login(client, user):
    for name in ["password_change", "password_change_done"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_password_change_checks_the_old_password_and_sets_the_new(client, user):
    client.force_login(user)
    url = reverse("password_change")

    response = client.post(
        url,
        {
            "old_password": "неверный",
            "new_password1": "Новый-пароль-2026",
            "new_password2": "Новый-пароль-2026",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Новый-пароль-2026",
            "new_password2": "Новый-пароль-2026",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Новый-пароль-2026")
    assert is_signed_in(client)  # the session survives its own password change
    assert "Ваш пароль изменён." in client.get(response.url).content.decode()


# Logging out


def test_logout_is_post_only(client, user):
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    assert is_signed_in(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not is_signed_in(client)
    assert client.get(reverse("mcok:home")).url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.5"),  # no proxy: the header is the client's word, not believed
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (1, "", "10.0.0.5"),
    ],
)
def test_lockout_counts_by_the_address_the_trusted_proxy_saw(rf, settings, proxies, forwarded, expected):
    from mcok.security import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
