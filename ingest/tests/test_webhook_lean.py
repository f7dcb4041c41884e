"""The webhook's lean ASGI path answers a signed batch as the REST view does, and hands anything
else to the whole application with its body intact."""

import json

import pytest
from asgiref.testing import ApplicationCommunicator

from ingest.asgi import WEBHOOK_PATH, IngestWebhook
from ingest.events import object_record
from ingest.models import IngestJob
from ingest.signing import sign_headers
from spotify.asgi import django_asgi_app
from tests.support import asgi_answer, http_scope

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sync_thread_connections_closed"),
]


class _Site:
    """Stands in for the whole application: counts what reaches it."""

    def __init__(self):
        self.asked = 0

    async def __call__(self, scope, receive, send):
        self.asked += 1
        return await django_asgi_app(scope, receive, send)


def _body(*keys: str) -> bytes:
    return json.dumps(
        {"Records": [object_record("local", key, size=1234) for key in keys]}
    ).encode()


async def _post(app, body: bytes, headers: dict, host=b"localhost", chunks: int = 1) -> dict:
    scope = http_scope(
        "POST",
        WEBHOOK_PATH,
        [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in headers.items()),
        ],
        host,
    )
    communicator = ApplicationCommunicator(app, scope)
    size = -(-len(body) // chunks)
    for start in range(0, len(body), size):
        last = start + size >= len(body)
        await communicator.send_input(
            {"type": "http.request", "body": body[start : start + size], "more_body": not last}
        )
    answer = await asgi_answer(communicator)
    return {**answer, "headers": dict(answer["headers"])}


async def test_a_signed_batch_is_answered_on_the_lean_path_as_the_view_answers(settings):
    site = _Site()
    lean_body, view_body = _body("music/lean/a.mp3", "music/lean/b.mp3"), _body("music/view/a.mp3")

    lean = await _post(
        IngestWebhook(site), lean_body, sign_headers(settings.INGEST_SECRET, lean_body)
    )
    view = await _post(django_asgi_app, view_body, sign_headers(settings.INGEST_SECRET, view_body))

    assert site.asked == 0
    assert lean["status"] == view["status"] == 202
    lean_headers, view_headers = dict(lean["headers"]), dict(view["headers"])
    assert lean_headers.pop(b"Content-Length") == str(len(lean["body"])).encode()
    view_headers.pop(b"Content-Length")
    assert lean_headers == view_headers
    answer, reference = json.loads(lean["body"]), json.loads(view["body"])
    assert answer["ignored"] == reference["ignored"] == 0
    assert [job["key"] for job in answer["jobs"]] == ["music/lean/a.mp3", "music/lean/b.mp3"]
    assert [set(job) for job in answer["jobs"]] == [set(reference["jobs"][0])] * 2
    recorded = IngestJob.objects.filter(key__startswith="music/lean/")
    assert sorted([job["id"] for job in answer["jobs"]]) == sorted(
        [job.pk async for job in recorded]
    )


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),  # unsigned
        ({"X-Ingest-Timestamp": "1", "X-Ingest-Signature": "nope"}, 403),
        # A timestamp no float holds: refused like any other that is not Unix seconds.
        ({"X-Ingest-Timestamp": "9" * 400, "X-Ingest-Signature": "sha256=00"}, 403),
    ],
)
async def test_an_unsigned_or_badly_signed_request_gets_the_views_answer(headers, status):
    site = _Site()
    body = _body("music/a.mp3")

    answer = await _post(IngestWebhook(site), body, headers)

    assert site.asked == 1
    assert answer["status"] == status
    assert "detail" in json.loads(answer["body"])
    assert not await IngestJob.objects.aexists()


async def test_a_body_that_is_not_json_reaches_the_view_whole(settings):
    site = _Site()
    body = b'{"Records": [' + b"x" * 3000
    headers = sign_headers(settings.INGEST_SECRET, body)

    answer = await _post(IngestWebhook(site), body, headers, chunks=3)

    assert site.asked == 1
    assert answer["status"] == 400
    assert "not JSON" in json.loads(answer["body"])["detail"]


async def test_a_body_over_the_limit_is_refused_by_the_view(settings):
    settings.INGEST_MAX_EVENT_BYTES = 200
    site = _Site()
    body = _body("music/a.mp3", "music/b.mp3", "music/c.mp3")
    assert len(body) > 200

    answer = await _post(
        IngestWebhook(site), body, sign_headers(settings.INGEST_SECRET, body), chunks=4
    )

    assert site.asked == 1
    assert answer["status"] == 413
    assert not await IngestJob.objects.aexists()


async def test_another_host_or_another_rendering_is_left_to_the_site(settings):
    body = _body("music/a.mp3")
    signed = sign_headers(settings.INGEST_SECRET, body)
    site = _Site()

    wrong_host = await _post(IngestWebhook(site), body, signed, host=b"evil.example")
    indented = await _post(
        IngestWebhook(site), body, {**signed, "Accept": "application/json; indent=4"}
    )

    assert site.asked == 2
    assert wrong_host["status"] == 400
    assert indented["status"] == 202 and b'\n    "jobs"' in indented["body"]
