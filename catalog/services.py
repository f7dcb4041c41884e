"""Writes to the catalogue: record store events as ingest jobs, process them, take songs off.

Every write that browsers should hear about sends its live event from here, after commit.
"""

import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog import events, search
from catalog.metadata import CoverArt, MetadataError, SongMetadata, read_metadata
from catalog.models import (
    Album,
    Artist,
    Cover,
    Genre,
    IngestJob,
    Song,
    SongArtist,
    StoredObject,
    name_key,
)
from catalog.storage import ObjectMissing, open_object
from catalog.storages import signing_client

logger = logging.getLogger(__name__)

UNKNOWN_ARTIST = "Unknown Artist"
CREATED_PREFIXES = ("ObjectCreated:",)
REMOVED_PREFIXES = ("ObjectRemoved:", "LifecycleExpiration:")


class InvalidEvent(ValueError):
    """The webhook body is not an S3 event notification we can record; str() says why."""


@dataclass(frozen=True)
class ObjectEvent:
    """One S3 object event, decoded from a notification record."""

    action: str
    bucket: str
    key: str
    event_name: str
    event_time: datetime | None
    size: int | None
    etag: str
    version_id: str
    sequencer: str

    @property
    def dedup_key(self) -> str:
        """Name the event, alike for every delivery of it and apart from any other event."""
        parts = [self.bucket, self.key, self.action, self.sequencer, self.version_id, self.etag]
        if not (self.sequencer or self.version_id) and self.event_time is not None:
            # Nothing else tells a second upload of the same bytes (after a delete, say) from
            # a redelivery of the first: only the time the store saw it.
            parts.append(self.event_time.isoformat())
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- parsing the webhook body -------------------------------------------------------------


def check_s3_notification(payload: object) -> tuple[list[ObjectEvent], int]:
    """Decode an S3 event notification into object events; return them and the ignored count.

    Accepts what S3 (through our Lambda), MinIO and our local watcher send: `{"Records": [...]}`
    with URL-encoded keys; an S3 test event has no records and is ignored.
    """
    if not isinstance(payload, dict):
        raise InvalidEvent("the body must be a JSON object with a 'Records' list")
    if payload.get("Event") == "s3:TestEvent":
        return [], 1
    records = payload.get("Records")
    if not isinstance(records, list):
        raise InvalidEvent("the body must be a JSON object with a 'Records' list")
    decoded, ignored = [], 0
    for index, record in enumerate(records):
        event = _check_record(record, index)
        if event is None:
            ignored += 1
        else:
            decoded.append(event)
    return decoded, ignored


def _check_record(record: object, index: int) -> ObjectEvent | None:
    where = f"Records[{index}]"
    if not isinstance(record, dict):
        raise InvalidEvent(f"{where} must be an object")
    event_name = record.get("eventName")
    if not isinstance(event_name, str) or not event_name:
        raise InvalidEvent(f"{where}.eventName is missing")
    event_name = event_name.removeprefix("s3:")  # MinIO spells them "s3:ObjectCreated:Put"
    if event_name.startswith(CREATED_PREFIXES):
        action = IngestJob.Action.CREATED
    elif event_name.startswith(REMOVED_PREFIXES):
        action = IngestJob.Action.REMOVED
    else:
        return None
    s3 = record.get("s3")
    if not isinstance(s3, dict):
        raise InvalidEvent(f"{where}.s3 is missing")
    bucket = (s3.get("bucket") or {}).get("name") if isinstance(s3.get("bucket"), dict) else None
    obj = s3.get("object")
    if not isinstance(bucket, str) or not bucket:
        raise InvalidEvent(f"{where}.s3.bucket.name is missing")
    if not isinstance(obj, dict) or not isinstance(obj.get("key"), str) or not obj["key"]:
        raise InvalidEvent(f"{where}.s3.object.key is missing")
    key = unquote_plus(obj["key"])
    if len(key) > 1024:
        raise InvalidEvent(f"{where}.s3.object.key is longer than S3 allows (1024)")
    size = obj.get("size")
    if size is not None:
        try:
            size = int(size)
        except (TypeError, ValueError):
            raise InvalidEvent(f"{where}.s3.object.size must be a number") from None
        if size < 0:
            raise InvalidEvent(f"{where}.s3.object.size must not be negative")
    sequencer = str(obj.get("sequencer") or "")
    if sequencer and not re.fullmatch(r"[0-9A-Fa-f]{1,64}", sequencer):
        raise InvalidEvent(f"{where}.s3.object.sequencer must be a hexadecimal string")
    event_time = record.get("eventTime")
    parsed_time = parse_datetime(event_time) if isinstance(event_time, str) else None
    return ObjectEvent(
        action=action,
        bucket=bucket,
        key=key,
        event_name=event_name,
        event_time=parsed_time,
        size=size,
        etag=str(obj.get("eTag") or obj.get("etag") or "").strip('"')[:100],
        version_id=str(obj.get("versionId") or "")[:1024],
        sequencer=sequencer.upper(),
    )


