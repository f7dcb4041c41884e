"""Search on PostgreSQL: the full-text and trigram indexes exist and the queries can use them."""

import pytest
from django.db import connection

from catalog.models import Album, Song
from catalog.queries import song_list
from catalog.search import (
    near_spellings,
    refresh_search_text,
    search_songs,
    song_ranking_query,
    songs_titled,
)
from catalog.tests.factories import ArtistFactory, SongFactory
from conftest import require
from demo.synthetic import seed

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
    assert "song_search_vector" in plan(song_ranking_query("neon rian tidelines", song_list()))


def test_a_fragment_uses_the_title_trigram_index(songs):
    assert "song_search_title_trgm" in plan(song_ranking_query("eon", song_list()))


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


def test_a_broad_query_ranks_a_bounded_pool(songs, monkeypatch):
    import catalog.search

    collective = ArtistFactory(name="Neon Collective")
    for number in range(8):
        SongFactory(title=f"Quiet Song {number}", artist=collective)
    refresh_search_text(Song.objects.filter(artist=collective).values_list("pk", flat=True))
    everything = [song.title for song in search_songs("collective")]
    monkeypatch.setattr(catalog.search.ranking, "CANDIDATES", 3)
    bounded = [song.title for song in search_songs("collective")]
    assert len(everything) >= 8 and len(bounded) == 3
    assert set(bounded) <= set(everything)


def test_a_typo_in_a_title_prefix_finds_the_titles_that_start_so(songs):
    someone = ArtistFactory(name="Someone")
    SongFactory(title="Velvet Ghost Parade", artist=someone)
    SongFactory(title="Ghost Velvet", artist=someone)  # holds both words, shorter, not a start
    refresh_search_text(Song.objects.filter(artist=someone).values_list("pk", flat=True))
    found = [song.title for song in search_songs("vevlet ghost")]
    assert found.index("Velvet Ghost Parade") < found.index("Ghost Velvet")


def test_album_search_finds_a_title_word_and_an_artist_word_together(songs):
    from catalog.search import search_albums
    from catalog.tests.factories import AlbumFactory

    AlbumFactory(title="Harbour Lights", album_artist=ArtistFactory(name="Mira Tidewater"))
    SongFactory(title="Any", album=Album.objects.get(title="Harbour Lights"))
    assert [album.title for album in search_albums("harbour tidewater")] == ["Harbour Lights"]


def test_requests_do_not_start_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_a_prefix_that_starts_few_words_is_spelled_out(songs, monkeypatch):
    import catalog.search

    sql = str(song_ranking_query("golden harb", song_list()).query)
    assert "harbour" in sql and "harb:*" not in sql
    spelled = [song.title for song in search_songs("golden harb")]
    monkeypatch.setattr(catalog.search.lexicon, "MAX_COMPLETIONS", 0)
    catalog.search.forget_near_spellings()
    assert "harb:*" in str(song_ranking_query("golden harb", song_list()).query)
    assert [song.title for song in search_songs("golden harb")] == spelled


def test_a_ranked_page_sends_its_ids_as_one_array():
    """200 ranked ids as `IN (...)` are 200 placeholders the driver quotes on every page."""
    from django.test.utils import CaptureQueriesContext

    ids = [SongFactory(title=f"Neon {number}").pk for number in range(30)]
    ranked = Song.objects.all().in_ranked_order(list(reversed(ids)))
    with CaptureQueriesContext(connection) as page:
        rows = list(ranked[5:10])
    assert [song.pk for song in rows] == list(reversed(ids))[5:10]
    (sql,) = [query["sql"] for query in page.captured_queries]
    assert sql.count("= ANY(") == 2 and " IN (" not in sql
    assert Song.objects.exclude(pk__in=ids[:3]).filter(pk__in=ids).count() == 27


@pytest.mark.parametrize(
    "query", ["neon rian tidelines", "golden harb", "halo", "eon", "cafe del mar", "neo"]
)
def test_the_prepared_catalogue_search_ranks_as_a_queryset_search_does(songs, query):
    """Searching every published song runs prepared queries; a queryset given runs the ORM."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        prepared = search_songs(query).ranking
    with CaptureQueriesContext(connection) as captured_list:
        as_listed = search_songs(query, song_list()).ranking
    # A filter that keeps every song, so the ORM builds the search.
    built = search_songs(query, song_list().filter(pk__gt=0)).ranking

    assert prepared == built == as_listed and prepared
    # The prepared title query leaves out the songs found before as an array, even none;
    # song_list(), every published song, is searched the same way.
    for queries in (captured, captured_list):
        assert 'NOT ("catalog_song"."id" = ANY(\'{}\'' in queries.captured_queries[0]["sql"]


@pytest.mark.parametrize("query", ["neon", "neo rain", "tidelines", "harb", "eon", "love", "a"])
def test_a_search_within_a_genre_narrows_by_its_name_and_finds_what_the_filter_alone_finds(
    songs, query
):
    """The genre's name words join the full-text query (every song of the genre holds them in
    its document), accented and of several words; where the ranking pool holds every match, as
    here, the results are those of the filter alone."""
    from catalog.api.filters import SongFilter
    from catalog.models import Genre
    from catalog.tests.factories import GenreFactory

    dream_pop = GenreFactory(name="Dream Pôp Ñu")
    seeded = Genre.objects.exclude(pk=dream_pop.pk).order_by("pk").first()
    tidelines = Song.objects.filter(artist__name="The Tidelines Quartet")
    for song in tidelines:
        song.genres.add(dream_pop)
    refresh_search_text(tidelines.values_list("pk", flat=True))

    for genre in (dream_pop, seeded):
        narrowed = SongFilter({"search": query, "genre_id": str(genre.pk)}, song_list()).qs
        alone = search_songs(query, song_list().filter(genres=genre))
        assert narrowed.ranking == alone.ranking
    by_name = SongFilter({"search": query, "genre": "dream pop ñu"}, song_list()).qs
    expected = {
        "neon": {"Neon Rain", "Neon Nights"},
        "tidelines": {"Neon Rain", "Neon Nights", "Golden Harbour", "Café del Mar", "Halo"},
    }
    if query in expected:
        assert {song.title for song in by_name} == expected[query]
