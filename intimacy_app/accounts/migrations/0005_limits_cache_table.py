from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # The "limits" cache is a database table when there is no Redis (settings.CACHES); making it
    # here means every path that migrates (make run, a deploy, the drills) has it. It does
    # nothing for tables that exist or caches that are not in the database.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_two_step_secrets_sealed"),
    ]

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
