"""List the media store for the re-sync: its objects in key order, a page at a time.

A listing comes in the order S3 lists keys, UTF-8 byte order, on S3 and in the local folder
alike, with each object's ETag (a stand-in from its size and time on disk) and size: enough
to tell whether the catalogue is up to date without reading a file. Range reads of one object
are store.py's.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from stat import S_ISREG

from django.core.files.storage import Storage, default_storage

from catalog.media import is_s3
from ingest.store import s3_client

AUDIO_SUFFIXES = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wav", ".aif", ".aiff"}
    | {".wv", ".wma", ".ape"}
)


class StoreUnavailable(Exception):
    """The store cannot be listed (no such bucket, access denied, unreachable); str() says why."""


@dataclass(frozen=True)
class ListedObject:
    """One object as a listing shows it: enough to tell whether the catalogue is up to date."""

    key: str
    etag: str
    size: int
    last_modified: datetime


def is_audio_key(key: str) -> bool:
    """Tell whether a key names a file we ingest, by its extension."""
    return PurePosixPath(key).suffix.lower() in AUDIO_SUFFIXES


def local_etag(stat: os.stat_result) -> str:
    """Return a local file's stand-in for an ETag: it changes whenever the file is rewritten."""
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}"


def object_etag(key: str, *, storage: Storage | None = None) -> str:
    """Return the ETag a listing of the store shows for ``key`` (the local stand-in on disk).

    Events that a process makes itself (the demo seed) carry it, so a later re-sync sees the
    object as unchanged instead of reading it again.
    """
    storage = storage or default_storage
    if is_s3(storage):
        head = s3_client(storage).head_object(Bucket=storage.bucket_name, Key=key)
        return str(head.get("ETag", "")).strip('"')
    return local_etag(os.stat(storage.path(key)))


def list_objects(prefix: str = "", *, storage: Storage | None = None) -> Iterator[ListedObject]:
    """Yield the store's objects under ``prefix`` in key order (UTF-8 bytes), a page at a time.

    Raises StoreUnavailable, at the start or midway, when the store cannot be listed.
    """
    storage = storage or default_storage
    if is_s3(storage):
        yield from _list_s3(storage, prefix)
    else:
        root = Path(storage.location)
        if not root.is_dir():
            raise StoreUnavailable(f"the media folder {root} does not exist")
        yield from _list_folder(root, "", prefix)


_LISTING_ERRORS = {
    "NoSuchBucket": "there is no bucket named '{bucket}'",
    "AccessDenied": "access to bucket '{bucket}' is denied (check the credentials and policy)",
    "AllAccessDisabled": "access to bucket '{bucket}' is disabled",
    "InvalidAccessKeyId": "the access key is not valid for the store of bucket '{bucket}'",
    "SignatureDoesNotMatch": "the secret key is wrong for the store of bucket '{bucket}'",
}


def _list_s3(storage: Storage, prefix: str) -> Iterator[ListedObject]:
    # botocore loads only where the store is S3: it is ~30 MB of every process's memory.
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = storage.bucket_name
    pages = s3_client(storage).get_paginator("list_objects_v2")
    try:
        for page in pages.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield ListedObject(
                    key=item["Key"],
                    etag=str(item.get("ETag", "")).strip('"')[:100],
                    size=int(item.get("Size", 0)),
                    last_modified=item["LastModified"],
                )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        reason = _LISTING_ERRORS.get(code, "cannot list bucket '{bucket}': " + str(error))
        raise StoreUnavailable(reason.format(bucket=bucket)) from None
    except BotoCoreError as error:
        raise StoreUnavailable(f"cannot reach the store of bucket '{bucket}': {error}") from None


def _list_folder(folder: Path, under: str, prefix: str) -> Iterator[ListedObject]:
    """Walk a folder in key order: a folder's key sorts as its name followed by "/"."""
    try:
        with os.scandir(folder) as scan:
            entries = [
                (entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name, entry)
                for entry in scan
                if not entry.name.startswith(".")
            ]
    except OSError as error:
        raise StoreUnavailable(f"cannot read the media folder {folder}: {error}") from None
    entries.sort(key=lambda named: named[0])
    for name, entry in entries:
        key = under + name
        if name.endswith("/"):
            if key.startswith(prefix) or prefix.startswith(key):
                yield from _list_folder(Path(entry.path), key, prefix)
            continue
        if not key.startswith(prefix):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue  # deleted while we walked, or a link to nothing
        if not S_ISREG(stat.st_mode):
            continue  # a link to a folder (not followed, as the watcher does not), a pipe
        yield ListedObject(
            key=key,
            etag=local_etag(stat),
            size=stat.st_size,
            last_modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        )
