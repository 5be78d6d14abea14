"""The arrows point one way: cxowner.orgs ← journeys ← ownership. Only the URL roots (and the
settings) may import everything."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

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


# The schema runs the same way: no foreign key, and no same-organization check (a composite
# foreign key on PostgreSQL, a trigger on SQLite: cxowner/orgs/sameorg.py), of a lower layer's
# table names a table above it.
APP_LABELS = {"cxowner/orgs": "orgs", "journeys": "journeys", "ownership": "ownership"}
ABOVE = {APP_LABELS[package]: {APP_LABELS[name] for name in names} for package, names in FORBIDDEN.items()}
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
