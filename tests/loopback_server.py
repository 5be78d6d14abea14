"""A test server run as its own process on a free loopback port, for as long as a fixture needs it:
the tests' identity providers (tests/oidc_provider/, tests/saml_provider/)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server_running(module: str, port: int, folder: Path, ready_url: str, *, name: str, wait: float) -> Iterator[None]:
    """`python -m module PORT FOLDER`, its output in FOLDER/server.log, until `ready_url` answers;
    stopped when the block ends. RuntimeError with the log if it stops or takes over `wait` seconds."""
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", module, str(port), str(folder)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"The {name} stopped: {(folder / 'server.log').read_text()}")
            try:
                requests.get(ready_url, timeout=1).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"The {name} did not start in {wait:.0f} s")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
