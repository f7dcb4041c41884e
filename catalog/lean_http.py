"""What the site's lean ASGI paths (song streams, the store's webhook) share: reading a scope's
headers and Host as Django would, the headers the site's middleware adds to an answer, and
sending a small answer whole.

A lean path answers the requests it is made for without Django's request handling (request
signals, a thread started per request, the middleware chain); everything else goes to the
whole application, so the answers stay the site's.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware


class Probe(HttpRequest):
    """A request that is only secure or not: all the middleware's response hooks ask of it."""

    def __init__(self, secure: bool):
        super().__init__()
        self.secure = secure

    def is_secure(self) -> bool:
        return self.secure


def no_view(request):
    raise AssertionError("the lean path calls the middleware's hooks, never the chain")


def headers_of(scope) -> dict[bytes, bytes]:
    """Return the request's headers by lower-case name, repeated ones joined as Django does."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        name = name.lower()
        headers[name] = headers[name] + b"," + value if name in headers else value
    return headers


def allowed_host(host: bytes | None) -> bool:
    """Whether Django would accept this Host (X-Forwarded-Host is left to the site)."""
    if host is None or settings.USE_X_FORWARDED_HOST:
        return False
    domain, _ = split_domain_port(host.decode("latin-1"))
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def is_secure(scope, headers: dict[bytes, bytes]) -> bool:
    """Whether Django would call the request secure (SECURE_PROXY_SSL_HEADER, else the scheme)."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        value = headers.get(name)
        if value is not None:
            return value.split(b",", 1)[0].strip().decode("latin-1") == secure_value
    return scope.get("scheme") == "https"


def encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def middleware_headers(secure: bool, response: HttpResponse | None = None) -> dict[str, str]:
    """Return the headers of `response` (an empty one by default) once the site's security,
    framing and content-security middleware have seen it, for a secure request or not."""
    probe = Probe(secure)
    if response is None:
        response = HttpResponse()
        del response["Content-Type"]
    for middleware in (
        SecurityMiddleware,
        XFrameOptionsMiddleware,
        ContentSecurityPolicyMiddleware,
    ):
        response = middleware(no_view).process_response(probe, response)
    return dict(response.items())


async def send_whole(send, response: HttpResponse, extra: list[tuple[bytes, bytes]]) -> None:
    """Send a small Django response (a redirect, a hand-off) as it is, plus `extra` headers."""
    fields = encoded(dict(response.items()))
    names = {name.lower() for name, _ in fields}
    fields += [(name, value) for name, value in extra if name.lower() not in names]
    await send({"type": "http.response.start", "status": response.status_code, "headers": fields})
    await send({"type": "http.response.body", "body": response.content})
