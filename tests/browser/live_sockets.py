"""The live sockets for browser tests: daphne serving cxowner.asgi in a thread of the test process
(the one bench_push uses, ownership/management/commands/_live_servers.py).

The pages stay on pytest-django's live server; the pages open their socket at this server's
address instead (LIVE_SOCKET_ORIGIN), with the same session cookie (cookies ignore the port).
Twisted's reactor runs once per process, so the server starts once and serves every test.

On in-memory SQLite the consumers' database calls run in asgiref's one thread-sensitive
executor thread, which is handed the test's own connection, as the live server is (see
conftest.py: two connections to that database lock each other out).
"""

from django.db import connections

from ownership.management.commands._live_servers import sockets_served

_port: int | None = None


def share_connection() -> None:
    """On in-memory SQLite, hand the consumers' thread the test's connection (again for each test:
    the test's end takes the sharing back)."""
    from asgiref.sync import SyncToAsync

    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    if not connection.allow_thread_sharing:
        connection.inc_thread_sharing()
    SyncToAsync.single_thread_executor.submit(connections.__setitem__, "default", connection).result()


def sockets_origin(host: str = "localhost") -> str:
    """Start the socket server if it is not running; its ws:// origin."""
    global _port
    if _port is None:
        share_connection()
        _port = sockets_served()
    return f"ws://{host}:{_port}"
