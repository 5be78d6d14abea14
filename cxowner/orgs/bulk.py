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
        casts = [f"%s::{model._meta.pk.cast_db_type(connection)}[]"]
        casts += [f"%s::{fields[attname].cast_db_type(connection)}[]" for attname in columns]
        sets = ", ".join(f"{name} = v.{name}" for name in names)
        sql = (
            f"UPDATE {table} SET {sets} FROM unnest({', '.join(casts)}) AS v ({pk}, {', '.join(names)}) "
            f"WHERE {table}.{pk} = v.{pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(ids), *columns.values()])
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
            columns[attname] = [None if v is None else json.dumps(v, cls=field.encoder) for v in columns[attname]]


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
    arrays = ", ".join(f"%s::{fields[attname].cast_db_type(connection)}[]" for attname in columns)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM unnest({arrays})"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(columns.values()))
        return [row[0] for row in cursor.fetchall()] if returning else []


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
