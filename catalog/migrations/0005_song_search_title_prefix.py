"""Index song titles in byte order on PostgreSQL for one- and two-letter searches."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS song_search_title_prefix ON catalog_song '
            '((search_title COLLATE "C"), id) WHERE NOT hidden'
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS song_search_title_prefix")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_search_postgres"),
    ]

    operations = [migrations.RunPython(forward, backward)]
