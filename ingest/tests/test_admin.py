"""The ingest in the curators' admin: the jobs list, retrying a job, re-reading songs' tags."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Song
from catalog.tests.factories import SongFactory
from demo.audio_samples import SampleTags
from ingest import resync_runs
from ingest.models import IngestJob
from ingest.resync import ResyncReport
from ingest.resync_shared import INTERRUPTED, SharedResync

pytestmark = pytest.mark.django_db


def _act(client, model: str, action: str, objects, capture):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    with capture(execute=True):
        return client.post(f"/admin/{model}/", data, follow=True)


def test_curators_group_covers_the_catalogue_and_ingest_jobs_only():
    codenames = set(
        Group.objects.get(name="Curators").permissions.values_list(
            "content_type__app_label", flat=True
        )
    )

    assert codenames == {"catalog", "ingest"}


def test_curator_sees_the_ingest_jobs(curator_client):
    SongFactory()

    assert curator_client.get("/admin/ingest/ingestjob/").status_code == 200


def test_the_old_jobs_address_leads_to_the_new_one(curator_client):
    response = curator_client.get("/admin/catalog/ingestjob/?status__exact=failed")

    assert response.status_code == 301
    assert response["Location"] == "/admin/ingest/ingestjob/?status__exact=failed"


def test_reread_metadata_restores_the_files_tags(
    curator_client, put_song, post_events, created, django_capture_on_commit_callbacks
):
    key, size = put_song("music/reread.mp3", SampleTags(title="From The File"))
    post_events(created(key, size))
    Song.objects.update(title="Typo")

    _act(
        curator_client,
        "catalog/song",
        "reread_metadata",
        Song.objects.all(),
        django_capture_on_commit_callbacks,
    )

    assert Song.objects.get().title == "From The File"


def test_reread_metadata_twice_runs_again(
    curator_client, put_song, post_events, created, django_capture_on_commit_callbacks
):
    key, size = put_song("music/reread.mp3", SampleTags(title="From The File"))
    post_events(created(key, size))
    songs = Song.objects.all()
    capture = django_capture_on_commit_callbacks
    _act(curator_client, "catalog/song", "reread_metadata", songs, capture)
    Song.objects.update(title="Typo again")

    _act(curator_client, "catalog/song", "reread_metadata", songs, capture)

    assert Song.objects.get().title == "From The File"


def test_retry_action_runs_a_failed_job_again(
    curator_client, put_bytes, put_song, post_events, created, django_capture_on_commit_callbacks
):
    key, size = put_bytes("music/later.mp3", b"not audio yet")
    post_events(created(key, size))
    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    key, size = put_song("music/later.mp3", SampleTags(title="Fixed"))
    IngestJob.objects.filter(pk=job.pk).update(size=size)

    _act(curator_client, "ingest/ingestjob", "retry", [job], django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert (job.status, job.attempts) == (IngestJob.Status.DONE, 2)
    assert Song.objects.get().title == "Fixed"


# --- the "Re-sync the store" button ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_resync_button_brings_in_files_and_reports_the_counts(curator_client, put_song):
    put_song("music/shelf/one.mp3", SampleTags(title="On The Shelf"))
    assert b"Re-sync the store" in curator_client.get("/admin/ingest/ingestjob/").content

    response = curator_client.post("/admin/ingest/ingestjob/resync/")

    assert response.status_code == 302
    assert resync_runs.wait_for_resync(timeout=60)
    status = curator_client.get("/admin/ingest/ingestjob/resync/status/").json()
    assert status["scanning"] is False
    assert (status["report"]["added"], status["report"]["failed"]) == (1, 0)
    assert Song.objects.get().title == "On The Shelf"
    page = curator_client.get("/admin/ingest/ingestjob/resync/").content.decode()
    assert '<dd id="resync-added">1</dd>' in page
    assert "Last re-sync ended " in page


def test_the_resync_page_says_when_the_last_run_stopped_before_it_finished(curator_client):
    # Its process ended mid-run: a status with a start, no end and no lock.
    SharedResync().publish(ResyncReport(prefix="music/", started_at=timezone.now()))

    page = curator_client.get("/admin/ingest/ingestjob/resync/").content.decode()

    assert "The last re-sync stopped before it finished." in page
    assert INTERRUPTED in page


def test_a_listener_cannot_start_a_resync(client):
    client.force_login(UserFactory())

    response = client.post("/admin/ingest/ingestjob/resync/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert resync_runs.resync_status()["scanning"] is False


def test_staff_see_who_uploaded_each_object(admin_client, django_assert_max_num_queries):
    from ingest.models import Upload

    uploaders = UserFactory.create_batch(3)
    for number, user in enumerate(uploaders):
        Upload.objects.create(user=user, bucket="local", key=f"music/uploads/{number}.mp3")

    with django_assert_max_num_queries(8):
        page = admin_client.get("/admin/ingest/upload/", {"q": "uploads"})

    assert page.status_code == 200
    text = page.content.decode()
    assert all(user.username in text for user in uploaders)
    assert "music/uploads/2.mp3" in text
    assert admin_client.get("/admin/ingest/upload/add/").status_code == 403
    shown = admin_client.get(f"/admin/ingest/upload/{Upload.objects.last().pk}/change/")
    assert shown.status_code == 200
    assert "music/uploads/2.mp3" in shown.content.decode()
    assert 'name="_save"' not in shown.content.decode()  # to look at, not to edit
    last = Upload.objects.last().pk
    assert admin_client.get(f"/admin/ingest/upload/{last}/delete/").status_code == 403


def test_the_jobs_list_says_who_uploaded_each_object(admin_client, django_assert_max_num_queries):
    from ingest.models import Upload

    uploaders = UserFactory.create_batch(3)
    for number, user in enumerate(uploaders):
        key = f"music/uploads/{number}.mp3"
        Upload.objects.create(user=user, bucket="local", key=key)
        IngestJob.objects.create(bucket="local", key=key, dedup_key=f"upload-{number}")
    # Put into the bucket by other means: nobody uploaded it here.
    IngestJob.objects.create(bucket="local", key="music/from-the-bucket.mp3", dedup_key="bucket")

    with django_assert_max_num_queries(8):  # one query for the page, whatever its length
        page = admin_client.get("/admin/ingest/ingestjob/", {"o": "5"})

    assert page.status_code == 200
    text = page.content.decode()
    assert all(f'<td class="field-uploaded_by">{user.username}</td>' in text for user in uploaders)
    assert '<td class="field-uploaded_by">-</td>' in text
    job = IngestJob.objects.get(key="music/uploads/1.mp3")
    shown = admin_client.get(f"/admin/ingest/ingestjob/{job.pk}/change/").content.decode()
    assert uploaders[1].username in shown


def test_the_jobs_list_shows_uploaders_only_to_who_may_see_the_uploads(client):
    from django.contrib.auth.models import Permission

    from ingest.models import Upload

    uploader = UserFactory(username="harbour-uploader")
    Upload.objects.create(user=uploader, bucket="local", key="music/uploads/x.mp3")
    job = IngestJob.objects.create(bucket="local", key="music/uploads/x.mp3", dedup_key="x")
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_ingestjob"))
    client.force_login(staff)

    pages = [
        client.get("/admin/ingest/ingestjob/"),
        client.get(f"/admin/ingest/ingestjob/{job.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200]
    assert not any("harbour-uploader" in page.content.decode() for page in pages)
    assert not any("uploaded by" in page.content.decode().lower() for page in pages)


def test_a_filtered_jobs_list_counts_only_the_jobs_it_shows(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    IngestJob.objects.create(bucket="local", key="music/a.mp3", dedup_key="a")
    IngestJob.objects.create(
        bucket="local", key="music/b.mp3", dedup_key="b", status=IngestJob.Status.FAILED
    )

    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get("/admin/ingest/ingestjob/", {"status__exact": "failed"})

    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"]]
    assert page.status_code == 200 and len(page.context["cl"].result_list) == 1
    assert len(counts) == 1 and "failed" in counts[0]
