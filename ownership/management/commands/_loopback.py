"""A real server on a loopback port for the benchmarks: gunicorn (and a Celery worker) started
against the configured database with DEBUG and the API throttles off, and plain HTTP requests to it."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import CommandError


def server_env() -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_ANON": "off",
        "API_THROTTLE_TOKEN": "off",
        "API_THROTTLE_USER": "off",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PYTEST_VERSION", None)
    return env


def gunicorn_start(port: int, workers: int, *, threads: int = 1, timeout: int = 30, log=None) -> subprocess.Popen:
    """gunicorn's workers (sync, or gthread with `threads` > 1) with gunicorn's default timeout;
    its log to `log` (a file), if given."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cxowner.wsgi",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        str(timeout),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=server_env(), stderr=log)


def worker_start(concurrency: int = 2, *, queue: str | None = None) -> subprocess.Popen:
    """A Celery worker; with `queue`, one that takes only that queue's tasks (and sends to it), so a
    benchmark's jobs never meet another worker's."""
    env = server_env()
    command = [sys.executable, "-m", "celery", "-A", "cxowner", "worker", "--concurrency", str(concurrency)]
    command += ["--loglevel", "warning", "--without-mingle", "--without-gossip"]
    if queue is not None:
        env |= {"CELERY_TASK_DEFAULT_QUEUE": queue, "CELERY_TASK_ALWAYS_EAGER": "false"}
        command += ["--queues", queue]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30.0) -> None:
    base, path = url.split("/api/", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn exited before answering; see its output above.")
        try:
            if get(base, "/api/" + path, {})[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer within {timeout:.0f} s.")


def get(base: str, path: str, headers: dict[str, str]) -> tuple[int, int, str]:
    """Status, body length and ETag of one GET."""
    status, body, etag = send(base, "GET", path, headers)
    return status, len(body), etag


def send(base: str, method: str, path: str, headers: dict[str, str], body=None) -> tuple[int, bytes, str]:
    """Status, body and ETag of one request; a dict body is sent as JSON, bytes as they are."""
    host, port = base.removeprefix("http://").split(":")
    if isinstance(body, dict | list):
        body, headers = json.dumps(body).encode(), {**headers, "Content-Type": "application/json"}
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("ETag") or ""
    finally:
        connection.close()


def percentile_ms(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000
