"""An assignment's organization, touchpoint and function are checked by the same-organization keys
alone on PostgreSQL (issue 23).

0002 made (touchpoint_id, organization_id) a key to the touchpoints and (function_id,
organization_id) one to the functions: an assignment can name neither a missing row nor another
organization's, and a touchpoint or function cannot be deleted from under its letters. The
single-column keys on the same three columns checked it all again for every letter written (three
more deferred checks per row at commit), and their indexes duplicated the first column of
assignment_one_letter_per_function, assignment_function_letter and assignment_org_id. They are
dropped on PostgreSQL. SQLite keeps its single-column keys beside its same-organization
triggers, which check inserts and updates but not deletes of the parent.
"""

import django.db.models.deletion
from django.db import migrations, models

from cxowner.orgs.sameorg import OnlyOn


def _without_key(name: str, to: str, related_name: str) -> OnlyOn:
    field = models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=to,
    )
    return OnlyOn(migrations.AlterField(model_name="assignment", name=name, field=field), vendors=("postgresql",))


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0024_inbox"),
    ]

    operations = [
        _without_key("organization", "orgs.organization", "+"),
        _without_key("touchpoint", "journeys.touchpoint", "assignments"),
        _without_key("function", "ownership.function", "assignments"),
    ]
