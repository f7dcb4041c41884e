"""Index the search documents on PostgreSQL and fill them in on every database.

PostgreSQL gets pg_trgm, unaccent and fuzzystrmatch, a generated `search_vector` column (title
words weighted A, the rest of the document B) with a GIN index, and trigram GIN indexes on song
titles, artist and album names and the lexicon. SQLite needs none of it: the PostgreSQL
operations are no-ops there.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    """ALTER TABLE catalog_song ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_title), 'A')
        || setweight(to_tsvector('simple', search_text), 'B')
    ) STORED""",
    "CREATE INDEX song_search_vector ON catalog_song USING gin (search_vector)",
    "CREATE INDEX song_search_title_trgm ON catalog_song USING gin (search_title gin_trgm_ops)",
    "CREATE INDEX artist_name_trgm ON catalog_artist USING gin (name_key gin_trgm_ops)",
    "CREATE INDEX album_title_trgm ON catalog_album USING gin (title_key gin_trgm_ops)",
    "CREATE INDEX search_word_trgm ON catalog_searchword USING gin (word gin_trgm_ops)",
    "CREATE INDEX search_word_initial ON catalog_searchword (left(word, 1), length(word))",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_word_initial",
    "DROP INDEX IF EXISTS search_word_trgm",
    "DROP INDEX IF EXISTS album_title_trgm",
    "DROP INDEX IF EXISTS artist_name_trgm",
    "DROP INDEX IF EXISTS song_search_title_trgm",
    "DROP INDEX IF EXISTS song_search_vector",
    "ALTER TABLE catalog_song DROP COLUMN IF EXISTS search_vector",
]


def postgres_forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_FORWARD:
        schema_editor.execute(statement)


def postgres_backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_BACKWARD:
        schema_editor.execute(statement)


def fill_documents(apps, schema_editor):
    from catalog.search import song_document

    Song = apps.get_model("catalog", "Song")
    SearchWord = apps.get_model("catalog", "SearchWord")
    words = set()
    songs = Song.objects.select_related("album__album_artist").prefetch_related(
        "artists", "genres"
    )
    changed = []
    for song in songs.iterator(chunk_size=1000):
        album = song.album
        song.search_title, song.search_text = song_document(
            song.title,
            [artist.name for artist in song.artists.all()],
            album.title if album else "",
            album.album_artist.name if album else "",
            [genre.name for genre in song.genres.all()],
        )
        words.update(word for word in song.search_text.split() if 3 <= len(word) <= 100)
        changed.append(song)
        if len(changed) == 1000:
            Song.objects.bulk_update(changed, ["search_title", "search_text"])
            changed = []
    Song.objects.bulk_update(changed, ["search_title", "search_text"], batch_size=1000)
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in sorted(words)], ignore_conflicts=True, batch_size=5000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_song_search_text"),
    ]

    operations = [
        migrations.RunPython(postgres_forward, postgres_backward, elidable=False),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
    ]
