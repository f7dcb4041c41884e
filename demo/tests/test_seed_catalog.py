"""seed_catalog: a synthetic catalogue and a community whose listening follows planted tastes."""

import os
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction

from catalog.models import Album, Artist, Genre, SearchWord, Song
from catalog.search import search_songs
from conftest import require
from demo.synthetic import SYNTHETIC_PREFIX, seed
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return seed(songs=600, users=30, plays=3000, likes=400, ratings=200, playlists=10)


def test_seed_writes_the_sizes_asked_for(community):
    assert Song.objects.count() == 600
    assert get_user_model().objects.count() == 30
    assert Play.objects.count() == 3000
    assert 0 < Like.objects.count() <= 400  # a listener likes a song once
    assert 0 < Rating.objects.count() <= 200
    assert Playlist.objects.count() == 10
    assert PlaylistItem.objects.count() == 10 * 20
    assert Artist.objects.count() >= 600 // 80
    assert Album.objects.count() == 600 // 10


def test_seeded_songs_look_real(community):
    song = Song.objects.select_related("album").first()
    assert " " in song.title
    assert 30 <= song.duration <= 1800
    assert song.year == song.album.year
    assert song.genres.exists()
    assert song.artists.filter(pk=song.artist_id).exists()


def test_seeded_songs_are_searchable(community):
    song = Song.objects.order_by("pk")[10]
    assert song.search_title
    assert (
        SearchWord.objects.filter(word=song.search_title.split()[-1]).exists()
        or len(song.search_title.split()[-1]) < 3
    )
    assert song in search_songs(song.title)[:50]


def test_seeded_songs_have_no_audio_and_streaming_says_so(client, community):
    song = Song.objects.first()
    assert song.storage_key.startswith(SYNTHETIC_PREFIX)
    response = client.get(f"/api/v1/songs/{song.pk}/stream/")
    assert response.status_code == 404


def test_listening_follows_the_planted_tastes(community):
    """Most plays land in a listener's favourite genres: 2 of 24 genres, yet well over half."""
    genres_of = {
        song.pk: {genre.pk for genre in song.genres.all()}
        for song in Song.objects.prefetch_related("genres")
    }
    in_taste = Counter()
    for play in Play.objects.all():
        favourite = set(community.favourite_genres[play.user_id])
        in_taste[bool(genres_of[play.song_id] & favourite)] += 1
    assert in_taste[True] / Play.objects.count() > 0.7


def test_favourite_artists_get_the_most_plays(community):
    by_artist = Counter(
        (user, artist) for user, artist in Play.objects.values_list("user_id", "song__artist_id")
    )
    favourite = sum(
        count
        for (user, artist), count in by_artist.items()
        if artist in community.favourite_artists[user]
    )
    assert favourite / Play.objects.count() > 0.4


def seeded(random_seed: int) -> tuple[list[str], list[list[str]]]:
    """Seed a small community, note its titles and tastes, and roll it back."""
    with transaction.atomic():
        community = seed(songs=200, users=5, plays=100, random_seed=random_seed)
        titles = list(Song.objects.order_by("pk").values_list("title", flat=True))
        names = dict(Genre.objects.values_list("pk", "name"))
        tastes = [[names[pk] for pk in genres] for genres in community.favourite_genres.values()]
        transaction.set_rollback(True)
    return titles, tastes


def test_same_seed_gives_the_same_catalogue_and_tastes():
    assert seeded(7) == seeded(7)
    assert seeded(7) != seeded(8)


def test_seeding_twice_adds_to_the_catalogue():
    seed(songs=100, users=3, plays=50)
    seed(songs=100, users=3, plays=50)
    assert Song.objects.count() == 200
    assert get_user_model().objects.count() == 6
    assert Play.objects.count() == 100


def test_command_reports_what_it_wrote(capsys):
    call_command("seed_catalog", "--songs", "50", "--users", "4", "--plays", "40")
    out = capsys.readouterr().out
    assert "50 songs" in out
    assert "40 plays" in out


def test_command_refuses_listening_without_songs():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="needs songs"):
        call_command("seed_catalog", "--songs", "0", "--users", "2", "--plays", "5")


@pytest.mark.postgres
def test_seed_uses_copy_and_keeps_the_indexes_on_postgres():
    require(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    seed(songs=60_000, users=20, plays=200, likes=50, ratings=20, playlists=2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_song'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"song_search_vector", "song_search_title_trgm", "song_published_newest"} <= indexes
    song = Song.objects.order_by("-pk").first()
    assert song in search_songs(song.title)[:50]
    Song.objects.create(
        title="After the seed", artist=song.artist, duration=1, codec="mp3", mime_type="a/b",
        file_size=1, storage_key=f"after/{os.getpid()}",
    )  # fmt: skip
