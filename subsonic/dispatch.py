"""The Subsonic API: one view parses the call, authenticates and dispatches to a handler.

Handlers live in subsonic.handlers, one module per section of the API, and register under
their method names with @method. Each reads its parameters, calls one query or service and
returns a payload dict (rendered by subsonic.responses) or, for media, an HTTP response. Every
failure a client can cause answers HTTP 200 with a Subsonic error code, never a 500.
"""

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, wraps

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalog.models import Song
from catalog.queries import published_song
from catalog.transcoding import StreamDefault, stream_default
from subsonic.auth import authenticate, user_named
from subsonic.params import ALBUM, ARTIST, PLAYLIST, SONG, Params, make_id
from subsonic.queries.songs import published_songs
from subsonic.responses import FORMATS, ErrorCode, SubsonicError, render, render_error

logger = logging.getLogger(__name__)

MAX_LIST_SIZE = 500
MAX_SEARCH_COUNT = 1000
MAX_OFFSET = 10_000_000
KIND_NAMES = {SONG: "Song", ALBUM: "Album", ARTIST: "Artist", PLAYLIST: "Playlist"}


@dataclass
class Call:
    request: object
    params: Params
    user: object

    @cached_property
    def stream_default(self) -> StreamDefault:
        """What `stream` sends this user when the app names no format nor cap (one query)."""
        return stream_default(self.user)

    def called_as(self, name: str) -> bool:
        """Tell whether the request named this method (of two that share a handler)."""
        last = self.request.path.rstrip("/").rsplit("/", 1)[-1]
        return last in (name, f"{name}.view")


@dataclass(frozen=True)
class Handler:
    function: Callable[[Call], dict | HttpResponseBase]
    public: bool = False


METHODS: dict[str, Handler] = {}


def method(*names: str, public: bool = False):
    """Register a handler under one or more Subsonic method names."""

    def register(function):
        for name in names:
            METHODS[name] = Handler(function, public)
        return function

    return register


def not_found(what: str) -> SubsonicError:
    return SubsonicError(ErrorCode.NOT_FOUND, f"{what} not found.")


def found[T](value: T | None, what: str) -> T:
    """Return value, or answer error 70 saying what was not found."""
    if value is None:
        raise not_found(what)
    return value


def find_object[T](
    call: Call, fetch: Callable[[object, int], T | None], kind: str, name: str = "id"
) -> T:
    """Parse the id parameter `name` of this kind, fetch it for the caller, or answer error 70.

    `fetch(user, pk)` returns the object or None.
    """
    _, pk = call.params.id(name, kind)
    return found(fetch(call.user, pk), KIND_NAMES[kind])


def found_all[T](ids: list[int], by_id: Mapping[int, T], kind: str) -> list[T]:
    """Return the objects with these ids in order, or answer error 70 naming the first missing."""
    missing = [pk for pk in ids if pk not in by_id]
    if missing:
        raise not_found(f"{KIND_NAMES[kind]} {make_id(kind, missing[0])}")
    return [by_id[pk] for pk in ids]


def find_song(pk: int) -> Song:
    """Return the published song with this id (for writes), or answer error 70."""
    return found(published_song(pk), "Song")


def find_songs(call: Call, name: str) -> list[Song]:
    """Return the published songs a repeated parameter names, in order (unknown ids: 70)."""
    ids = [pk for _, pk in call.params.ids(name, SONG)]
    return found_all(ids, published_songs(ids), SONG)


def account_named(call: Call, name: str = "username"):
    """Return the account the parameter names (the caller's without it).

    Another's only for an admin (adminRole), as the spec lets admins read other users; anyone
    else gets error 50, and a name no account has error 70.
    """
    username = call.params.get(name)
    if not username or username == call.user.get_username():
        return call.user
    if not call.user.is_superuser:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "Only an admin may name another user.")
    return found(user_named(username), "User")


# Subsonic calls carry their credentials in parameters, never in cookies: any origin may call,
# so web players served from elsewhere work.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges, "
    "Content-Disposition, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Max-Age": "86400",
}


def cross_origin(view):
    """Answer CORS preflights, and let any origin read the answers of `view`."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204, headers=PREFLIGHT_HEADERS)
            asked = request.headers.get("Access-Control-Request-Headers")
            response["Access-Control-Allow-Headers"] = asked or "Content-Type, Range"
        else:
            response = view(request, *args, **kwargs)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response

    return wrapper


@csrf_exempt
@cross_origin
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request, name: str):
    """Answer /rest/<name> and /rest/<name>.view, from the query string or a form body."""
    params = _request_params(request)
    fmt = params.get("f", "xml").lower()
    fmt = fmt if fmt in FORMATS else "xml"
    callback = params.get("callback")
    try:
        if fmt == "jsonp" and not callback:
            raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter missing: callback")
        handler = METHODS.get(name)
        if handler is None:
            raise SubsonicError(ErrorCode.NOT_FOUND, f"Unknown API method: {name[:60]}")
        _check_version(params.get("v"))
        user = None if handler.public else authenticate(request, params)
        answer = handler.function(Call(request, params, user))
    except SubsonicError as error:
        return render_error(fmt, error, callback=callback)
    except Http404 as missing:
        error = SubsonicError(ErrorCode.NOT_FOUND, str(missing) or "Not found.")
        return render_error(fmt, error, callback=callback)
    except PermissionDenied as denied:
        error = SubsonicError(ErrorCode.NOT_AUTHORIZED, str(denied) or "Not authorised.")
        return render_error(fmt, error, callback=callback)
    except Exception:
        logger.exception("Subsonic %s failed", name)
        error = SubsonicError(ErrorCode.GENERIC, "The server could not answer this request.")
        return render_error(fmt, error, callback=callback)
    if isinstance(answer, HttpResponseBase):
        return answer
    return render(fmt, answer, callback=callback)


def _request_params(request) -> Params:
    """Read the query string and a form body; a body that cannot be read counts as absent."""
    if request.method != "POST":
        return Params(request.GET)
    try:
        return Params(request.GET, _form(request))
    except (MultiPartParserError, BadRequest, ValueError):
        return Params(request.GET)


def _form(request) -> QueryDict:
    """Return the form body, decoded with the charset it names.

    Java and Android stacks (Apache HttpClient's UrlEncodedFormEntity) send
    `application/x-www-form-urlencoded; charset=ISO-8859-1`; Django refuses any charset but
    UTF-8 there, so such a body is decoded here.
    """
    charset = request.encoding
    if request.content_type == "application/x-www-form-urlencoded" and charset:
        return QueryDict(request.body, encoding=charset)
    return request.POST


def _check_version(version: str) -> None:
    match = re.match(r"^\s*(\d+)\.(\d+)", version or "")
    if not match:
        return
    major = int(match.group(1))
    if major < 1:
        raise SubsonicError(ErrorCode.CLIENT_TOO_OLD, "Client must upgrade: this server is 1.16.1")
    if major > 1:
        raise SubsonicError(ErrorCode.SERVER_TOO_OLD, "Server must upgrade: it speaks 1.16.1")
