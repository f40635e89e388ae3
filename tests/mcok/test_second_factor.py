"""The second factor: TOTP with recovery codes, required of the roles that keep accounts, approve and
publish where the instance asks it; the administrator's reset and unlock; sign-ins from new devices.
Every change is an entry of the audit trail."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from mcok import audit, second_factor
from mcok.models import AccountEvent, KnownDevice, Role, User
from tests.factories import make_user_with_role

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


def code_for(device: TOTPDevice, *, shift: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp() + shift * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    near = {code_for(device, shift=shift) for shift in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(1000000)) if code not in near)


def unthrottle(device: TOTPDevice) -> None:
    """A wrong code makes the device wait before the next try (django-otp's throttling): the test
    does not wait."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0)


def sign_in(user: User, *, agent: str = BROWSER, address: str = "127.0.0.1") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": user.username, "password": "pw"})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def enable(user: User) -> tuple[TOTPDevice, list[str]]:
    """A confirmed application and ten recovery codes, as the set-up page leaves them."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device, second_factor.recovery_codes_issue(user=user)


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True


# ---- who is sent to set it up ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["administrator", "coordinator", "operator", "chief"])
def test_a_required_role_without_a_device_is_sent_to_set_it_up_before_any_page(world, required, role):
    client = sign_in(getattr(world, role))
    for url in (reverse("mcok:home"), reverse("mcok:organizations"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("mcok:second_factor_setup")), url
    # The API with the session answers 403 in Russian rather than a page.
    response = client.get(reverse("api:me"))
    assert response.status_code == 403
    assert "вторым фактором" in response.json()["detail"]
    # Logging out stays open.
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_site_is_behind_the_second_factor_too(world, required):
    world.administrator.is_staff = True
    world.administrator.save()
    client = sign_in(world.administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mcok:second_factor_setup"))


@pytest.mark.parametrize("role", ["executor", "expert", "respondent", "head"])
def test_an_optional_role_is_not_forced(world, required, role):
    client = sign_in(getattr(world, role))
    assert client.get(reverse("mcok:home")).status_code == 200


def test_with_the_setting_off_nobody_is_forced(world, settings):
    settings.OTP_REQUIRED = False
    for user in (world.administrator, world.coordinator, world.operator, world.chief):
        assert sign_in(user).get(reverse("mcok:home")).status_code == 200


def test_the_demo_accounts_are_never_forced(world, required):
    world.coordinator.second_factor_exempt = True
    world.coordinator.save()
    assert sign_in(world.coordinator).get(reverse("mcok:home")).status_code == 200


def test_the_demo_marks_its_accounts_exempt(db):
    from mcok import demo

    demo._demo_user("demo-coordinator", {})
    assert User.objects.get(username="demo-coordinator").second_factor_exempt


# ---- set-up, the step after the password, recovery codes --------------------------------------------


def test_setting_up_shows_the_qr_and_the_key_and_takes_a_right_code_only(world, required):
    client = sign_in(world.coordinator)
    response = client.get(reverse("mcok:second_factor_setup"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=world.coordinator, confirmed=False)
    assert second_factor.secret_text(device) in body
    assert "<script>" not in body and 'style="' not in body

    response = client.post(reverse("mcok:second_factor_setup"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "Код неверен" in response.content.decode()
    assert not second_factor.has_second_factor(world.coordinator)

    unthrottle(device)
    response = client.post(reverse("mcok:second_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert len(response.context["codes"]) == 10
    assert "Коды восстановления" in response.content.decode()
    assert second_factor.has_second_factor(world.coordinator)
    assert StaticToken.objects.filter(device__user=world.coordinator).count() == 10
    # This session has passed the second factor: the pages open.
    assert client.get(reverse("mcok:home")).status_code == 200
    assert AccountEvent.objects.filter(
        user=world.coordinator, kind=AccountEvent.Kind.SECOND_FACTOR_ENABLED
    ).exists()


def test_the_password_alone_cannot_set_up_a_second_application(world, required):
    enable(world.coordinator)
    client = sign_in(world.coordinator)
    response = client.get(reverse("mcok:second_factor_setup"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mcok:second_factor_verify"))


def test_a_wrong_code_is_refused_and_the_right_one_passes(world):
    # Optional for an executor, but once set up it is asked at every sign-in.
    device, _codes = enable(world.executor)
    client = sign_in(world.executor)
    response = client.get(reverse("mcok:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mcok:second_factor_verify"))

    verify = reverse("mcok:second_factor_verify") + "?next=" + reverse("mcok:organizations")
    response = client.post(verify, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "Код неверен" in response.content.decode()
    assert client.get(reverse("mcok:home")).status_code == 302
    # Right at once after a wrong one, the code waits its turn (django-otp's throttling).
    response = client.post(verify, {"code": code_for(device)})
    assert "Слишком много неверных кодов" in response.content.decode()

    unthrottle(device)
    response = client.post(verify, {"code": code_for(device)})
    assert response.status_code == 302
    assert response.url == reverse("mcok:organizations")
    assert client.get(reverse("mcok:home")).status_code == 200


def test_the_next_address_stays_on_the_portal(world):
    device, _codes = enable(world.executor)
    client = sign_in(world.executor)
    response = client.post(
        reverse("mcok:second_factor_verify") + "?next=https://evil.example/", {"code": code_for(device)}
    )
    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.parametrize("target", ["²", "-1", "mcok:home", "//evil.example/", "/x\x00y", "я" * 3000])
def test_a_strange_next_address_leads_home(world, target):
    client = Client()
    client.force_login(world.executor)
    response = client.get(reverse("mcok:second_factor_verify"), {"next": target})
    assert response.status_code == 302
    assert response.url == "/"


def test_a_recovery_code_works_once(world, required):
    _device, codes = enable(world.coordinator)
    client = sign_in(world.coordinator)
    verify = reverse("mcok:second_factor_verify")
    assert "Использовать код восстановления" in client.get(verify).content.decode()
    response = client.post(
        verify + "?recovery=1", {"code": codes[0].upper()[:4] + "-" + codes[0][4:], "recovery": "1"}
    )
    assert response.status_code == 302
    assert client.get(reverse("mcok:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=world.coordinator).count() == 9
    assert (
        AccountEvent.objects.filter(user=world.coordinator, kind=AccountEvent.Kind.RECOVERY_CODE_USED).count()
        == 1
    )

    again = sign_in(world.coordinator)
    response = again.post(verify, {"code": codes[0], "recovery": "1"})
    assert response.status_code == 200
    assert "Код восстановления неверен или уже использован" in response.content.decode()
    assert again.get(reverse("mcok:home")).status_code == 302


def test_a_recovery_code_is_not_taken_as_the_application_code(world):
    _device, codes = enable(world.executor)
    client = sign_in(world.executor)
    response = client.post(reverse("mcok:second_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=world.executor).count() == 10


def test_new_recovery_codes_replace_the_old_ones(world):
    device, codes = enable(world.executor)
    client = sign_in(world.executor)
    client.post(reverse("mcok:second_factor_verify"), {"code": code_for(device)})
    page = client.get(reverse("mcok:second_factor")).content.decode()
    assert "Осталось 10 кодов восстановления" in page
    response = client.post(reverse("mcok:second_factor_codes"))
    assert response.status_code == 200
    new = {code.replace("-", "") for code in response.context["codes"]}
    assert len(new) == 10 and not new & set(codes)
    assert set(StaticToken.objects.filter(device__user=world.executor).values_list("token", flat=True)) == new


def test_an_optional_role_switches_it_off_with_a_code_and_a_required_one_cannot(world, required):
    device, _codes = enable(world.executor)
    client = sign_in(world.executor)
    client.post(reverse("mcok:second_factor_verify"), {"code": code_for(device)})
    client.post(reverse("mcok:second_factor_disable"), {"code": wrong_code(device)})
    assert second_factor.has_second_factor(world.executor)
    unthrottle(device)
    client.post(reverse("mcok:second_factor_disable"), {"code": code_for(device, shift=1)})
    assert not second_factor.has_second_factor(world.executor)
    assert AccountEvent.objects.filter(
        user=world.executor, kind=AccountEvent.Kind.SECOND_FACTOR_DISABLED
    ).exists()

    device, _codes = enable(world.coordinator)
    client = sign_in(world.coordinator)
    client.post(reverse("mcok:second_factor_verify"), {"code": code_for(device)})
    response = client.post(
        reverse("mcok:second_factor_disable"), {"code": code_for(device, shift=1)}, follow=True
    )
    assert "нельзя отключить" in response.content.decode()
    assert second_factor.has_second_factor(world.coordinator)


# ---- the API's token ------------------------------------------------------------------------------


def token(user: User, **extra):
    return APIClient().post(
        reverse("api:token"), {"username": user.username, "password": "pw", **extra}, format="json"
    )


def test_the_token_needs_the_code_for_an_account_that_must_have_a_second_factor(world, required):
    response = token(world.coordinator)
    assert response.status_code == 400
    assert "настройте его" in response.json()["otp"][0]

    device, codes = enable(world.coordinator)
    response = token(world.coordinator)
    assert response.status_code == 400
    assert "«otp»" in response.json()["otp"][0]
    assert token(world.coordinator, otp=wrong_code(device)).status_code == 400
    unthrottle(device)
    response = token(world.coordinator, otp=code_for(device))
    assert response.status_code == 200, response.content
    assert response.json()["token"]
    # A recovery code serves once here too.
    assert token(world.coordinator, otp=codes[0]).status_code == 200
    assert token(world.coordinator, otp=codes[0]).status_code == 400


def test_the_token_of_an_optional_role_without_a_device_takes_the_password(world, required):
    assert token(world.executor).status_code == 200


# ---- the administrator's reset and unlock ---------------------------------------------------------


@pytest.fixture
def administrator(world) -> User:
    world.administrator.is_staff = True
    world.administrator.save()
    return world.administrator


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_administrator_resets_a_second_factor_and_it_is_audited(world, administrator):
    enable(world.coordinator)
    client = admin_client(administrator)
    page = client.get(reverse("admin:mcok_user_change", args=[world.coordinator.pk])).content.decode()
    assert "Сбросить второй фактор" in page
    url = reverse("admin:mcok_user_second_factor_reset", args=[world.coordinator.pk])
    assert client.get(url).status_code == 200  # the question first
    assert second_factor.has_second_factor(world.coordinator)
    response = client.post(url)
    assert response.status_code == 302
    assert not second_factor.has_second_factor(world.coordinator)
    assert not StaticToken.objects.filter(device__user=world.coordinator).exists()
    event = AccountEvent.objects.get(user=world.coordinator, kind=AccountEvent.Kind.SECOND_FACTOR_RESET)
    assert event.by == administrator
    trail = list(audit.audit_trail(world.municipality, kind="accounts")[0:10])
    assert [(e.subject, e.by) for e in trail] == [(world.coordinator.username, administrator)]
    assert "Второй фактор сброшен администратором" in trail[0].action
    # And the audit page shows it to the head of the department.
    chief = Client()
    chief.force_login(world.chief)
    body = chief.get(
        reverse("mcok:audit") + f"?municipality={world.municipality.slug}&kind=accounts"
    ).content.decode()
    assert world.coordinator.username in body


def test_the_administrator_unlocks_an_account_and_it_is_audited(world, administrator, settings):
    AccessAttempt.objects.create(
        username=world.coordinator.username,
        ip_address="10.0.0.9",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    assert second_factor.account_locked(world.coordinator)
    client = admin_client(administrator)
    page = client.get(reverse("admin:mcok_user_change", args=[world.coordinator.pk])).content.decode()
    assert "заблокирована сейчас" in page
    response = client.post(reverse("admin:mcok_user_unlock", args=[world.coordinator.pk]))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=world.coordinator.username).exists()
    assert not second_factor.account_locked(world.coordinator)
    event = AccountEvent.objects.get(user=world.coordinator, kind=AccountEvent.Kind.UNLOCKED)
    assert event.by == administrator
    assert sign_in(world.coordinator).get(reverse("mcok:home")).status_code == 200


def test_reset_and_unlock_stay_in_the_administrators_municipality(world, administrator):
    # An account with roles in two municipalities is the instance administrator's alone, and an
    # account of the other municipality is not this administrator's at all: 404 alike, nothing done.
    shared = make_user_with_role(Role.Kind.COORDINATOR, municipality=world.municipality)
    Role.objects.create(user=shared, kind=Role.Kind.COORDINATOR, municipality=world.elsewhere)
    for account in (shared, world.outsider):
        enable(account)
        client = admin_client(administrator)
        for name in ("admin:mcok_user_second_factor_reset", "admin:mcok_user_unlock"):
            url = reverse(name, args=[account.pk])
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404
        assert second_factor.has_second_factor(account)
    assert not AccountEvent.objects.filter(
        kind__in=[AccountEvent.Kind.SECOND_FACTOR_RESET, AccountEvent.Kind.UNLOCKED]
    ).exists()
    # A coordinator is no administrator.
    world.coordinator.is_staff = True
    world.coordinator.save()
    url = reverse("admin:mcok_user_second_factor_reset", args=[world.executor.pk])
    assert admin_client(world.coordinator).post(url).status_code in (302, 403, 404)
    # The instance administrator resets the shared account.
    root = User.objects.create_superuser("root", "root@example.org", "pw")
    response = admin_client(root).post(reverse("admin:mcok_user_second_factor_reset", args=[shared.pk]))
    assert response.status_code == 302
    assert not second_factor.has_second_factor(shared)


def test_after_a_reset_a_required_role_sets_up_anew(world, required, administrator):
    device, _codes = enable(world.coordinator)
    client = sign_in(world.coordinator)
    client.post(reverse("mcok:second_factor_verify"), {"code": code_for(device)})
    assert client.get(reverse("mcok:home")).status_code == 200
    second_factor.second_factor_reset(account=world.coordinator, by=administrator)
    response = client.get(reverse("mcok:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mcok:second_factor_setup"))


# ---- sign-ins from a new device ---------------------------------------------------------------------


def test_a_sign_in_from_a_new_device_is_audited_and_told_by_mail(world):
    user = world.executor
    user.email = "executor@example.org"
    user.save()
    sign_in(user)
    events = AccountEvent.objects.filter(user=user, kind=AccountEvent.Kind.NEW_DEVICE)
    assert events.count() == 1  # the first sign-in is a new device too
    assert len(mail.outbox) == 1
    sign_in(user)
    assert events.count() == 1
    assert KnownDevice.objects.filter(user=user).count() == 1
    assert len(mail.outbox) == 1  # a known device: no letter
    sign_in(user, agent="Chromium/131", address="203.0.113.7")
    assert events.count() == 2
    newest = events.first()
    assert (newest.address, newest.user_agent) == ("203.0.113.7", "Chromium/131")
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["executor@example.org"]
    assert "203.0.113.7" in mail.outbox[1].body and "Chromium/131" in mail.outbox[1].body
    # Only a keyed hash of the pair is kept.
    assert not KnownDevice.objects.filter(fingerprint__contains="203.0.113.7").exists()
    trail = list(audit.audit_trail(world.municipality, kind="accounts")[0:10])
    assert [event.action for event in trail] == ["Вход с нового устройства"] * 2


def test_the_first_sign_in_of_an_account_is_told_by_mail_like_any_new_device(world):
    """Nobody can tell a first sign-in made with a stolen password from the owner's: the letter goes
    for the first device as for every later one."""
    user = world.coordinator
    user.email = "coordinator@example.org"
    user.save()
    assert not KnownDevice.objects.filter(user=user).exists()
    sign_in(user, agent="Firefox/133", address="198.51.100.4")
    assert [letter.to for letter in mail.outbox] == [["coordinator@example.org"]]
    assert "198.51.100.4" in mail.outbox[0].body and "Firefox/133" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Вход с нового устройства"


def test_the_instance_administrator_reads_every_account_event_in_the_admin(world, administrator):
    second_factor.second_factor_reset(account=world.outsider, by=administrator)
    root = User.objects.create_superuser("root", "root@example.org", "pw")
    url = reverse("admin:mcok_accountevent_changelist")
    response = admin_client(root).get(url)
    assert response.status_code == 200
    assert world.outsider.username in response.content.decode()
    # A municipality's administrator reads its own accounts' events in the audit trail instead.
    assert admin_client(administrator).get(url).status_code == 403
