"""The tags apps show and sort by, read from real files in every format through read_metadata."""

from pathlib import Path

import pytest
from mutagen.flac import FLAC
from mutagen.id3 import COMM, ID3, TXXX

from catalog.metadata import ArtistTags, ReleaseTags, ReplayGain, SongMetadata
from demo.audio_samples import EXTRA_FORMATS, FORMATS, SUFFIXES, SampleTags, write_sample
from ingest.tags import read_metadata

TRACK_ID = "7a3e2b1c-0000-4000-8000-000000000001"
ALBUM_ID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
ARTIST_IDS = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")
VARIOUS_ID = "89ad4ac3-39f7-470e-963a-56509c546377"
APP_TAGS = SampleTags(
    title="Neon Rain",
    artists=("The Tidelines", "Mira Sol"),
    album_artist="Various Artists",
    title_sort="Neon Rain, The",
    artist_sorts=("Tidelines, The", "Sol, Mira"),
    album_artist_sort="Various",
    album_sort="Harbour Lights, The",
    bpm=128,
    comment="Recorded live\non the pier",
    isrcs=("GBAYE0000001", "GB-AYE-00-00002"),
    musicbrainz_track_id=TRACK_ID,
    musicbrainz_album_id=ALBUM_ID,
    musicbrainz_artist_ids=ARTIST_IDS,
    musicbrainz_album_artist_id=VARIOUS_ID,
    compilation=True,
    release_date="2019-05-17",
    original_date="1999-03",
    labels=("Sand Records", "Dune Music"),
    release_types=("album", "live"),
    track_gain=-6.5,
    track_peak=0.98,
    album_gain=-7.25,
    album_peak=0.99,
)
EXPECTED_RELEASE = ReleaseTags(
    sort_title="Harbour Lights, The",
    is_compilation=True,
    release_date="2019-05-17",
    original_release_date="1999-03",
    record_labels=("Sand Records", "Dune Music"),
    release_types=("album", "live"),
    musicbrainz_id=ALBUM_ID,
)
EXPECTED_ARTISTS = (
    ArtistTags("The Tidelines", "Tidelines, The", ARTIST_IDS[0]),
    ArtistTags("Mira Sol", "Sol, Mira", ARTIST_IDS[1]),
    ArtistTags("Various Artists", "Various", VARIOUS_ID),
)
# Bits per sample of the lossless streams the sample encoders write; lossy ones have none.
BIT_DEPTHS = {"flac": 16, "wav": 16, "aiff": 16, "alac": 24}


def read(path: Path) -> SongMetadata:
    with path.open("rb") as fileobj:
        return read_metadata(fileobj, path.name)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("for-apps")
    return {
        fmt: write_sample(folder / f"{fmt}.{SUFFIXES.get(fmt, fmt)}", fmt, APP_TAGS, seconds=1)
        for fmt in FORMATS + EXTRA_FORMATS
    }


@pytest.mark.parametrize("fmt", FORMATS + EXTRA_FORMATS)
def test_reads_the_song_tags_apps_show_and_sort_by(tagged, fmt):
    metadata = read(tagged[fmt])

    assert metadata.sort_title == "Neon Rain, The"
    assert metadata.bpm == 128
    assert metadata.comment == "Recorded live\non the pier"
    assert metadata.musicbrainz_id == TRACK_ID
    assert metadata.isrcs == ("GBAYE0000001", "GBAYE0000002")
    assert metadata.year == 2019


@pytest.mark.parametrize("fmt", FORMATS + EXTRA_FORMATS)
def test_reads_the_album_and_artist_tags(tagged, fmt):
    metadata = read(tagged[fmt])

    assert metadata.release == EXPECTED_RELEASE
    assert metadata.artist_tags == EXPECTED_ARTISTS


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS + EXTRA_FORMATS if fmt != "opus"])
def test_reads_replay_gain(tagged, fmt):
    assert read(tagged[fmt]).replay_gain == ReplayGain(-6.5, 0.98, -7.25, 0.99)


