"""GET /api/v1/ingest/jobs/: staff read every job, anyone else only the jobs of their uploads."""

import base64

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import CuratorFactory, UserFactory
from demo import audio_samples
from ingest.api.filters import MAX_KEYS
from ingest.models import IngestJob

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/ingest/jobs/"
UPLOADER_FIELDS = {"id", "key", "action", "status", "reason", "song", "created_at", "finished_at"}


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def uploader_api():
    """A curator who is not staff: may upload, never sees the admin."""
    return signed_in(CuratorFactory(username="uma", is_staff=False))


@pytest.fixture
def other_curator_api():
    return signed_in(CuratorFactory(username="otto", is_staff=False))


@pytest.fixture
def staff_api():
    return signed_in(UserFactory(username="stan", is_staff=True))


@pytest.fixture
def upload(media_root, tmp_path, django_capture_on_commit_callbacks):
    """POST a file to the uploads API as the given client and run its ingest job; return its key."""

    def post(client: APIClient, name: str, data: bytes | None = None) -> str:
        path = tmp_path / name
        if data is None:
            audio_samples.write_sample(path, "flac", audio_samples.SampleTags(title=path.stem))
        else:
            path.write_bytes(data)
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as file:
            response = client.post("/api/v1/uploads/", {"file": file}, format="multipart")
        assert response.status_code == 201, response.content
        return response.json()["key"]

    return post


@pytest.fixture
def store_job(put_song, post_events, created) -> IngestJob:
    """A job of an object that came into the store by itself (the bucket, the watcher)."""
    key, size = put_song("music/from-the-store.flac")
    post_events(created(key, size))
    return IngestJob.objects.get(key=key)


def test_uploader_reads_their_uploads_outcomes_by_key(uploader_api, upload):
    good = upload(uploader_api, "Good Song.flac")
    broken = upload(uploader_api, "Broken.mp3", b"ID3 this is not audio at all" * 64)

    response = uploader_api.get(JOBS, {"key": [good, broken]})

    assert response.status_code == 200
    jobs = {job["key"]: job for job in response.json()["results"]}
    assert jobs.keys() == {good, broken}
    assert jobs[good]["status"] == "done" and jobs[good]["song"]
    assert jobs[broken]["status"] == "failed" and jobs[broken]["reason"]


def test_uploader_sees_no_bucket_etag_or_event_details(uploader_api, upload):
    upload(uploader_api, "Good Song.flac")

    job = uploader_api.get(JOBS).json()["results"][0]

    assert set(job) == UPLOADER_FIELDS
    assert uploader_api.get(f"{JOBS}{job['id']}/").json() == job


def test_uploader_never_reads_another_curators_or_the_stores_jobs(
    uploader_api, other_curator_api, upload, store_job
):
    theirs = upload(other_curator_api, "Their Song.flac")
    mine = upload(uploader_api, "My Song.flac")
    their_job = IngestJob.objects.get(key=theirs)

    listing = uploader_api.get(JOBS).json()["results"]

    assert [job["key"] for job in listing] == [mine]
    assert uploader_api.get(JOBS, {"key": [theirs, store_job.key]}).json()["results"] == []
    assert uploader_api.get(f"{JOBS}{their_job.pk}/").status_code == 404
    assert uploader_api.get(f"{JOBS}{store_job.pk}/").status_code == 404


def test_a_listener_who_uploaded_nothing_reads_no_job(listener_api, store_job):
    assert listener_api.get(JOBS).json()["results"] == []
    assert listener_api.get(f"{JOBS}{store_job.pk}/").status_code == 404


def test_anonymous_users_read_no_job(api, store_job):
    assert api.get(JOBS).status_code == 401
    assert api.get(f"{JOBS}{store_job.pk}/").status_code == 401


def test_staff_read_every_job_with_every_field(staff_api, uploader_api, upload, store_job):
    uploaded = upload(uploader_api, "My Song.flac")

    listing = staff_api.get(JOBS).json()["results"]

    assert {job["key"] for job in listing} == {uploaded, store_job.key}
    assert {"bucket", "etag", "sequencer", "event_name", "attempts"} <= set(listing[0])
    assert staff_api.get(JOBS, {"key": store_job.key}).json()["results"][0]["id"] == store_job.pk


def test_only_staff_retry_a_job(uploader_api, staff_api, upload):
    key = upload(uploader_api, "Broken.mp3", b"ID3 this is not audio at all" * 64)
    job = IngestJob.objects.get(key=key)

    assert uploader_api.post(f"{JOBS}{job.pk}/retry/").status_code == 403
    job.refresh_from_db()
    assert (job.status, job.attempts) == (IngestJob.Status.FAILED, 1)
    assert staff_api.post(f"{JOBS}{job.pk}/retry/").status_code == 200


def test_asking_for_too_many_keys_at_once_is_400(uploader_api):
    keys = [f"music/uploads/{number}.mp3" for number in range(MAX_KEYS + 1)]

    response = uploader_api.get(JOBS, {"key": keys})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("key: ")
    assert response.json()["code"] == "max_keys"


@pytest.mark.parametrize("position", ["abc", "", "2020-13-45", "1"])
def test_a_forged_cursor_is_not_found(staff_api, store_job, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()

    response = staff_api.get(JOBS, {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


def test_listing_an_uploaders_jobs_costs_one_query(uploader_api, upload, django_assert_num_queries):
    for name in ("One.flac", "Two.flac", "Three.flac"):
        upload(uploader_api, name)

    with django_assert_num_queries(1):
        assert len(uploader_api.get(JOBS).json()["results"]) == 3


def test_the_job_of_a_presigned_s3_upload_is_its_uploaders(
    s3, uploader_api, other_curator_api, post_events, created
):
    answer = uploader_api.post(
        "/api/v1/uploads/", {"filename": "Cloud Song.mp3", "content_type": "audio/mpeg"}
    ).json()
    data = b"ID3 this is not audio at all" * 64
    s3.put_object(Bucket=s3.list_buckets()["Buckets"][0]["Name"], Key=answer["key"], Body=data)
    post_events(created(answer["key"], len(data)))

    mine = uploader_api.get(JOBS, {"key": answer["key"]}).json()["results"]

    assert [(job["key"], job["status"]) for job in mine] == [(answer["key"], "failed")]
    assert other_curator_api.get(JOBS, {"key": answer["key"]}).json()["results"] == []