# --- recording and running jobs -----------------------------------------------------------


def _job_fields(event: ObjectEvent) -> dict:
    return {
        "bucket": event.bucket,
        "key": event.key,
        "action": event.action,
        "event_name": event.event_name,
        "event_time": event.event_time,
        "size": event.size,
        "etag": event.etag,
        "version_id": event.version_id,
        "sequencer": event.sequencer,
    }


def record_ingest_events(object_events: Iterable[ObjectEvent]) -> list[IngestJob]:
    """Record each event as a durable ingest job and queue the new ones after commit.

    A repeated delivery of the same event finds its earlier job instead of making another.
    A body of many records costs one lookup and one insert, in one transaction; each record
    still gets its own job, done or failed on its own.
    """
    object_events = list(object_events)
    keys = [event.dedup_key for event in object_events]
    earlier = {job.dedup_key: job for job in IngestJob.objects.filter(dedup_key__in=keys)}
    new: dict[str, IngestJob] = {}
    for key, event in zip(keys, object_events, strict=True):
        if key not in earlier and key not in new:
            new[key] = IngestJob(dedup_key=key, **_job_fields(event))
    if new:
        try:
            with transaction.atomic():
                IngestJob.objects.bulk_create(new.values())
                for job in new.values():
                    transaction.on_commit(lambda job_id=job.pk: enqueue_ingest_job(job_id))
        except IntegrityError:
            # Another delivery of the same event was recorded in between: go one by one.
            return _record_one_by_one(object_events)
    jobs = []
    for key in keys:
        job = new.pop(key, None)
        if job is not None:
            job.is_new = True
        else:
            job = earlier.get(key) or IngestJob.objects.get(dedup_key=key)
            job.is_new = False
        jobs.append(job)
    return jobs


def _record_one_by_one(object_events: list[ObjectEvent]) -> list[IngestJob]:
    jobs = []
    with transaction.atomic():
        for event in object_events:
            job, created = IngestJob.objects.get_or_create(
                dedup_key=event.dedup_key, defaults=_job_fields(event)
            )
            job.is_new = created
            jobs.append(job)
            if created:
                transaction.on_commit(lambda job_id=job.pk: enqueue_ingest_job(job_id))
    return jobs


def enqueue_ingest_job(job_id: int) -> None:
    """Hand a job to the configured task backend."""
    from catalog.tasks import run_ingest_job

    run_ingest_job.enqueue(job_id)


def retry_ingest_job(job: IngestJob) -> IngestJob:
    """Queue a finished job again, as if its event had just arrived."""
    with transaction.atomic():
        job = IngestJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (IngestJob.Status.PENDING, IngestJob.Status.RUNNING):
            return job
        job.status = IngestJob.Status.PENDING
        job.reason = ""
        job.started_at = job.finished_at = None
        job.save(update_fields=["status", "reason", "started_at", "finished_at"])
        transaction.on_commit(lambda: enqueue_ingest_job(job.pk))
    return job


def recover_ingest_jobs(stale_after: timedelta | None = None) -> int:
    """Queue again the jobs a stopped process left pending or running; return how many."""
    stale_after = stale_after or timedelta(seconds=settings.INGEST_JOB_TIMEOUT * 2)
    cutoff = timezone.now() - stale_after
    stuck = IngestJob.objects.filter(status=IngestJob.Status.RUNNING, started_at__lt=cutoff)
    stuck.update(status=IngestJob.Status.PENDING)
    pending = list(
        IngestJob.objects.filter(status=IngestJob.Status.PENDING).values_list("pk", flat=True)
    )
    for job_id in pending:
        enqueue_ingest_job(job_id)
    return len(pending)


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    song_id: int | None = None


