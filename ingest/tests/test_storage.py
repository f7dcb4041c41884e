"""Range reads over S3 (moto) and local files: only the bytes the tags need."""

import threading

import pytest
import requests

from catalog.models import Song
from demo import audio_samples
from ingest.models import IngestJob
from ingest.store import IngestLimitExceeded, RangeReader, open_file, open_object
from ingest.tags import read_metadata
from ingest.tests.conftest import BUCKET


def test_tags_of_a_30_mb_flac_cost_under_2_percent_of_its_bytes(s3, tmp_path):
    cover = audio_samples.make_cover((90, 30, 160), size=600)
    path = tmp_path / "big.flac"
    audio_samples.make_large_flac(path, 30 * 1024 * 1024)
    audio_samples.tag_audio(path, "flac", audio_samples.SampleTags(title="Big", cover=cover))
    size = path.stat().st_size
    s3.upload_file(str(path), BUCKET, "music/big.flac")

    reader = open_object("music/big.flac", size=size)
    metadata = read_metadata(reader, "big.flac")

    assert metadata.title == "Big"
    assert metadata.cover.data == cover
    assert reader.stats.bytes_fetched - len(cover) <= 0.02 * size
    assert reader.stats.requests <= 4


def test_reader_stops_at_its_byte_budget(s3, tmp_path):
    path = tmp_path / "song.flac"
    audio_samples.write_sample(path, "flac", audio_samples.SampleTags(cover=None), seconds=5)
    s3.upload_file(str(path), BUCKET, "song.flac")

    reader = open_object("song.flac", max_bytes=1000)

    with pytest.raises(IngestLimitExceeded):
        read_metadata(reader, "song.flac")


