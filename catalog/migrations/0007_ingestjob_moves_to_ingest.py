"""IngestJob now belongs to the ingest app: drop it from the catalogue's state, keep the table.

ingest.0001_initial takes the model (same table, catalog_ingestjob) and its content type, so
rows, permissions and the curators' grants stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_song_genre_by_genre"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IngestJob")],
            database_operations=[],
        ),
    ]
