"""Querysets compiled to SQL once per shape and run again with other values.

Building a QuerySet and compiling it costs about as much Python as the rest of a small request
(docs/benchmarks.md, API). A hot read builds its queryset once per shape (which filters are
present, which viewer kind, which page) with stand-in values, keeps the SQL Django wrote, and
runs it again with the request's values in the stand-ins' places: the same SQL and so the same
answers as the ORM, with the same result converters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import QuerySet

from sessions_app.models import User

# Stand-in values, one per slot, found again by equality among the compiled parameters. The
# integers fit every integer column (Django compiles a lookup outside a column's range to an
# empty result) and stand for at most _MAX_SLOTS slots.
_STAND_IN_INT = 32_700
_MAX_SLOTS = 100
_STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_STAND_IN_TEXT = "hearth-slot-{}-4f1c9e"

_MAX_SHAPES = 512


def _same(param: Any, wire: Any) -> bool:
    """param is the stand-in `wire` as the backend passes it (an int may be an int subclass)."""
    if isinstance(wire, int):
        return isinstance(param, int) and not isinstance(param, bool) and param == wire
    return type(param) is type(wire) and param == wire


def _derived(param: Any, connection) -> bool:
    if isinstance(param, datetime):
        return param.year == _STAND_IN_TIME.year
    if isinstance(param, int) and not isinstance(param, bool):
        return _STAND_IN_INT - _MAX_SLOTS < param <= _STAND_IN_INT
    if isinstance(param, str):
        return "hearth-slot-" in param or param.startswith(str(_STAND_IN_TIME.year))
    return False


def _stand_in(index: int, value: Any) -> Any:
    if index >= _MAX_SLOTS:
        raise ValueError(f"at most {_MAX_SLOTS} slots")
    if isinstance(value, bool):
        raise TypeError("booleans are not slots: make them part of the shape's key")
    if isinstance(value, datetime):
        return _STAND_IN_TIME.replace(microsecond=index + 1)
    if isinstance(value, int):
        return _STAND_IN_INT - index
    if isinstance(value, str):
        return _STAND_IN_TEXT.format(index)
    raise TypeError(f"no stand-in for {type(value).__name__}")


class CompiledQuery:
    """One shape's SQL, its parameters with the slots' positions, and its converters."""

    def __init__(self, *, using: str, sql: str, params: list, stand_ins: dict, converters: dict):
        self.using = using
        self.sql = sql
        self.params = list(params)
        self.converters = converters
        connection = connections[using]
        # name -> (positions, is_datetime, the integer type the backend wrapped it in)
        self.slots: dict[str, tuple[list[int], bool, type | None]] = {}
        for name, stand_in in stand_ins.items():
            is_time = isinstance(stand_in, datetime)
            wire = connection.ops.adapt_datetimefield_value(stand_in) if is_time else stand_in
            positions = [i for i, p in enumerate(self.params) if _same(p, wire)]
            if not positions:
                raise RuntimeError(f"slot {name!r} is not a parameter of {sql}")
            # psycopg's Int2 for a small integer column, as Django passes it.
            wrap = type(self.params[positions[0]]) if isinstance(wire, int) else None
            self.slots[name] = (positions, is_time, None if wrap is int else wrap)
        in_slots = {i for positions, _, _ in self.slots.values() for i in positions}
        for i, p in enumerate(self.params):
            if i not in in_slots and _derived(p, connection):
                # A value computed from a stand-in (now + 28 days, "%word%") would be kept
                # as a constant: such a value must be a slot of its own.
                raise RuntimeError(f"parameter {i} of {sql} is made from a stand-in: {p!r}")

    def params_for(self, values: Mapping[str, Any]) -> list:
        connection = connections[self.using]
        params = list(self.params)
        for name, (positions, is_time, wrap) in self.slots.items():
            value = values[name]
            if is_time:
                value = connection.ops.adapt_datetimefield_value(value)
            elif wrap is not None:
                value = wrap(value)
            for i in positions:
                params[i] = value
        return params

    def rows(self, values: Mapping[str, Any]) -> list:
        """Run with these values in the slots; rows as tuples, converted as the ORM would."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params_for(values))
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converters = list(self.converters.items())
        out = []
        for row in rows:
            row = list(row)
            for pos, (convs, expression) in converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            out.append(tuple(row))
        return out


def _stand_ins(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _stand_in(i, v) for i, (name, v) in enumerate(values.items())}


def _compile_rows(
    build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]
) -> CompiledQuery:
    stand_ins = _stand_ins(values)
    queryset = build(stand_ins)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    return CompiledQuery(
        using=queryset.db,
        sql=sql,
        params=list(params),
        stand_ins=stand_ins,
        converters=compiler.get_converters(fields),
    )


def _compile_count(
    build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]
) -> tuple[CompiledQuery, int]:
    """queryset.count() as Django writes it, run once: the stand-ins give the slots'
    positions, and the query that runs has this request's values in their places."""
    stand_ins = _stand_ins(values)
    queryset = build(stand_ins)
    seen: list[CompiledQuery] = []

    def with_values(execute, sql, params, many, context):
        query = CompiledQuery(
            using=queryset.db, sql=sql, params=list(params), stand_ins=stand_ins, converters={}
        )
        seen.append(query)
        return execute(sql, query.params_for(values), many, context)

    with connections[queryset.db].execute_wrapper(with_values):
        count = queryset.count()
    if len(seen) != 1:
        raise RuntimeError("count() ran other than one query")
    return seen[0], count


