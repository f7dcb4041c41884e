"""POST /api/v1/uploads/: curators add a file; it comes in through the one ingest path."""

import io

import pytest
from django.core.management import call_command

from catalog.models import Song
from demo import audio_samples
from ingest.models import IngestJob
from ingest.running import process_ingest_jobs
from ingest.services import upload_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def flac_file(tmp_path):
    path = tmp_path / "01 - Upload Song.flac"
    audio_samples.write_sample(path, "flac", audio_samples.SampleTags(title="Uploaded"))
    return path


def test_curator_upload_on_local_storage_is_ingested(
    flac_file, media_root, curator_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), flac_file.open("rb") as upload:
        response = curator_api.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("music/uploads/")
    assert (media_root / body["key"]).exists()
    job = IngestJob.objects.get(pk=body["jobs"][0]["id"])
    assert job.status == IngestJob.Status.DONE
    assert Song.objects.get(storage_key=body["key"]).title == "Uploaded"


def test_listener_cannot_upload(flac_file, listener_api):
    with flac_file.open("rb") as upload:
        response = listener_api.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 403
    assert not IngestJob.objects.exists()


def test_anonymous_cannot_upload(flac_file, api):
    with flac_file.open("rb") as upload:
        response = api.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code in (401, 403)


def test_upload_without_a_file_is_400(curator_api):
    response = curator_api.post("/api/v1/uploads/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("file: ")


def test_upload_of_a_non_audio_name_is_400(tmp_path, curator_api):
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    with path.open("rb") as upload:
        response = curator_api.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "not an audio file" in response.json()["detail"]
    assert not IngestJob.objects.exists()


def test_upload_over_the_size_limit_is_400(flac_file, settings, curator_api):
    settings.INGEST_MAX_FILE_BYTES = 100

    with flac_file.open("rb") as upload:
        response = curator_api.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_upload_key_keeps_no_path_from_the_client_name():
    key = upload_key("../../etc/evil name?.mp3")

    assert key.startswith("music/uploads/")
    assert ".." not in key and "?" not in key
    assert key.endswith("-evil name.mp3")


def test_curator_upload_on_s3_answers_a_presigned_put(s3, curator_api):
    response = curator_api.post(
        "/api/v1/uploads/",
        {"filename": "New Song.mp3", "content_type": "audio/mpeg"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["method"] == "PUT"
    assert body["key"].startswith("music/uploads/") and body["key"].endswith("-New Song.mp3")
    assert "Signature=" in body["upload_url"]
    assert body["headers"] == {"Content-Type": "audio/mpeg"}
    assert not IngestJob.objects.exists()  # the bucket's own event brings the file in


def test_s3_upload_without_a_filename_is_400(s3, curator_api):
    response = curator_api.post("/api/v1/uploads/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("filename: ")


def _upload(client, path, capture) -> dict:
    with capture(execute=True), path.open("rb") as upload:
        response = client.post("/api/v1/uploads/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_file_uploaded_again_is_skipped_as_the_song_it_already_is(
    flac_file, media_root, curator_api, django_capture_on_commit_callbacks
):
    first = _upload(curator_api, flac_file, django_capture_on_commit_callbacks)
    again = _upload(curator_api, flac_file, django_capture_on_commit_callbacks)

    song = Song.objects.get()
    assert song.storage_key == first["key"]
    job = IngestJob.objects.get(pk=again["jobs"][0]["id"])
    assert job.status == IngestJob.Status.SKIPPED
    assert (
        job.reason
        == f"the same file is already in the catalogue: \u201cUploaded\u201d ({song.storage_key})"
    )
    assert job.song == song  # the job names the song it already is
    assert (media_root / again["key"]).exists()  # the file itself is kept


def test_a_duplicate_upload_stays_skipped_across_resyncs(
    flac_file, media_root, curator_api, django_capture_on_commit_callbacks
):
    _upload(curator_api, flac_file, django_capture_on_commit_callbacks)
    again = _upload(curator_api, flac_file, django_capture_on_commit_callbacks)

    call_command("resync", "--prefix", "music/", stdout=io.StringIO())
    jobs = IngestJob.objects.filter(key=again["key"]).count()
    report = io.StringIO()
    call_command("resync", "--prefix", "music/", stdout=report)

    assert Song.objects.count() == 1
    assert IngestJob.objects.filter(key=again["key"]).count() == jobs  # read once, not per run
    # Told in the summary, with the reason.
    assert "1 unchanged, 1 skipped (0 not audio), 0 failed." in report.getvalue()
    assert f"  skipped {again['key']}: the same file is already in the catalogue" in (
        report.getvalue()
    )


def test_uploads_of_one_file_in_one_batch_make_one_song(
    flac_file, media_root, curator_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # recorded, not run yet
        keys = [
            curator_api.post(
                "/api/v1/uploads/", {"file": flac_file.open("rb")}, format="multipart"
            ).json()["key"]
            for _ in range(2)
        ]
    process_ingest_jobs(IngestJob.objects.values_list("pk", flat=True))

    assert list(Song.objects.values_list("storage_key", flat=True)) == [keys[0]]
    skipped = IngestJob.objects.get(key=keys[1])
    assert skipped.status == IngestJob.Status.SKIPPED
    assert skipped.reason == f"the same file was uploaded at the same time as {keys[0]}"


def test_the_same_file_twice_in_the_store_is_two_songs(flac_file, put_bytes, post_events, created):
    # The library as its owner laid it out (an album and a compilation holding one file):
    # only uploads are held to one copy.
    stored = [
        put_bytes(key, flac_file.read_bytes()) for key in ("music/A/s.flac", "music/C/s.flac")
    ]

    post_events(*(created(key, size) for key, size in stored))

    assert Song.objects.filter(title="Uploaded").count() == 2
