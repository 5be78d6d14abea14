"""Create the database cache table with the schema, so `migrate` alone gives a working copy.

Without Redis the cache (audit debounce marks, API throttles, import previews) lives in the
database; Django creates that table only through `createcachetable`, which is easy to forget.
With a non-database cache configured the command does nothing.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_apitoken")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