@pytest.mark.parametrize("fmt", audio_samples.FORMATS)
def test_a_local_readers_own_limit_error_comes_back_unchanged(tmp_path, fmt):
    cover = audio_samples.make_cover((20, 120, 60), size=320, noise=True)
    path = audio_samples.write_sample(
        tmp_path / f"song.{fmt}", fmt, audio_samples.SampleTags(cover=cover)
    )

    for max_bytes in (100, len(cover) // 2):
        reader = open_file(str(path), f"music/song.{fmt}", max_bytes=max_bytes)
        with pytest.raises(IngestLimitExceeded) as excinfo:
            read_metadata(reader, f"song.{fmt}")
        # mutagen read the reader directly; what it raised is the reader's own error.
        assert excinfo.value is reader.raised[-1]


def test_reader_learns_the_size_from_the_first_range(s3):
    s3.put_object(Bucket=BUCKET, Key="blob", Body=bytes(range(256)) * 1000)

    reader = open_object("blob")
    reader.seek(-10, 2)

    assert reader.read() == bytes(range(246, 256))
    assert reader.size == 256_000


def test_range_reader_reads_across_blocks_like_a_file():
    data = bytes(index % 251 for index in range(300_000))

    def fetch(start, end):
        return data[start : end + 1], len(data)

    reader = RangeReader(fetch, "x", size=len(data))
    reader.seek(65_530)
    assert reader.read(20) == data[65_530:65_550]
    reader.seek(-5, 2)
    assert reader.read(100) == data[-5:]
    assert reader.read(1) == b""
    reader.seek(0)
    assert reader.read() == data


@pytest.mark.django_db
def test_song_put_in_s3_is_ingested_and_streams_by_presigned_redirect(
    s3, client, post_events, created, tmp_path
):
    path = tmp_path / "s3.mp3"
    cover = audio_samples.make_cover((5, 200, 90))
    audio_samples.write_sample(path, "mp3", audio_samples.SampleTags(title="From S3", cover=cover))
    s3.upload_file(str(path), BUCKET, "inbox/From S3.mp3")

    post_events(created("inbox/From S3.mp3", path.stat().st_size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.DONE, job.reason
    song = Song.objects.get()
    assert song.title == "From S3"
    stream = client.get(f"/api/v1/songs/{song.pk}/stream/")
    assert stream.status_code == 302
    assert BUCKET in stream["Location"] and "Signature" in stream["Location"]
    assert "response-content-type=audio%2Fmpeg" in stream["Location"]
    stored_cover = s3.get_object(Bucket=BUCKET, Key=song.cover.image.name)["Body"].read()
    assert stored_cover == cover


@pytest.mark.django_db
def test_s3_stream_redirect_serves_the_songs_content_type(
    s3, client, post_events, created, tmp_path
):
    path = tmp_path / "typed.flac"
    audio_samples.write_sample(path, "flac", audio_samples.SampleTags(title="Typed"))
    # A presigned upload often stores objects as binary/octet-stream.
    s3.put_object(
        Bucket=BUCKET,
        Key="inbox/typed.flac",
        Body=path.read_bytes(),
        ContentType="binary/octet-stream",
    )
    post_events(created("inbox/typed.flac", path.stat().st_size))
    song = Song.objects.get()

    stream = client.get(f"/api/v1/songs/{song.pk}/stream/")
    fetched = requests.get(stream["Location"], timeout=10)

    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "audio/flac"


@pytest.mark.django_db
def test_s3_cover_redirect_is_cached_privately_until_before_its_signature_expires(
    s3, client, post_events, created, tmp_path, settings
):
    path = tmp_path / "covered.mp3"
    cover = audio_samples.make_cover((40, 90, 20))
    audio_samples.write_sample(path, "mp3", audio_samples.SampleTags(cover=cover))
    s3.upload_file(str(path), BUCKET, "inbox/covered.mp3")
    post_events(created("inbox/covered.mp3", path.stat().st_size))
    song = Song.objects.get()

    redirect = client.get(song.cover.url)
    stream = client.get(f"/api/v1/songs/{song.pk}/stream/")

    assert redirect.status_code == 302
    visibility, max_age = redirect["Cache-Control"].split(", ")
    assert visibility == "private"
    assert 0 < int(max_age.removeprefix("max-age=")) < settings.AWS_QUERYSTRING_EXPIRE
    assert stream["Cache-Control"] == "private, max-age=0"


@pytest.mark.django_db
def test_reading_tags_on_s3_opens_no_connection_per_reading_thread(s3, tmp_path, monkeypatch):
    """A boto3 resource costs ~0.1 s of CPU and MBs; a batch's read threads share one client."""
    from boto3.session import Session
    from django.core.files.storage import default_storage

    from ingest import jobs, running
    from ingest.events import check_s3_notification, object_record

    opened_by = []
    resource = Session.resource

    def counting_resource(self, *args, **kwargs):
        opened_by.append(threading.current_thread().name)
        return resource(self, *args, **kwargs)

    monkeypatch.setattr(Session, "resource", counting_resource)
    records = []
    for number in range(3):
        path = tmp_path / f"{number}.ogg"
        audio_samples.write_sample(
            path, "ogg", audio_samples.SampleTags(title=f"Song {number}"), seconds=1.0
        )
        s3.upload_file(str(path), BUCKET, f"music/{number}.ogg")
        records.append(object_record(BUCKET, f"music/{number}.ogg", size=path.stat().st_size))
    object_events, _ = check_s3_notification({"Records": records})
    batch = [job.pk for job in jobs.record_ingest_events(object_events)]
    default_storage.exists("music/0.ogg")  # this thread's connection, as the writes use it

    statuses = running.process_ingest_jobs(batch)

    assert list(statuses.values()) == ["done"] * 3
    assert [name for name in opened_by if name.startswith("ingest-read")] == []


@pytest.fixture(scope="module")
def five_mb_cover():
    """A real PNG of over 4 MiB: past the reader's cache, as hi-res cover scans are."""
    cover = audio_samples.make_cover((120, 60, 30), size=1700, fmt="PNG", noise=True)
    assert len(cover) > 5 * 1024 * 1024
    return cover


def test_range_reader_returns_a_read_longer_than_its_cache_whole():
    data = bytes(index % 251 for index in range(6 * 1024 * 1024))

    def fetch(start, end):
        return data[start : end + 1], len(data)

    reader = RangeReader(fetch, "x", size=len(data), max_bytes=len(data))
    assert reader.read(10) == data[:10]

    assert reader.read(5 * 1024 * 1024) == data[10 : 10 + 5 * 1024 * 1024]
    reader.seek(0)
    assert reader.read(10) == data[:10]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["mp3", "flac"])
def test_a_song_with_a_cover_of_over_4_mb_is_ingested_with_it(
    fmt, five_mb_cover, put_song, post_events, created
):
    key, size = put_song(f"music/hi-res.{fmt}", audio_samples.SampleTags(cover=five_mb_cover))

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.DONE, job.reason
    assert Song.objects.get().cover.image.read() == five_mb_cover


def test_bytes_fetched_again_count_once_against_the_tag_budget(five_mb_cover, tmp_path):
    path = audio_samples.write_sample(
        tmp_path / "song.mp3", "mp3", audio_samples.SampleTags(title="Big", cover=five_mb_cover)
    )
    budget = path.stat().st_size + 1024

    reader = open_file(str(path), "music/song.mp3", max_bytes=budget)
    metadata = read_metadata(reader, "song.mp3")

    assert metadata.title == "Big"
    assert metadata.cover.data == five_mb_cover
