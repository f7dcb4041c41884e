"""A lean ASGI path for song streams: the bytes a player asks for, without the site's stack.

A stream request needs no session, CSRF check, messages, authentication (streams are public)
or REST framework negotiation, and under ASGI Django runs its synchronous middleware chain in a
worker thread, one more hop per request. SongStreams answers GET /api/v1/songs/<id>/stream/
with Django's own request and response objects, the security, framing and content-security
headers of the middleware that sets them (with its redirect to HTTPS), and catalog.media's
range handling, or its hand-off to a front proxy (MEDIA_SENDFILE); anything out of the
ordinary (query parameters, another host, an unknown song, a missing file, S3) goes to the
whole Django application, which answers it as before.
"""

import re

from django.core.exceptions import DisallowedHost
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware

from catalog.media import CHUNK_SIZE, Missing, is_s3, stored_file_response
from catalog.models import Song

STREAM_PATH = re.compile(r"^/api/v1/songs/(\d{1,18})/stream/$")
# What the REST framework and the session middleware add to a stream answered the long way.
API_HEADERS = {"Vary": "Accept, Cookie", "Allow": "GET, HEAD, OPTIONS"}


def _no_view(request):
    raise AssertionError("the lean path calls the middleware's hooks, never the chain")


class SongStreams(ASGIHandler):
    """Django's ASGI handler (request parsing, signals, database connections, sending) with a
    one-view chain for song streams; `site` is the whole application's handler."""

    # Send each chunk read from the file as one message, not cut into Django's 64 KB pieces.
    chunk_size = CHUNK_SIZE

    def __init__(self, site: ASGIHandler):
        self.site = site
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        self.security = SecurityMiddleware(_no_view)
        self.framing = XFrameOptionsMiddleware(_no_view)
        self.policy = ContentSecurityPolicyMiddleware(_no_view)
        self._middleware_chain = self.stream
        self._view_middleware, self._template_response_middleware = [], []
        self._exception_middleware = []

    async def __call__(self, scope, receive, send):
        if not _lean(scope):
            return await self.site(scope, receive, send)
        # Not in a ThreadSensitiveContext, as Django's handler is: its synchronous steps (the
        # connection signals, one query, closing) run in asgiref's one shared thread instead of
        # a thread started and joined for each request, which cost more than the query.
        return await self.handle(scope, receive, send)

    async def stream(self, request) -> HttpResponse:
        song_id = int(STREAM_PATH.match(request.path_info).group(1))
        try:
            request.get_host()
        except DisallowedHost:
            return await self.site.get_response_async(request)
        redirect = self.security.process_request(request)  # plain HTTP, to go to HTTPS
        if redirect is not None:
            return redirect
        fields = ("storage_key", "mime_type")
        song = await Song.objects.filter(hidden=False, pk=song_id).only(*fields).afirst()
        if song is None:
            return await self.site.get_response_async(request)
        try:
            response = stored_file_response(request, song.storage_key, song.mime_type)
        except Missing:
            return await self.site.get_response_async(request)
        for header, value in API_HEADERS.items():
            response[header] = value
        response = self.security.process_response(request, response)
        response = self.framing.process_response(request, response)
        return self.policy.process_response(request, response)


def _lean(scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "GET"
        and STREAM_PATH.match(scope["path"]) is not None
        # Parameters ask for something else than the stored file (a transcode): the view's.
        and not scope.get("query_string")
        and not is_s3(default_storage)
    )
