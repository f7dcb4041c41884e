"""The calling user's account over the API: me, tokens, the Subsonic password."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, SubsonicCredential

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


def test_tokens_list_shows_names_and_a_prefix_never_the_key(listener_api, listener):
    created = services.token_create(listener, "backup script")

    body = listener_api.get("/api/v1/me/tokens/").json()

    assert body == [
        {
            "id": created.key[:8],
            "name": "backup script",
            "created": body[0]["created"],
            "last_used": None,
        }
    ]
    assert created.key not in str(body)


def test_create_a_named_token_shows_its_key_once(listener_api, listener):
    response = listener_api.post("/api/v1/me/tokens/", {"name": "laptop"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "laptop" and len(body["token"]) == 40
    assert body["id"] == body["token"][:8]
    assert response["Cache-Control"] == "no-store"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "ada"


def test_create_a_token_without_a_name_is_400(listener_api):
    response = listener_api.post("/api/v1/me/tokens/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("name: ")


def test_several_tokens_each_authenticate_and_revoke_alone(listener):
    first = services.token_create(listener, "one").key
    second = services.token_create(listener, "two").key
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.delete(f"/api/v1/me/tokens/{second[:8]}/").status_code == 204

    assert client.get("/api/v1/me/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get("/api/v1/me/").status_code == 401


def test_revoked_token_no_longer_authenticates(listener):
    key = services.token_create(listener, "script").key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.delete(f"/api/v1/me/tokens/{key[:8]}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_revoking_another_users_token_is_404(other_api, listener):
    key = services.token_create(listener, "script").key

    response = other_api.delete(f"/api/v1/me/tokens/{key[:8]}/")

    assert response.status_code == 404
    assert ApiToken.objects.filter(user=listener).exists()


def test_token_keys_are_stored_hashed(listener):
    key = services.token_create(listener, "script").key

    token = ApiToken.objects.get()

    assert key not in (token.key_hash, token.prefix, token.name)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()


def test_wrong_or_odd_tokens_are_401_with_a_message(api, listener):
    key = services.token_create(listener, "script").key
    for wrong in [key[:-1] + ("0" if key[-1] != "0" else "1"), "x" * 500, key.upper()]:
        api.credentials(HTTP_AUTHORIZATION=f"Token {wrong}")
        response = api.get("/api/v1/me/")
        assert response.status_code == 401, wrong
        assert response.json()["detail"] == "Invalid token."
    api.credentials(HTTP_AUTHORIZATION="Token clé")
    assert api.get("/api/v1/me/").status_code == 401


def test_token_of_an_inactive_user_is_401(api, listener):
    key = services.token_create(listener, "script").key
    listener.is_active = False
    listener.save()

    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get("/api/v1/me/").status_code == 401


def test_using_a_token_records_when_to_the_minute(api, listener):
    key = services.token_create(listener, "script").key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    api.get("/api/v1/me/")
    first = ApiToken.objects.get().last_used_at
    api.get("/api/v1/me/")

    assert first is not None
    assert ApiToken.objects.get().last_used_at == first


def test_token_login_makes_a_named_token_each_time(api, listener):
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"username": "ada", "password": "a-long-pass-phrase", "name": "nightly sync"},
        ).json()
        for _ in range(2)
    ]

    assert [set(answer) for answer in answers] == [{"token"}, {"token"}]
    assert answers[0]["token"] != answers[1]["token"]
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["nightly sync"] * 2


def test_a_user_keeps_at_most_the_newest_tokens(listener, monkeypatch):
    monkeypatch.setattr(services, "MAX_TOKENS_PER_USER", 3)
    used = services.token_create(listener, "in use")
    services.check_api_token(used.key)
    for number in range(4):
        services.token_create(listener, f"new {number}")

    names = set(ApiToken.objects.values_list("name", flat=True))

    assert names == {"in use", "new 2", "new 3"}


def test_a_new_token_stays_when_every_older_one_has_been_used(api, listener, monkeypatch):
    monkeypatch.setattr(services, "MAX_TOKENS_PER_USER", 3)
    for number in range(3):
        services.check_api_token(services.token_create(listener, f"used {number}").key)
        ApiToken.objects.filter(name=f"used {number}").update(
            last_used_at=timezone.now() - timedelta(hours=3 - number)
        )

    new = services.token_create(listener, "new")

    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new.key}").status_code == 200
    names = set(ApiToken.objects.values_list("name", flat=True))
    assert names == {"used 1", "used 2", "new"}


def test_subsonic_password_is_returned_once_and_verifies_md5_tokens(listener_api, listener):
    response = listener_api.post("/api/v1/me/subsonic-password/")

    assert response.status_code == 200
    password = response.json()["password"]
    salt = "c19b2d"
    token = hashlib.md5((password + salt).encode()).hexdigest()
    assert services.check_subsonic_token(listener, token, salt)
    assert not services.check_subsonic_token(listener, token, "other-salt")


def test_non_ascii_subsonic_credentials_are_refused_not_a_crash(listener_api, listener):
    listener_api.post("/api/v1/me/subsonic-password/")

    assert not services.check_subsonic_token(listener, "é" * 32, "salt")
    assert not services.check_subsonic_password(listener, "mot de passe é")


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


@pytest.mark.django_db(transaction=True)
def test_upgrade_moves_each_drf_token_hashed_and_its_key_keeps_working(listener):
    key = "0123456789abcdef0123456789abcdef01234567"
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_api_token")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, %s)",
            [key, listener.pk, timezone.now()],
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("accounts"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (listener, "API token", key[:8])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "ada"
