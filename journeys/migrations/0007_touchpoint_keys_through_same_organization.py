"""A touchpoint's organization, journey and stage are checked by the same-organization keys alone
on PostgreSQL (issue 23).

ownership 0002 made (journey_id, organization_id) a key to the journeys and (stage_id,
journey_id) one to the stages: a touchpoint can name neither a missing journey or stage nor one
of another organization or journey, and neither can be deleted from under its touchpoints. The
single-column keys on the same three columns checked it all again for every touchpoint written
(three more deferred checks per row at commit), and the organization's and journey's indexes
duplicated the first column of touchpoint_org_id and touchpoint_unique_name_key. They are dropped
on PostgreSQL; the stage keeps its index (no other starts with it). SQLite keeps its
single-column keys beside its same-organization triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

from cxowner.orgs.sameorg import OnlyOn


def _without_key(name: str, to: str, related_name: str, *, index: bool) -> OnlyOn:
    field = models.ForeignKey(
        db_constraint=False,
        db_index=index,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=to,
    )
    return OnlyOn(migrations.AlterField(model_name="touchpoint", name=name, field=field), vendors=("postgresql",))


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0006_one_line_names"),
    ]

    operations = [
        _without_key("organization", "orgs.organization", "+", index=False),
        _without_key("journey", "journeys.journey", "touchpoints", index=False),
        _without_key("stage", "journeys.stage", "touchpoints", index=True),
    ]