def process_ingest_job(job_id: int) -> str:
    """Run one ingest job to its end (done, skipped or failed with a reason); return the status."""
    # Claim the job in one statement: of two workers handed the same job, one wins.
    claimed = IngestJob.objects.filter(pk=job_id, status=IngestJob.Status.PENDING).update(
        status=IngestJob.Status.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now()
    )
    job = IngestJob.objects.filter(pk=job_id).first()
    if job is None or not claimed:
        return job.status if job else "missing"
    try:
        if job.action == IngestJob.Action.REMOVED:
            outcome = _ingest_removed(job)
        else:
            outcome = _ingest_created(job)
    except Exception as error:
        logger.exception("ingest job %s failed unexpectedly", job.pk)
        outcome = Outcome(IngestJob.Status.FAILED, f"unexpected error: {error!r}"[:2000])
    IngestJob.objects.filter(pk=job.pk).update(
        status=outcome.status,
        reason=outcome.reason,
        song_id=outcome.song_id,
        finished_at=timezone.now(),
    )
    if outcome.status == IngestJob.Status.FAILED:
        logger.warning("ingest of %s failed: %s", job.key, outcome.reason)
    transaction.on_commit(
        lambda: events.send_ingest_event(job.pk, job.key, outcome.status, outcome.reason)
    )
    return outcome.status


def sequencer_is_stale(sequencer: str, applied: str) -> bool:
    """Tell whether an event's sequencer is older than (or the same as) the one applied."""
    if not sequencer or not applied:
        return False
    return int(sequencer, 16) <= int(applied, 16)


def _stale_outcome(job: IngestJob) -> Outcome | None:
    applied = (
        StoredObject.objects.filter(bucket=job.bucket, key=job.key)
        .values_list("sequencer", flat=True)
        .first()
    )
    if applied and sequencer_is_stale(job.sequencer, applied):
        return Outcome(
            IngestJob.Status.SKIPPED,
            "a newer event for this object was already applied (out-of-order delivery)",
        )
    return None


def _ingest_created(job: IngestJob) -> Outcome:
    if job.bucket != settings.INGEST_BUCKET_NAME:
        return Outcome(
            IngestJob.Status.FAILED,
            f"bucket '{job.bucket}' is not this server's bucket '{settings.INGEST_BUCKET_NAME}'",
        )
    if stale := _stale_outcome(job):
        return stale
    if job.size == 0:
        return Outcome(IngestJob.Status.FAILED, "empty file (0 bytes)")
    limit = settings.INGEST_MAX_FILE_BYTES
    if job.size is not None and job.size > limit:
        return Outcome(
            IngestJob.Status.FAILED,
            f"too large: {job.size / 1024**2:.0f} MB, the limit is {limit / 1024**2:.0f} MB",
        )
    try:
        reader = open_object(
            job.key,
            size=job.size,
            version_id=job.version_id,
            max_bytes=settings.INGEST_MAX_TAG_BYTES,
            timeout=settings.INGEST_JOB_TIMEOUT,
        )
    except ObjectMissing as missing:
        return Outcome(IngestJob.Status.SKIPPED, f"the object is no longer in the store: {missing}")
    try:
        if reader.size == 0:
            return Outcome(IngestJob.Status.FAILED, "empty file (0 bytes)")
        if reader.size > limit:
            return Outcome(
                IngestJob.Status.FAILED,
                f"too large: {reader.size / 1024**2:.0f} MB, the limit is {limit / 1024**2:.0f} MB",
            )
        metadata = read_metadata(reader, PurePosixPath(job.key).name)
        content_hash = hashlib.sha256(f"{reader.size}:".encode() + reader.head).hexdigest()
        size = reader.size
    except ObjectMissing as missing:
        return Outcome(IngestJob.Status.SKIPPED, f"the object is no longer in the store: {missing}")
    except MetadataError as error:
        return Outcome(IngestJob.Status.FAILED, str(error))
    except Exception as error:
        if getattr(error, "ingest_limit", False):
            return Outcome(IngestJob.Status.FAILED, str(error))
        raise
    finally:
        reader.close()
    cover = cover_for(metadata.cover) if metadata.cover else None
    song = song_ingest(job, metadata, size=size, content_hash=content_hash, cover=cover)
    if song is None:
        return _stale_outcome(job) or Outcome(IngestJob.Status.SKIPPED, "superseded")
    return Outcome(IngestJob.Status.DONE, "", song.pk)


