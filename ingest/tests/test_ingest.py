"""The ingest path through its public door: signed S3 events into the webhook, songs out."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from mutagen.id3 import ID3, TRCK
from rest_framework import serializers

from catalog.events import frame_of
from catalog.models import Album, Artist, Cover, Genre, Song
from demo.audio_samples import FORMATS, SampleTags, make_cover, write_sample
from ingest.api.serializers import IngestJobSerializer
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db


def test_a_job_is_written_as_the_serializers_declared_fields_give_it(
    put_song, post_events, created
):
    """The hand-written shape of a job gives what DRF's walk over the declared fields gives,
    for a job ended with its song and one still pending with blank times."""
    key, size = put_song("music/a.mp3", SampleTags(title="A"))
    post_events(created(key, size))
    done = IngestJob.objects.get(key=key)
    pending = IngestJob.objects.create(bucket="local", key="music/b.mp3", dedup_key="b")
    serializer = IngestJobSerializer()

    for job in (done, pending):
        walked = serializers.ModelSerializer.to_representation(serializer, job)
        assert serializer.to_representation(job) == walked
    assert done.song_id and done.finished_at and pending.started_at is None


def test_signed_event_creates_song_with_tags_and_cover(put_song, post_events, created):
    cover = make_cover((10, 120, 200))
    key, size = put_song(
        "music/Tidelines/01 Neon Rain.mp3",
        SampleTags(title="Neon Rain", artists=("The Tidelines", "Mira Sol"), cover=cover),
    )

    response = post_events(created(key, size))

    assert response.status_code == 202
    assert [job["key"] for job in response.json()["jobs"]] == [key]
    answered = IngestJob.objects.get(key=key)
    answered.status, answered.song_id = "pending", None  # as it was when the webhook answered
    answered.started_at = answered.finished_at = None
    answered.attempts = 0
    assert response.json()["jobs"] == [IngestJobSerializer(answered).data]
    song = Song.objects.get()
    assert song.title == "Neon Rain"
    assert [artist.name for artist in song.artists.order_by("songartist__position")] == [
        "The Tidelines",
        "Mira Sol",
    ]
    assert song.artist.name == "The Tidelines"
    assert song.album.title == "Harbour Lights"
    assert song.album.year == 2021
    assert [genre.name for genre in song.genres.all()] == ["Synthpop"]
    assert song.codec == "mp3"
    assert song.file_size == size
    assert song.duration == pytest.approx(2.0, abs=0.3)
    assert song.cover.sha256 and song.album.cover == song.cover
    assert IngestJob.objects.get().status == IngestJob.Status.DONE


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ingests_with_tags_duration_and_cover(fmt, put_song, post_events, created):
    key, size = put_song(
        f"music/a/song.{fmt}",
        SampleTags(title=f"Song in {fmt}", track=3, disc=1, year=2019, cover=make_cover()),
        seconds=3,
    )

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.DONE, job.reason
    song = Song.objects.get()
    assert song.title == f"Song in {fmt}"
    assert song.track_number == 3
    assert song.disc_number == 1
    assert song.year == 2019
    assert song.duration == pytest.approx(3.0, abs=0.3)
    assert song.sample_rate and song.bitrate
    assert song.mime_type.startswith("audio/")
    assert song.cover is not None


def test_duplicate_s3_event_creates_one_song(put_song, post_events, created):
    key, size = put_song("music/dup.flac")
    record = created(key, size)

    first = post_events(record)
    second = post_events(record)

    assert first.json()["jobs"][0]["id"] == second.json()["jobs"][0]["id"]
    assert IngestJob.objects.count() == 1
    assert Song.objects.count() == 1


def test_stale_event_never_overwrites_newer_one(put_song, post_events, created):
    key, size = put_song("music/song.ogg", SampleTags(title="Second take"))
    post_events(created(key, size, sequencer="0062E99A88DC407F00"))

    put_song("music/song.ogg", SampleTags(title="First take"))
    post_events(created(key, size, sequencer="0062E99A88DC407E00"))

    assert Song.objects.get().title == "Second take"
    stale = IngestJob.objects.get(sequencer="0062E99A88DC407E00")
    assert stale.status == IngestJob.Status.SKIPPED
    assert "newer event" in stale.reason


def test_newer_event_updates_song_in_place(put_song, post_events, created):
    key, size = put_song("music/song.mp3", SampleTags(title="Demo"))
    post_events(created(key, size, sequencer="0A"))
    first_id = Song.objects.get().pk

    key, size = put_song("music/song.mp3", SampleTags(title="Final mix"))
    post_events(created(key, size, sequencer="0B"))

    song = Song.objects.get()
    assert (song.pk, song.title) == (first_id, "Final mix")


def test_removed_event_takes_song_off(put_song, post_events, created, removed):
    key, size = put_song("music/gone.mp3")
    post_events(created(key, size, sequencer="10"))

    post_events(removed(key, sequencer="20"))

    assert not Song.objects.exists()
    assert not Album.objects.exists()
    assert not Artist.objects.exists()


def test_create_delivered_after_its_removal_stays_removed(put_song, post_events, created, removed):
    key, size = put_song("music/late.mp3")

    post_events(removed(key, sequencer="20"))
    post_events(created(key, size, sequencer="10"))

    assert not Song.objects.exists()
    assert IngestJob.objects.get(action="created").status == IngestJob.Status.SKIPPED


def test_artists_albums_and_genres_are_deduplicated_loosely(put_song, post_events, created):
    spellings = ["The Tidelines", "the tidelines", "The  Tídelines"]
    for number, name in enumerate(spellings, start=1):
        key, size = put_song(
            f"music/{number}.mp3",
            SampleTags(
                title=f"Track {number}",
                artists=(name,),
                album="harbour lights" if number == 2 else "Harbour Lights",
                genres=("synthpop",) if number == 3 else ("Synthpop",),
                cover=make_cover((1, 2, 3)),
            ),
        )
        post_events(created(key, size))

    assert Song.objects.count() == 3
    assert list(Artist.objects.values_list("name", flat=True)) == ["The Tidelines"]
    assert Album.objects.count() == 1
    assert Genre.objects.count() == 1
    assert Cover.objects.count() == 1


def test_missing_title_falls_back_to_file_name(put_song, post_events, created):
    key, size = put_song("music/07 - Low_Tide.flac", SampleTags(title=None))

    post_events(created(key, size))

    assert Song.objects.get().title == "Low Tide"


def test_overlong_tags_and_file_names_are_cut_to_fit_not_failed(put_song, post_events, created):
    """Tags longer than their columns still ingest, cut to fit (PostgreSQL would refuse them)."""
    long = "Wave " * 80  # 400 characters
    key, size = put_song(
        "music/long.flac",
        SampleTags(title=long, artists=(long,), album=long, genres=("Drone " * 30,)),
    )

    post_events(created(key, size))

    song = Song.objects.get()
    assert IngestJob.objects.get().status == IngestJob.Status.DONE
    assert len(song.title) <= Song._meta.get_field("title").max_length
    assert song.artist.name == long.strip()[: Artist._meta.get_field("name").max_length].strip()
    assert len(song.album.title) <= Album._meta.get_field("title").max_length
    assert len(Genre.objects.get().name) <= Genre._meta.get_field("name").max_length


@pytest.mark.parametrize(
    ("key", "data", "reason"),
    [
        ("music/empty.mp3", b"", "empty file"),
        ("music/notes.txt", b"shopping list: milk, eggs\n" * 40, "not an audio file"),
        ("music/noise.ogg", bytes(range(256)) * 64, "not an audio file"),
    ],
)
def test_bad_files_end_as_failed_jobs_with_reasons(
    key, data, reason, put_bytes, post_events, created
):
    key, size = put_bytes(key, data)

    response = post_events(created(key, size))

    assert response.status_code == 202
    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert reason in job.reason
    assert not Song.objects.exists()


def test_truncated_file_fails_with_reason(put_song, put_bytes, post_events, created, media_root):
    key, _ = put_song("music/whole.flac", seconds=3)
    truncated = (media_root / key).read_bytes()[:3000]
    key, size = put_bytes("music/truncated.flac", truncated)

    post_events(created(key, size))

    job = IngestJob.objects.get(key=key)
    assert job.status == IngestJob.Status.FAILED
    assert job.reason


def test_object_missing_from_store_is_skipped(post_events, created):
    post_events(created("music/never-written.mp3", 1234))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.SKIPPED
    assert "no longer in the store" in job.reason


def test_event_for_another_bucket_fails_with_reason(put_song, post_events, created):
    key, size = put_song("music/x.mp3")
    record = created(key, size)
    record["s3"]["bucket"]["name"] = "someone-elses-bucket"

    post_events(record)

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert "someone-elses-bucket" in job.reason


def test_a_removal_for_another_bucket_fails_and_keeps_the_song(
    put_song, post_events, created, removed
):
    key, size = put_song("music/x.mp3", SampleTags(title="Ours"))
    post_events(created(key, size))
    record = removed(key)
    record["s3"]["bucket"]["name"] = "someone-elses-bucket"

    post_events(record)

    job = IngestJob.objects.get(action=IngestJob.Action.REMOVED)
    assert job.status == IngestJob.Status.FAILED
    assert "someone-elses-bucket" in job.reason
    assert Song.objects.get().storage_key == key


def test_a_removal_for_another_bucket_moves_no_song_to_a_copy_of_its_file(
    put_song, put_bytes, post_events, created, removed, media_root
):
    key, size = put_song("music/x.mp3", SampleTags(title="Ours"))
    post_events(created(key, size))
    copy, _ = put_bytes("music/copy/x.mp3", (media_root / key).read_bytes())
    gone = removed(key)
    gone["s3"]["bucket"]["name"] = "someone-elses-bucket"

    post_events(gone, created(copy, size))  # in one batch, as a rename would come

    assert sorted(Song.objects.values_list("storage_key", flat=True)) == [copy, key]


def test_oversized_file_fails_without_reading_it(put_song, post_events, created, settings):
    settings.INGEST_MAX_FILE_BYTES = 1000
    key, size = put_song("music/big.flac")

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert "too large" in job.reason


def test_url_encoded_keys_are_decoded(put_song, post_events, created):
    key, size = put_song("music/Kōri Collective/Glacier Hum + Frost.mp3")

    post_events(created(key, size))

    assert Song.objects.get().storage_key == key


def test_failed_job_can_be_retried_after_the_file_is_fixed(
    put_song, put_bytes, post_events, created, admin_client, django_capture_on_commit_callbacks
):
    key, size = put_bytes("music/fixed-later.mp3", b"not yet")
    post_events(created(key, size))
    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED

    put_song("music/fixed-later.mp3", SampleTags(title="Fixed"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/api/v1/ingest/jobs/{job.pk}/retry/")

    assert response.status_code == 200
    job.refresh_from_db()
    assert (job.status, job.attempts) == (IngestJob.Status.DONE, 2)
    assert Song.objects.get().title == "Fixed"


def test_ingest_jobs_are_listed_for_staff_only(
    client, admin_client, put_bytes, post_events, created
):
    key, size = put_bytes("music/bad.mp3", b"junk")
    post_events(created(key, size))

    assert client.get("/api/v1/ingest/jobs/").status_code in (401, 403)
    listing = admin_client.get("/api/v1/ingest/jobs/?status=failed")
    assert listing.status_code == 200
    assert listing.json()["results"][0]["reason"]


def test_song_added_is_pushed_to_the_channel_layer_after_commit(put_song, post_events, created):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("songs", channel)
    key, size = put_song("music/live.opus", SampleTags(title="Live One"))

    post_events(created(key, size))

    message = frame_of(async_to_sync(layer.receive)(channel))
    assert message["type"] == "song.added"
    assert message["song"]["title"] == "Live One"
    assert message["song"]["id"] == Song.objects.get().pk
    assert "Live One" in message["html"]
    async_to_sync(layer.group_discard)("songs", channel)


@pytest.mark.parametrize("track", ["99999999999", "40000/50000", "9" * 5000])
def test_a_song_with_a_track_number_past_any_album_comes_in_without_it(
    track, put_bytes, post_events, created, tmp_path
):
    path = write_sample(tmp_path / "song.mp3", "mp3", SampleTags(title="Odd Track", disc=2))
    tags = ID3(path)
    tags.setall("TRCK", [TRCK(encoding=3, text=[track])])
    tags.save()
    key, size = put_bytes("music/odd-track.mp3", path.read_bytes())

    post_events(created(key, size))

    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.DONE, job.reason
    song = Song.objects.get()
    assert (song.title, song.track_number, song.disc_number) == ("Odd Track", None, 2)


# --- the webhook's answers to bad requests ------------------------------------------------


def test_unsigned_request_is_401(post_events):
    response = post_events(body=b'{"Records": []}', headers={})

    assert response.status_code == 401
    assert "sign" in response.json()["detail"]


def test_wrong_signature_is_403(post_events):
    response = post_events(
        body=b'{"Records": []}',
        headers={"X-Ingest-Timestamp": "1", "X-Ingest-Signature": "sha256=00"},
    )

    assert response.status_code == 403


def test_a_timestamp_too_large_for_a_float_is_403_not_a_crash(post_events):
    response = post_events(
        body=b'{"Records": []}',
        headers={"X-Ingest-Timestamp": "9" * 400, "X-Ingest-Signature": "sha256=00"},
    )

    assert response.status_code == 403
    assert "Unix seconds" in response.json()["detail"]


def test_non_ascii_signature_is_403_not_a_crash(post_events):
    import time

    response = post_events(
        body=b'{"Records": []}',
        headers={"X-Ingest-Timestamp": str(int(time.time())), "X-Ingest-Signature": "sha256=é"},
    )

    assert response.status_code == 403


def test_expired_signature_is_403(post_events, settings):
    from ingest.signing import sign_headers

    body = b'{"Records": []}'
    response = post_events(body=body, headers=sign_headers(settings.INGEST_SECRET, body, now=1000))

    assert response.status_code == 403
    assert "old" in response.json()["detail"]


def test_bearer_token_is_accepted_for_minio(put_song, post_events, created, settings):
    key, size = put_song("music/minio.mp3")
    record = created(key, size)
    record["eventName"] = "s3:ObjectCreated:Put"
    body = json.dumps({"Records": [record]}).encode()

    response = post_events(body=body, headers={"Authorization": f"Bearer {settings.INGEST_SECRET}"})

    assert response.status_code == 202
    assert Song.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[]", "Records"),
        (b'{"Records": [{"eventName": "ObjectCreated:Put"}]}', "s3 is missing"),
        (
            b'{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"},'
            b' "object": {"key": "a.mp3", "size": "big"}}}]}',
            "size must be a number",
        ),
    ],
)
def test_malformed_body_is_400_with_message(body, message, post_events):
    response = post_events(body=body)

    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert not IngestJob.objects.exists()


def test_oversize_body_is_413(post_events, settings):
    settings.INGEST_MAX_EVENT_BYTES = 100

    response = post_events(body=b'{"Records": [' + b" " * 200 + b"]}")

    assert response.status_code == 413


def test_s3_test_event_is_accepted_and_ignored(post_events):
    response = post_events(body=b'{"Service": "Amazon S3", "Event": "s3:TestEvent"}')

    assert response.status_code == 202
    assert response.json() == {"jobs": [], "ignored": 1}
