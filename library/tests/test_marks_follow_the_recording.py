"""catalog.signals.*_replaced: when a song is removed for the same recording under another key,
or a curator merges albums or artists, what listeners made of the one that goes follows to the
one that stays (library.services, playlists.services, connected in their apps' ready())."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import albums_merge, artists_merge, song_remove
from catalog.tests.factories import AlbumFactory, ArtistFactory, SongFactory
from library.models import (
    AlbumRating,
    ArtistRating,
    Bookmark,
    Like,
    NowPlaying,
    Play,
    PlayQueue,
    PlayQueueEntry,
    Rating,
    StarredAlbum,
    StarredArtist,
)
from library.services import (
    album_rate,
    album_star,
    artist_rate,
    artist_star,
    bookmark_save,
    now_playing_set,
    play_queue_save,
    play_record,
    song_like,
    song_rate,
)
from playlists.models import PlaylistItem
from playlists.services import playlist_add_song, playlist_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def songs():
    return SongFactory(title="Original"), SongFactory(title="Copy")


def test_marks_of_a_replaced_song_go_to_its_recording(songs):
    original, copy = songs
    ada = UserFactory()
    song_like(ada, original)
    song_rate(ada, original, 4)
    bookmark_save(ada, original, 61_000)
    play_record(ada, original)
    play_record(ada, original)
    play_queue_save(ada, [original, copy, original], 5_000, "test", current_index=2)
    now_playing_set(ada, original, "phone")
    playlist = playlist_create(ada, name="Mine")
    playlist_add_song(playlist, original)
    playlist_add_song(playlist, copy)

    song_remove(original, replaced_by=copy)

    assert Like.objects.get().song == copy
    assert (Rating.objects.get().song, Rating.objects.get().stars) == (copy, 4)
    assert (Bookmark.objects.get().song, Bookmark.objects.get().position_ms) == (copy, 61_000)
    assert Play.objects.filter(song=copy).count() == 2
    assert [entry.song for entry in PlayQueueEntry.objects.order_by("position")] == [copy] * 3
    assert PlayQueue.objects.get().current == copy
    assert NowPlaying.objects.get().song == copy
    assert [item.song for item in PlaylistItem.objects.order_by("position")] == [copy, copy]


def test_a_listeners_own_marks_of_the_recording_win(songs):
    original, copy = songs
    ada, bo = UserFactory(), UserFactory()
    for user, stars in ((ada, 2), (bo, 5)):
        song_like(user, original)
        song_rate(user, original, stars)
    song_like(ada, copy)
    song_rate(ada, copy, 3)  # ada rated the copy herself: hers stays

    song_remove(original, replaced_by=copy)

    assert sorted(Like.objects.values_list("user_id", "song_id")) == sorted(
        [(ada.pk, copy.pk), (bo.pk, copy.pk)]
    )
    assert dict(Rating.objects.values_list("user_id", "stars")) == {ada.pk: 3, bo.pk: 5}


def test_a_song_removed_alone_takes_its_marks_with_it(songs):
    original, copy = songs
    song_like(UserFactory(), original)

    song_remove(original)

    assert not Like.objects.exists()


def test_a_merged_albums_stars_and_ratings_go_to_the_album_that_stays():
    kept, duplicate = AlbumFactory(title="Harbour Lights"), AlbumFactory(title="Harbour Lights ")
    ada, bo = UserFactory(), UserFactory()
    for user, stars in ((ada, 2), (bo, 5)):
        album_star(user, duplicate)
        album_rate(user, duplicate, stars)
    album_rate(ada, kept, 4)  # her own rating of the album that stays wins

    albums_merge(kept, [duplicate])

    assert sorted(StarredAlbum.objects.values_list("user_id", "album_id")) == sorted(
        [(ada.pk, kept.pk), (bo.pk, kept.pk)]
    )
    assert dict(AlbumRating.objects.values_list("user_id", "stars")) == {ada.pk: 4, bo.pk: 5}


def test_a_merged_artists_stars_and_ratings_go_to_the_artist_that_stays():
    kept, duplicate = ArtistFactory(name="Mara Sol"), ArtistFactory(name="Mara Soul")
    ada = UserFactory()
    artist_star(ada, duplicate)
    artist_rate(ada, duplicate, 3)

    artists_merge(kept, [duplicate])

    assert StarredArtist.objects.get().artist == kept
    assert (ArtistRating.objects.get().artist, ArtistRating.objects.get().stars) == (kept, 3)