def test_opus_r128_gains_become_replay_gain_at_its_reference(tagged):
    # R128_TRACK_GAIN -2944 is -11.5 dB at -23 LUFS: -6.5 dB at ReplayGain's -18 LUFS.
    assert read(tagged["opus"]).replay_gain == ReplayGain(track_gain=-6.5, album_gain=-7.25)


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff", "alac"])
def test_bit_depth_is_read_from_lossless_streams_only(tagged, fmt):
    assert read(tagged[fmt]).bit_depth == BIT_DEPTHS.get(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_without_those_tags_have_none_of_them(tmp_path, fmt):
    path = write_sample(tmp_path / f"plain.{fmt}", fmt, SampleTags(), seconds=1)

    metadata = read(path)

    assert (metadata.sort_title, metadata.bpm, metadata.comment) == (None, None, None)
    assert (metadata.musicbrainz_id, metadata.isrcs) == (None, ())
    assert metadata.replay_gain == ReplayGain()
    assert metadata.release == ReleaseTags(release_date="2021")  # DATE holds the year
    assert metadata.artist_tags == ()


def flac_with_comments(tmp_path: Path, **comments: list[str]) -> SongMetadata:
    """Write a FLAC whose Vorbis comment holds exactly ``comments``; return what is read."""
    path = write_sample(tmp_path / "song.flac", "flac", tags=None, seconds=1)
    audio = FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    for key, values in comments.items():
        audio.tags[key] = values
    audio.save()
    return read(path)


@pytest.mark.parametrize(
    ("dates", "release_date"),
    [
        (["2019-05-17T07:00:00Z"], "2019-05-17"),
        (["2019/05/17"], "2019-05-17"),
        (["20190517"], "2019-05-17"),
        (["2019-05"], "2019-05"),
        (["2019-00-00"], "2019"),
        (["2019-13-40"], "2019"),
        (["05/17/2019"], None),
        (["someday", "2020"], "2020"),
    ],
)
def test_release_dates_are_kept_as_precise_as_they_are_valid(tmp_path, dates, release_date):
    assert flac_with_comments(tmp_path, DATE=dates).release.release_date == release_date


def test_release_date_tag_wins_over_the_date(tmp_path):
    metadata = flac_with_comments(tmp_path, DATE=["2018"], RELEASEDATE=["2019-05-17"])

    assert metadata.release.release_date == "2019-05-17"
    assert metadata.year == 2018


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ({"BPM": ["127.6"]}, {"bpm": 128}),
        ({"BPM": ["fast"]}, {"bpm": None}),
        ({"BPM": ["0"]}, {"bpm": None}),
        ({"BPM": ["99999"]}, {"bpm": None}),
        ({"BPM": ["1" * 400]}, {"bpm": None}),
        ({"MUSICBRAINZ_TRACKID": ["not-a-uuid"]}, {"musicbrainz_id": None}),
        ({"MUSICBRAINZ_TRACKID": [TRACK_ID.upper()]}, {"musicbrainz_id": TRACK_ID}),
        (
            {"ISRC": ["GBAYE0000001; nonsense, usrc17607839"]},
            {"isrcs": ("GBAYE0000001", "USRC17607839")},
        ),
    ],
)
def test_song_tags_that_are_not_what_they_claim_are_left_out(tmp_path, comments, expected):
    metadata = flac_with_comments(tmp_path, **comments)

    assert {name: getattr(metadata, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ({"TRACKNUMBER": ["3/12"], "DISCNUMBER": ["1 of 2"]}, (3, 12, 1, 2)),
        ({"TRACKNUMBER": ["0003"], "TRACKTOTAL": ["32767"]}, (3, 32767, None, None)),
        ({"TRACKNUMBER": ["99999999999"]}, (None, None, None, None)),
        ({"TRACKNUMBER": ["40000/50000"], "DISCNUMBER": ["32768"]}, (None, None, None, None)),
        ({"TRACKNUMBER": ["7/" + "9" * 5000]}, (7, None, None, None)),
        ({"TRACKNUMBER": ["4"], "TRACKTOTAL": ["9" * 5000]}, (4, None, None, None)),
        ({"DISCNUMBER": ["9" * 5000]}, (None, None, None, None)),
    ],
)
def test_track_and_disc_numbers_past_a_small_integer_are_left_out(tmp_path, comments, expected):
    metadata = flac_with_comments(tmp_path, **comments)

    positions = (metadata.track_number, metadata.track_total)
    assert positions + (metadata.disc_number, metadata.disc_total) == expected


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ({"REPLAYGAIN_TRACK_GAIN": ["+1,5 dB"]}, ReplayGain(track_gain=1.5)),
        ({"REPLAYGAIN_TRACK_GAIN": ["loud"]}, ReplayGain()),
        ({"REPLAYGAIN_TRACK_GAIN": ["1e999"]}, ReplayGain()),
        ({"REPLAYGAIN_TRACK_PEAK": ["-0.5"]}, ReplayGain()),
        ({"R128_TRACK_GAIN": ["256"]}, ReplayGain(track_gain=6.0)),
        ({"R128_ALBUM_GAIN": ["99999"]}, ReplayGain()),
        ({"R128_ALBUM_GAIN": ["1" * 5000]}, ReplayGain()),
        (
            {"R128_TRACK_GAIN": ["-1280"], "REPLAYGAIN_TRACK_GAIN": ["-3 dB"]},
            ReplayGain(track_gain=0.0),
        ),
    ],
)
def test_replay_gain_values_are_checked(tmp_path, comments, expected):
    assert flac_with_comments(tmp_path, **comments).replay_gain == expected


