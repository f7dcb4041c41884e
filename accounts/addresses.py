"""Where a request comes from: the one place the project reads a client's address.

X-Forwarded-For is read only when DJANGO_NUM_PROXIES says how many proxies in front of the
server append to it (DRF's NUM_PROXIES, which its throttles read too); otherwise anyone could
claim any address by sending the header.
"""

from rest_framework.settings import api_settings


def address_of(remote_addr: str | None, forwarded_for: str | None) -> str:
    """Return the client's address: the hop the last trusted proxy saw, else the peer's."""
    proxies = api_settings.NUM_PROXIES or 0
    if proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",")]
        return hops[-min(proxies, len(hops))]
    return remote_addr or ""


def client_address(request) -> str:
    """Return the address of the client that sent a Django request."""
    return address_of(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))


def scope_address(scope: dict) -> str:
    """Return the address of the client of an ASGI connection (a websocket's scope)."""
    client = scope.get("client") or ("", 0)
    forwarded = dict(scope.get("headers") or []).get(b"x-forwarded-for", b"")
    return address_of(client[0], forwarded.decode("latin-1") or None)
