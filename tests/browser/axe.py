"""Accessibility checks with axe-core (vendored in tests/browser/vendor/axe-core, MPL-2.0).

`assert_accessible(page)` runs axe on the page as it is now and fails with every violation of
impact serious or critical: minor and moderate ones are reported by axe but do not fail a test.
"""

from __future__ import annotations

import json
from pathlib import Path

AXE_SOURCE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
FAILING_IMPACTS = frozenset({"serious", "critical"})


def axe_violations(page) -> list[dict]:
    """Every violation axe finds on the page, whatever its impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # add_script_tag would be refused by the pages' Content-Security-Policy; evaluate is not.
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def assert_accessible(page) -> None:
    serious = [v for v in axe_violations(page) if v.get("impact") in FAILING_IMPACTS]
    report = [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in serious
    ]
    assert not serious, f"axe found serious or critical violations on {page.url}:\n{json.dumps(report, indent=1)}"
