"""Offline sync: apps such as Symfonium page search3 with an empty query through the whole
catalogue, songOffset growing by songCount, and expect each song exactly once in a stable order.

The catalogue here is a few thousand song rows (a factory, no audio), enough for pages to start
from several of the marks subsonic.queries.searching keeps every MARK_STEP songs.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Genre, Song
from catalog.services import songs_remove, songs_set_hidden
from catalog.tests.factories import GenreFactory
from library.services import play_record, song_rate
from subsonic.dispatch import MAX_SEARCH_COUNT
from subsonic.queries.searching import MARK_STEP
from subsonic.tests.conftest import add_songs

SONGS = 2 * MARK_STEP + 345
PAGE = 500


@pytest.fixture
def many_songs(db) -> list[Song]:
    return add_songs(SONGS)


def sync_page(sub, offset: int, count: int = PAGE) -> list[dict]:
    found = sub.call(
        "search3", query="", songCount=count, songOffset=offset, albumCount=0, artistCount=0
    )["searchResult3"]
    return found.get("song", [])


def sync_everything(sub, count: int = PAGE) -> list[str]:
    """Page from offset 0 until a short page, as a syncing app does; return the ids seen."""
    ids: list[str] = []
    while True:
        page = sync_page(sub, len(ids), count)
        ids += [song["id"] for song in page]
        if len(page) < count:
            return ids


def published_ids() -> list[str]:
    pks = Song.objects.filter(hidden=False).order_by("pk").values_list("pk", flat=True)
    return [f"tr-{pk}" for pk in pks]


def test_sync_pages_through_every_song_once_in_id_order(sub, many_songs):
    seen = sync_everything(sub)

    assert len(seen) == SONGS
    assert seen == published_ids()


@pytest.mark.parametrize("offset", [0, MARK_STEP - 3, MARK_STEP, 2 * MARK_STEP + 1, SONGS - 10])
def test_a_deep_offset_returns_the_songs_at_that_position(sub, many_songs, offset):
    sync_page(sub, 0)  # the marks are taken

    page = sync_page(sub, offset, 20)

    assert [song["id"] for song in page] == published_ids()[offset : offset + 20]


def test_pages_asked_above_the_cap_hold_the_cap_and_page_on_from_there(sub, many_songs):
    first = sync_page(sub, 0, 5000)
    rest = sync_page(sub, MAX_SEARCH_COUNT, 5000)

    assert len(first) == MAX_SEARCH_COUNT
    assert [song["id"] for song in first + rest] == published_ids()[: 2 * MAX_SEARCH_COUNT]


def test_an_offset_past_the_end_is_an_empty_page(sub, many_songs):
    assert sync_page(sub, SONGS) == []
    assert sync_page(sub, 9_000_000) == []


def test_sync_songs_carry_the_same_fields_as_get_song(sub, listener, many_songs):
    deep = many_songs[(MARK_STEP // 7 + 2) * 7]  # past a mark, with a guest credit
    sub.call("star", id=f"tr-{deep.pk}")
    song_rate(listener.user, deep, 4)
    play_record(listener.user, deep)
    play_record(listener.user, deep)

    page = sync_page(sub, MARK_STEP, 20)
    alone = sub.call("getSong", id=f"tr-{deep.pk}")["song"]

    entry = next(song for song in page if song["id"] == f"tr-{deep.pk}")
    assert entry == alone
    assert (entry["userRating"], entry["playCount"]) == (4, 2) and "starred" in entry
    assert [artist["name"] for artist in entry["artists"]] == ["sync artist", "sync guest"]
    assert entry["genres"] == [{"name": "Sync Pop"}]
    others = [song for song in page if song["id"] != entry["id"]]
    assert all("starred" not in song and song["playCount"] == 0 for song in others)


def test_sync_stays_exact_after_songs_are_hidden_published_removed_and_added(sub, many_songs):
    assert sync_everything(sub) == published_ids()  # the marks are taken and cached

    # Changes in the first chunk, on a mark, in the middle and in the last chunk, none of which
    # makes a new song id: only reading the rows can tell the marks moved.
    songs_set_hidden([many_songs[3], many_songs[MARK_STEP], many_songs[SONGS - 2]], hidden=True)
    songs_set_hidden(many_songs[MARK_STEP + 10 : MARK_STEP + 30], hidden=True)
    songs_remove([many_songs[2 * MARK_STEP + 5]])
    first_pass = sync_everything(sub)
    songs_set_hidden([many_songs[MARK_STEP + 12]], hidden=False)
    second_pass = sync_everything(sub, count=333)
    add_songs(MARK_STEP + 50, prefix="late")
    third_pass = sync_everything(sub)

    assert len(first_pass) == SONGS - 24
    assert f"tr-{many_songs[3].pk}" not in first_pass
    assert f"tr-{many_songs[MARK_STEP + 12].pk}" in second_pass
    assert len(third_pass) == SONGS - 23 + MARK_STEP + 50
    assert third_pass == published_ids()


def test_a_deep_page_after_new_songs_arrive_finds_them(sub, many_songs):
    sync_page(sub, 0)
    late = add_songs(2 * MARK_STEP + 10, prefix="late")

    page = sync_page(sub, SONGS + 2 * MARK_STEP, 20)

    assert [song["id"] for song in page] == [f"tr-{song.pk}" for song in late[2 * MARK_STEP :]]


def _queries(sub, offset: int, count: int) -> int:
    sync_page(sub, offset, count)
    with CaptureQueriesContext(connection) as captured:
        sync_page(sub, offset, count)
    return len(captured.captured_queries)


def test_a_page_costs_the_same_queries_at_any_depth_and_size(sub, many_songs):
    sub.call("star", id=[f"tr-{song.pk}" for song in many_songs[::5]])

    first = _queries(sub, 0, 5)
    deep = _queries(sub, 2 * MARK_STEP + 3, 300)
    full = _queries(sub, MARK_STEP - 250, PAGE)

    assert first == deep == full


def test_genres_of_other_songs_in_the_range_stay_off_the_page(sub, many_songs):
    hidden = many_songs[MARK_STEP + 1]
    Song.genres.through.objects.create(
        song_id=hidden.pk, genre_id=GenreFactory(name="Hidden Genre").pk
    )
    songs_set_hidden([hidden], hidden=True)

    page = sync_page(sub, MARK_STEP - 5, 20)

    assert f"tr-{hidden.pk}" not in {song["id"] for song in page}
    assert len(page) == 20
    assert all(song["genres"] == [{"name": "Sync Pop"}] for song in page)
    assert Genre.objects.filter(name="Hidden Genre").exists()


def test_a_search_page_comes_from_the_ranking_in_hand(db, django_assert_num_queries):
    """search3 pages a query's songs from the ids the search ranked, not by asking again."""
    from subsonic.queries.searching import _page_ids

    ids = [song.pk for song in add_songs(12)]
    ranked = Song.objects.all().in_ranked_order(list(reversed(ids)))
    with django_assert_num_queries(0):
        assert _page_ids(ranked, (5, 3)) == list(reversed(ids))[3:8]
        assert _page_ids(ranked, (0, 3)) == []
    with django_assert_num_queries(1):  # an unranked queryset is read from the database
        assert _page_ids(Song.objects.order_by("pk"), (2, 1)) == ids[1:3]
