"""A migration operation that makes the database keep related rows in one organization.

Django has no composite foreign keys, yet "an Assignment's touchpoint and function belong to
the same organization" is exactly one: (touchpoint_id, organization_id) must exist in the
touchpoint table. PostgreSQL gets that composite foreign key; SQLite, which cannot add one to an
existing table, gets triggers that refuse the same rows. The parent needs a unique constraint
on the referenced columns (declared in its Meta).

On SQLite a later migration that rebuilds the table drops its triggers: that migration
re-creates them with vendors=("sqlite",) (see ownership 0005). The tests in
tests/test_models.py catch a forgotten one on both databases.
"""

from django.db import migrations


class SameParent(migrations.operations.base.Operation):
    """child.(columns) must match a row of parent.(parent_columns); NULLs are not checked.

    model and parent are "app_label.ModelName".
    """

    reduces_to_sql = True
    reversible = True

    def __init__(
        self,
        *,
        name: str,
        model: str,
        columns: list[str],
        parent: str,
        parent_columns: list[str],
        vendors: tuple[str, ...] = ("postgresql", "sqlite"),
    ):
        self.name = name
        self.vendors = tuple(vendors)
        self.model = model
        self.columns = columns
        self.parent = parent
        self.parent_columns = parent_columns

    def deconstruct(self):
        kwargs = {
            "name": self.name,
            "model": self.model,
            "columns": self.columns,
            "parent": self.parent,
            "parent_columns": self.parent_columns,
            "vendors": self.vendors,
        }
        return (self.__class__.__qualname__, [], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return f"Keep {self.model}.{self.columns} inside {self.parent}.{self.parent_columns}"

    @property
    def migration_name_fragment(self):
        return self.name

    def _tables(self, app_label, to_state):
        child = to_state.apps.get_model(*self.model.split("."))._meta.db_table
        parent = to_state.apps.get_model(*self.parent.split("."))._meta.db_table
        return child, parent

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor not in self.vendors:
            return
        child, parent = self._tables(app_label, to_state)
        quote = schema_editor.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        parent_columns = ", ".join(quote(c) for c in self.parent_columns)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {quote(child)} ADD CONSTRAINT {quote(self.name)} "
                f"FOREIGN KEY ({columns}) REFERENCES {quote(parent)} ({parent_columns}) "
                "DEFERRABLE INITIALLY DEFERRED"
            )
        elif schema_editor.connection.vendor == "sqlite":
            match = " AND ".join(
                f"{quote(parent)}.{quote(p)} = NEW.{quote(c)}"
                for c, p in zip(self.columns, self.parent_columns, strict=True)
            )
            not_null = " AND ".join(f"NEW.{quote(c)} IS NOT NULL" for c in self.columns)
            for event in ("INSERT", f"UPDATE OF {columns}"):
                suffix = event.split()[0].lower()
                schema_editor.execute(
                    f"CREATE TRIGGER {quote(self.name + '_' + suffix)} BEFORE {event} ON {quote(child)} "
                    f"WHEN {not_null} AND NOT EXISTS (SELECT 1 FROM {quote(parent)} WHERE {match}) "
                    f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {self.name}'); END"
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor not in self.vendors:
            return
        child, _ = self._tables(app_label, from_state)
        quote = schema_editor.quote_name
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {quote(child)} DROP CONSTRAINT {quote(self.name)}")
        elif schema_editor.connection.vendor == "sqlite":
            for suffix in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(self.name + '_' + suffix)}")


class SameParentRemoved(SameParent):
    """A SameParent check dropped: gone forwards, created again backwards.

    Takes the arguments of the SameParent that created it, vendors included.
    """

    def describe(self):
        return f"Stop keeping {self.model}.{self.columns} inside {self.parent}.{self.parent_columns}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)


class SqliteTriggersKept:
    """Keeps SQLite's same-organization triggers across operations that rebuild tables.

    SQLite rebuilds a table to add a constrained column or a unique constraint, which drops the
    table's own triggers and fails on the triggers of other tables that name it ("error in
    trigger …: no such table"). Wrapping those operations in `around()` drops every trigger that
    mentions one of `tables` first and creates the same triggers again afterwards, both ways.
    """

    def __init__(self, *tables: str):
        self.tables = tables
        self.saved: list[tuple[str, str]] = []

    def _save(self, apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            self.saved = [(name, sql) for name, sql in cursor.fetchall() if any(t in sql for t in self.tables)]
            for name, _ in self.saved:
                cursor.execute(f'DROP TRIGGER "{name}"')

    def _restore(self, apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            for _, sql in self.saved:
                cursor.execute(sql)
        self.saved = []

    def around(self, *operations) -> list:
        return [
            migrations.RunPython(self._save, self._restore, elidable=False),
            *operations,
            migrations.RunPython(self._restore, self._save, elidable=False),
        ]


class OnlyOn(migrations.operations.base.Operation):
    """`operation`'s schema change on these databases only (vendors), its state change on all.

    For a change one database needs and another must not have, such as dropping the
    single-column keys that the same-organization keys repeat on PostgreSQL, where SQLite keeps
    its own (ownership 0023).
    """

    reversible = True

    def __init__(self, operation: migrations.operations.base.Operation, *, vendors: tuple[str, ...]):
        self.operation = operation
        self.vendors = tuple(vendors)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {"vendors": self.vendors})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor in self.vendors:
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor in self.vendors:
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (on {', '.join(self.vendors)} only)"

    @property
    def migration_name_fragment(self):
        return self.operation.migration_name_fragment
