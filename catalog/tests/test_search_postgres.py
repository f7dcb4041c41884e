"""Search on PostgreSQL: the full-text and trigram indexes exist and the queries can use them."""

import pytest
from django.db import connection

from catalog.management.commands.seed_catalog import seed
from catalog.models import Song
from catalog.queries import song_list
from catalog.search import (
    near_spellings,
    refresh_search_text,
    search_songs,
    song_ranking,
    songs_titled,
)
from catalog.tests.factories import ArtistFactory, SongFactory
from conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def on_postgres():
    require(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")


@pytest.fixture
def songs():
    """A few known songs in a synthetic catalogue big enough for the planner to want indexes."""
    seed(songs=10_000)
    tidelines = ArtistFactory(name="The Tidelines Quartet")
    for title in ["Neon Rain", "Neon Nights", "Golden Harbour", "Café del Mar", "Halo"]:
        SongFactory(title=title, artist=tidelines)
    refresh_search_text(Song.objects.filter(artist=tidelines).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        # What autovacuum does in production: merge the GIN pending lists, refresh statistics.
        for index in ["song_search_vector", "song_search_title_trgm", "search_word_trgm"]:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE catalog_song")
        cursor.execute("ANALYZE catalog_searchword")


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_search_migrations_made_the_extensions_and_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"pg_trgm", "unaccent", "fuzzystrmatch"} <= extensions
    assert {
        "song_search_vector",
        "song_search_title_trgm",
        "song_search_title_prefix",
        "artist_name_trgm",
        "album_title_trgm",
        "search_word_trgm",
        "search_word_initial",
    } <= indexes


def test_ranking_query_uses_the_full_text_index(songs):
    assert "song_search_vector" in plan(song_ranking("neon rian tidelines", song_list()))


def test_a_fragment_uses_the_title_trigram_index(songs):
    assert "song_search_title_trgm" in plan(song_ranking("eon", song_list()))


def test_first_keystrokes_use_the_title_prefix_index(songs):
    assert "song_search_title_prefix" in plan(songs_titled("ne", song_list()))


def test_near_spellings_come_from_the_lexicon(songs):
    near = near_spellings(["rian", "harbor"])
    assert near["rian"][0] == "rain"
    assert near["harbor"][0] == "harbour"


def test_typo_prefix_and_accent_on_postgres(songs):
    assert [song.title for song in search_songs("neon rian tidelines")] == ["Neon Rain"]
    assert [song.title for song in search_songs("golden harb tide")] == ["Golden Harbour"]
    assert [song.title for song in search_songs("CAFE del mar tidelines")] == ["Café del Mar"]
    assert [song.title for song in search_songs("halo tidelnes")] == ["Halo"]
