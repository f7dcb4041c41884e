"""Index song keys in byte order on PostgreSQL, for the re-sync's walk of the catalogue.

The re-sync reads songs in the order the store lists keys (UTF-8 bytes, collation "C") in
keyset chunks; under a database collation such as en_US that order is not the unique index's,
and each chunk would sort the table. SQLite's default collation is already byte order.
The index is the ingest's (its only reader), so it lives here rather than in catalog.
"""

from django.db import migrations

INDEX = "song_storage_key_bytes"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_song (storage_key COLLATE "C")'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_initial"),
        ("catalog", "0007_ingestjob_moves_to_ingest"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
