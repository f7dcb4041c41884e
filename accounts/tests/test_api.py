"""The calling user's account over the API: me, tokens, the Subsonic password."""

import hashlib

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.models import SubsonicCredential

pytestmark = pytest.mark.django_db


def test_token_from_login_authenticates_me(api, listener):
    token = api.post(
        "/api/v1/auth/token/", {"username": "ada", "password": "a-long-pass-phrase"}
    ).json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "ada"


def test_token_login_with_a_wrong_password_is_400_with_a_message(api, listener):
    response = api.post("/api/v1/auth/token/", {"username": "ada", "password": "nope"})

    assert response.status_code == 400
    assert response.json()["detail"]


def test_token_login_is_throttled(api, listener, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "2/minute"})

    answers = [
        api.post("/api/v1/auth/token/", {"username": "ada", "password": "x"}).status_code
        for _ in range(3)
    ]

    assert answers == [400, 400, 429]


def test_me_tells_listener_from_curator(listener_api, curator_api):
    assert listener_api.get("/api/v1/me/").json()["is_curator"] is False
    assert curator_api.get("/api/v1/me/").json()["is_curator"] is True


def test_me_needs_a_user(api):
    response = api.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_tokens_list_shows_only_a_prefix_of_the_key(listener_api, listener):
    token = Token.objects.create(user=listener)

    body = listener_api.get("/api/v1/me/tokens/").json()

    assert body == [{"id": token.key[:8], "created": body[0]["created"]}]


def test_revoked_token_no_longer_authenticates(listener):
    token = Token.objects.create(user=listener)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.delete(f"/api/v1/me/tokens/{token.key[:8]}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_revoking_another_users_token_is_404(other_api, listener):
    token = Token.objects.create(user=listener)

    response = other_api.delete(f"/api/v1/me/tokens/{token.key[:8]}/")

    assert response.status_code == 404
    assert Token.objects.filter(pk=token.pk).exists()


def test_subsonic_password_is_returned_once_and_verifies_md5_tokens(listener_api, listener):
    response = listener_api.post("/api/v1/me/subsonic-password/")

    assert response.status_code == 200
    password = response.json()["password"]
    salt = "c19b2d"
    token = hashlib.md5((password + salt).encode()).hexdigest()
    assert services.check_subsonic_token(listener, token, salt)
    assert not services.check_subsonic_token(listener, token, "other-salt")


def test_subsonic_password_is_stored_encrypted(listener_api, listener):
    password = listener_api.post("/api/v1/me/subsonic-password/").json()["password"]

    stored = SubsonicCredential.objects.get(user=listener).encrypted_password

    assert password not in stored


def test_resetting_the_subsonic_password_replaces_it(listener_api, listener):
    first = listener_api.post("/api/v1/me/subsonic-password/").json()["password"]
    second = listener_api.post("/api/v1/me/subsonic-password/").json()["password"]

    assert first != second
    assert services.check_subsonic_password(listener, second)
    assert not services.check_subsonic_password(listener, first)


def test_subsonic_password_survives_a_secret_key_rotation(listener, settings):
    password = services.subsonic_password_reset(listener)

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test"

    assert services.subsonic_password_for(listener) == password


def test_subsonic_hex_encoded_password_is_accepted(listener):
    password = services.subsonic_password_reset(listener)

    assert services.check_subsonic_password(listener, "enc:" + password.encode().hex())


def test_subsonic_password_needs_a_user(api):
    assert api.post("/api/v1/me/subsonic-password/").status_code in (401, 403)


def test_me_tells_whether_a_subsonic_password_is_set(listener_api):
    assert listener_api.get("/api/v1/me/").json()["has_subsonic_password"] is False
    listener_api.post("/api/v1/me/subsonic-password/")
    assert listener_api.get("/api/v1/me/").json()["has_subsonic_password"] is True
