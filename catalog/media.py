"""Serve stored files to players from any store: HTTP ranges, presigned redirects, proxying.

One place for the three ways a file leaves the store: read from the local folder a range at a
time; on S3 a redirect to a presigned URL (the site, downloads); or on S3 proxied through one
ranged GET, for Subsonic apps that do not follow redirects when streaming. Nothing is read
whole. Under ASGI the chunks come from an async iterator (Django's ASGI handler would otherwise
collect a sync iterator into a list first, the whole file in memory); under WSGI from a plain
iterator.
"""

import asyncio
import os
import re
from typing import Protocol

from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
MAX_AGE_RE = re.compile(r"max-age=(\d+)")
PRIVATE = "private, max-age=0"


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


class FileRange:
    """`length` bytes of an open reader, from `start` (0: where it stands); closed when done."""

    def __init__(self, reader: Reader, start: int, length: int):
        self.reader = reader
        self.start = start
        self.length = length

    def close(self) -> None:
        self.reader.close()


class SyncFileRange(FileRange):
    def __iter__(self):
        if self.start:
            self.reader.seek(self.start)
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
        if self.start:
            await asyncio.to_thread(self.reader.seek, self.start)
        remaining = self.length
        while remaining > 0:
            chunk = await asyncio.to_thread(self.reader.read, min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


class S3Object:
    """One GET of an S3 object (the bytes first..last when given), read as it arrives."""

    def __init__(self, storage: Storage, key: str, wanted: tuple[int, int] | None = None):
        from botocore.exceptions import ClientError

        client = storage.connection.meta.client
        extra = {"Range": "bytes={}-{}".format(*wanted)} if wanted else {}
        try:
            answer = client.get_object(Bucket=storage.bucket_name, Key=key, **extra)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise Missing(key) from None
            raise
        self.body = answer["Body"]
        content_range = answer.get("ContentRange") or ""
        self.size = (
            int(content_range.rpartition("/")[2]) if content_range else int(answer["ContentLength"])
        )

    def read(self, size: int) -> bytes:
        return self.body.read(size)

    def close(self) -> None:
        self.body.close()


def _under_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def _presigned_redirect(
    storage: Storage, key: str, content_type: str, cache_control: str
) -> HttpResponse:
    # S3 answers with the type the object was stored with (often binary/octet-stream for a
    # presigned upload); ask it for the song's own, so players and <audio> accept it.
    parameters = {} if storage.custom_domain else {"ResponseContentType": content_type}
    response = HttpResponseRedirect(storage.url(key, parameters=parameters))
    response["Cache-Control"] = f"private, max-age={redirect_max_age(storage, cache_control)}"
    return response


def redirect_max_age(storage: Storage, cache_control: str) -> int:
    """Return how long a browser may reuse a redirect to a presigned URL.

    As long as the file itself may be cached, but never until the signature runs out: a
    reused redirect must still lead to a URL that works (a minute or a tenth to spare).
    """
    wanted = MAX_AGE_RE.search(cache_control)
    max_age = int(wanted.group(1)) if wanted else 0
    if storage.querystring_auth:
        expire = storage.querystring_expire
        max_age = min(max_age, expire - max(60, expire // 10))
    return max(max_age, 0)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the (start, end) a single-range header asks for, or None when unsatisfiable."""
    match = RANGE_RE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _open_local(storage: Storage, key: str) -> tuple[Reader, int]:
    try:
        handle = open(storage.path(key), "rb")  # noqa: SIM115 - the response closes it
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise Missing(key) from None
    return handle, os.fstat(handle.fileno()).st_size


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

    On S3 the answer is a redirect to a presigned URL, or with `proxy_s3` the object's bytes
    through one ranged GET (`size_hint`, the file's size when known, saves a probe for a
    range). Raise Missing when the object is not in the store (checked unless redirecting).
    """
    storage = storage or default_storage
    range_header = request.headers.get("Range", "")
    wanted = None
    if is_s3(storage):
        if not proxy_s3:
            return _presigned_redirect(storage, key, content_type, cache_control)
        if range_header:
            size = size_hint if size_hint is not None else _s3_size(storage, key)
            wanted = parse_range(range_header, size)
            if wanted is None:
                return _unsatisfiable(size)
        reader = S3Object(storage, key, wanted)
        size, seek_to = reader.size, 0
    else:
        reader, size = _open_local(storage, key)
        if range_header:
            wanted = parse_range(range_header, size)
            if wanted is None:
                reader.close()
                return _unsatisfiable(size)
        seek_to = wanted[0] if wanted else 0
    start, end = wanted or (0, size - 1)
    length = max(end - start + 1, 0)
    if _under_asgi(request):
        response = StreamingHttpResponse(AsyncFileRange(reader, seek_to, length))
    elif wanted or is_s3(storage):
        response = StreamingHttpResponse(SyncFileRange(reader, seek_to, length))
    else:
        # The whole local file: a WSGI server may hand it to sendfile (wsgi.file_wrapper).
        response = FileResponse(reader)
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if attachment:
        response["Content-Disposition"] = content_disposition_header(True, attachment)
    return response


def _s3_size(storage: Storage, key: str) -> int:
    probe = S3Object(storage, key, (0, 0))
    probe.close()
    return probe.size


def file_response(
    request,
    key: str,
    content_type: str,
    *,
    cache_control: str = PRIVATE,
    storage: Storage | None = None,
) -> HttpResponseBase:
    """Answer a GET for a stored file (see stored_file_response); a missing file is a 404."""
    try:
        return stored_file_response(
            request, key, content_type, cache_control=cache_control, storage=storage
        )
    except Missing:
        return HttpResponse("The file is not in the store.", status=404, content_type="text/plain")
