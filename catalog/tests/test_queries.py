"""The song rows every list reads: what song_list() loads with them, and in how many queries."""

import pytest

from catalog.models import Song, SongArtist
from catalog.queries import listed_songs, song_list
from catalog.tests.factories import ArtistFactory, GenreFactory, SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def duet():
    """A song credited to Zed first and Abe second (credit order is not name order)."""
    zed, abe = ArtistFactory(name="Zed"), ArtistFactory(name="Abe")
    song = SongFactory(
        artist=zed, genres=[GenreFactory(name="Synthpop"), GenreFactory(name="Ambient")]
    )
    SongArtist.objects.create(song=song, artist=abe, position=1)
    SongFactory.create_batch(3)
    return song


def test_a_page_of_songs_carries_its_credits_and_genres_without_a_query_per_song(
    duet, django_assert_num_queries
):
    with django_assert_num_queries(3):  # the songs, their credits, their genres
        songs = list(song_list())
        shown = {
            song.pk: ([a.name for a in song.credited_artists], [g.name for g in song.genre_list])
            for song in songs
        }

    assert shown[duet.pk] == (["Zed", "Abe"], ["Ambient", "Synthpop"])
    assert len(shown) == 4 and all(artists for artists, _ in shown.values())


def test_a_song_read_another_way_reads_the_same_credits_and_genres_when_asked(
    duet, django_assert_num_queries
):
    song = Song.objects.get(pk=duet.pk)

    with django_assert_num_queries(2):
        assert [artist.name for artist in song.credited_artists] == ["Zed", "Abe"]
        assert [genre.name for genre in song.genre_list] == ["Ambient", "Synthpop"]
        assert song.credited_artists and song.genre_list  # read once, then kept


def test_a_listed_song_equals_the_song_of_its_id_as_model_instances_do(duet):
    other = Song.objects.exclude(pk=duet.pk).first()
    listed = {song.pk: song for song in listed_songs(song_list())}

    assert listed[duet.pk] == duet and duet == listed[duet.pk]
    assert listed[duet.pk] != other and listed[duet.pk] != listed[other.pk]
    assert duet in {listed[duet.pk]} and listed[duet.pk] in {duet}
    assert listed[duet.pk] != duet.pk  # an id alone is not the song
