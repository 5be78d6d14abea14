"""The arrows point one way: cxowner.orgs ← journeys ← ownership. Only the URL roots (and the
settings) may import everything."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package -> the packages it must never import
FORBIDDEN = {
    "cxowner/orgs": ("journeys", "ownership"),
    "journeys": ("ownership",),
}
# The browser's frame, which every app's views build on.
FRAME = ["cxowner/views.py"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("package", FORBIDDEN)
def test_a_lower_layer_imports_nothing_above_it(package):
    offending = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sources(package)
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN[package]
    }
    assert not offending, sorted(offending)


def test_the_frame_every_app_builds_on_imports_no_app():
    offending = [
        module
        for name in FRAME
        for module in imported_modules(ROOT / name)
        if module.split(".")[0] in ("journeys", "ownership")
    ]
    assert not offending
