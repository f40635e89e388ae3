"""The second factor: a TOTP application (django-otp) with ten one-time recovery codes, the step after
the password, an administrator's reset and unlock, and the sign-ins from a device not seen before.

Who must have one is decided by mcok.access.second_factor_required; the pages are in
mcok.account_views; every change to an account's security is an AccountEvent, which the audit
trail of the account's municipalities shows (mcok.audit).
"""

import base64
import hashlib
import hmac
import logging
from enum import Enum

import qrcode
import qrcode.image.svg
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mcok import access, site
from mcok.models import AccountEvent, KnownDevice
from mcok.security import client_ip

logger = logging.getLogger(__name__)

APP_DEVICE_NAME = "app"
RECOVERY_DEVICE_NAME = "recovery"
# In the session: the account had no second factor when it signed in (so the middleware need not ask).
SESSION_NO_DEVICE = "mcok_second_factor_none"


# ---- reading ------------------------------------------------------------------------------------


def app_device(user) -> TOTPDevice | None:
    """The account's confirmed TOTP application, if it has set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The key as the applications take it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth address as an SVG QR code in a data: address (the CSP allows data: images only)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def account_locked(user) -> bool:
    """Whether logging in as `user` is blocked now by wrong passwords (from some address)."""
    return AccessAttempt.objects.filter(
        username=user.get_username(),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).exists()


def _normal(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()[:32]


# ---- writing ------------------------------------------------------------------------------------


def account_event_record(*, user, kind: str, by=None, request: HttpRequest | None = None) -> AccountEvent:
    address = client_ip(request) if request is not None else None
    agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""
    return AccountEvent.objects.create(user=user, kind=kind, by=by, address=address, user_agent=agent)


@transaction.atomic
def app_device_pending(*, user) -> TOTPDevice:
    """The application being set up: a new secret until a code from it confirms it. One at a time."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def recovery_codes_issue(*, user, request: HttpRequest | None = None, renewed: bool = False) -> list[str]:
    """Ten new one-time recovery codes; the earlier ones stop working. Shown once: only their
    holder keeps them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _n in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    if renewed:
        account_event_record(
            user=user, kind=AccountEvent.Kind.RECOVERY_CODES_RENEWED, by=user, request=request
        )
    return codes


@transaction.atomic
def second_factor_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the application being set up with a code from it: the second factor is on, this
    session counts as having passed it, and the recovery codes to show once are returned. None when
    the code is wrong."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not device.verify_token(_normal(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_issue(user=user)
    otp_login(request, device)
    account_event_record(user=user, kind=AccountEvent.Kind.SECOND_FACTOR_ENABLED, by=user, request=request)
    return codes


class Verification(Enum):
    PASSED = "passed"
    WRONG = "wrong"
    THROTTLED = "throttled"


def second_factor_verify(*, request: HttpRequest, code: str, recovery: bool = False) -> Verification:
    """The step after the password: a code from the application, or one of the recovery codes (used
    up by this). Wrong codes slow further tries down (django-otp's throttling)."""
    user = request.user
    model = StaticDevice if recovery else TOTPDevice
    with transaction.atomic():
        devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
        if devices and not any(device.verify_is_allowed()[0] for device in devices):
            return Verification.THROTTLED
        passed = next((device for device in devices if device.verify_token(_normal(code))), None)
    if passed is None:
        return Verification.WRONG
    otp_login(request, passed)
    if recovery:
        account_event_record(user=user, kind=AccountEvent.Kind.RECOVERY_CODE_USED, by=user, request=request)
    return Verification.PASSED


def code_matches(*, user, code: str) -> bool:
    """Whether `code` is a current code of the account's application or one of its recovery codes
    (which it uses up): the API's token issue asks for one."""
    code = _normal(code)
    if not code:
        return False
    # Six digits are the application's, anything else a recovery code: a try counts against (and
    # may slow down) that one device only.
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user, confirmed=True)
        return any(device.verify_token(code) for device in devices)


