"""Serve stored files to players: HTTP ranges from local storage, presigned redirects on S3."""

import os
import re

from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _iter_file(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


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


def file_response(
    request,
    key: str,
    content_type: str,
    *,
    cache_control: str = "private, max-age=0",
    storage: Storage | None = None,
) -> HttpResponse:
    """Answer a GET for a stored file, honouring a single byte range; never read it whole."""
    storage = storage or default_storage
    if _is_s3(storage):
        return HttpResponseRedirect(storage.url(key))
    path = storage.path(key)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        return HttpResponse("The file is not in the store.", status=404, content_type="text/plain")
    size = os.fstat(handle.fileno()).st_size
    range_header = request.headers.get("Range", "")
    if not range_header:
        response = FileResponse(handle, content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = cache_control
        return response
    wanted = parse_range(range_header, size)
    if wanted is None:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted
    response = StreamingHttpResponse(
        _iter_file(handle, start, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    return response
