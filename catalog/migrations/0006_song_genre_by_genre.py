"""Index each genre's songs in id order: a genre filter then reads only that genre's links.

The many-to-many table had (song, genre) and (genre) alone; counting or paging a genre's
songs walked every song id to meet the genre's. SQL that SQLite and PostgreSQL both speak.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_song_search_title_prefix"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS song_genre_by_genre "
            "ON catalog_song_genres (genre_id, song_id)",
            "DROP INDEX IF EXISTS song_genre_by_genre",
        ),
    ]
