"""Open a song's stored file for the decoder: a path on local storage, ranged GETs on S3."""

from __future__ import annotations

import io
import os
from typing import BinaryIO

from django.core.files.storage import Storage, default_storage

from catalog.media import is_s3


class SourceMissing(Exception):
    """The song's file is not in the store."""


class S3ObjectReader(io.RawIOBase):
    """A seekable file over one S3 object: one streaming GET from the position, reopened on seek.

    The decoder reads forward almost always, so a seek costs one new request and a read costs
    none: the object is never downloaded whole nor held in memory.
    """

    def __init__(self, storage: Storage, key: str, size: int | None = None):
        super().__init__()
        self._client = storage.connection.meta.client
        self._bucket = storage.bucket_name
        self.name = key
        self._size = size
        self._pos = 0
        self._body = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    @property
    def size(self) -> int:
        if self._size is None:
            head = self._call(self._client.head_object, Bucket=self._bucket, Key=self.name)
            self._size = int(head["ContentLength"])
        return self._size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: None}[whence]
        position = (self.size if base is None else base) + offset
        if position < 0:
            raise OSError("negative seek position")
        if position != self._pos:
            self._drop_body()
            self._pos = position
        return position

    def read(self, size: int = -1) -> bytes:
        if self._pos >= self.size:
            return b""
        if self._body is None:
            answer = self._call(
                self._client.get_object,
                Bucket=self._bucket,
                Key=self.name,
                Range=f"bytes={self._pos}-",
            )
            self._body = answer["Body"]
        data = self._body.read(None if size is None or size < 0 else size)
        self._pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def _call(self, operation, **arguments):
        from botocore.exceptions import ClientError

        try:
            return operation(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise SourceMissing(f"s3://{self._bucket}/{self.name}") from None
            raise


def open_source(key: str, size: int | None, storage: Storage | None = None) -> str | BinaryIO:
    """Return what the decoder opens for a stored file; raise SourceMissing when it is absent.

    On S3 the first GET happens at the first read, in the encoder's thread.
    """
    storage = storage or default_storage
    if is_s3(storage):
        return S3ObjectReader(storage, key, size)
    path = storage.path(key)
    if not os.path.isfile(path):
        raise SourceMissing(key)
    return path
