"""Write columns of synthetic rows fast: PostgreSQL COPY, or bulk_create elsewhere."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, models

from catalog.models import Album, Artist, Genre, SearchWord, Song, SongArtist
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem

COPY_ROWS = 100_000
BULK_ROWS = 5_000


def refresh_statistics() -> None:
    """Let the planner see the new rows (and flush GIN pending lists when not in a transaction)."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in [*FastLoad.TABLES, Artist, Album, Genre, SearchWord, get_user_model()]:
            cursor.execute(f"{command} {model._meta.db_table}")


# --- writing rows -------------------------------------------------------------------------------


class FastLoad:
    """Insert columns of rows: COPY on PostgreSQL (indexes rebuilt after), bulk_create elsewhere."""

    TABLES = [Song, SongArtist, Song.genres.through, Play, Like, Rating, PlaylistItem]

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.dropped: list[str] = []
        self.counts: dict[str, int] = {}
        self.big = False

    def __enter__(self) -> FastLoad:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None and self.postgres:
            with connection.cursor() as cursor:
                for definition in self.dropped:
                    cursor.execute(definition)
                for model in self.TABLES + [Artist, Album, get_user_model(), Playlist]:
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM {table}"
                    )
                cursor.execute("SET session_replication_role = DEFAULT")

    def prepare_for(self, rows: int) -> None:
        """Before a big load on PostgreSQL, drop secondary indexes and skip FK triggers.

        Building an index once after the load is many times faster than updating it per row;
        the indexes are recreated, from their own definitions, before the transaction commits.
        """
        if not self.postgres or rows < 50_000 or self.big:
            return
        self.big = True
        tables = [model._meta.db_table for model in self.TABLES]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = (quote_ident(i.schemaname) || '.'
                                        || quote_ident(i.indexname))::regclass
                )
                """,
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self.dropped.append(definition)

    def next_id(self, model: type[models.Model]) -> int:
        return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def write(self, model: type[models.Model], columns: dict[str, list | np.ndarray]) -> None:
        """Insert rows given as equal-length columns named by field attname."""
        names = list(columns)
        count = len(columns[names[0]]) if names else 0
        label = model._meta.verbose_name_plural
        self.counts[str(label)] = self.counts.get(str(label), 0) + count
        if not count:
            return
        if self.postgres:
            self._copy(model, names, columns, count)
            return
        for start in range(0, count, BULK_ROWS):
            stop = min(start + BULK_ROWS, count)
            model.objects.bulk_create(
                [
                    model(**{name: _python(columns[name][row]) for name in names})
                    for row in range(start, stop)
                ],
                batch_size=BULK_ROWS,
            )

    def _copy(self, model, names, columns, count) -> None:
        table = model._meta.db_table
        fields = {f.attname: f.column for f in model._meta.concrete_fields}
        sql = f"COPY {table} ({', '.join(fields[name] for name in names)}) FROM STDIN"
        texts = [_copy_texts(columns[name]) for name in names]
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for start in range(0, count, COPY_ROWS):
                stop = min(start + COPY_ROWS, count)
                block = io.StringIO()
                for row in zip(*(text[start:stop] for text in texts), strict=True):
                    block.write("\t".join(row))
                    block.write("\n")
                copy.write(block.getvalue())


def _python(value):
    return value.item() if isinstance(value, np.generic) else value


def _copy_texts(values) -> list[str]:
    """Return COPY text-format cells for a column (NULL as \\N, special characters escaped)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return values.astype(str).tolist()
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return np.where(values, "t", "f").tolist()
    cells = []
    for value in values:
        if value is None:
            cells.append("\\N")
        elif isinstance(value, bool):
            cells.append("t" if value else "f")
        elif isinstance(value, datetime):
            cells.append(value.isoformat())
        else:
            text = str(value)
            if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
                text = (
                    text.replace("\\", "\\\\")
                    .replace("\t", "\\t")
                    .replace("\n", "\\n")
                    .replace("\r", "\\r")
                )
            cells.append(text)
    return cells


def timestamps(seconds: np.ndarray) -> list[str]:
    """Return ISO timestamps (UTC) for epoch seconds."""
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return np.char.add(stamps, "+00:00").tolist()
