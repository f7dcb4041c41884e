"""Django's ASGI handler, with a request's middleware and view run in one thread.

Django builds its middleware chain for ASGI in async mode wherever a middleware can run async,
and every view here is synchronous. A middleware written as MiddlewareMixin (all of Django's)
then runs its process_request and its process_response each in a thread of their own
(sync_to_async), WhiteNoise (sync only) sends the chain below it back to the event loop
(async_to_sync), and the view goes to a thread again: 16 hops between the event loop and a
thread for an API 404, each a wake-up of both. Through daphne that 404 cost the server
5.5-6.4 ms of CPU; the same request through Django's test client (WSGI, no hops) cost 1.4 ms.

SiteASGIHandler builds the chain in sync mode, as under WSGI, and runs all of it (middleware,
view, and the log line of a 4xx/5xx answer) in one hop. Through daphne, server CPU a request:
the API's 404 5.5-6.4 -> 2.5-2.9 ms, an empty song list 9.8-10.7 -> 6.3-6.7 ms, the sign-in
page 8.8-9.0 -> 4.7-5.5 ms. Django's own hops for request_started and the response's close
remain. An async view would still work (Django adapts it, as under WSGI), with hops of its own.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SiteASGIHandler(ASGIHandler):
    """Django's ASGIHandler with the whole request handled in one thread (see the module)."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        # Within the request's ThreadSensitiveContext: the thread its other sync code uses.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
