"""GETs per song on S3 (moto): one for most files, and the same tags as a local read."""

import dataclasses
import io
import random

import pytest
from django.core.files.storage import FileSystemStorage
from mutagen.apev2 import APEv2

from demo.audio_samples import FORMATS, SUFFIXES, SampleTags, make_cover, write_sample
from ingest.store import HEAD_SIZE, S3_READS, RangeReader, open_object
from ingest.tags import read_metadata
from ingest.tests.conftest import BUCKET

SMALL_COVER = make_cover((20, 120, 60), size=256, noise=True)  # about 30 KB
LARGE_COVER = make_cover((200, 80, 20), size=800, noise=True)  # past the first GET
FULL_TAGS = SampleTags(
    title="Harbour",
    artists=("The Tidelines",),
    album="Lights",
    track=3,
    year=2019,
    genres=("Synthpop",),
    comment="Recorded on the pier",
    cover=SMALL_COVER,
)
# An ID3v1.1 tag: title, artist, album, year, comment, track 5, genre 12 ("Other").
ID3V1 = (
    b"TAG"
    + b"".join(field.ljust(30, b"\0") for field in (b"Title", b"Artist", b"Album"))
    + b"2001"
    + b"Ripped in 2001".ljust(28, b"\0")
    + b"\0\x05\x0c"
)


def read_local_and_s3(s3, path):
    """Return (metadata read from the local file, metadata read from S3, GETs it cost)."""
    local = open_object(path.name, storage=FileSystemStorage(location=str(path.parent)))
    with local:
        expected = read_metadata(local, path.name)
    s3.upload_file(str(path), BUCKET, f"music/{path.name}")
    reader = open_object(f"music/{path.name}", size=path.stat().st_size)
    with reader:
        metadata = read_metadata(reader, path.name)
        assert reader.head == path.read_bytes()[:HEAD_SIZE]  # what the ingest job hashes
    return expected, metadata, reader.stats.requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tagged_song_with_a_cover_costs_one_get(s3, tmp_path, fmt):
    path = write_sample(tmp_path / f"song.{SUFFIXES.get(fmt, fmt)}", fmt, FULL_TAGS, seconds=3)

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert metadata.title == "Harbour" and metadata.cover.data == SMALL_COVER
    assert requests == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tiny_song_costs_one_get(s3, tmp_path, fmt):
    path = write_sample(tmp_path / f"tiny.{SUFFIXES.get(fmt, fmt)}", fmt, FULL_TAGS, seconds=0.1)

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert requests == 1


def test_a_long_mp3_tagged_in_full_costs_one_get(s3, tmp_path):
    path = write_sample(tmp_path / "long.mp3", "mp3", FULL_TAGS, seconds=60)
    assert path.stat().st_size > S3_READS.whole_object

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert metadata.duration == pytest.approx(60, abs=0.1)
    assert requests == 1


def test_an_id3v1_tag_fills_what_the_id3v2_tag_of_a_long_mp3_lacks(s3, tmp_path):
    tags = dataclasses.replace(FULL_TAGS, year=None, genres=(), comment=None)
    path = write_sample(tmp_path / "both.mp3", "mp3", tags, seconds=60)
    with path.open("ab") as song:
        song.write(ID3V1)

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert (metadata.title, metadata.year, metadata.genres) == ("Harbour", 2001, ("Other",))
    assert metadata.comment == "Ripped in 2001"
    assert requests == 2


@pytest.mark.parametrize("apev2", [False, True], ids=["id3v1", "apev2-then-id3v1"])
def test_a_long_mp3_without_id3v2_is_read_from_its_end(s3, tmp_path, apev2):
    path = write_sample(tmp_path / "old.mp3", "mp3", tags=None, seconds=60)
    if apev2:
        ape = APEv2()
        ape["Title"] = "Not read: mutagen reads no APEv2 in MP3"
        ape.save(path)
    with path.open("ab") as song:
        song.write(ID3V1)

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert (metadata.title, metadata.artists, metadata.track_number) == ("Title", ("Artist",), 5)
    assert requests == 2


@pytest.mark.parametrize("fmt", ["ogg", "opus"])
def test_a_long_ogg_reads_its_last_page_for_the_duration(s3, tmp_path, fmt):
    path = write_sample(tmp_path / f"long.{fmt}", fmt, FULL_TAGS, seconds=90)
    assert path.stat().st_size > S3_READS.whole_object

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert metadata.duration == pytest.approx(90, abs=0.1)
    assert requests == 2


def test_a_long_flac_reads_its_last_frames_once(s3, tmp_path):
    path = write_sample(tmp_path / "long.flac", "flac", FULL_TAGS, seconds=20)
    assert path.stat().st_size > S3_READS.whole_object

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert requests == 2


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a"])
def test_a_cover_larger_than_the_first_get_is_read_whole(s3, tmp_path, fmt):
    assert len(LARGE_COVER) > S3_READS.first_read
    tags = dataclasses.replace(FULL_TAGS, cover=LARGE_COVER)
    path = write_sample(tmp_path / f"covered.{fmt}", fmt, tags, seconds=60)

    expected, metadata, requests = read_local_and_s3(s3, path)

    assert metadata == expected
    assert metadata.cover.data == LARGE_COVER
    assert requests <= 3


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg"])
def test_tags_that_run_past_the_first_get_are_read_whole(s3, tmp_path, fmt):
    tags = dataclasses.replace(FULL_TAGS, lyrics="la la " * 60_000)  # 360 KB of lyrics
    path = write_sample(tmp_path / f"wordy.{fmt}", fmt, tags, seconds=30)

    expected, metadata, _ = read_local_and_s3(s3, path)

    assert metadata == expected
    assert metadata.lyrics == tags.lyrics.strip()


def test_range_reader_answers_any_seek_and_read_like_the_bytes_it_reads():
    data = random.Random(7).randbytes(700_000)
    fetched = []

    def fetch(start, end):
        fetched.append((start, end))
        return data[start : end + 1], len(data)

    reader = RangeReader(fetch, "x", size=len(data), plan=S3_READS)
    expected = io.BytesIO(data)
    assert reader.read(128) == expected.read(128)  # mutagen starts with the header
    moves = random.Random(11)
    for _ in range(2000):
        offset, whence = moves.choice(
            [(moves.randrange(len(data) + 10), 0), (-moves.randrange(1, 70_000), 2)]
        )
        size = moves.choice([1, 10, 128, 4096, 70_000, -1])
        assert reader.seek(offset, whence) == expected.seek(offset, whence)
        assert reader.read(size) == expected.read(size)
    assert fetched[0] == (0, S3_READS.first_read - 1)
    assert sum(end - start + 1 for start, end in fetched) < 2 * len(data)
