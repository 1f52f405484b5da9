"""Create the "Content editors" group with exactly the content library's permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Content editors"
CONTENT_MODELS = ("pattern", "capacity", "prompt", "feeling", "source")


def _ensure_permissions(apps, schema_editor):
    # Permissions are normally made after migrate finishes; make them now so they can be granted.
    app_config = apps.get_app_config("content")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None


def create_group(apps, schema_editor):
    _ensure_permissions(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="content", content_type__model__in=CONTENT_MODELS
        )
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
