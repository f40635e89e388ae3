"""API tokens that end: a lifetime, a new key at each issue, revoked with the password.

DRF's `Token` (one per account) stays the store, so a regional system keeps sending
`Authorization: Token <key>`; this module adds what it lacked. A token older than
API_TOKEN_LIFETIME_HOURS is refused; asking for a token again deletes the old key; a password
change deletes the account's token, whichever way the password was changed (the page, the reset
letter, the admin, a service, `changepassword`), hence a signal rather than a call in each path.
"""

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


@transaction.atomic
def api_token_issue(*, user) -> Token:
    """A fresh token for `user`; the one issued before, if any, stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def user_sign_out_everywhere(*, user) -> int:
    """End every session of `user` (the current one too) and revoke the API token; returns how many
    sessions were ended.

    Works with the session engines that keep sessions in the database (`db`, `cached_db`, the
    default): each live session is read to find its account, as Django stores no index by user.
    """
    Token.objects.filter(user=user).delete()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in store.get_model_class().objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()  # through the store: cached_db forgets it too
            ended += 1
    return ended


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + token_lifetime()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication that refuses a token past its lifetime, in Russian, with 401."""

    def authenticate_credentials(self, key: str):
        try:
            token = Token.objects.select_related("user").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed(
                _(
                    "The token is not valid: it was revoked or replaced. "
                    "Ask for a new one with your username and password."
                )
            ) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("The account is disabled."))
        if timezone.now() >= token_expires_at(token):
            token.delete()
            raise AuthenticationFailed(
                _("The token has expired. Ask for a new one with your username and password.")
            )
        return token.user, token


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="mcok.tokens.revoke_on_password_change")
def tokens_revoke_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return  # a new account has no token; `last_login` updates leave the password alone
    stored = get_user_model().objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
