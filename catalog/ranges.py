"""The byte ranges of a stored file a GET asks for, as RFC 9110 says.

One range gets a 206, a range past the end a 416, and what cannot be answered as one range
(several ranges, another unit, a malformed header, an If-Range that no longer matches the
file) the whole file with a 200.
"""

import os
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
UNSATISFIABLE = "unsatisfiable"


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """Return the (start, end) a single-range header asks for, UNSATISFIABLE when it starts
    past the end, or None when it is not one byte range (send the whole file)."""
    match = RANGE_RE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0 or size == 0:
            return UNSATISFIABLE
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    end = int(last) if last else size - 1
    return start, min(end, size - 1)


def _wanted(range_header: str, if_range: str, size: int, etag: str, last_modified: int | None):
    """See parse_range; an If-Range that names another version of the file (ETag, or a date
    it was modified after) asks for all of it."""
    if not range_header:
        return None
    if_range = if_range.strip()
    if if_range and not _if_range_holds(if_range, etag, last_modified):
        return None
    return parse_range(range_header, size)


def _if_range_holds(if_range: str, etag: str, last_modified: int | None) -> bool:
    if if_range.startswith(('"', "W/")):
        # A weak validator never matches (RFC 9110, 13.1.5).
        return bool(etag) and if_range == etag and not etag.startswith("W/")
    moment = parse_http_date_safe(if_range)
    return moment is not None and last_modified is not None and last_modified <= moment


def unsatisfiable_response(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Accept-Ranges"] = "bytes"
    return response


@dataclass(frozen=True)
class FileSlice:
    """The answer to a GET of a local file: its status, the `length` bytes from `start` to
    send, and the headers that describe them (Content-Range, Content-Length, validators)."""

    status: int
    start: int
    length: int
    headers: dict[str, str]


def local_slice(stat: os.stat_result, range_header: str = "", if_range: str = "") -> FileSlice:
    """Return what a GET with these Range and If-Range headers gets of a file (see
    parse_range): a 206 for one satisfiable range, a 416 past the end, else the whole file."""
    size, modified = stat.st_size, int(stat.st_mtime)
    etag = f'"{size:x}-{stat.st_mtime_ns:x}"'
    wanted = _wanted(range_header, if_range, size, etag, modified)
    if wanted == UNSATISFIABLE:
        unsatisfiable = {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"}
        return FileSlice(416, 0, 0, unsatisfiable | {"Content-Length": "0"})
    start, end = wanted or (0, size - 1)
    headers = {"Content-Range": f"bytes {start}-{end}/{size}"} if wanted else {}
    length = max(end - start + 1, 0)
    headers |= {"Content-Length": str(length), "ETag": etag, "Last-Modified": http_date(modified)}
    return FileSlice(206 if wanted else 200, start, length, headers)
