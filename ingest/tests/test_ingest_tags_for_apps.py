"""The tags apps show and sort by land in the song, album and artist rows, through the webhook."""

from dataclasses import replace

import pytest

from catalog.models import Album, Artist, Song
from demo.audio_samples import FORMATS, SampleTags
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db

TRACK_ID = "7a3e2b1c-0000-4000-8000-000000000001"
ALBUM_ID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
ARTIST_ID = "11111111-1111-4111-8111-111111111111"
TAGGED = SampleTags(
    title="Neon Rain",
    artists=("The Tidelines",),
    album="Harbour Lights",
    album_artist="Various Artists",
    title_sort="Neon Rain (sort)",
    artist_sorts=("Tidelines, The",),
    album_artist_sort="Various",
    album_sort="Harbour Lights, The",
    bpm=128,
    comment="Recorded live",
    isrcs=("GBAYE0000001", "GBAYE0000002"),
    musicbrainz_track_id=TRACK_ID,
    musicbrainz_album_id=ALBUM_ID,
    musicbrainz_artist_ids=(ARTIST_ID,),
    compilation=True,
    release_date="2019-05-17",
    original_date="1999",
    labels=("Sand Records", "Dune Music"),
    release_types=("compilation",),
    track_gain=-6.5,
    track_peak=0.98,
    album_gain=-7.25,
    album_peak=0.99,
)


@pytest.fixture
def ingest(put_song, post_events, created):
    """Put a tagged song into the store and post its event; return the song."""

    def ingest_song(key: str, tags: SampleTags, sequencer: str | None = None) -> Song:
        response = post_events(created(*put_song(key, tags, seconds=1), sequencer=sequencer))
        assert response.status_code == 202, response.content
        job = IngestJob.objects.get(pk=response.json()["jobs"][0]["id"])
        assert job.status == IngestJob.Status.DONE, job.reason
        return Song.objects.get(storage_key=key)

    return ingest_song


@pytest.mark.parametrize("fmt", FORMATS)
def test_tagged_song_fills_its_song_album_and_artist_rows(ingest, fmt):
    song = ingest(f"music/harbour/01.{fmt}", TAGGED)

    assert song.sort_title == "Neon Rain (sort)"
    assert (song.bpm, song.comment) == (128, "Recorded live")
    assert (song.musicbrainz_id, song.isrc) == (TRACK_ID, "GBAYE0000001; GBAYE0000002")
    assert song.replay_gain_track == pytest.approx(-6.5)
    assert song.replay_gain_album == pytest.approx(-7.25)
    assert song.bit_depth == (16 if fmt == "flac" else None)
    album = Album.objects.get()
    assert (album.sort_title, album.is_compilation) == ("Harbour Lights, The", True)
    assert (album.release_date, album.original_release_date) == ("2019-05-17", "1999")
    assert (album.record_labels, album.release_types) == ("Sand Records; Dune Music", "compilation")
    assert album.musicbrainz_id == ALBUM_ID
    artist = Artist.objects.get(name="The Tidelines")
    assert (artist.sort_name, artist.musicbrainz_id) == ("Tidelines, The", ARTIST_ID)
    assert Artist.objects.get(name="Various Artists").sort_name == "Various"


@pytest.mark.parametrize("fmt", ["mp3", "flac", "m4a"])
def test_replay_gain_peaks_are_stored(ingest, fmt):
    song = ingest(f"music/harbour/01.{fmt}", TAGGED)

    assert song.replay_gain_track_peak == pytest.approx(0.98)
    assert song.replay_gain_album_peak == pytest.approx(0.99)


def test_opus_gains_are_stored_at_replay_gain_reference_without_peaks(ingest):
    song = ingest("music/harbour/01.opus", TAGGED)

    assert (song.replay_gain_track, song.replay_gain_album) == (-6.5, -7.25)
    assert (song.replay_gain_track_peak, song.replay_gain_album_peak) == (None, None)


def test_album_fields_come_from_the_first_song_and_later_songs_only_fill_gaps(ingest):
    first = replace(TAGGED, musicbrainz_album_id=None, compilation=False, original_date=None)
    ingest("music/harbour/01.flac", first)
    second = replace(TAGGED, title="Low Tide", labels=("Other Label",), release_date="2020")
    ingest("music/harbour/02.mp3", second)
    bare = SampleTags(title="Interlude", album="Harbour Lights", album_artist="Various Artists")
    ingest("music/harbour/03.ogg", bare)

    album = Album.objects.get()
    assert album.songs.count() == 3
    assert (album.record_labels, album.release_date) == ("Sand Records; Dune Music", "2019-05-17")
    assert (album.musicbrainz_id, album.is_compilation) == (ALBUM_ID, True)
    assert album.original_release_date == "1999"


def test_artist_fields_are_filled_once_and_never_erased(ingest):
    ingest("music/a/01.mp3", replace(TAGGED, musicbrainz_artist_ids=()))
    ingest("music/a/02.mp3", replace(TAGGED, title="Two", artist_sorts=("Other sort",)))
    ingest("music/a/03.mp3", SampleTags(title="Three", artists=("The Tidelines",)))

    artist = Artist.objects.get(name="The Tidelines")
    assert (artist.sort_name, artist.musicbrainz_id) == ("Tidelines, The", ARTIST_ID)


def test_a_retagged_song_takes_its_new_tags_and_drops_the_ones_it_lost(ingest):
    ingest("music/neon.flac", TAGGED, sequencer="0A")

    song = ingest("music/neon.flac", replace(TAGGED, comment=None, bpm=96), sequencer="0B")

    assert (song.comment, song.bpm) == ("", 96)
    assert Song.objects.count() == 1


def test_values_longer_than_their_columns_are_cut_to_whole_values(ingest):
    labels = tuple(f"Label number {n:02d} with a long name" for n in range(20))
    song = ingest(
        "music/long.flac",
        replace(TAGGED, title_sort="S" * 300, album_sort="A" * 300, labels=labels),
    )

    assert song.sort_title == "S" * 255
    album = song.album
    assert album.sort_title == "A" * 255
    kept = album.record_labels.split("; ")
    assert len(album.record_labels) <= 500
    assert kept == list(labels[: len(kept)]) and 10 < len(kept) < 20
