"""Writes and reads of many rows in a few statements, with far less Python than the ORM's.

update_in_bulk saves many rows' fields in a few statements; insert_in_bulk inserts new rows
and gives each its primary key. insert_rows and update_rows do the same for rows given as
tuples of values, with no model instance made at all, and rows_among reads rows back as
tuples: a Song's __init__, its fields' preparation and the ORM's compiling of a lookup cost
more Python than the statements themselves.
"""

import datetime
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import partial

from django.db import connections, router
from django.db.models import DateTimeField, Expression, Field, Model
from django.db.models.constants import OnConflict
from django.utils import timezone

# Columns whose Python value (of the field's own type) the database drivers take as it is;
# a foreign key goes as its target's column does.
_AS_THEY_ARE = frozenset(
    {
        *("CharField", "TextField", "BooleanField", "FloatField", "AutoField", "BigAutoField"),
        *("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField"),
        *("PositiveBigIntegerField", "PositiveSmallIntegerField", "SmallAutoField"),
    }
)


def update_in_bulk(model: type[Model], rows: list[Model], fields: Iterable[str]) -> int:
    """Save these fields of many rows in a few UPDATE statements; return how many rows matched.

    What QuerySet.bulk_update does, with the SQL written here: Django's builds a CASE of
    resolved expressions per row and field, which costs about a millisecond of Python a row
    at ingest's batch sizes, far more than the statement itself. Values are prepared as
    insert_rows prepares them.
    """
    if not rows:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    connection = connections[router.db_for_write(model)]
    values = _prepared(
        [(row.pk, *(getattr(row, field.attname) for field in columns)) for row in rows],
        [_preparation(meta.pk, connection), *(_preparation(f, connection) for f in columns)],
    )
    return _update(model, columns, values)


