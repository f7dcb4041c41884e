"""Take IngestJob over from the catalogue without touching its table or rows.

The model enters this app's state only (its table stays catalog_ingestjob); its content type
moves to app_label "ingest", so the permissions that point at it, and the Curators group that
holds them (accounts.0002), keep working. On a fresh database, where that group was created
without the job permissions, they are granted here.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CURATORS_GROUP = "Curators"
VERBS = ("add", "change", "delete", "view")


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="catalog", model="ingestjob").first()
    if old is not None and not ContentType.objects.filter(
        app_label="ingest", model="ingestjob"
    ).exists():
        old.app_label = "ingest"
        old.save(update_fields=["app_label"])
    # Permissions are normally created after all migrations ran; make sure they exist now.
    app_config = apps.get_app_config("ingest")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    curators = Group.objects.filter(name=CURATORS_GROUP).first()
    if curators is not None:
        curators.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="ingest",
                codename__in=[f"{verb}_ingestjob" for verb in VERBS],
            )
        )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="catalog", model="ingestjob").exists():
        ContentType.objects.filter(app_label="ingest", model="ingestjob").update(
            app_label="catalog"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0007_ingestjob_moves_to_ingest"),
        ("accounts", "0002_curators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IngestJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("bucket", models.CharField(max_length=255)),
                        ("key", models.CharField(max_length=1024)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("created", "Object created"),
                                    ("removed", "Object removed"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("event_name", models.CharField(max_length=100)),
                        ("event_time", models.DateTimeField(blank=True, null=True)),
                        ("size", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("etag", models.CharField(blank=True, max_length=100)),
                        ("version_id", models.CharField(blank=True, max_length=1024)),
                        ("sequencer", models.CharField(blank=True, max_length=64)),
                        (
                            "dedup_key",
                            models.CharField(editable=False, max_length=64, unique=True),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("skipped", "Skipped"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("reason", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "song",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="ingest_jobs",
                                to="catalog.song",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_ingestjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["bucket", "key"], name="ingest_job_object")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