def test_compilation_flags_say_yes_only_when_they_do(tmp_path):
    assert flac_with_comments(tmp_path, COMPILATION=["0"]).release.is_compilation is False
    assert flac_with_comments(tmp_path, COMPILATION=["true"]).release.is_compilation is True


def test_artist_tags_that_do_not_pair_with_the_artists_are_left_out(tmp_path):
    metadata = flac_with_comments(
        tmp_path,
        ARTIST=["The Tidelines", "Mira Sol"],
        ARTISTSORT=["Tidelines, The & Sol, Mira"],
        MUSICBRAINZ_ARTISTID=list(ARTIST_IDS),
    )

    assert metadata.artist_tags == (
        ArtistTags("The Tidelines", None, ARTIST_IDS[0]),
        ArtistTags("Mira Sol", None, ARTIST_IDS[1]),
    )


def test_id3_replay_gain_is_read_in_either_spelling_and_itunes_notes_are_not_the_comment(
    tmp_path,
):
    path = write_sample(tmp_path / "song.mp3", "mp3", SampleTags(), seconds=1)
    id3 = ID3(path)
    id3.add(TXXX(encoding=3, desc="replaygain_album_gain", text=["-4.00 dB"]))
    id3.add(TXXX(encoding=3, desc="MusicBrainz Release Track Id", text=[TRACK_ID]))
    id3.add(COMM(encoding=3, lang="eng", desc="iTunNORM", text=[" 0000044E 00000492"]))
    id3.save(path, v2_version=4)

    metadata = read(path)

    assert metadata.replay_gain == ReplayGain(album_gain=-4.0)
    assert metadata.comment is None
    assert metadata.musicbrainz_id is None  # the track on a release is not the recording


def test_an_id3v1_comment_is_the_comment_of_an_mp3_without_id3v2(tmp_path):
    path = write_sample(tmp_path / "old.mp3", "mp3", tags=None, seconds=1)
    fields = (b"Title", b"Artist", b"Album")
    id3v1 = b"TAG" + b"".join(field.ljust(30, b"\0") for field in fields) + b"2001"
    id3v1 += b"Ripped in 2001".ljust(28, b"\0") + b"\0\x05\x0c"  # comment, track 5, genre
    with path.open("ab") as fileobj:
        fileobj.write(id3v1)

    assert read(path).comment == "Ripped in 2001"
