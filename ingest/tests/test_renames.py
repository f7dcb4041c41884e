"""A file renamed or moved in the store keeps what listeners made of its song: likes, ratings,
plays and playlist places (ingest.same_file)."""

import os

import numpy as np
import pytest
import soundfile

from accounts.tests.factories import UserFactory
from catalog.models import Song
from demo.audio_samples import SampleTags, synthesize, tag_audio
from ingest.models import IngestJob
from library.models import Like
from library.services import song_like
from playlists.models import PlaylistItem
from playlists.services import playlist_add_song, playlist_create

pytestmark = pytest.mark.django_db

OLD, NEW = "music/Unsorted/track01.mp3", "music/Harbour Lights/01 Neon Rain.mp3"


@pytest.fixture
def liked_song(put_song, post_events, created, media_root):
    """A song in the catalogue that a listener liked and put on a playlist."""
    key, size = put_song(OLD, SampleTags(title="Neon Rain"))
    post_events(created(key, size))
    song = Song.objects.get()
    listener = UserFactory()
    song_like(listener, song)
    playlist_add_song(playlist_create(listener, name="Mine"), song)
    return song


def _rename(media_root, old: str, new: str) -> int:
    (media_root / new).parent.mkdir(parents=True, exist_ok=True)
    os.rename(media_root / old, media_root / new)
    return (media_root / new).stat().st_size


def test_a_file_renamed_keeps_its_song_and_what_listeners_made_of_it(
    liked_song, media_root, post_events, created, removed
):
    size = _rename(media_root, OLD, NEW)

    post_events(removed(OLD), created(NEW, size))  # as the folder watcher reports a move

    song = Song.objects.get()
    assert (song.pk, song.storage_key, song.title) == (liked_song.pk, NEW, "Neon Rain")
    assert Like.objects.get().song == song
    assert PlaylistItem.objects.get().song == song
    went = IngestJob.objects.get(key=OLD, action=IngestJob.Action.REMOVED)
    came = IngestJob.objects.get(key=NEW)
    assert (went.status, went.reason) == ("done", f"renamed: its song is now {NEW}")
    assert (came.status, came.song) == ("done", song)


def test_a_file_renamed_and_changed_is_a_new_song(
    liked_song, media_root, put_song, post_events, created, removed
):
    (media_root / OLD).unlink()
    key, size = put_song(NEW, SampleTags(title="Neon Rain (Remaster)"))

    post_events(removed(OLD), created(key, size))

    song = Song.objects.get()
    assert song.pk != liked_song.pk
    assert song.title == "Neon Rain (Remaster)"
    assert not Like.objects.exists()


def test_a_copy_that_outlives_its_original_takes_what_listeners_made_of_it(
    liked_song, media_root, put_bytes, post_events, created, removed
):
    # S3 has no rename: a copy, then a delete, in two deliveries. The copy is a song of its
    # own (the store may hold one file twice); when the original goes, its marks follow.
    post_events(created(*put_bytes(NEW, (media_root / OLD).read_bytes())))
    copy = Song.objects.get(storage_key=NEW)
    assert copy.pk != liked_song.pk
    (media_root / OLD).unlink()

    post_events(removed(OLD))

    assert list(Song.objects.all()) == [copy]
    assert Like.objects.get().song == copy
    assert PlaylistItem.objects.get().song == copy
    went = IngestJob.objects.get(key=OLD, action=IngestJob.Action.REMOVED)
    assert went.song == copy
    assert went.reason == (
        "what listeners made of its song (likes, ratings, plays, playlist places) went to "
        f"the same file at {NEW}"
    )


def test_a_song_removed_with_no_other_copy_takes_its_marks_with_it(
    liked_song, media_root, post_events, removed
):
    (media_root / OLD).unlink()

    post_events(removed(OLD))

    assert not Song.objects.exists()
    assert not Like.objects.exists()
    assert IngestJob.objects.get(action=IngestJob.Action.REMOVED).reason == ""


def _wav_after_silence(path, title: str, frequency: float) -> int:
    """Write a tagged WAV: 1 s of silence, then a tune; its tags are a chunk at its end."""
    sample_rate = 44100
    silence = np.zeros((sample_rate, 2), dtype=np.float32)
    tune = synthesize(seconds=2.0, sample_rate=sample_rate, frequency=frequency)
    soundfile.write(path, np.concatenate([silence, tune]), sample_rate, subtype="PCM_16")
    tag_audio(path, "wav", SampleTags(title=title, artists=("Mira Sol",), album="Two Tunes"))
    return path.stat().st_size


def test_two_songs_alike_in_size_and_first_bytes_are_two_songs(
    put_bytes, post_events, created, removed, tmp_path
):
    # WAV keeps its tags at the end: two songs of one length that open with the same silence
    # hold the same first 64 KB, which with the size was all the "same file" test looked at.
    size = _wav_after_silence(tmp_path / "a.wav", "Song A", 440.0)
    assert _wav_after_silence(tmp_path / "b.wav", "Song B", 660.0) == size
    song_a, song_b = (tmp_path / "a.wav").read_bytes(), (tmp_path / "b.wav").read_bytes()
    assert song_a[: 64 * 1024] == song_b[: 64 * 1024]
    post_events(created(*put_bytes("music/uploads/2026/12/a-song.wav", song_a)))
    song_like(UserFactory(), Song.objects.get())

    # The other song uploaded, then the first one deleted: neither is the other's file.
    post_events(created(*put_bytes("music/uploads/2026/12/b-song.wav", song_b)))
    post_events(removed("music/uploads/2026/12/a-song.wav"))

    assert Song.objects.get().title == "Song B"
    assert not Like.objects.exists()
