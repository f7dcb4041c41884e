"""One sign-in limiter for the token endpoint, the login forms and Subsonic (accounts.signin)."""

import os
import secrets

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.addresses import client_address
from accounts.signin import LOCKOUT_FAILURES, SLOWDOWN_FAILURES
from accounts.tests.factories import UserFactory
from tests.support import settings_value

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"
TOKEN_URL = "/api/v1/auth/token/"


def token_login(password: str, address: str = "10.1.1.1", username: str = "ada", **headers):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def form_login(url: str, password: str, address: str = "10.1.1.1", username: str = "ada"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password})
    return response, client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def subsonic_ping(password: str, address: str, username: str = "ada") -> dict:
    answer = Client(REMOTE_ADDR=address).get(
        "/rest/ping", {"u": username, "p": password, "f": "json"}
    )
    return answer.json()["subsonic-response"]


@pytest.fixture
def staff(db):
    return UserFactory(username="ada", is_staff=True)


def test_a_forged_forwarded_for_does_not_escape_the_token_lockout(listener):
    answers = [
        token_login(f"x{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(LOCKOUT_FAILURES)
    ]

    right = token_login(PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.250")

    assert answers == [400] * LOCKOUT_FAILURES
    assert right.status_code == 429
    assert right.json()["detail"].count("seconds") == 1
    assert right.json()["code"] == "throttled"
    assert int(right["Retry-After"]) > 0


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(listener, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(LOCKOUT_FAILURES):
        token_login("guess", address="172.16.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    guesser = token_login(PASSWORD, address="172.16.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    owner = token_login(
        PASSWORD, address="172.16.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )

    assert guesser.status_code == 429
    assert owner.status_code == 200


def test_the_client_address_takes_the_hop_the_last_trusted_proxy_saw(rf, settings):
    request = rf.get("/", REMOTE_ADDR="172.16.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    untrusted = client_address(request)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    one_proxy = client_address(request)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    two_proxies = client_address(request)

    assert (untrusted, one_proxy, two_proxies) == ("172.16.0.1", "198.51.100.7", "6.6.6.6")


def test_a_locked_pair_does_not_lock_the_user_out_from_another_address(listener):
    for _ in range(LOCKOUT_FAILURES + 5):
        token_login("guess", address="10.6.6.6")

    assert token_login(PASSWORD, address="10.6.6.6").status_code == 429
    assert token_login(PASSWORD, address="10.2.2.2").status_code == 200


def test_failures_under_made_up_names_do_not_block_a_right_sign_in_from_that_address(listener):
    # Past the lockout count, short of the endpoint's rate limit per address (20 a minute).
    for i in range(LOCKOUT_FAILURES + 5):
        token_login("guess", username=f"nobody{i}")

    assert token_login(PASSWORD).status_code == 200


def test_a_right_password_clears_the_pairs_failures(listener):
    for _ in range(LOCKOUT_FAILURES - 1):
        token_login("guess")
    token_login(PASSWORD)

    answers = [token_login("guess").status_code for _ in range(LOCKOUT_FAILURES - 1)]

    assert answers == [400] * (LOCKOUT_FAILURES - 1)
    assert token_login(PASSWORD).status_code == 200


def test_a_username_guessed_from_many_addresses_slows_down_those_addresses_only(listener):
    # Enough failures past the threshold that the wait (doubling from 1 s) outlasts the test.
    for i in range(SLOWDOWN_FAILURES + 6):
        token_login("guess", address=f"10.9.0.{i}")

    again = token_login(PASSWORD, address=f"10.9.0.{SLOWDOWN_FAILURES + 5}")
    fresh = token_login(PASSWORD, address="10.3.3.3")

    assert again.status_code == 429
    assert int(again["Retry-After"]) >= 1
    assert fresh.status_code == 200


def test_an_ipv6_host_counts_as_its_whole_64(listener):
    for i in range(LOCKOUT_FAILURES):
        token_login("guess", address=f"2001:db8:1:2::{i + 1:x}")

    assert token_login(PASSWORD, address="2001:db8:1:2::ffff").status_code == 429
    assert token_login(PASSWORD, address="2001:db8:1:3::1").status_code == 200


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_forms_lock_the_pair_out_after_repeated_failures(staff, url):
    for _ in range(LOCKOUT_FAILURES):
        response, client = form_login(url, "guess")
        assert not signed_in(client)

    locked, client = form_login(url, PASSWORD)
    elsewhere, other = form_login(url, PASSWORD, address="10.2.2.2")

    assert b"Too many failed sign-in attempts" in locked.content
    assert not signed_in(client)
    assert signed_in(other)


def test_the_doors_share_one_count(listener):
    for _ in range(LOCKOUT_FAILURES // 2):
        form_login("/accounts/login/", "guess")
    for _ in range(LOCKOUT_FAILURES - LOCKOUT_FAILURES // 2):
        token_login("guess")

    assert token_login(PASSWORD).status_code == 429


def test_subsonic_failures_lock_the_pair_not_the_user(listener):
    from accounts.services import subsonic_password_reset

    password = subsonic_password_reset(listener)
    for _ in range(LOCKOUT_FAILURES):
        assert subsonic_ping("guess", "10.6.6.6")["error"]["code"] == 40

    locked = subsonic_ping(password, "10.6.6.6")

    assert "Too many" in locked["error"]["message"]
    assert subsonic_ping(password, "10.2.2.2")["status"] == "ok"


def test_subsonic_made_up_names_do_not_block_the_address(listener):
    from accounts.services import subsonic_password_reset

    password = subsonic_password_reset(listener)
    for i in range(2 * LOCKOUT_FAILURES):
        subsonic_ping("guess", "10.1.1.1", username=f"nobody{i}")

    assert subsonic_ping(password, "10.1.1.1")["status"] == "ok"


def test_the_forwarded_scheme_is_trusted_only_behind_a_declared_proxy():
    header = "settings.SECURE_PROXY_SSL_HEADER"

    assert settings_value(header, DJANGO_NUM_PROXIES="0") == "None"
    assert settings_value(header, DJANGO_NUM_PROXIES="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.redis
def test_with_redis_the_lockout_is_kept_where_every_server_process_sees_it(listener):
    from django.conf import settings

    from conftest import require

    require(bool(settings.REDIS_URL), "set REDIS_URL to share the cache between processes")
    import redis

    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{os.getpid() % 250}"
    for _ in range(LOCKOUT_FAILURES):
        token_login("guess", address=address)

    assert token_login(PASSWORD, address=address).status_code == 429
    assert redis.Redis.from_url(settings.REDIS_URL).keys("*signin:locked:*")
