"""The token of an API request, with its organization: one query, written once per process.

Every token request reads the same row shape: the token by its prefix, joined to its
organization (24 columns). The ORM wrote that SQL anew for each request, and on a request that
answers from a kept page (cxowner/orgs/api/answers.py) writing it cost more than running it
(0.25-0.5 ms of about 1 ms of authentication, measured with cProfile and py-spy in bench_api).
Here the ORM compiles it once per database alias, with its column converters; each request runs
it and builds the two instances the way the ORM does (from_db, the organization cached on the
token). The row is always read fresh: a revoked or expired token, a renamed organization or a
new change counter count from the next request on.

The query is also the connection's health check. Django checks a reused connection with a
SELECT 1 before the first query of each request (CONN_HEALTH_CHECKS): on a token request, the
first query is this one, so the check doubled the request's round trips to the database (a
304 or a kept page needs no other). Here the token query runs in the check's place; if the
connection turns out to be dead (the server restarted, the connection was cut) it is closed
and the query runs once more on a new connection, which is what the check would have done.

On PostgreSQL the query is a prepared statement of its connection: PostgreSQL parsed and planned
the 24-column join anew for every request, 0.18 ms of its CPU against 0.07 ms to execute the
prepared one (5,000 lookups, the backend's CPU from /proc). The first lookup on a connection
prepares and executes it in one round trip; a connection that lost it (DISCARD ALL, a pooler)
gets the plain query and prepares again next time. Only outside transactions: a failed EXECUTE
must not abort the caller's transaction.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from django.db import DatabaseError, InterfaceError, OperationalError, connections

from .models import ApiToken

# A stand-in for the prefix while the query is written; its position in the parameters is checked.
_PREFIX = "\x00prefix\x00"


@dataclass(frozen=True)
class _Prepared:
    sql: str
    converters: dict  # column index -> (converters, expression), as SQLCompiler.get_converters
    token_columns: tuple[int, int]
    token_names: list[str]
    organization_columns: tuple[int, int]
    organization_names: list[str]
    organization_model: type
    organization_setter: object  # caches the organization on the token, as the ORM's select_related


_prepared: dict[str, _Prepared] = {}
_STATEMENT = "cxowner_token_with_organization"
# The driver's connections that hold the prepared statement; a new connection is not in it.
_statement_holders: weakref.WeakSet = weakref.WeakSet()
_NO_SUCH_STATEMENT, _STATEMENT_EXISTS = "26000", "42P05"  # PostgreSQL's error codes


def _prepare(alias: str) -> _Prepared:
    queryset = ApiToken.objects.using(alias).select_related("organization").filter(prefix=_PREFIX).order_by()[:1]
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [_PREFIX]:
        raise RuntimeError(f"The token query has parameters {params!r}; expected only the prefix.")
    columns = [column for column, _, _ in compiler.select]
    token_info = compiler.klass_info
    (organization_info,) = token_info["related_klass_infos"]

    def span(info) -> tuple[int, int]:
        fields = info["select_fields"]
        return fields[0], fields[-1] + 1

    def names(info) -> list[str]:
        return [columns[i].target.attname for i in info["select_fields"]]

    return _Prepared(
        sql=sql,
        converters=compiler.get_converters(columns),
        token_columns=span(token_info),
        token_names=names(token_info),
        organization_columns=span(organization_info),
        organization_names=names(organization_info),
        organization_model=organization_info["model"],
        organization_setter=organization_info["local_setter"],
    )


def token_with_organization(prefix: str, *, using: str = "default") -> ApiToken | None:
    """The token with this prefix (unique) and its organization, or None."""
    prepared = _prepared.get(using) or _prepared.setdefault(using, _prepare(using))
    connection = connections[using]
    row = _first_row(connection, prepared.sql, [prefix])
    if row is None:
        return None
    row = list(row)
    for index, (converters, expression) in prepared.converters.items():
        for converter in converters:
            row[index] = converter(row[index], expression, connection)
    start, end = prepared.token_columns
    token = ApiToken.from_db(using, prepared.token_names, row[start:end])
    start, end = prepared.organization_columns
    organization = prepared.organization_model.from_db(using, prepared.organization_names, row[start:end])
    prepared.organization_setter(token, organization)
    return token


def _first_row(connection, sql: str, params: list):
    checking = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
        try:
            return _fetch_one(connection, sql, params)
        except (InterfaceError, OperationalError):
            if connection.is_usable():
                raise  # the query failed, not the connection
            connection.close()
    return _fetch_one(connection, sql, params)


def _fetch_one(connection, sql: str, params: list):
    with connection.cursor() as cursor:
        held = connection.connection
        if connection.vendor != "postgresql" or not connection.get_autocommit() or connection.in_atomic_block:
            cursor.execute(sql, params)
        elif held in _statement_holders:
            try:
                cursor.execute(f"EXECUTE {_STATEMENT}(%s)", params)
            except DatabaseError as error:
                if _pgcode(error) != _NO_SUCH_STATEMENT:
                    raise
                _statement_holders.discard(held)  # the statement is gone: plain SQL now, prepared next time
                cursor.execute(sql, params)
        else:
            # No other parameter than the prefix (checked by _prepare): the PREPARE takes it as $1.
            body = sql.replace("%s", "$1")
            try:
                cursor.execute(f"PREPARE {_STATEMENT} AS {body}; EXECUTE {_STATEMENT}(%s)", params)
            except DatabaseError as error:
                if _pgcode(error) != _STATEMENT_EXISTS:
                    raise
                cursor.execute(sql, params)  # prepared behind our back: plain SQL, as before
            else:
                _statement_holders.add(held)
        return cursor.fetchone()


def _pgcode(error: DatabaseError) -> str | None:
    return getattr(error.__cause__, "pgcode", None)
