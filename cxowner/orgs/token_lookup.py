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
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connections

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
        cursor.execute(sql, params)
        return cursor.fetchone()
