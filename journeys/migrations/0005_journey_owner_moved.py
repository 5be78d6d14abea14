"""Journeys no longer point up at ownership: Journey.owner goes.

The journey manager is now a row on the ownership side (ownership.JourneyOwner), which copies
every journey's owner before this runs (that migration orders itself first; this one names no
other app). On SQLite, dropping a foreign key rebuilds the journey table: the triggers of the
tables that name it are kept (SqliteTriggersKept), both ways.
"""

from django.db import migrations

from cxowner.orgs.sameorg import SqliteTriggersKept


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0004_name_keys"),
    ]

    operations = SqliteTriggersKept("journeys_journey").around(
        migrations.RemoveField(model_name="journey", name="owner"),
    )
