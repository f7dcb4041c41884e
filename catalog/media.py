"""Serve stored files to players from any store: HTTP ranges, presigned redirects, proxying.

One place for the ways a file leaves the store: read from the local folder a range at a time
(or handed to a front proxy with X-Accel-Redirect / X-Sendfile, or redirected to a short-lived
URL the proxy checks itself, MEDIA_SENDFILE); on S3 a redirect to a presigned URL (the site,
downloads); or on S3 proxied through one ranged GET, for Subsonic apps that do not follow
redirects when streaming. Nothing is read whole. Under ASGI the
chunks come from an async iterator (Django's ASGI handler would otherwise collect a sync
iterator into a list first, the whole file in memory); under WSGI from a plain iterator.

Ranges follow RFC 9110 (catalog/ranges.py).
"""

import asyncio
import base64
import hashlib
import os
import re
import time
import unicodedata
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header, parse_http_date_safe

from catalog.ranges import UNSATISFIABLE, local_slice, parse_range, unsatisfiable_response

# Large enough that a player's 1 MB range is one read in one worker thread, small enough that
# a stream holds little memory.
CHUNK_SIZE = 1024 * 1024
MAX_AGE_RE = re.compile(r"max-age=(\d+)")
PRIVATE = "private, max-age=0"
SENDFILE_HEADERS = {"x-accel-redirect": "X-Accel-Redirect", "x-sendfile": "X-Sendfile"}
SIGNED_REDIRECT = "signed-redirect"


class Missing(Exception):
    """The object is not in the store."""


class Reader(Protocol):
    def read(self, size: int) -> bytes: ...

    def close(self) -> None: ...


def is_s3(storage: Storage) -> bool:
    """Return whether storage is django-storages' S3 backend (or an S3-compatible store).

    Looks for ``connection`` on the class: reading the property would open the calling
    thread's own boto3 resource (django-storages keeps one per thread), ~0.1 s of CPU each.
    """
    if not hasattr(storage, "bucket_name"):
        return False
    concrete = getattr(storage, "_wrapped", storage)  # default_storage is a LazyObject
    return hasattr(type(concrete), "connection")


class LocalFile:
    """An open local file read from `position` on with pread: no seek, one call per chunk."""

    def __init__(self, handle, position: int = 0):
        self.handle = handle
        self.position = position

    def read(self, size: int) -> bytes:
        data = os.pread(self.handle.fileno(), size, self.position)
        self.position += len(data)
        return data

    def close(self) -> None:
        self.handle.close()


class FileRange:
    """The next `length` bytes of a reader; the response closes the reader when done."""

    def __init__(self, reader: Reader, length: int):
        self.reader = reader
        self.length = length

    def close(self) -> None:
        self.reader.close()


