"""Existing names and one-line texts lose their control characters (cxowner.orgs.names.one_line).

Only rows that hold one are written. A cleaned name that now repeats another in its scope (the
same key, or the same role title in a function) is numbered ("Cashier (2)"), the way the
name-key migrations did: nothing is merged or lost. Reversing keeps the cleaned names (there is
nothing to put back that anyone should want).
"""

from django.db import migrations

from cxowner.orgs.names import NAME_MAX_CHARS, name_key, one_line

# (app, model, one-line fields, the fields a name is unique within; None: not unique, no key)
CLEANED = [
    ("orgs", "Organization", ["name"], None),
    ("orgs", "ApiToken", ["name"], None),
    ("journeys", "Journey", ["name", "persona"], ["organization_id"]),
    ("journeys", "Stage", ["name"], ["journey_id"]),
    ("journeys", "Touchpoint", ["name", "channel", "out_of_scope_reason"], ["journey_id"]),
    ("ownership", "Function", ["name"], ["organization_id"]),
    ("ownership", "Role", ["title", "holder_name"], ["function_id"]),
    ("ownership", "Scenario", ["name"], None),
    ("ownership", "ReviewCampaign", ["name"], None),
    ("ownership", "Webhook", ["description"], None),
]

def _unique_value(model, row, scope: list[str], field: str, keyed: bool) -> str:
    """The cleaned name, numbered if another row of its scope already has it (or its key)."""
    original = getattr(row, field)
    rows = model.objects.filter(**{name: getattr(row, name) for name in scope}).exclude(pk=row.pk)
    number, candidate = 1, original
    while rows.filter(**({"name_key": name_key(candidate)} if keyed else {field: candidate})).exists():
        number += 1
        suffix = f" ({number})"
        candidate = original[: NAME_MAX_CHARS - len(suffix)] + suffix
    return candidate


def clean(apps, schema_editor):
    for app, model_name, fields, scope in CLEANED:
        model = apps.get_model(app, model_name)
        keyed = any(field.name == "name_key" for field in model._meta.fields)
        # Read in Python, not filtered in SQL: a NUL cannot be a LIKE pattern on every database.
        rows = model.objects.order_by("pk").iterator(chunk_size=2000)
        for row in (row for row in rows if any(getattr(row, f) != one_line(getattr(row, f)) for f in fields)):
            changes = {field: one_line(getattr(row, field)) for field in fields}
            for field, value in changes.items():
                setattr(row, field, value)
            unique_field = "name" if keyed else ("title" if model_name == "Role" else None)
            if scope is not None and unique_field:
                changes[unique_field] = _unique_value(model, row, scope, unique_field, keyed)
            if keyed:
                changes["name_key"] = name_key(changes["name"])
            model.objects.filter(pk=row.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0018_one_line_names_comment_integration"),
        ("orgs", "0010_one_line_names"),
        ("journeys", "0006_one_line_names"),
    ]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
