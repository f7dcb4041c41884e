"""POST /api/v1/uploads/: curators add a file; it comes in through the one ingest path."""

import pytest

from catalog.models import Song
from demo import audio_samples
from ingest.models import IngestJob
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