def _ingest_removed(job: IngestJob) -> Outcome:
    with transaction.atomic():
        stored, _ = StoredObject.objects.select_for_update().get_or_create(
            bucket=job.bucket, key=job.key, defaults={"sequencer": job.sequencer, "exists": False}
        )
        if stored.sequencer != job.sequencer and sequencer_is_stale(
            job.sequencer, stored.sequencer
        ):
            return Outcome(
                IngestJob.Status.SKIPPED,
                "a newer event for this object was already applied (out-of-order delivery)",
            )
        song = stored.song
        stored.exists = False
        stored.sequencer = job.sequencer or stored.sequencer
        stored.song = None
        stored.save()
        if song is None:
            song = Song.objects.filter(storage_key=job.key).first()
        if song is None:
            return Outcome(IngestJob.Status.DONE, "no song was stored for this object")
        song_remove(song)
    return Outcome(IngestJob.Status.DONE)


# --- catalogue rows -----------------------------------------------------------------------


def rows_by_name(model: type[Artist] | type[Genre], names: Iterable[str]) -> dict:
    """Return {name_key: row} of artists or genres with these names, creating missing ones.

    Names match loosely (case, accents, spacing); one lookup, and one insert for new names.
    """
    spelled: dict[str, str] = {}
    for name in names:
        spelled.setdefault(name_key(name), name)
    if not spelled:
        return {}
    found = {row.name_key: row for row in model.objects.filter(name_key__in=spelled)}
    missing = [key for key in spelled if key not in found]
    if missing:
        model.objects.bulk_create(
            [model(name=spelled[key], name_key=key) for key in missing], ignore_conflicts=True
        )
        found.update((row.name_key, row) for row in model.objects.filter(name_key__in=missing))
    return {key: found[key] for key in spelled}


def album_for(title: str, album_artist: Artist, year: int | None, cover: Cover | None) -> Album:
    """Return the artist's album of this title, creating it; fill in a missing cover or year."""
    title_key = name_key(title)
    same = Album.objects.filter(album_artist=album_artist, title_key=title_key)
    album = same.first()
    if album is None:
        Album.objects.bulk_create(
            [
                Album(
                    title=title,
                    title_key=title_key,
                    album_artist=album_artist,
                    year=year,
                    cover=cover,
                )
            ],
            ignore_conflicts=True,
        )
        album = same.get()
    changed = []
    if album.cover_id is None and cover is not None:
        album.cover = cover
        changed.append("cover")
    if album.year is None and year is not None:
        album.year = year
        changed.append("year")
    if changed:
        album.save(update_fields=changed)
    album.album_artist = album_artist
    return album


def cover_for(art: CoverArt) -> Cover | None:
    """Store a cover image once per distinct image and return its row."""
    digest = hashlib.sha256(art.data).hexdigest()
    existing = Cover.objects.filter(sha256=digest).first()
    if existing:
        return existing
    try:
        from PIL import Image

        with Image.open(io.BytesIO(art.data)) as image:
            width, height = image.size
    except Exception:
        logger.info("ignoring an embedded cover that is not a readable image")
        return None
    extension = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}.get(
        art.mime_type, "jpg"
    )
    name = default_storage.save(f"covers/{digest[:2]}/{digest}.{extension}", ContentFile(art.data))
    Cover.objects.bulk_create(
        [Cover(sha256=digest, image=name, mime_type=art.mime_type, width=width, height=height)],
        ignore_conflicts=True,
    )
    cover = Cover.objects.get(sha256=digest)
    if cover.image.name != name:
        # Another job stored the same image at the same moment: keep theirs.
        default_storage.delete(name)
    return cover


def title_from_key(key: str) -> str:
    """Make a title from a file name: "03 - Neon_Rain.mp3" becomes "Neon Rain"."""
    stem = PurePosixPath(key).stem.replace("_", " ")
    stem = re.sub(r"^\s*\d{1,3}\s*[-.)]?\s+", "", stem)
    return " ".join(stem.split()) or PurePosixPath(key).name


