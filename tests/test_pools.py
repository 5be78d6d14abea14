"""Scenarios, imports, exports and reports are served by the bulk pool, the rest by the editors'
(cxowner/pools.py); the proxy routes by the same pattern the app states."""

import http.server
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml

from cxowner.pools import BULK_PATH_REGEXP, is_bulk

ROOT = Path(__file__).resolve().parents[1]

BULK = [
    "/api/v1/orgs/acme/scenarios/",
    "/api/v1/orgs/acme/scenarios/12/apply/",
    "/api/v1/orgs/acme/scenarios/12/compare/",
    "/api/v1/orgs/acme/import/",
    "/api/v1/orgs/acme/imports/3/confirm/",
    "/api/v1/orgs/acme/export/",
    "/api/v1/orgs/acme/report.pdf",
    "/api/v1/orgs/acme/report/jobs/",
    "/o/acme/scenarios/12/apply/",
    "/o/acme/scenarios/new/",
    "/o/acme/import/preview/",
    "/o/acme/import/confirm/",
    "/o/acme/export.xlsx",
    "/o/acme/report.pdf",
    "/o/acme/report/jobs/4/pdf/",
    "/o/acme/gaps.csv",
]
EDITORS = [
    "/api/v1/orgs/acme/journeys/5/matrix/",
    "/api/v1/orgs/acme/audits/",
    "/api/v1/orgs/acme/gaps/",
    "/api/v1/orgs/acme/changes/",
    "/api/v1/ping/",
    "/o/acme/",
    "/o/acme/journeys/5/",
    "/o/acme/gaps/",
    "/o/acme/live/changes",
    "/o/acme/audits/run/",
    "/o/scenarios/",  # an organization whose slug is a bulk word, on its own page
    "/o/acme/reports-archive/",
    "/static/app.js",
]


@pytest.mark.parametrize("path", BULK)
def test_scenarios_imports_exports_and_reports_go_to_the_bulk_pool(path):
    assert is_bulk(path)


@pytest.mark.parametrize("path", EDITORS)
def test_the_editors_requests_stay_on_the_web_pool(path):
    assert not is_bulk(path)


def test_the_proxy_routes_to_the_bulk_pool_by_the_apps_pattern():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    matcher = re.search(r"^\s*@bulk path_regexp bulk `([^`]+)`$", caddyfile, re.M)

    assert matcher is not None and matcher.group(1) == BULK_PATH_REGEXP
    assert re.search(r"^\s*reverse_proxy @bulk bulk:8000$", caddyfile, re.M)


def test_the_stack_runs_the_bulk_pool_from_the_web_image():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    assert "gunicorn" in services["bulk"]["command"]
    assert services["bulk"]["image"] == services["web"]["image"]
    assert "bulk" in services["proxy"]["depends_on"]


def test_the_load_script_sends_each_request_to_the_pool_the_proxy_would(monkeypatch):
    from ownership.management.commands import bench_load

    sent = []
    monkeypatch.setattr(
        bench_load, "send", lambda base, method, path, *args: sent.append((base, path)) or (200, b"", "")
    )
    run = bench_load.Run("http://web:8000", 5, bulk="http://bulk:8000")

    run.call("scenario apply", "POST", "/api/v1/orgs/acme/scenarios/1/apply/", "key")
    run.call("cell edit", "PATCH", "/api/v1/orgs/acme/journeys/1/matrix/", "key")

    assert sent == [
        ("http://bulk:8000", "/api/v1/orgs/acme/scenarios/1/apply/"),
        ("http://web:8000", "/api/v1/orgs/acme/journeys/1/matrix/"),
    ]


class Named(http.server.BaseHTTPRequestHandler):
    """An upstream that answers every request with its own name."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.server.name.encode())

    def log_message(self, *args):
        pass


def upstream(name: str) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
    server.name = name
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def caddy(tmp_path):
    """The real Caddy on loopback with deploy/Caddyfile, its upstreams three servers naming themselves."""
    binary = shutil.which("caddy")
    if binary is None:
        pytest.skip("Caddy is not installed (apt-get install caddy; .ci/run installs it)")
    servers = {name: upstream(name) for name in ("web", "bulk", "live")}
    config = (ROOT / "deploy" / "Caddyfile").read_text()
    for name, target in (("live:8001", "live"), ("bulk:8000", "bulk"), ("web:8000", "web")):
        config = config.replace(name, f"127.0.0.1:{servers[target].server_port}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = config.replace(":8000 {", f"{{\n\tadmin off\n}}\n:{port} {{", 1)
    (tmp_path / "Caddyfile").write_text(config)
    process = subprocess.Popen(
        [binary, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        for server in servers.values():
            server.shutdown()


def test_caddy_sends_each_path_to_the_pool_the_app_names(caddy):
    routed = {path: requests.get(caddy + path, timeout=5).text for path in [*BULK, *EDITORS, "/ws/o/acme/live/"]}

    assert routed == {
        **dict.fromkeys(BULK, "bulk"),
        **dict.fromkeys(EDITORS, "web"),
        "/ws/o/acme/live/": "live",
    }
