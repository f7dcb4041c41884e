"""The listener's pages: liked songs and recently played."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.queries import ListedSong
from catalog.tests.factories import SongFactory
from library.tests.factories import LikeFactory, PlayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(client, listener):
    client.force_login(listener)
    return client


def _titles(response) -> list[str]:
    return [song.title for song in response.context["songs"]]


def test_liked_lists_my_liked_songs_newest_first(ada, listener, other):
    older = LikeFactory(user=listener, song=SongFactory(title="Older"))
    LikeFactory(user=listener, song=SongFactory(title="Newer"))
    LikeFactory(user=other, song=SongFactory(title="Bob's"))
    older.created_at = timezone.now() - timedelta(days=1)
    older.save(update_fields=["created_at"])

    response = ada.get("/liked/")

    assert response.status_code == 200
    assert _titles(response) == ["Newer", "Older"]
    body = response.content.decode()
    assert "2 songs" in body and "Play all" in body
    assert 'data-liked="true"' in body


def test_liked_leaves_out_hidden_songs(ada, listener):
    LikeFactory(user=listener, song=SongFactory(title="Gone", hidden=True))

    assert _titles(ada.get("/liked/")) == []


def test_liked_when_empty_says_how_to_like_a_song(ada):
    body = ada.get("/liked/").content.decode()

    assert "No liked songs yet. Press the heart in the player" in body


def test_liked_and_recent_need_a_signed_in_listener(client):
    for path in ("/liked/", "/recent/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_liked_query_count_does_not_grow_with_songs(ada, listener, django_assert_max_num_queries):
    for _ in range(10):
        LikeFactory(user=listener)

    with django_assert_max_num_queries(8):
        ada.get("/liked/")


def test_recent_lists_each_song_once_by_its_last_play(ada, listener, other):
    now = timezone.now()
    first, second = SongFactory(title="First"), SongFactory(title="Second")
    PlayFactory(user=listener, song=first, played_at=now - timedelta(hours=3))
    PlayFactory(user=listener, song=second, played_at=now - timedelta(hours=2))
    PlayFactory(user=listener, song=first, played_at=now - timedelta(hours=1))
    PlayFactory(user=other, song=SongFactory(title="Bob's"), played_at=now)

    response = ada.get("/recent/")

    assert response.status_code == 200
    assert _titles(response) == ["First", "Second"]


def test_recent_reads_its_songs_as_plain_values_with_the_listeners_hearts(ada, listener):
    # Song instances with prefetched credits cost more CPU than the rows they render.
    loved, other = SongFactory(title="Loved"), SongFactory(title="Other")
    PlayFactory(user=listener, song=loved)
    PlayFactory(user=listener, song=other)
    LikeFactory(user=listener, song=loved)

    songs = ada.get("/recent/").context["songs"]

    assert all(isinstance(song, ListedSong) for song in songs)
    assert {song.title: song.liked for song in songs} == {"Loved": True, "Other": False}


def test_recent_when_empty_says_what_counts_as_a_play(ada):
    body = ada.get("/recent/").content.decode()

    assert "Nothing played yet" in body


def test_recent_query_count_does_not_grow_with_plays(ada, listener, django_assert_max_num_queries):
    for _ in range(10):
        PlayFactory(user=listener)

    with django_assert_max_num_queries(8):
        ada.get("/recent/")


def test_home_links_its_recently_played_row_to_the_full_page(ada, listener):
    PlayFactory(user=listener)

    body = ada.get("/").content.decode()

    assert 'href="/recent/">See all</a>' in body