class SyncFileRange(FileRange):
    def __iter__(self):
        remaining = self.length
        while remaining > 0:
            chunk = self.reader.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class AsyncFileRange(FileRange):
    async def __aiter__(self):
        # Each read runs in a worker thread: a slow disk or store never stalls the event loop.
        remaining = self.length
        while remaining > 0:
            chunk = await asyncio.to_thread(self.reader.read, min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class Changed(Exception):
    """The object no longer matches the If-Range validator a ranged GET was sent with."""


class S3Object:
    """One GET of an S3 object (the bytes first..last when given), read as it arrives.

    `if_range` (an ETag or an HTTP date) makes a ranged GET conditional: Changed when the
    object is no longer the one the client holds part of.
    """

    def __init__(
        self,
        storage: Storage,
        key: str,
        wanted: tuple[int, int] | None = None,
        if_range: str = "",
    ):
        from botocore.exceptions import ClientError

        client = storage.connection.meta.client
        extra = {"Range": "bytes={}-{}".format(*wanted)} if wanted else {}
        if wanted and if_range:
            extra.update(_s3_condition(if_range))
        try:
            answer = client.get_object(Bucket=storage.bucket_name, Key=key, **extra)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise Missing(key) from None
            if code in ("PreconditionFailed", "412"):
                raise Changed(key) from None
            raise
        self.body = answer["Body"]
        self.etag = answer.get("ETag", "")
        content_range = answer.get("ContentRange") or ""
        self.size = (
            int(content_range.rpartition("/")[2]) if content_range else int(answer["ContentLength"])
        )

    def read(self, size: int) -> bytes:
        return self.body.read(size)

    def close(self) -> None:
        self.body.close()


def _s3_condition(if_range: str) -> dict:
    if if_range.startswith(('"', "W/")):
        return {"IfMatch": if_range}
    moment = parse_http_date_safe(if_range)
    if moment is None:
        raise Changed(if_range)
    return {"IfUnmodifiedSince": datetime.fromtimestamp(moment, tz=UTC)}


def _under_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def _presigned_redirect(
    storage: Storage, key: str, content_type: str, cache_control: str, attachment: str | None
) -> HttpResponse:
    # S3 answers with the type the object was stored with (often binary/octet-stream for a
    # presigned upload); ask it for the song's own, so players and <audio> accept it, and for
    # the name a download is saved under.
    parameters = {} if storage.custom_domain else {"ResponseContentType": content_type}
    if attachment and not storage.custom_domain:
        parameters["ResponseContentDisposition"] = attachment_header(attachment)
    response = HttpResponseRedirect(storage.url(key, parameters=parameters))
    response["Cache-Control"] = f"private, max-age={redirect_max_age(storage, cache_control)}"
    return response


def redirect_max_age(storage: Storage, cache_control: str) -> int:
    """Return how long a browser may reuse a redirect to a presigned URL (see _reuse_seconds)."""
    if storage.querystring_auth:
        return _reuse_seconds(cache_control, storage.querystring_expire)
    return _reuse_seconds(cache_control, None)


def _reuse_seconds(cache_control: str, expire: int | None) -> int:
    """As long as the file itself may be cached, but never until the signature runs out: a
    reused redirect must still lead to a URL that works (a minute or a tenth to spare)."""
    wanted = MAX_AGE_RE.search(cache_control)
    max_age = int(wanted.group(1)) if wanted else 0
    if expire is not None:
        max_age = min(max_age, expire - max(60, expire // 10))
    return max(max_age, 0)


def _open_local(storage: Storage, key: str):
    return open_local(storage.path(key), key)


def open_local(path: str, key: str):
    """Open a local file for reading; return it and its stat. Missing when it is not there."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise Missing(key) from None
    return handle, os.fstat(handle.fileno())


def file_headers(
    content_type: str, cache_control: str = PRIVATE, attachment: str | None = None
) -> dict[str, str]:
    """Return the headers every answer with a stored file carries (a 416 aside)."""
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "Cache-Control": cache_control,
    }
    if attachment:
        headers["Content-Disposition"] = attachment_header(attachment)
    return headers


def stored_file_response(
    request,
    key: str,
    content_type: str,
    *,
    cache_control: str = PRIVATE,
    storage: Storage | None = None,
    attachment: str | None = None,
    size_hint: int | None = None,
    proxy_s3: bool = False,
) -> HttpResponseBase:
    """Answer a GET for a stored file, honouring a single byte range; never read it whole.

    On S3 the answer is a redirect to a presigned URL, or with `proxy_s3` (for callers that do
    not follow redirects) the object's bytes through one ranged GET (`size_hint`, the file's
    size when known, saves a probe for a range). A local file goes to the front proxy when
    MEDIA_SENDFILE says so (a signed redirect only when `proxy_s3` is off), else its bytes.
    An `attachment` is saved under that name wherever the bytes come from: a presigned URL
    asks S3 for the header; a URL that cannot (a custom domain's, the proxy's signed one) is
    not redirected to.
    Raise Missing when the object is not in the store (checked unless redirecting to S3).
    """
    storage = storage or default_storage
    if is_s3(storage):
        # A custom domain's URL is not signed: it cannot name the file a download saves.
        if not proxy_s3 and not (attachment and storage.custom_domain):
            return _presigned_redirect(storage, key, content_type, cache_control, attachment)
        response = _proxied(request, storage, key, size_hint)
    else:
        # The proxy's signed URL names no file either: a download is sent from here.
        may_redirect = not proxy_s3 and not attachment
        handed = handed_off(storage, key, cache_control, may_redirect=may_redirect)
        if handed is not None and handed.status_code == 302:
            return handed
        response = handed or _local(request, storage, key)
    if response.status_code != 416:
        for header, value in file_headers(content_type, cache_control, attachment).items():
            response[header] = value
    return response


def _local(request, storage: Storage, key: str) -> HttpResponseBase:
    handle, stat = _open_local(storage, key)
    answer = local_slice(
        stat, request.headers.get("Range", ""), request.headers.get("If-Range", "")
    )
    if answer.status == 416:
        handle.close()
        response = HttpResponse(status=416)
    elif answer.status == 200 and not _under_asgi(request):
        # The whole file under WSGI: the server may hand it to sendfile (wsgi.file_wrapper).
        response = FileResponse(handle)
    else:
        chunks = AsyncFileRange if _under_asgi(request) else SyncFileRange
        response = StreamingHttpResponse(chunks(LocalFile(handle, answer.start), answer.length))
        response.status_code = answer.status
    for header, value in answer.headers.items():
        response[header] = value
    return response


def _proxied(request, storage: Storage, key: str, size_hint: int | None) -> HttpResponseBase:
    wanted = None
    if request.headers.get("Range"):
        size = size_hint if size_hint is not None else _s3_size(storage, key)
        wanted = parse_range(request.headers["Range"], size)
        if wanted == UNSATISFIABLE:
            return unsatisfiable_response(size)
    try:
        reader = S3Object(storage, key, wanted, request.headers.get("If-Range", "").strip())
    except Changed:
        wanted = None
        reader = S3Object(storage, key)
    response = _streaming(request, reader, wanted, reader.size)
    if reader.etag:
        response["ETag"] = reader.etag
    return response


def _streaming(request, reader: Reader, wanted, size: int) -> StreamingHttpResponse:
    start, end = wanted or (0, size - 1)
    length = max(end - start + 1, 0)
    chunks = AsyncFileRange if _under_asgi(request) else SyncFileRange
    response = StreamingHttpResponse(chunks(reader, length))
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return response


def handed_off(
    storage: Storage, key: str, cache_control: str = PRIVATE, *, may_redirect: bool = True
) -> HttpResponse | None:
    """Return the answer that hands a local file to the front proxy (MEDIA_SENDFILE), or None
    when the server sends the bytes itself: no proxy set, a file outside MEDIA_ROOT (the only
    folder the proxy serves), or a signed redirect for a caller that cannot follow one or for
    a file others may cache (covers at content-addressed URLs keep theirs: a signed URL
    expires)."""
    mode = getattr(settings, "MEDIA_SENDFILE", "").lower()
    if not mode:
        return None
    if mode == SIGNED_REDIRECT and (not may_redirect or "public" in cache_control):
        return None
    path = storage.path(key)
    relative = os.path.relpath(path, settings.MEDIA_ROOT)
    if relative.startswith(os.pardir) or os.path.isabs(relative):
        return None
    if not os.path.isfile(path):
        raise Missing(key)
    relative = relative.replace(os.sep, "/")
    if mode == SIGNED_REDIRECT:
        return _signed_redirect(relative, cache_control)
    response = HttpResponse()
    header = SENDFILE_HEADERS.get(mode)
    if header == "X-Accel-Redirect":
        prefix = getattr(settings, "MEDIA_SENDFILE_PREFIX", "/internal-media/").rstrip("/")
        response[header] = f"{prefix}/{quote(relative)}"
    elif header == "X-Sendfile":
        response[header] = path
    else:
        raise ValueError(
            f"MEDIA_SENDFILE must be x-accel-redirect, x-sendfile or signed-redirect, not {mode!r}"
        )
    # Said, not left to CommonMiddleware: the lean ASGI path has none, and the empty body then
    # goes to the proxy without chunked framing.
    response["Content-Length"] = "0"
    return response


def signed_media_url(relative: str, now: float | None = None) -> str:
    """Return the short-lived URL at which the front proxy serves the file at `relative` (a
    path under MEDIA_ROOT), signed as nginx's secure_link_md5 checks it:
    md5("<expires><uri> <MEDIA_SIGNED_URL_SECRET>") in URL-safe base64 without padding.

    The secret comes last, so the MD5 cannot be extended to another path; `<uri>` is the path
    as nginx decodes it, so the signature binds this one file until `expires`.
    """
    prefix = "/" + settings.MEDIA_SIGNED_URL_PREFIX.strip("/") + "/"
    expires = int(now if now is not None else time.time()) + settings.MEDIA_SIGNED_URL_SECONDS
    uri = prefix + relative
    digest = hashlib.md5(  # what nginx's secure_link_md5 computes
        f"{expires}{uri} {settings.MEDIA_SIGNED_URL_SECRET}".encode()
    ).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{quote(uri)}?md5={signature}&expires={expires}"


def _signed_redirect(relative: str, cache_control: str) -> HttpResponse:
    response = HttpResponseRedirect(signed_media_url(relative))
    # A browser may reuse the redirect while the URL it leads to still works.
    response["Cache-Control"] = (
        f"private, max-age={_reuse_seconds(cache_control, settings.MEDIA_SIGNED_URL_SECONDS)}"
    )
    response["Content-Length"] = "0"
    return response


def _s3_size(storage: Storage, key: str) -> int:
    probe = S3Object(storage, key, (0, 0))
    probe.close()
    return probe.size


def attachment_header(name: str) -> str:
    """Return a Content-Disposition for saving a file under `name`: a plain ASCII filename=
    beside filename*= (RFC 6266), since some apps read only the first."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r'[\x00-\x1f"\\]', "_", plain).strip() or "download"
    if plain == name:
        return content_disposition_header(True, name)
    return f"attachment; filename=\"{plain}\"; filename*=utf-8''{quote(name)}"


def file_response(
    request,
    key: str,
    content_type: str,
    *,
    cache_control: str = PRIVATE,
    storage: Storage | None = None,
) -> HttpResponseBase:
    """Answer a GET for a stored file (see stored_file_response); a missing file is a 404.

    The caller's own 404: the API's JSON error shape, the site's page.
    """
    try:
        return stored_file_response(
            request, key, content_type, cache_control=cache_control, storage=storage
        )
    except Missing:
        raise Http404("The file is not in the store.") from None
