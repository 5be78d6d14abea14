"""The live sockets for browser tests: daphne serving cxowner.asgi in a thread of the test process.

The pages stay on pytest-django's live server; the pages open their socket at this server's
address instead (LIVE_SOCKET_ORIGIN), with the same session cookie (cookies ignore the port).
Twisted's reactor runs once per process, so the server starts once and serves every test.

On in-memory SQLite the consumers' database calls run in asgiref's one thread-sensitive
executor thread, which is handed the test's own connection, as the live server is (see
conftest.py: two connections to that database lock each other out).
"""

import socket
import threading

from django.db import connections

_origin: str | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int, tries: int = 100) -> None:
    for _ in range(tries):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        threading.Event().wait(0.05)
    raise RuntimeError(f"The live socket server did not listen on port {port}")


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
    global _origin
    if _origin is None:
        from daphne.server import Server

        from cxowner.asgi import application

        share_connection()
        port = _free_port()
        ready = threading.Event()
        server = Server(
            application=application,
            endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
            signal_handlers=False,
            ready_callable=ready.set,
        )
        threading.Thread(target=server.run, name="live-sockets", daemon=True).start()
        ready.wait(10)
        _listening(port)
        _origin = f"ws://{host}:{port}"
    return _origin
