"""Signed webhook bodies with hostile fields: a 400 naming the field, never a 500 (a Lambda
retries a 5xx forever), and no job whose reason shows where the server keeps its files."""

import json

import pytest

from ingest.models import IngestJob
from ingest.running import process_ingest_job

pytestmark = pytest.mark.django_db


def _obj(record: dict) -> dict:
    return record["s3"]["object"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: _obj(r).update(key="music/a\0b.mp3"), "s3.object.key"),
        (lambda r: r["s3"]["bucket"].update(name="lo\0cal"), "s3.bucket.name"),
        (lambda r: r["s3"]["bucket"].update(name="b" * 256), "s3.bucket.name"),
        (lambda r: r.update(eventName="ObjectCreated:" + "P" * 100), "eventName"),
        (lambda r: _obj(r).update(size=2**70), "s3.object.size"),
        (lambda r: _obj(r).update(size=float("inf")), "s3.object.size"),
        (lambda r: _obj(r).update(size=1.5), "s3.object.size"),
        (lambda r: _obj(r).update(size=-1), "s3.object.size"),
        (lambda r: r.update(eventTime="2024-02-30T00:00:00Z"), "eventTime"),
        # Real times whose offset carries them past either end of the calendar in UTC.
        (lambda r: r.update(eventTime="9999-12-31T23:59:59-05:00"), "eventTime"),
        (lambda r: r.update(eventTime="0001-01-01T00:00:00+05:00"), "eventTime"),
        (lambda r: _obj(r).update(eTag="ab\0cd"), "s3.object.eTag"),
        (lambda r: _obj(r).update(eTag=["x"]), "s3.object.eTag"),
        (lambda r: _obj(r).update(versionId={"a": 1}), "s3.object.versionId"),
        (lambda r: _obj(r).update(key="music/%ED%A0%80.mp3"), "s3.object.key"),
        (lambda r: _obj(r).update(key="music/%FF.mp3"), "s3.object.key"),
        (lambda r: _obj(r).update(key="../../etc/passwd"), "s3.object.key"),
        (lambda r: _obj(r).update(key="/etc/passwd"), "s3.object.key"),
        (lambda r: _obj(r).update(key="music/./a.mp3"), "s3.object.key"),
        (lambda r: _obj(r).update(key="é" * 600), "s3.object.key"),
        # Aliases of music/a.mp3: the media folder and django-storages normalise them to it.
        (lambda r: _obj(r).update(key="music//a.mp3"), "s3.object.key"),
        (lambda r: _obj(r).update(key="music/x//a.mp3"), "s3.object.key"),
        (lambda r: _obj(r).update(key="music/a.mp3/"), "s3.object.key"),
    ],
)
def test_a_hostile_field_is_a_400_naming_it(change, field, post_events, created):
    record = created("music/a.mp3", 1000)
    change(record)
    # 1e400 and such arrive as JSON numbers no float holds: send the text itself.
    body = json.dumps({"Records": [record]}).replace("Infinity", "1e400").encode()

    response = post_events(body=body)

    assert response.status_code == 400, response.content
    assert f"Records[0].{field}" in response.json()["detail"]
    assert not IngestJob.objects.exists()


def test_a_size_sent_as_a_whole_float_or_digits_is_taken(put_song, post_events, created):
    key, size = put_song("music/a.mp3")
    record = created(key, size)
    _obj(record)["size"] = f"{size}"

    response = post_events(record)

    assert response.status_code == 202
    assert IngestJob.objects.get().size == size


def test_a_failed_jobs_reason_never_shows_a_server_path(media_root, settings):
    (media_root / "music" / "folder.mp3").mkdir(parents=True)
    job = IngestJob.objects.create(
        bucket=settings.INGEST_BUCKET_NAME,
        key="music/folder.mp3",
        action=IngestJob.Action.CREATED,
        event_name="ObjectCreated:Put",
        size=100,
        dedup_key="x" * 64,
    )

    process_ingest_job(job.pk)

    job.refresh_from_db()
    assert job.status != IngestJob.Status.DONE
    assert "music/folder.mp3" in job.reason
    assert str(media_root) not in job.reason and str(settings.BASE_DIR) not in job.reason