def _lock_stored_object(bucket: str, key: str, **defaults) -> StoredObject:
    """Return the object's row locked for this transaction, creating it on its first event."""
    rows = StoredObject.objects.select_for_update().filter(bucket=bucket, key=key)
    stored = rows.first()
    if stored is None:
        StoredObject.objects.bulk_create(
            [StoredObject(bucket=bucket, key=key, **defaults)], ignore_conflicts=True
        )
        stored = rows.get()
    return stored


def song_ingest(
    job: IngestJob,
    metadata: SongMetadata,
    *,
    size: int,
    content_hash: str,
    cover: Cover | None,
) -> Song | None:
    """Create or update the song for a stored object; None when a newer event got there first.

    Each row is looked up once and created in one insert when new, so a new song costs a
    fixed, small number of queries (see test_ingest_queries.py).
    """
    artist_names = list(metadata.artists) or [UNKNOWN_ARTIST]
    with transaction.atomic():
        stored = _lock_stored_object(job.bucket, job.key, exists=False)
        if stored.sequencer != job.sequencer and sequencer_is_stale(
            job.sequencer, stored.sequencer
        ):
            return None
        album_artist_name = metadata.album_artist or artist_names[0]
        named = rows_by_name(Artist, [*artist_names, album_artist_name])
        artists = list(dict.fromkeys(named[name_key(name)] for name in artist_names))
        album = None
        if metadata.album:
            album_artist = named[name_key(album_artist_name)]
            album = album_for(metadata.album, album_artist, metadata.year, cover)
        genres = list(rows_by_name(Genre, metadata.genres).values())
        title = metadata.title or title_from_key(job.key)
        search_title, search_text = search.song_document(
            title,
            [artist.name for artist in artists],
            album.title if album else "",
            album.album_artist.name if album else "",
            [genre.name for genre in genres],
        )
        values = {
            "title": title,
            "artist": artists[0],
            "album": album,
            "cover": cover or (album.cover if album else None),
            "track_number": metadata.track_number,
            "disc_number": metadata.disc_number,
            "year": metadata.year,
            "duration": metadata.duration,
            "bitrate": metadata.bitrate,
            "sample_rate": metadata.sample_rate,
            "channels": metadata.channels,
            "codec": metadata.codec,
            "mime_type": metadata.mime_type,
            "lyrics": metadata.lyrics or "",
            "file_size": size,
            "etag": job.etag,
            "version_id": job.version_id,
            "content_hash": content_hash,
            "search_title": search_title,
            "search_text": search_text,
        }
        song = Song.objects.filter(storage_key=job.key).first()
        created = song is None
        if created:
            song = Song.objects.create(storage_key=job.key, **values)
        else:
            for field, value in values.items():
                setattr(song, field, value)
            song.save(update_fields=[*values, "updated_at"])
            SongArtist.objects.filter(song=song).delete()
        SongArtist.objects.bulk_create(
            SongArtist(song=song, artist=artist, position=position)
            for position, artist in enumerate(artists)
        )
        if created:
            Song.genres.through.objects.bulk_create(
                Song.genres.through(song=song, genre=genre) for genre in genres
            )
        else:
            song.genres.set(genres)
        search.add_search_words(
            word for word in search_text.split() if search.MIN_WORD <= len(word) <= 100
        )
        StoredObject.objects.filter(pk=stored.pk).update(
            song=song,
            exists=True,
            sequencer=job.sequencer or stored.sequencer,
            updated_at=timezone.now(),
        )
        kind = "song.added" if created else "song.updated"
        transaction.on_commit(lambda: events.send_song_event(kind, song.pk))
    return song


def song_remove(song: Song) -> None:
    """Take a song off the catalogue and tell every open browser."""
    song_id, album_id = song.pk, song.album_id
    artist_ids = set(song.artists.values_list("pk", flat=True)) | {song.artist_id}
    with transaction.atomic():
        song.delete()
        _prune_orphans(album_id, artist_ids)
        transaction.on_commit(lambda: events.send_song_removed(song_id))


def _prune_orphans(album_id: int | None, artist_ids: set[int]) -> None:
    if album_id is not None:
        Album.objects.filter(pk=album_id, songs__isnull=True).delete()
    for artist in Artist.objects.filter(pk__in=artist_ids):
        if not (artist.songs.exists() or artist.lead_songs.exists() or artist.albums.exists()):
            artist.delete()


