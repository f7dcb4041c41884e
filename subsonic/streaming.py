"""Send a stored file to a Subsonic app, with HTTP ranges, a chunk at a time.

Many Subsonic apps do not follow redirects when streaming, so on S3 the server proxies the
object (one ranged GET) instead of redirecting to a presigned URL. Nothing is read whole:
under ASGI the chunks come from an async iterator (Django would otherwise collect a sync
iterator into a list first); under WSGI from a plain generator.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

from django.core.files.storage import Storage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from catalog.media import is_s3, parse_range

CHUNK_SIZE = 256 * 1024


class Missing(Exception):
    """The object is not in the store."""


class Reader(Protocol):
    def read(self, size: int) -> bytes: ...

    def close(self) -> None: ...


def _open_local(storage: Storage, key: str) -> tuple[Reader, int]:
    try:
        handle = open(storage.path(key), "rb")  # noqa: SIM115 - closed by the iterator
    except (FileNotFoundError, NotADirectoryError):
        raise Missing(key) from None
    return handle, os.fstat(handle.fileno()).st_size


class _S3Range:
    """One ranged GET of an S3 object, read as it arrives."""

    def __init__(self, storage: Storage, key: str, first: int | None, last: int | None):
        from botocore.exceptions import ClientError

        client = storage.connection.meta.client
        extra = {}
        if first is not None:
            extra["Range"] = f"bytes={first}-{'' if last is None else last}"
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


def _sync_chunks(reader: Reader, length: int) -> Iterator[bytes]:
    try:
        remaining = length
        while remaining > 0:
            chunk = reader.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        reader.close()


async def _async_chunks(reader: Reader, length: int) -> AsyncIterator[bytes]:
    try:
        remaining = length
        while remaining > 0:
            chunk = await asyncio.to_thread(reader.read, min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(reader.close)


def _seek(reader: Reader, start: int) -> None:
    if start and hasattr(reader, "seek"):
        reader.seek(start)


def file_response(
    request,
    key: str,
    content_type: str,
    *,
    size_hint: int | None = None,
    cache_control: str = "private, max-age=0",
    attachment: str | None = None,
    storage: Storage | None = None,
) -> HttpResponse:
    """Answer a GET for a stored file, honouring one byte range; raise Missing when absent."""
    storage = storage or default_storage
    range_header = request.headers.get("Range", "")
    if is_s3(storage):
        wanted = None
        if range_header:
            if size_hint is None:
                size_hint = _S3Range(storage, key, 0, 0).size
            wanted = parse_range(range_header, size_hint)
            if wanted is None:
                return _unsatisfiable(size_hint)
        reader = _S3Range(storage, key, *(wanted or (None, None)))
        size = reader.size
    else:
        reader, size = _open_local(storage, key)
        wanted = None
        if range_header:
            wanted = parse_range(range_header, size)
            if wanted is None:
                reader.close()
                return _unsatisfiable(size)
            _seek(reader, wanted[0])
    start, end = wanted or (0, size - 1)
    length = max(end - start + 1, 0)
    chunks = (
        _async_chunks(reader, length)
        if isinstance(request, ASGIRequest)
        else _sync_chunks(reader, length)
    )
    response = StreamingHttpResponse(chunks, status=206 if wanted else 200)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if attachment:
        response["Content-Disposition"] = content_disposition_header(True, attachment)
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def download_redirect(key: str, storage: Storage | None = None) -> HttpResponse | None:
    """On S3, redirect a download to a short-lived presigned URL; None elsewhere."""
    storage = storage or default_storage
    if is_s3(storage):
        return HttpResponseRedirect(storage.url(key))
    return None
