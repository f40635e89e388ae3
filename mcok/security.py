from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the login lockout.

    Without a proxy it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies that append to
    X-Forwarded-For, it is the address the outermost of them saw; anything further left was written
    by the client and is not believed.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, higher threshold for the address alone.

    A username is locked from an address after AXES_FAILURE_LIMIT failures (the lockout parameters
    are username and address together, so a success forgets only that username's failures). An
    address is locked for every username once AXES_ADDRESS_FAILURE_LIMIT failures over any usernames
    came from it within the cool-off: password spraying. Schools of a municipality often share one
    address, hence the second limit is much higher than the first.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        from_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        request.mcok_address_locked = from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT
        # Counted against AXES_FAILURE_LIMIT, which is lower: reaching the address limit locks.
        return max(failures, from_address) if request.mcok_address_locked else failures


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes records a failure under, cut to its 255-character column: a longer one
    names no account (ours hold 150) and would otherwise fail the insert with a server error."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return username[:255] if isinstance(username, str) else username