# --- uploads: into the store, then through the one ingest path ----------------------------

UPLOAD_PREFIX = "music/uploads"
AUDIO_SUFFIXES = frozenset(
    {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wav", ".aif", ".aiff"}
    | {".wv", ".wma", ".ape"}
)


class InvalidUpload(ValueError):
    """The upload cannot be accepted; str() says why."""


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how a client PUTs a file straight into the S3 bucket."""

    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_in: int


def upload_key(filename: str) -> str:
    """Return a fresh, safe key under music/uploads/ for a file name from a client."""
    import uuid

    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        allowed = ", ".join(sorted(AUDIO_SUFFIXES))
        raise InvalidUpload(f"'{name}' is not an audio file we ingest; use one of {allowed}")
    stem = re.sub(r"[^\w.\- ]+", "", PurePosixPath(name).stem).strip(" .")[:120] or "upload"
    day = timezone.now()
    return f"{UPLOAD_PREFIX}/{day:%Y/%m}/{uuid.uuid4().hex[:12]}-{stem}{suffix}"


def upload_presign(filename: str, content_type: str = "") -> PresignedUpload:
    """Sign a PUT of one file into the bucket; its ObjectCreated event then ingests it."""
    key = upload_key(filename)
    params = {"Bucket": settings.AWS_STORAGE_BUCKET_NAME, "Key": key}
    headers = {}
    if content_type:
        params["ContentType"] = content_type
        headers["Content-Type"] = content_type
    url = signing_client(default_storage).generate_presigned_url(
        "put_object", Params=params, ExpiresIn=settings.AWS_QUERYSTRING_EXPIRE
    )
    return PresignedUpload(key, url, "PUT", headers, settings.AWS_QUERYSTRING_EXPIRE)


def upload_store(upload, filename: str) -> tuple[str, list[IngestJob]]:
    """Store an uploaded file in the local media folder and record its ObjectCreated event.

    The event is the same S3-shaped record the watcher sends, so the upload is ingested by the
    same job as any other object.
    """
    from catalog.local_events import object_record

    key = upload_key(filename)
    limit = settings.INGEST_MAX_FILE_BYTES
    if upload.size == 0:
        raise InvalidUpload("the file is empty")
    if upload.size > limit:
        raise InvalidUpload(f"the file is over the limit of {limit / 1024**2:.0f} MB")
    stored_key = default_storage.save(key, upload)
    record = object_record(settings.INGEST_BUCKET_NAME, stored_key, size=upload.size)
    object_events, _ = check_s3_notification({"Records": [record]})
    return stored_key, record_ingest_events(object_events)


# --- curation: re-read, hide and publish, merge ---------------------------------------------


def song_reread_metadata(songs: Iterable[Song]) -> list[IngestJob]:
    """Read the songs' tags from their files again, through an ingest job per song.

    The job carries no sequencer, so it never counts as newer or older than the store's own
    events; asking again re-runs the earlier re-read job instead of recording a twin.
    """
    object_events = [
        ObjectEvent(
            action=IngestJob.Action.CREATED,
            bucket=settings.INGEST_BUCKET_NAME,
            key=song.storage_key,
            event_name="ObjectCreated:Reread",
            event_time=None,  # so that asking again finds the earlier re-read job
            size=song.file_size,
            etag=song.etag,
            version_id=song.version_id,
            sequencer="",
        )
        for song in songs
    ]
    with transaction.atomic():
        jobs = record_ingest_events(object_events)
        return [job if job.is_new else retry_ingest_job(job) for job in jobs]


def song_announce_edit(song: Song, *, was_public: bool) -> None:
    """Tell open browsers about a curator's edit of a song, after commit.

    An edited public song is updated in place; one that became hidden is removed, one that
    became public is added; a song hidden before and after concerns nobody.
    """
    if song.hidden:
        if was_public:
            transaction.on_commit(lambda: events.send_song_removed(song.pk))
        return
    kind = "song.updated" if was_public else "song.added"
    transaction.on_commit(lambda: events.send_song_event(kind, song.pk))


ANNOUNCED_RENAMES = 500  # songs told of one rename; pages showing more see it on reload


def names_announce_edit(edited: Artist | Album | Genre) -> int:
    """Tell open browsers about a curator's edit of an artist, album or genre, after commit.

    Every published song whose row shows the name gets song.updated, as after an ingest, up to
    ANNOUNCED_RENAMES of them, so the edit of a prolific artist stays a quick save. Return how
    many songs were announced.
    """
    if isinstance(edited, Artist):
        showing = Q(artist=edited) | Q(artists=edited) | Q(album__album_artist=edited)
    elif isinstance(edited, Album):
        showing = Q(album=edited)
    else:
        showing = Q(genres=edited)
    song_ids = list(
        Song.objects.filter(showing, hidden=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:ANNOUNCED_RENAMES]
    )
    for song_id in song_ids:
        transaction.on_commit(lambda pk=song_id: events.send_song_event("song.updated", pk))
    return len(song_ids)


def songs_remove(songs: Iterable[Song]) -> int:
    """Take songs off the catalogue (a curator's delete), each announced; return how many."""
    removed = 0
    for song in songs:
        song_remove(song)
        removed += 1
    return removed


def songs_set_hidden(songs: Iterable[Song], hidden: bool) -> int:
    """Hide songs from (or publish them to) the public catalogue; tell open browsers."""
    song_ids = [song.pk for song in songs]
    with transaction.atomic():
        changed = list(
            Song.objects.filter(pk__in=song_ids).exclude(hidden=hidden).values_list("pk", flat=True)
        )
        Song.objects.filter(pk__in=changed).update(hidden=hidden, updated_at=timezone.now())
        for song_id in changed:
            if hidden:
                transaction.on_commit(lambda pk=song_id: events.send_song_removed(pk))
            else:
                transaction.on_commit(lambda pk=song_id: events.send_song_event("song.added", pk))
    return len(changed)


def artists_merge(target: Artist, duplicates: Iterable[Artist]) -> int:
    """Fold duplicate spellings of an artist into one; return how many artists were merged.

    Songs, credits and albums move to the target; two albums of the same title end up as one.
    """
    merged = 0
    touched: set[int] = set()
    with transaction.atomic():
        for duplicate in duplicates:
            if duplicate.pk == target.pk:
                continue
            touched |= set(Song.objects.filter(artist=duplicate).values_list("pk", flat=True))
            Song.objects.filter(artist=duplicate).update(artist=target)
            credits = SongArtist.objects.filter(artist=duplicate)
            touched |= set(credits.values_list("song_id", flat=True))
            already = SongArtist.objects.filter(artist=target).values_list("song_id", flat=True)
            credits.filter(song_id__in=already).delete()
            credits.update(artist=target)
            for album in Album.objects.filter(album_artist=duplicate):
                twin = Album.objects.filter(album_artist=target, title_key=album.title_key).first()
                if twin is None:
                    album.album_artist = target
                    album.save(update_fields=["album_artist"])
                else:
                    touched |= set(album.songs.values_list("pk", flat=True))
                    _fold_album(twin, album)
            duplicate.delete()
            merged += 1
        _announce_updates(touched)
    return merged


def albums_merge(target: Album, duplicates: Iterable[Album]) -> int:
    """Fold duplicate albums into one; return how many albums were merged."""
    merged = 0
    touched: set[int] = set()
    with transaction.atomic():
        for duplicate in duplicates:
            if duplicate.pk == target.pk:
                continue
            touched |= set(duplicate.songs.values_list("pk", flat=True))
            _fold_album(target, duplicate)
            merged += 1
        _announce_updates(touched)
    return merged


def _fold_album(target: Album, duplicate: Album) -> None:
    Song.objects.filter(album=duplicate).update(album=target)
    changed = []
    if target.cover_id is None and duplicate.cover_id is not None:
        target.cover_id = duplicate.cover_id
        changed.append("cover")
    if target.year is None and duplicate.year is not None:
        target.year = duplicate.year
        changed.append("year")
    if changed:
        target.save(update_fields=changed)
    duplicate.delete()


def _announce_updates(song_ids: set[int]) -> None:
    search.refresh_search_text(song_ids)
    for song_id in sorted(song_ids):
        transaction.on_commit(lambda pk=song_id: events.send_song_event("song.updated", pk))
