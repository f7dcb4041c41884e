"""A batch stores its new pictures' files before its transaction, and keeps one file each."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from catalog import linked
from catalog.metadata import CoverArt
from catalog.models import Cover, Song
from demo.audio_samples import SampleTags, make_cover
from ingest import jobs, running
from ingest.events import check_s3_notification


def _art(color: tuple[int, int, int]) -> tuple[str, CoverArt]:
    data = make_cover(color)
    return hashlib.sha256(data).hexdigest(), CoverArt(data=data, mime_type="image/jpeg")


@pytest.mark.django_db(transaction=True)  # so the batch's own transaction is the only one
def test_a_batch_stores_a_new_pictures_file_outside_its_transaction(
    put_song, created, monkeypatch, django_capture_on_commit_callbacks
):
    cover = make_cover((20, 160, 90))
    keys = [
        put_song(f"music/{n}.mp3", SampleTags(title=f"Song {n}", album="Kelp", cover=cover))
        for n in range(3)
    ]
    object_events, _ = check_s3_notification({"Records": [created(*key) for key in keys]})
    batch = [job.pk for job in jobs.record_ingest_events(object_events)]
    stored_in_transaction = []
    store = linked._cover_file

    def recorded(art, digest):
        stored_in_transaction.append(connection.in_atomic_block)
        return store(art, digest)

    monkeypatch.setattr(linked, "_cover_file", recorded)
    with django_capture_on_commit_callbacks(execute=True):
        statuses = running.process_ingest_jobs(batch)

    assert set(statuses.values()) == {"done"}
    assert stored_in_transaction == [False]  # one picture, stored once, before the writes
    (row,) = Cover.objects.all()
    assert set(Song.objects.values_list("cover", flat=True)) == {row.pk}
    assert default_storage.exists(row.image.name)


@pytest.mark.django_db
def test_a_row_written_meanwhile_by_another_job_wins_and_the_early_file_is_deleted(media_root):
    digest, art = _art((200, 120, 10))
    stored = linked.stored_cover_files([(digest, art)])
    early = stored[digest].image.name
    # Another job stores the same picture and writes its row before this batch writes.
    theirs = linked.covers_for([(digest, art)])[digest]

    found = linked.covers_for([(digest, art)], stored=stored)

    assert found == {digest: theirs}
    assert Cover.objects.get().pk == theirs
    assert not default_storage.exists(early)
    assert default_storage.exists(Cover.objects.get().image.name)


@pytest.mark.django_db
def test_a_picture_whose_row_exists_is_not_stored_again(media_root):
    digest, art = _art((5, 5, 200))
    linked.covers_for([(digest, art)])

    assert linked.stored_cover_files([(digest, art)]) == {}


@pytest.mark.django_db
def test_bytes_that_are_no_image_get_no_file_and_no_row(media_root):
    digest = hashlib.sha256(b"not an image").hexdigest()
    art = CoverArt(data=b"not an image", mime_type="image/jpeg")

    stored = linked.stored_cover_files([(digest, art)])

    assert stored == {digest: None}
    assert linked.covers_for([(digest, art)], stored=stored) == {digest: None}
    assert not Cover.objects.exists()
