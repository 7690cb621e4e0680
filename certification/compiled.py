"""Querysets compiled to SQL once per process and run again with new values.

Building and compiling a queryset costs Django about a millisecond, more than PostgreSQL takes to run a small
indexed query, and a list page paid it on every request for queries whose shape never changes (issue 13).
`CompiledQuery` builds its queryset once, with a marker number in each slot, keeps the SQL, the parameters and
the column converters, and runs the same SQL with the request's numbers in the slots; rows come back as the
queryset's `values_list` would give them (the database's converters applied, SQLite's dates included).

Only for querysets whose SQL does not depend on the slot values: id slots (numbers, or their text for a generic
relation's object_id) and a slice's offset (`queryset[offset:offset + 50]`, which Django writes into the SQL);
no lists of varying length (compile one query per length instead), no slot that decides a join or whether a
filter applies. A slot that appears nowhere in the statement is a programming error, raised on first use.
"""

import re
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Far above any id or row count (still a bigint): a marker cannot be mistaken for a real value of the queryset.
_MARKER_BASE = 7_300_000_000_000_000_000
_PLACEHOLDER = re.compile(r"(?<!%)%s")


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *slots: str):
        self._build = build
        self._slots = slots
        self._lock = threading.Lock()
        self._by_alias: dict[str, tuple] = {}

    def _compiled(self, alias: str):
        found = self._by_alias.get(alias)
        if found is None:
            with self._lock:
                if alias in self._by_alias:  # another thread compiled it meanwhile
                    return self._by_alias[alias]
                markers = {slot: _MARKER_BASE + i for i, slot in enumerate(self._slots)}
                queryset = self._build(**markers).using(alias)
                compiler = queryset.query.get_compiler(using=alias)
                sql, params = compiler.as_sql()
                params = list(params)
                for slot, marker in markers.items():
                    sql, params = _as_parameter(sql, params, slot, marker)
                positions = {}
                for slot, marker in markers.items():
                    # An id compared with a text column (a generic relation's object_id) is a string parameter.
                    positions[slot] = [(i, type(value)) for i, value in enumerate(params)
                                       if value == marker or value == str(marker)]
                    if not positions[slot]:
                        raise ValueError(f"slot {slot!r} is not a parameter of the compiled query")
                fields = [column[0] for column in compiler.select[:compiler.col_count]]
                converters = compiler.get_converters(fields)
                # (column, its converters, its expression): applied with the running thread's connection.
                converters = tuple((pos, tuple(convs), expression) for pos, (convs, expression) in converters.items())
                found = (sql, tuple(params), positions, converters)
                self._by_alias[alias] = found
        return found

    def rows(self, *, using: str = "default", **values: int) -> list[tuple]:
        """The rows for these slot values, each a tuple in the queryset's column order."""
        sql, params, positions, converters = self._compiled(using)
        params = list(params)
        for slot, where in positions.items():
            value = int(values[slot])  # ids only: never free text put into a cached statement's parameters
            for i, kind in where:
                params[i] = kind(value)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        if not converters:
            return fetched
        converted = []
        for row in fetched:
            row = list(row)
            for pos, convs, expression in converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            converted.append(tuple(row))
        return converted


def _as_parameter(sql: str, params: list, slot: str, marker: int) -> tuple[str, list]:
    """A slot Django writes into the SQL text (a slice's OFFSET) made a parameter like the others."""
    if any(value == marker or value == str(marker) for value in params):
        return sql, params
    found = list(re.finditer(rf"\b{marker}\b", sql))
    if len(found) != 1:
        raise ValueError(f"slot {slot!r} is not a parameter of the compiled query")
    at = found[0].start()
    before = len(_PLACEHOLDER.findall(sql[:at]))
    return f"{sql[:at]}%s{sql[found[0].end():]}", [*params[:before], marker, *params[before:]]