_shapes: dict[tuple, CompiledQuery] = {}
_shapes_lock = threading.Lock()


def _remember(key: tuple, query: CompiledQuery) -> None:
    with _shapes_lock:
        if len(_shapes) >= _MAX_SHAPES:
            _shapes.clear()
        _shapes[key] = query


def compiled_rows(
    key: tuple, build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]
) -> list:
    """The rows of `build(values)` (a values_list queryset, sliced or not), its SQL compiled
    once per shape: `key` names everything about the shape that is not a value in `values`."""
    full_key = ("rows", key, tuple((name, type(v)) for name, v in values.items()))
    query = _shapes.get(full_key)
    if query is None:
        query = _compile_rows(build, values)
        _remember(full_key, query)
    return query.rows(values)


def compiled_count(
    key: tuple, build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]
) -> int:
    """`build(values).count()`, its SQL compiled once per shape (as compiled_rows); one query."""
    full_key = ("count", key, tuple((name, type(v)) for name, v in values.items()))
    query = _shapes.get(full_key)
    if query is None:
        query, count = _compile_count(build, values)
        _remember(full_key, query)
        return count
    return query.rows(values)[0][0]


def compiled_count_difference(
    key: tuple,
    every: Callable[[Mapping[str, Any]], QuerySet],
    hidden: Callable[[Mapping[str, Any]], QuerySet],
    values: Mapping[str, Any],
) -> int:
    """`every(values).count() - hidden(values).count()` in one query compiled once per shape.

    For a count of what a viewer may see when what they may not see is small: PostgreSQL
    counts the window on an index alone and reads the hidden part from its few groups,
    instead of joining every row of the window to its group (docs/benchmarks.md, API)."""
    full_key = ("difference", key, tuple((name, type(v)) for name, v in values.items()))
    query = _shapes.get(full_key)
    if query is None:
        stand_ins = _stand_ins(values)
        parts = []
        for build in (every, hidden):
            queryset = build(stand_ins).order_by().values("pk")
            parts.append(queryset.query.get_compiler(using=queryset.db).as_sql())
        (every_sql, every_params), (hidden_sql, hidden_params) = parts
        query = CompiledQuery(
            using=queryset.db,
            # Two statements Django compiled; every value stays a parameter.
            sql=f"SELECT (SELECT COUNT(*) FROM ({every_sql}) every_row) - "  # noqa: S608
            f"(SELECT COUNT(*) FROM ({hidden_sql}) hidden_row)",
            params=[*every_params, *hidden_params],
            stand_ins=stand_ins,
            converters={},
        )
        _remember(full_key, query)
    return query.rows(values)[0][0]


def viewer_shape(user) -> tuple[str, dict[str, Any]]:
    """The kind of viewer the visibility selectors tell apart, and the slot values they use:
    (kind, values) for CompiledList and stand_in_viewer."""
    if not user.is_authenticated:
        return "anonymous", {}
    if user.is_staff:
        return "staff", {}
    return "member", {"viewer": user.pk}


def stand_in_viewer(kind: str, values: Mapping[str, Any]):
    """A viewer of this kind for building a shape: sessions_visible and groups_visible decide
    on is_authenticated, is_staff and the user's memberships (the "viewer" slot)."""
    if kind == "anonymous":
        return AnonymousUser()
    if kind == "staff":
        return User(is_staff=True)
    return User(pk=values["viewer"], is_staff=False)


class CompiledList:
    """A sequence a Paginator pages: count() and slices of `build(values)` (a queryset), each
    one query compiled once per shape; a slice's rows are tuples of `columns`, or what
    `make(row)` makes of them. With `count_as=(every, hidden)`, the count is that of `every`
    less that of `hidden` (see compiled_count_difference)."""

    def __init__(
        self,
        key: tuple,
        build: Callable[[Mapping[str, Any]], QuerySet],
        values: Mapping[str, Any],
        *,
        columns: tuple[str, ...],
        make: Callable[[tuple], Any] | None = None,
        count_as: tuple[Callable, Callable] | None = None,
    ):
        self.key = key
        self.build = build
        self.values = values
        self.columns = columns
        self.make = make
        self.count_as = count_as

    def count(self) -> int:
        if self.count_as is not None:
            every, hidden = self.count_as
            return compiled_count_difference(self.key, every, hidden, self.values)
        return compiled_count(self.key, self.build, self.values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list:
        start, stop = page.start or 0, page.stop
        if stop is not None and stop <= start:
            return []  # the one page of an empty list

        def build(values: Mapping[str, Any]) -> QuerySet:
            return self.build(values).values_list(*self.columns)[start:stop]

        rows = compiled_rows((*self.key, self.columns, start, stop), build, self.values)
        return rows if self.make is None else [self.make(row) for row in rows]
