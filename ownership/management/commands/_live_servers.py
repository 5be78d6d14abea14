"""The servers bench_push measures through, in threads of its process: the pages on a threaded
WSGI server (as gunicorn serves them) and the live sockets on daphne (as docker-compose's `live`
service does). Twisted's reactor runs once per process: one daphne per process."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.wsgi import get_wsgi_application

from ownership.management.commands.bench_pages import QuietHandler


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def pages_served():
    """The pages on a loopback port, a thread per request, for as long as the block runs."""
    server = make_server(
        "127.0.0.1", 0, StaticFilesHandler(get_wsgi_application()), ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int, tries: int = 200) -> None:
    for _ in range(tries):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        threading.Event().wait(0.05)
    raise RuntimeError(f"Nothing listens on port {port}")


def sockets_served() -> int:
    """daphne serving cxowner.asgi on a loopback port, in a daemon thread; the port."""
    from daphne.server import Server

    from cxowner.asgi import application

    port = free_port()
    server = Server(application=application, endpoints=[f"tcp:port={port}:interface=127.0.0.1"], signal_handlers=False)
    threading.Thread(target=server.run, name="live-sockets", daemon=True).start()
    listening(port)
    return port
