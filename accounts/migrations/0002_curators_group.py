"""Create the "Curators" group: the catalogue and its ingest jobs, nothing about users."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS_GROUP = "Curators"
CATALOG_MODELS = ["artist", "album", "genre", "song", "songartist", "cover", "ingestjob"]
VIEW_ONLY_MODELS = ["storedobject"]


def create_curators(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    codenames = [
        f"{verb}_{model}"
        for model in CATALOG_MODELS
        for verb in ("add", "change", "delete", "view")
    ] + [f"view_{model}" for model in VIEW_ONLY_MODELS]
    permissions = Permission.objects.filter(
        content_type__app_label="catalog", codename__in=codenames
    )
    group.permissions.set(permissions)


def remove_curators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CURATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0002_song_hidden_song_song_published_newest"),
    ]

    operations = [migrations.RunPython(create_curators, remove_curators)]