@transaction.atomic
def second_factor_disable(*, user, by, request: HttpRequest | None = None, kind=None) -> None:
    """Remove the account's application and recovery codes; signing in takes the password alone
    again (and, where its role needs one, sets up a new second factor next)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    account_event_record(
        user=user, kind=kind or AccountEvent.Kind.SECOND_FACTOR_DISABLED, by=by, request=request
    )


def second_factor_reset(*, account, by, request: HttpRequest | None = None) -> None:
    """An administrator removes the second factor of an account whose owner lost the application
    and the codes; the owner sets up a new one at the next sign-in."""
    second_factor_disable(user=account, by=by, request=request, kind=AccountEvent.Kind.SECOND_FACTOR_RESET)


@transaction.atomic
def account_unlock(*, account, by, request: HttpRequest | None = None) -> int:
    """An administrator forgets the wrong passwords recorded for an account, from every address:
    it may log in again at once. Returns how many records were forgotten."""
    forgotten = axes_reset(username=account.get_username())
    account_event_record(user=account, kind=AccountEvent.Kind.UNLOCKED, by=by, request=request)
    return forgotten


# ---- sign-ins from a device not seen before -----------------------------------------------------


def device_fingerprint(user, request: HttpRequest) -> str:
    """A keyed hash of the account, the browser and the address: the pair itself is not stored."""
    message = "\n".join([str(user.pk), request.META.get("HTTP_USER_AGENT", ""), client_ip(request) or ""])
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def device_seen(*, user, request: HttpRequest) -> bool:
    """Remember the browser and address `user` signed in from; True when the pair is new. Every new
    pair, the first sign-in of the account included, is recorded and told to the account's address:
    a first sign-in made with a stolen password looks like the owner's own."""
    fingerprint = device_fingerprint(user, request)
    device, created = KnownDevice.objects.get_or_create(user=user, fingerprint=fingerprint)
    if not created:
        device.save(update_fields=["last_seen"])
        return False
    account_event_record(user=user, kind=AccountEvent.Kind.NEW_DEVICE, by=user, request=request)
    if user.email:
        _new_device_letter(user, request)
    return True


def _new_device_letter(user, request: HttpRequest) -> None:
    body = _(
        "Hello, %(name)s.\n\n"
        "Someone signed in to the МСОКО-портал as %(username)s from a device or network address "
        "not seen before:\n\nbrowser: %(agent)s\naddress: %(address)s\n\n"
        "If it was you, do nothing. If not, change your password at once and sign out on every "
        "device: %(url)s\n"
    ) % {
        "name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "agent": request.META.get("HTTP_USER_AGENT", "") or _("unknown"),
        "address": client_ip(request) or _("unknown"),
        "url": site.absolute(reverse("password_change"), request),
    }
    try:
        send_mail(_("Sign-in from a new device"), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception as error:  # the sign-in goes on: a mail server down is a warning in the log
        logger.warning("new device letter to %s not sent: %s", user.pk, error)


@receiver(user_logged_in, dispatch_uid="mcok.second_factor.on_sign_in")
def _on_sign_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    session = getattr(request, "session", None)
    if session is not None and not has_second_factor(user):
        session[SESSION_NO_DEVICE] = user.pk  # the middleware asks no more in this session
    # A sign-in made without a request from a network (a shell, the test client's force_login) has no
    # device to speak of.
    if "REMOTE_ADDR" in getattr(request, "META", {}):
        device_seen(user=user, request=request)


# ---- the step after the password ----------------------------------------------------------------

PUBLIC_TAB_PREFIX = "/open/"  # config.urls mounts the public tab (reports.open_urls) here


def _exempt_path(path: str) -> bool:
    open_paths = [
        reverse("logout"),
        reverse("mcok:second_factor_verify"),
        reverse("mcok:second_factor_setup"),
        reverse("api:token"),
        "/" + settings.STATIC_URL.lstrip("/"),
    ]
    return any(path.startswith(prefix) for prefix in open_paths)


class SecondFactorMiddleware:
    """After the password: an account with a second factor passes it before any other page; an
    account whose role needs one and has none sets it up first. Only logging out, the static files
    and the token API (which asks for the code itself) are open before that. An API call made with
    the session answers 403 instead of a page.

    Whether an account has a second factor is asked at the sign-in and kept in the session while it
    has none, so an ordinary page costs no query more.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PUBLIC_TAB_PREFIX):
            # The public tab is the same for everyone and cached as such: reading the user here would
            # touch the session and make every answer vary by the cookie.
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified() and not _exempt_path(request.path):
            target = self._target(request, user)
            if target is not None:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Sign in with the second factor on the portal's pages first.")},
                        status=403,
                    )
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _target(self, request: HttpRequest, user) -> str | None:
        if request.session.get(SESSION_NO_DEVICE) != user.pk:
            if has_second_factor(user):
                return "mcok:second_factor_verify"
            request.session[SESSION_NO_DEVICE] = user.pk
        if access.second_factor_required(user):
            return "mcok:second_factor_setup"
        return None
