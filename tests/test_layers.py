"""The arrows point one way: cxowner.orgs ← journeys ← ownership, and inside ownership each package
builds only on the packages before it in PACKAGES. The project (cxowner/) imports no app: it mounts
their URL modules by name. Every import counts, at the top of a module or inside a function."""

import ast
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[1]
# package -> the packages it must never import
FORBIDDEN = {
    "cxowner": ("journeys", "ownership"),
    "cxowner/orgs": ("journeys", "ownership"),
    "cxowner/sso": ("journeys", "ownership"),
    "journeys": ("ownership",),
}
# The browser's frame, which every app's views build on.
FRAME = ["cxowner/views.py"]

# ownership's packages, lowest first: each one imports only packages before it.
PACKAGES = [
    "engine",  # pure: the rules, the snapshot rows, what-if, the vocabulary; no Django
    "models",  # the tables
    "gaps",  # the live gaps, audits, the gap workflow: what the rules found, and what was decided
    "imports",  # the matrix file and published tables, read and written
    "structure",  # functions and roles
    "history",  # what changed, who changed it, when
    "editor",  # writing the matrix (cells, batches, undo, reverts) and the journeys' pages
    "fixes",  # a gap fixed in one click, through the editor's and structure's services
    "scenarios",  # what-if plans, applied through the same services
    "reviews",  # review campaigns
    "inbox",  # what each member is asked or told: assignments, due dates, reviews, mentions, replies
    "dashboard",
    "reports",
    "automation",  # schedules, notifications, webhooks: acts on what the gaps announce
    "members",  # the members and tokens pages
]
# The app's edge: the modules Django and Celery look for at the top, its commands and template
# tags. They may import every package, and no package imports them.
EDGE = ["__init__", "admin", "api_urls", "apps", "tasks", "urls", "management", "templatetags"]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones made absolute; `from a import b`
    gives both a and a.b, since b may be a module."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, [base, node.module or ""]))
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def imported_modules(path: Path) -> set[str]:
    return {module for _, module in imports_of(path)}


def sources(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


def package_of(module: str) -> str | None:
    """The ownership package (or edge module) `module` belongs to; None outside ownership."""
    parts = module.split(".")
    return parts[1] if parts[0] == "ownership" and len(parts) > 1 else None


def package_imports(package: str) -> dict[str, set[str]]:
    """The other packages of ownership `package` imports -> where: {"gaps": {"ownership/x.py:3 ..."}}."""
    found: dict[str, set[str]] = {}
    for path in sources(f"ownership/{package}"):
        for line, module in imports_of(path):
            other = package_of(module)
            if other is not None and other != package:
                found.setdefault(other, set()).add(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


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


# The schema runs the same way: no foreign key, and no same-organization check (a composite
# foreign key on PostgreSQL, a trigger on SQLite: cxowner/orgs/sameorg.py), of a lower layer's
# table names a table above it.
APP_LABELS = {"cxowner/orgs": "orgs", "cxowner/sso": "sso", "journeys": "journeys", "ownership": "ownership"}
ABOVE = {
    APP_LABELS[package]: {APP_LABELS[name] for name in names}
    for package, names in FORBIDDEN.items()
    if package in APP_LABELS
}
# Migrations applied before the arrows were set straight keep their dependencies: databases
# have applied them as they are (journeys 0002 created Journey.owner, then pointing at ownership).
HISTORICAL_MIGRATIONS = {("journeys", "0002_initial")}


def tables(label: str) -> set[str]:
    return {model._meta.db_table for model in apps.get_app_config(label).get_models()}


@pytest.mark.parametrize("label", ABOVE)
def test_no_model_of_a_lower_layer_relates_to_one_above_it(label):
    offending = [
        f"{model.__name__}.{field.name} → {field.related_model._meta.label}"
        for model in apps.get_app_config(label).get_models()
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created and field.related_model._meta.app_label in ABOVE[label]
    ]
    assert not offending


@pytest.mark.django_db
@pytest.mark.parametrize("label", ABOVE)
def test_no_table_of_a_lower_layer_points_at_a_table_above_it(label):
    above = set().union(*(tables(upper) for upper in ABOVE[label]))
    offending = []
    with connection.cursor() as cursor:
        for table in sorted(tables(label)):
            for name, constraint in connection.introspection.get_constraints(cursor, table).items():
                if constraint["foreign_key"] and constraint["foreign_key"][0] in above:
                    offending.append(f"{table}: {name}")
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
            offending += [
                f"{table}: trigger {name}"
                for table, name, sql in cursor.fetchall()
                if table in tables(label) and any(f'"{other}"' in sql for other in above)
            ]
    assert not offending


@pytest.mark.parametrize("label", ABOVE)
def test_no_migration_of_a_lower_layer_depends_on_one_above_it(label):
    """Declared dependencies. ownership 0014 copies Journey.owner before journeys 0005 drops it:
    that order is declared on ownership's side (run_before), journeys' migrations name no app above."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    offending = [
        f"{key[1]} depends on {dependency}"
        for key, migration in loader.disk_migrations.items()
        if key[0] == label and key not in HISTORICAL_MIGRATIONS
        for dependency in [*migration.dependencies, *migration.run_before]
        if dependency[0] in ABOVE[label]
    ]
    assert not offending


def test_every_package_of_ownership_has_its_place_in_the_order():
    top = {
        path.stem for path in (ROOT / "ownership").iterdir() if path.suffix == ".py" or (path / "__init__.py").exists()
    }
    assert top - {"migrations"} == set(PACKAGES) | set(EDGE)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_packages_before_it(package):
    allowed = set(PACKAGES[: PACKAGES.index(package)])
    offending = sorted(
        where for other, places in package_imports(package).items() if other not in allowed for where in places
    )
    assert not offending, offending


def test_the_engine_imports_no_django_nor_any_app():
    offending = sorted(
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sources("ownership/engine")
        for line, module in imports_of(path)
        if module.split(".")[0] not in sys.stdlib_module_names and not module.startswith("ownership.engine")
    )
    assert not offending, offending


def test_no_two_packages_import_each_other_even_through_others():
    graph = {package: set(package_imports(package)) & set(PACKAGES) for package in PACKAGES}

    def cycle_from(start: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        for other in sorted(graph[path[-1]]):
            if other == start:
                return (*path, start)
            if other not in path and (found := cycle_from(start, (*path, other))):
                return found
        return None

    cycles = [" -> ".join(cycle) for package in PACKAGES if (cycle := cycle_from(package, (package,)))]
    assert not cycles, cycles
