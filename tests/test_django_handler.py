"""The site's Django requests over ASGI run their middleware and view in one thread hop
(spotify/django_handler.py), and answer as Django's own handler does."""

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from asgiref.testing import ApplicationCommunicator

from spotify.asgi import application
from tests.support import asgi_answer, http_scope

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sync_thread_connections_closed"),
]


@pytest.fixture
def hops(monkeypatch):
    """Count the crossings between the event loop and a thread, either way."""
    crossed = []
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def into_thread(self, *args, **kwargs):
        crossed.append(("thread", getattr(self.func, "__qualname__", "?")))
        return await to_thread(self, *args, **kwargs)

    def into_loop(self, *args, **kwargs):
        crossed.append(("loop", getattr(self.awaitable, "__qualname__", "?")))
        return to_loop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", into_thread)
    monkeypatch.setattr(AsyncToSync, "__call__", into_loop)
    return crossed


async def _get(path: str) -> dict:
    scope = http_scope("GET", path)
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    return await asgi_answer(communicator)


async def test_a_page_runs_its_middleware_and_view_in_one_hop(hops):
    # Django's own handler crossed 18 times for this page: each MiddlewareMixin's request and
    # response halves in a thread of their own, WhiteNoise's chain back on the loop.
    answer = await _get("/api/v1/no-such-address/")

    assert answer["status"] == 404
    handled = [name for way, name in hops if way == "thread" and "get_response" in name]
    assert handled == ["BaseHandler.get_response"]  # the whole chain, as under WSGI
    # Django's own: request_started's receivers and the response's close.
    assert len(hops) <= 3, hops


async def test_the_middleware_still_answers_for_the_page(hops):
    answer = await _get("/accounts/login/")

    headers = {name.decode().lower(): value.decode() for name, value in answer["headers"]}
    assert answer["status"] == 200
    assert b'name="csrfmiddlewaretoken"' in answer["body"]  # CSRF
    assert headers["x-frame-options"] == "DENY"  # clickjacking
    assert headers["x-content-type-options"] == "nosniff"  # security
    assert "content-security-policy" in headers
    assert "csrftoken=" in headers["set-cookie"]
