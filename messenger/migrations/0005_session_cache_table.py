"""The table of the embedded stack's "sessions" cache (settings.SESSION_CACHE_TABLE).

Created whatever the stack, so that moving a deployment from Redis to the
embedded default later finds it there."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_table(apps, schema_editor):
    call_command("createcachetable", settings.SESSION_CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.SESSION_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("messenger", "0004_names_skeletons_backfill")]

    operations = [migrations.RunPython(create_table, drop_table)]
