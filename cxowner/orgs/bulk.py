"""Inserting many rows without building a model instance for each: the import's and the history's
largest writes.

QuerySet.bulk_create spends most of its time in Python: a model instance per row, then every
field of every row prepared one call at a time. For the tens of thousands of touchpoints,
letters and change items of an import, that was most of the import. `columns_insert` takes the
values column by column, fills the columns not given with their defaults (auto_now_add: now),
keeps the guarantees of the models' querysets (one-line texts cleaned, `name_key` from `name`),
and sends one statement: PostgreSQL's INSERT … SELECT FROM unnest(arrays), whatever the count;
elsewhere multi-row VALUES in batches under the variable limit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

import orjson
from django.db import connection, models
from django.utils import timezone

from .names import name_key, one_line, one_line_fields


def columns_insert(model: type[models.Model], columns: dict[str, Sequence], *, returning: bool = False) -> list[int]:
    """Insert len(column) rows of `model`, given by attribute name (`journey_id`, not `journey`);
    the new ids in the same order when `returning`. Values are stored as given: ids, not instances."""
    columns = {name: list(values) for name, values in columns.items()}
    count = len(next(iter(columns.values()))) if columns else 0
    if any(len(values) != count for values in columns.values()):
        raise ValueError("Every column needs the same number of values.")
    if count == 0:
        return []
    fields = {field.attname: field for field in model._meta.concrete_fields if not field.primary_key}
    for attname, field in fields.items():
        if attname not in columns and attname != "name_key":
            columns[attname] = [_default(field)] * count
    _prepared(model, columns, fields)
    unknown = columns.keys() - fields.keys()
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}.")
    if connection.vendor == "postgresql":
        return _unnest_insert(model, columns, fields, returning)
    return _values_insert(model, columns, count, returning)


def columns_update(model: type[models.Model], ids: Sequence[int], columns: dict[str, Sequence]) -> None:
    """Set these columns of the rows `ids` (by attribute name, one value per id, in order), in one
    statement on PostgreSQL (UPDATE … FROM unnest), in batches under the variable limit elsewhere:
    bulk_update's CASE WHEN per row grows with the square of its batch."""
    columns = {name: list(values) for name, values in columns.items()}
    if not ids:
        return
    fields = {field.attname: field for field in model._meta.concrete_fields if not field.primary_key}
    _prepared(model, columns, fields)
    unknown = columns.keys() - fields.keys()
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}.")
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    names = [quote(fields[attname].column) for attname in columns]
    if connection.vendor == "postgresql":
        arrays, params = [], []
        db_types = [model._meta.pk.cast_db_type(connection)]
        db_types += [fields[attname].cast_db_type(connection) for attname in columns]
        for values, db_type in zip([list(ids), *columns.values()], db_types, strict=True):
            array, array_params = _array(values, db_type)
            arrays.append(array)
            params += array_params
        sets = ", ".join(f"{name} = v.{name}" for name in names)
        sql = (
            f"UPDATE {table} SET {sets} FROM unnest({', '.join(arrays)}) AS v ({pk}, {', '.join(names)}) "
            f"WHERE {table}.{pk} = v.{pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    rows = list(zip(ids, *_sqlite_values(columns, fields).values(), strict=True))
    width = len(names) + 1
    per_statement = max(1, variables_per_statement() // width)
    sets = ", ".join(f"{name} = v.column{index}" for index, name in enumerate(names, start=2))
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([row_sql] * len(chunk))
            sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v WHERE {table}.{pk} = v.column1"
            cursor.execute(sql, [value for row in chunk for value in row])


def _prepared(model, columns: dict[str, list], fields: dict[str, models.Field]) -> None:
    """The values as the models' querysets would write them: one-line texts cleaned, name_key
    following name, JSON as text."""
    for attname in one_line_fields(model):
        if attname in columns:
            columns[attname] = [one_line(v) if isinstance(v, str) else v for v in columns[attname]]
    if "name_key" in fields and "name" in columns:
        columns["name_key"] = [name_key(name) for name in columns["name"]]
    for attname, field in fields.items():
        if attname in columns and isinstance(field, models.JSONField):
            default = (field.encoder or json.JSONEncoder)().default
            columns[attname] = [None if v is None else _json(v, default, field.encoder) for v in columns[attname]]


# What orjson writes as json.dumps would not (datetimes, dataclasses) goes through the field's
# encoder, as in the API's renderer (cxowner/orgs/api/renderers.py); non-string keys become strings.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _json(value, default, encoder: type[json.JSONEncoder] | None) -> str:
    """A JSON column's value as text: orjson (a 100k-row import's history is 100k documents; the
    standard library took most of the time spent writing them), json.dumps for what it refuses."""
    try:
        return orjson.dumps(value, default=default, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, cls=encoder)


def _sqlite_values(columns: dict[str, list], fields: dict[str, models.Field]) -> dict[str, list]:
    return {
        attname: [fields[attname].get_db_prep_save(value, connection) for value in values]
        if isinstance(fields[attname], models.DateTimeField)
        else values
        for attname, values in columns.items()
    }


def _default(field: models.Field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _unnest_insert(model, columns: dict[str, list], fields: dict[str, models.Field], returning: bool) -> list[int]:
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[attname].column) for attname in columns)
    arrays, params = [], []
    for attname, values in columns.items():
        array, array_params = _array(values, fields[attname].cast_db_type(connection))
        arrays.append(array)
        params += array_params
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM unnest({', '.join(arrays)})"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()] if returning else []


def _array(values: list, db_type: str) -> tuple[str, list]:
    """One column as an array expression and its parameters, sent as text PostgreSQL reads in one pass.

    psycopg2 sends a list as ARRAY['a', 'b', …]: an expression of one constant per value, which
    the server parses, plans and casts value by value; for the 350k letters, 100k change items and
    gaps of a 100k-row import that was most of their INSERTs' time (issue 23). A column of one
    repeated value (the organization, the time, the cause) is sent once and repeated by the server.
    """
    if values.count(values[0]) == len(values):
        return f"array_fill(%s::{db_type}, ARRAY[%s])", [values[0], len(values)]
    return f"%s::{db_type}[]", ["{" + _array_elements(values) + "}"]


def _array_elements(values: list) -> str:
    """The values in PostgreSQL's array text format, a whole column of ids or of texts at once."""
    if all(type(value) is int for value in values):
        return ",".join(map(str, values))
    if all(type(value) is str for value in values):
        joined = "\0".join(values)
        # A NUL inside a value would split it in two: such a column goes value by value (and
        # psycopg2 refuses the NUL, as it does any text holding one).
        if joined.count("\0") == len(values) - 1:
            return '"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\0", '","') + '"'
    return ",".join(map(_array_element, values))


def _array_element(value) -> str:
    """A value in PostgreSQL's array text format: NULL bare, every other value quoted and escaped."""
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    text = value.isoformat() if isinstance(value, (datetime, date)) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def variables_per_statement() -> int:
    """SQLite's own bound (999 before 3.32, 32,766 after), where Django assumes the lowest."""
    connection.ensure_connection()
    getlimit = getattr(connection.connection, "getlimit", None)
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else connection.features.max_query_params


def _values_insert(model, columns: dict[str, list], count: int, returning: bool) -> list[int]:
    quote = connection.ops.quote_name
    fields = {field.attname: field for field in model._meta.concrete_fields}
    names = ", ".join(quote(fields[attname].column) for attname in columns)
    converted = _sqlite_values(columns, fields).values()
    rows = list(zip(*converted, strict=True))
    per_statement = max(1, variables_per_statement() // len(columns))
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, count, per_statement):
            chunk = rows[start : start + per_statement]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES " + ", ".join([row_sql] * len(chunk))
            if returning:
                sql += f" RETURNING {quote(model._meta.pk.column)}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids
