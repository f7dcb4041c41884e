"""Writes of many rows in a few statements, with far less Python than Django's bulk methods.

update_in_bulk saves many rows' fields in a few statements; insert_in_bulk inserts new rows
and gives each its primary key.
"""

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict


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


def insert_in_bulk(model: type[Model], rows: list[Model], *, ignore_conflicts=False) -> None:
    """Insert new rows (their primary key made by the database) and give each its key.

    What QuerySet.bulk_create does for a model without signals, parents or conflicts, with
    the SQL written here: Django's compiles every value of every row through its expression
    machinery, about half of what writing a batch of songs costs. Values go through each
    field's pre_save (auto_now_add...) and get_db_prep_save as they would there.

    With ``ignore_conflicts``, a row a unique constraint refuses is left out (ON CONFLICT DO
    NOTHING) and no row is given its key: read the rows back.
    """
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(rows, ignore_conflicts=ignore_conflicts)
        return
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    insert = f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)}"
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    if ignore_conflicts:
        end = ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    else:
        end = f"RETURNING {ops.quote_name(meta.pk.column)}"
    per_statement = max(1, ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                field.get_db_prep_save(field.pre_save(row, True), connection)
                for row in chunk
                for field in fields
            ]
            cursor.execute(
                f"{insert} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} {end}", params
            )
            if ignore_conflicts:
                continue
            for row, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                row.pk = pk
                row._state.adding, row._state.db = False, connection.alias
