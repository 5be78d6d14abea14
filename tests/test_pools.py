"""Scenarios, imports, exports and reports are served by the bulk pool, the rest by the editors'
(cxowner/pools.py); the proxy routes by the same pattern the app states."""

import re
from pathlib import Path

import pytest
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
