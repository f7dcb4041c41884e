"""The catalogue's change stamp: one row dating the last change apps must hear of.

It starts at the migration's moment, so every app that asks getIndexes "changed since?" reads
the index once more, and each later write only moves it (one UPDATE, never an INSERT).
"""

from django.db import migrations, models
from django.utils import timezone


def stamp_now(apps, schema_editor):
    apps.get_model("catalog", "CatalogueChange").objects.create(pk=1, changed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_song_tags_hash"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("changed_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(stamp_now, migrations.RunPython.noop),
    ]
