"""Let the "Content editors" group edit the quiz's instruments, versions and items.

Attempts, answers and scores are left out on purpose: editors never see one person's quiz.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Content editors"
QUIZ_MODELS = ("instrument", "instrumentversion", "item")
ACTIONS = ("add", "change", "view")


def _codenames():
    return [f"{action}_{model}" for model in QUIZ_MODELS for action in ACTIONS]


def _ensure_permissions(apps, schema_editor):
    # Permissions are normally made after migrate finishes; make them now so they can be granted.
    app_config = apps.get_app_config("quiz")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None


def grant(apps, schema_editor):
    _ensure_permissions(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="quiz", codename__in=_codenames())
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="quiz", codename__in=_codenames())
        )


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0001_initial"),
        ("content", "0002_content_editors_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