def update_rows(model: type[Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Save these fields of many rows given as (primary key, *values) tuples; return how many
    rows matched.

    update_in_bulk without model instances; values are taken as insert_rows takes them.
    """
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    connection = connections[router.db_for_write(model)]
    prepared = _prepared(rows, [None, *(_preparation(field, connection) for field in columns)])
    return _update(model, columns, prepared)


def _update(model: type[Model], columns: list[Field], rows: list[Sequence]) -> int:
    """Write rows of database-ready values, (primary key, *one per column), with CASE updates."""
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    cast = connection.features.requires_casted_case_in_updates
    pk_column = quote(meta.pk.column)
    per_statement = max(1, 900 // (2 * len(columns) + 1))
    matched = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            ids = [row[0] for row in chunk]
            assignments, params = [], []
            for position, field in enumerate(columns, 1):
                then = f"CAST(%s AS {field.cast_db_type(connection)})" if cast else "%s"
                for row in chunk:
                    params += [row[0], row[position]]
                assignments.append(
                    f"{quote(field.column)} = CASE {pk_column} "
                    f"{' '.join([f'WHEN %s THEN {then}'] * len(chunk))} "
                    f"ELSE {quote(field.column)} END"
                )
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
                f"WHERE {pk_column} IN ({placeholders})",
                [*params, *ids],
            )
            matched += cursor.rowcount
    return matched


def insert_in_bulk(model: type[Model], rows: list[Model], *, ignore_conflicts=False) -> None:
    """Insert new rows (their primary key made by the database) and give each its key.

    What QuerySet.bulk_create does for a model without signals, parents or conflicts, with
    the SQL written here: Django's compiles every value of every row through its expression
    machinery, about half of what writing a batch of songs costs. Values go through each
    field's pre_save (auto_now_add...), then, as in insert_rows, text, number, boolean and
    foreign-key values go as they are and any other through its get_db_prep_save.

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
    values = _prepared(
        [tuple(field.pre_save(row, True) for field in fields) for row in rows],
        [_preparation(field, connection) for field in fields],
    )
    keys = _insert(model, fields, values, ignore_conflicts=ignore_conflicts)
    if ignore_conflicts:
        return
    for row, pk in zip(rows, keys, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias


def insert_rows(
    model: type[Model], fields: Sequence[str], rows: Iterable[tuple], *, ignore_conflicts=False
) -> list:
    """Insert rows given as tuples of these fields' values; return their new primary keys.

    insert_in_bulk without a model instance a row. Every other column takes its default
    (auto_now and auto_now_add dates: now). Text, number, boolean and foreign-key values go
    to the database as they are, so they must be of the column's type already (an id for a
    foreign key); any other goes through its field's get_db_prep_save. With
    ``ignore_conflicts`` a row a unique constraint refuses is left out and no keys come back.
    """
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    named = [meta.get_field(name) for name in fields]
    others = [field for field in meta.concrete_fields if field not in named]
    others = [field for field in others if field is not meta.auto_field]
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        attnames = [field.attname for field in named]
        made = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        insert_in_bulk(model, made, ignore_conflicts=ignore_conflicts)
        return [] if ignore_conflicts else [row.pk for row in made]
    defaults = tuple(field.get_db_prep_save(_default(field), connection) for field in others)
    prepared = _prepared(rows, [_preparation(field, connection) for field in named])
    values = [(*row, *defaults) for row in prepared] if defaults else prepared
    return _insert(model, [*named, *others], values, ignore_conflicts=ignore_conflicts)


def _insert(
    model: type[Model], fields: list[Field], rows: list[Sequence], *, ignore_conflicts: bool
) -> list:
    """Insert rows of database-ready values, one per field; return their keys (or [])."""
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    insert = f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)}"
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    if ignore_conflicts:
        end = ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    else:
        end = f"RETURNING {ops.quote_name(meta.pk.column)}"
    # PostgreSQL names no limit to Django, but its protocol takes at most 65,535 parameters.
    per_statement = max(1, min(ops.bulk_batch_size(fields, rows), 65535 // len(fields)))
    keys = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            cursor.execute(
                f"{insert} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} {end}", params
            )
            if not ignore_conflicts:
                keys += [pk for (pk,) in cursor.fetchall()]
    return keys


def _preparation(field: Field, connection) -> Callable | None:
    """Return what turns a Python value of the field into the database's: None if nothing."""
    column = field.target_field if field.is_relation else field
    if column.get_internal_type() in _AS_THEY_ARE:
        return None
    return partial(field.get_db_prep_save, connection=connection)


def _prepared(rows: list[tuple], preparations: list[Callable | None]) -> list[Sequence]:
    """Return the rows with each value that needs it prepared (a value repeated row after row,
    the time now, is prepared once)."""
    columns = [(column, prepare) for column, prepare in enumerate(preparations) if prepare]
    if not columns:
        return rows
    prepared, last = [], {}
    for row in rows:
        row = list(row)
        for column, prepare in columns:
            value = row[column]
            before = last.get(column)
            if before is None or before[0] is not value:
                before = last[column] = (value, prepare(value))
            row[column] = before[1]
        prepared.append(row)
    return prepared


def rows_among(
    model: type[Model],
    fields: Sequence[str],
    *,
    order_by: str | None = None,
    lock: bool = False,
    **among: Collection,
) -> list[tuple]:
    """Return the fields' values of the rows whose columns each hold one of the values given.

    ``rows_among(Song, ["pk", "title"], storage_key=keys)`` reads the rows WHERE storage_key
    IN (keys), converted as Django converts values_list rows; none if a collection is empty.
    With ``lock`` the rows are locked for the transaction (FOR UPDATE) where the database can.
    """
    if not all(among.values()):
        return []
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [meta.pk if name == "pk" else meta.get_field(name) for name in fields]
    conditions, params = [], []
    for name, values in among.items():
        values = list(values)
        placeholders = ", ".join(["%s"] * len(values))
        conditions.append(f"{quote(meta.get_field(name).column)} IN ({placeholders})")
        params += values
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in columns)} "
        f"FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)}"
    )
    if order_by:
        sql += f" ORDER BY {quote(meta.get_field(order_by).column)}"
    if lock and connection.features.has_select_for_update:
        sql += f" {connection.ops.for_update_sql()}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _converted(rows, columns, connection)


def _converted(rows: list[tuple], columns: list[Field], connection) -> list[tuple]:
    """Return rows as Django converts a column's values (SQLite's 0 and 1 to booleans...)."""
    converting = []
    for position, field in enumerate(columns):
        column = field.get_col(field.model._meta.db_table)
        functions = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        if functions:
            converting.append((position, functions, column))
    if not converting:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, column in converting:
            for function in functions:
                row[position] = function(row[position], column, connection)
        converted.append(tuple(row))
    return converted


def _default(field: Field):
    """Return the value a column not given takes: its default, or now for auto_now dates."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now() if isinstance(field, DateTimeField) else datetime.date.today()
    value = field.get_default()
    if isinstance(value, Expression):
        raise ValueError(f"{field.model.__name__}.{field.name} has no default to write: give it")
    return value
