"""Let the "Content editors" group keep the crisis directory, like the rest of the library."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Content editors"


def grant(apps, schema_editor):
    # Permissions are normally made after migrate finishes; make them now so they can be granted.
    app_config = apps.get_app_config("content")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="content", content_type__model="crisisline"
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="content", content_type__model="crisisline"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("content", "0003_evidence_sources_and_crisis_lines")]

    operations = [migrations.RunPython(grant, revoke)]
