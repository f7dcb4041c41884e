"""Whatever arrives, the REST API answers its one JSON error shape, never a 500 or a page."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from ingest.tests.fixtures import post_events  # noqa: F401

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 100_000


@pytest.fixture
def api():
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(UserFactory(username="ada"))
    return client


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/songs/abc/",
        "/api/v1/songs/abc/stream/",
        "/api/v1/songs/abc/similar/",
        "/api/v1/songs/abc/like/",
        "/api/v1/songs/abc/rating/",
        "/api/v1/songs/abc/plays/",
        "/api/v1/albums/abc/",
        "/api/v1/artists/abc/",
        "/api/v1/genres/abc/",
        "/api/v1/playlists/abc/",
        "/api/v1/playlists/abc/tracks/",
        "/api/v1/songs/99999999999999999999999/stream/",
        "/api/v1/songs/99999999999999999999999/similar/",
        "/api/v1/no-such-resource/",
    ],
)
def test_a_bad_id_is_a_json_404(api, url):
    assert_error_shape(api.get(url), 404, "not_found")


def test_pages_outside_the_api_keep_their_html_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", ["/api/v1/playlists/", "/api/v1/auth/token/"])
def test_json_nested_too_deep_is_a_400_parse_error(api, url):
    response = api.post(url, DEEP_JSON, content_type="application/json")

    assert_error_shape(response, 400, "parse_error")


def test_json_nested_too_deep_to_the_signed_webhook_is_a_400(post_events):  # noqa: F811
    response = post_events(body=DEEP_JSON.encode())

    assert_error_shape(response, 400, "parse_error")


@pytest.mark.parametrize("url", ["/api/v1/playlists/", "/api/v1/auth/token/"])
def test_a_body_over_the_upload_limit_is_a_json_413(api, url, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'

    response = api.post(url, body, content_type="application/json")

    assert_error_shape(response, 413, "payload_too_large")


def test_the_schema_documents_each_operations_errors_in_the_one_shape(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    error = {"$ref": "#/components/schemas/ApiError"}

    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert set(schema["components"]["schemas"]["ApiError"]["required"]) == {"detail", "code"}
    for path, method, operation in operations:
        responses = operation["responses"]
        for code in ("400", "401", "403", "404"):
            assert responses[code]["content"]["application/json"]["schema"] == error, (
                method,
                path,
                code,
            )
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert token["429"]["content"]["application/json"]["schema"] == error


@pytest.mark.parametrize("debug", [True, False])
def test_a_write_without_its_trailing_slash_is_redirected_keeping_method_and_body(settings, debug):
    settings.DEBUG = debug
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)

    response = client.post("/api/v1/playlists?x=1", {"name": "Road"}, format="json")

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/playlists/?x=1"
    followed = client.post("/api/v1/playlists", {"name": "Road"}, format="json", follow=True)
    assert followed.status_code == 201
    assert followed.json()["name"] == "Road"
    assert client.get("/api/v1/me").status_code == 301  # a read keeps Django's redirect
