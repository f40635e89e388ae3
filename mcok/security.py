from django.conf import settings
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
