"""Rows a batch of ingest jobs has looked up or created, reused by the batch's later jobs.

A batch writes its songs in one transaction, each job in a savepoint of its own. Its jobs
mostly share artists, albums, genres and covers, so the second song of an album should not
look them up again. What a job finds is staged and kept only when the job's savepoint
commits; a job that fails drops what it staged and forgets every row it touched (it may
have changed them in memory), so no row created or changed in a rolled-back savepoint is
ever reused. update_in_bulk saves many rows' fields in a few statements.
"""

from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager

from django.db import connections, router
from django.db.models import Model


class BatchRows:
    """Catalogue rows (and search words) known to one batch's transaction."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, object] = {}
        self._staged: dict[Hashable, object] = {}
        self._touched: set[Hashable] = set()
        self._kept_words: set[str] = set()
        self._staged_words: set[str] = set()
        self._missing: set[Hashable] = set()

    def get(self, key: Hashable):
        """Return the row known by this key, or None."""
        self._touched.add(key)
        if key in self._staged:
            return self._staged[key]
        return self._kept.get(key)

    def put(self, key: Hashable, row: object) -> None:
        """Remember a row the current job found or created (kept if the job succeeds)."""
        self._touched.add(key)
        self._staged[key] = row

    def preload(self, rows: dict[Hashable, object], looked_up: Iterable[Hashable]) -> None:
        """Remember the committed rows found by a lookup made for the whole batch, and which
        of the keys it looked up had none (a job may then insert before it reads)."""
        self._kept.update(rows)
        self._missing.update(key for key in looked_up if key not in rows)

    def was_missing(self, key: Hashable) -> bool:
        """Tell whether the batch's lookup found no row for this key (it may exist by now)."""
        return key in self._missing

    def add_words(self, words: Iterable[str]) -> None:
        """Stage search words for the lexicon, written once for the batch (take_words)."""
        self._staged_words.update(words)

    def take_words(self) -> set[str]:
        """Return the kept jobs' search words and forget them."""
        words, self._kept_words = self._kept_words, set()
        return words

    def forget(self) -> None:
        """Forget every row (after a removal, which may prune artists and albums)."""
        self._kept.clear()
        self._staged.clear()

    @contextmanager
    def job(self) -> Iterator[None]:
        """Scope one job: keep what it found when it ends well, forget it when it raises."""
        self._staged, self._touched, self._staged_words = {}, set(), set()
        try:
            yield
        except BaseException:
            for key in self._touched:
                self._kept.pop(key, None)
            raise
        else:
            self._kept.update(self._staged)
            self._kept_words.update(self._staged_words)
        finally:
            self._staged, self._touched, self._staged_words = {}, set(), set()


def update_in_bulk(model: type[Model], rows: list[Model], fields: Iterable[str]) -> int:
    """Save these fields of many rows in a few UPDATE statements; return how many rows matched.

    What QuerySet.bulk_update does, with the SQL written here: Django's builds a CASE of
    resolved expressions per row and field, which costs about a millisecond of Python a row
    at ingest's batch sizes, far more than the statement itself.
    """
    if not rows:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    cast = connection.features.requires_casted_case_in_updates
    pk = meta.pk
    per_statement = max(1, 900 // (2 * len(columns) + 1))
    matched = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            ids = [pk.get_db_prep_value(row.pk, connection) for row in chunk]
            assignments, params = [], []
            for field in columns:
                then = f"CAST(%s AS {field.cast_db_type(connection)})" if cast else "%s"
                cases = []
                for row, row_id in zip(chunk, ids, strict=True):
                    value = field.get_db_prep_save(getattr(row, field.attname), connection)
                    cases.append(f"WHEN %s THEN {then}")
                    params += [row_id, value]
                assignments.append(
                    f"{quote(field.column)} = CASE {quote(pk.column)} {' '.join(cases)} "
                    f"ELSE {quote(field.column)} END"
                )
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
                f"WHERE {quote(pk.column)} IN ({placeholders})",
                [*params, *ids],
            )
            matched += cursor.rowcount
    return matched


def insert_in_bulk(model: type[Model], rows: list[Model]) -> None:
    """Insert new rows (their primary key made by the database) and give each its key.

    What QuerySet.bulk_create does for a model without signals, parents or conflicts, with
    the SQL written here: Django's compiles every value of every row through its expression
    machinery, about half of what writing a batch of songs costs. Values go through each
    field's pre_save (auto_now_add...) and get_db_prep_save as they would there.
    """
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(rows)
        return
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                field.get_db_prep_save(field.pre_save(row, True), connection)
                for row in chunk
                for field in fields
            ]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row_sql] * len(chunk))} RETURNING {quote(meta.pk.column)}",
                params,
            )
            for row, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                row.pk = pk
                row._state.adding, row._state.db = False, connection.alias
