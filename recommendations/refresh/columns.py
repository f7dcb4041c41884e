"""Read and write the refresh's rows as numpy columns, a bounded block at a time."""

from collections.abc import Iterable, Iterator
from itertools import islice

import numpy as np
from django.db import connection

CHUNK = 5000
FETCH_ROWS = 100_000


def chunks(values: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    """Yield the values as lists of at most size, to keep each IN (...) bounded."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def read_columns(queryset, fields: tuple[str, ...]) -> list[np.ndarray]:
    """Fetch a values_list query as one int64 numpy column per field, a block at a time."""
    parts: list[list[np.ndarray]] = [[] for _ in fields]
    rows = queryset.values_list(*fields).iterator(chunk_size=FETCH_ROWS)
    while block := list(islice(rows, FETCH_ROWS)):
        array = np.asarray(block, dtype=np.int64).reshape(len(block), len(fields))
        for index, part in enumerate(parts):
            part.append(array[:, index])
    return [np.concatenate(part) if part else np.zeros(0, dtype=np.int64) for part in parts]


def scoped(queryset, field: str, ids: list[int] | None):
    """Yield the query as is (ids None) or restricted to the ids, a chunk at a time."""
    if ids is None:
        yield queryset
        return
    for chunk in chunks(ids):
        yield queryset.filter(**{f"{field}__in": chunk})


def insert_columns(model, columns: dict[str, np.ndarray], **constants) -> None:
    """Insert rows given as numpy columns: COPY on PostgreSQL, bulk_create elsewhere."""
    names = list(columns)
    values = [column.tolist() for column in columns.values()]
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        sql = f"COPY {table} ({', '.join([*names, *constants])}) FROM STDIN"
        extra = tuple(constants.values())
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for row in zip(*values, strict=True):
                copy.write_row((*row, *extra))
        return
    rows = (
        model(**dict(zip(names, row, strict=True)), **constants)
        for row in zip(*values, strict=True)
    )
    while block := list(islice(rows, CHUNK)):
        model.objects.bulk_create(block)
