"""One sign-in limiter for every door: the token endpoint, the login forms and Subsonic.

Failures are counted in the cache (Redis in production, so every server process sees them):

- per (address, username): after LOCKOUT_FAILURES within FAILURE_WINDOW that pair is refused,
  password unchecked, for LOCKOUT_SECONDS. Only the pair: nobody can lock another person out,
  and failures under made-up names never block a right sign-in from the same address.
- per username, across addresses: past SLOWDOWN_FAILURES, an address that has itself failed for
  that username waits after each failure (doubling, up to MAX_DELAY_SECONDS) before its next
  try, which slows a guess spread over many addresses; an address that has not failed is never
  held back, so the owner still gets in while someone else guesses.

Addresses are accounts.addresses.client_address's, as everywhere in the project.
"""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

from accounts.addresses import client_address

LOCKOUT_FAILURES = 10
LOCKOUT_SECONDS = 900
FAILURE_WINDOW = 900
SLOWDOWN_FAILURES = 20
MAX_DELAY_SECONDS = 60


@dataclass(frozen=True)
class SignInLimited(Exception):
    """This address may not try this username now; it may again in retry_after seconds."""

    retry_after: int

    @property
    def message(self) -> str:
        return f"Too many failed sign-in attempts; try again in {self.retry_after} seconds."


class SignInRateThrottle(ScopedRateThrottle):
    """DRF's scoped rate limit, counting clients by the same address as everything else."""

    def get_ident(self, request) -> str:
        return client_address(request)


def check_sign_in(address: str, username: str) -> None:
    """Raise SignInLimited when this address may not try this username now."""
    pair = _pair(address, username)
    keys = _keys(pair, username)
    found = cache.get_many(keys.values())
    now = time.time()
    until = found.get(keys["locked"])
    last_failure = found.get(keys["last"])
    if username and last_failure is not None:
        past = (found.get(keys["user"]) or 0) - SLOWDOWN_FAILURES
        if past >= 0:
            delayed = last_failure + min(MAX_DELAY_SECONDS, 2 ** min(past, 16))
            until = max(until or 0, delayed)
    if until is not None and until > now:
        raise SignInLimited(retry_after=max(1, math.ceil(until - now)))


def sign_in_failed(address: str, username: str) -> None:
    """Count a failed attempt of this address at this username (and at the username)."""
    pair = _pair(address, username)
    keys = _keys(pair, username)
    now = time.time()
    cache.set(keys["last"], now, FAILURE_WINDOW)
    if _count(keys["failures"]) >= LOCKOUT_FAILURES:
        cache.set(keys["locked"], now + LOCKOUT_SECONDS, LOCKOUT_SECONDS)
    if username:
        _count(keys["user"])


def sign_in_succeeded(address: str, username: str) -> None:
    """Forget this pair's failures: its owner is in."""
    keys = _keys(_pair(address, username), username)
    cache.delete_many([keys["failures"], keys["locked"], keys["last"]])


def _keys(pair: str, username: str) -> dict[str, str]:
    return {
        "failures": f"signin:failures:{pair}",
        "locked": f"signin:locked:{pair}",
        "last": f"signin:last:{pair}",
        "user": f"signin:user:{_digest(username.casefold())}",
    }


def _count(key: str) -> int:
    if cache.add(key, 1, FAILURE_WINDOW):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, FAILURE_WINDOW)
        return 1


def _pair(address: str, username: str) -> str:
    return _digest(f"{_network(address)}\0{username.casefold()}")


def _network(address: str) -> str:
    """Return the address, or its /64 for IPv6: one host usually holds a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
