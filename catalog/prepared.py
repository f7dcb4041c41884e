"""Read queries compiled to SQL once, then run with new values each time (PostgreSQL).

Building a Django query (resolving its filters and joins, then writing its SQL) costs more
Python than PostgreSQL spends running a small one by primary keys: 2-6 ms each on the bench
machine, where a Subsonic search runs a dozen such reads for the rows it shows. A
PreparedQuery builds its queryset once with a Slot wherever a value goes, keeps the SQL and
the converters Django would apply to the rows, and on each run only fills the slots in.

SQLite (the embedded default) takes a prepared query too: a list goes in as one JSON array
parameter (`IN (SELECT value FROM json_each(%s))`) where PostgreSQL takes an array. On other
databases the queryset is built with the values and evaluated as usual: the same rows,
without the shortcut.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Expression, F, IntegerField, Lookup, Q, QuerySet


class Slot(Expression):
    """A value a prepared query takes on each run: written as `%s`, filled in when it runs.

    `fill`, when given, turns the value passed in into the parameter sent (a LIKE pattern).
    """

    def __init__(self, name: str, output_field=None, fill: Callable[[Any], Any] | None = None):
        super().__init__(output_field=output_field or IntegerField())
        self.name, self.fill = name, fill

    def value(self, values: dict[str, Any]) -> Any:
        value = values[self.name]
        return self.fill(value) if self.fill else value

    def as_sql(self, compiler, connection):
        return "%s", [self]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def starts_with(column: str, value) -> Q:
    """Return the condition that a text column starts with a value (a string or a Slot)."""
    if isinstance(value, Slot):
        fill = value.fill or (lambda text: text)
        pattern = Slot(value.name, fill=lambda text: _escape_like(fill(text)) + "%")
        return Q(_Like(F(column), pattern))
    return Q(**{f"{column}__startswith": value})


def contains(column: str, value) -> Q:
    """Return the condition that a text column holds a value (a string or a Slot)."""
    if isinstance(value, Slot):
        fill = value.fill or (lambda text: text)
        pattern = Slot(value.name, fill=lambda text: "%" + _escape_like(fill(text)) + "%")
        return Q(_Like(F(column), pattern))
    return Q(**{f"{column}__contains": value})


def one_of(column: str, values) -> Q:
    """Return the condition that a column holds one of the values (a list, or a Slot of one).

    A Slot, in a prepared query, becomes `= ANY(%s)` with the list as one array parameter
    (on SQLite, a JSON array that json_each() spreads into rows); a list, built afresh,
    becomes `IN (...)`, which every database speaks.
    """
    if isinstance(values, Slot):
        return Q(_OneOf(F(column), values))
    return Q(**{f"{column}__in": list(values)})


class _SlotLookup(Lookup):
    """`<column> <operator>`, the operator ending in `%s` for the one value a Slot fills in.

    A Lookup, not a plain expression: Django compares any other condition with TRUE where the
    database has no boolean type (SQLite), and `column IN (...) = 1` reads no index.
    """

    operator = ""  # as PostgreSQL writes it
    sqlite_operator = ""  # as SQLite writes it

    def sqlite_value(self):
        """The value as SQLite takes it."""
        return self.rhs

    def as_sql(self, compiler, connection):
        return self._condition(compiler, connection, self.operator, self.rhs)

    def as_sqlite(self, compiler, connection):
        return self._condition(compiler, connection, self.sqlite_operator, self.sqlite_value())

    def _condition(self, compiler, connection, operator: str, value):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} {operator}", [*params, value]


class _Like(_SlotLookup):
    """`<column> LIKE <pattern>`, the pattern a Slot escaped as Django escapes it.

    PostgreSQL's LIKE escapes with a backslash by default; SQLite's only when told."""

    lookup_name = "prepared_like"
    operator = "LIKE %s"
    sqlite_operator = "LIKE %s ESCAPE '\\'"


class _OneOf(_SlotLookup):
    """`<column> = ANY(<array>)`, the list sent as one parameter (on SQLite a JSON array)."""

    lookup_name = "prepared_one_of"
    operator = "= ANY(%s)"
    sqlite_operator = "IN (SELECT value FROM json_each(%s))"

    def sqlite_value(self):
        fill = self.rhs.fill or (lambda items: items)
        return Slot(self.rhs.name, fill=lambda items: json.dumps(list(fill(items))))


class PreparedQuery:
    """A values_list query whose SQL is written once per database, run with new values.

    `build(**values)` returns the queryset; it is called once with a Slot for each value on
    PostgreSQL and SQLite, and with the values themselves on every call elsewhere. Rows come
    back as tuples, converted as Django converts values_list rows. The SQL must not depend on the
    values (no empty-list shortcuts inside build: callers skip empty lists themselves).
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[str, tuple[str, list, dict]] = {}
        self._lock = threading.Lock()

    def rows(self, using: str = "default", **values: Any) -> list[tuple]:
        connection = connections[using]
        if not _prepares(connection):
            return list(self.build(**values).using(using))
        sql, params, converters = self._compile(using, values)
        filled = [param.value(values) if isinstance(param, Slot) else param for param in params]
        with connection.cursor() as cursor:
            cursor.execute(sql, filled)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def _compile(self, using: str, values: dict) -> tuple[str, list, dict]:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                queryset = self.build(**{name: Slot(name) for name in values}).using(using)
                compiler = queryset.query.get_compiler(using=using)
                sql, params = compiler.as_sql()
                selected = [column[0] for column in compiler.select[: compiler.col_count]]
                compiled = (sql, list(params), compiler.get_converters(selected))
                self._compiled[using] = compiled
        return compiled


def _prepares(connection) -> bool:
    """Whether queries are prepared on this connection's database (SQLite needs its JSON
    functions, which every SQLite Python ships today has)."""
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.features.supports_json_field
