"""Files the catalogue already holds under another key, told by their content hash (the size
and the bytes around the tags, Song.content_hash): an upload made twice, a file renamed, a
copy that outlives its original.

Each is decided inside a batch's transaction (ingest.running): duplicates and renames before
its rows are written, a surviving copy as a removal takes its song off.
"""

from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q

from catalog.models import Song, StoredObject
from ingest.models import UPLOAD_PREFIX, IngestJob
from ingest.reading import Outcome, TagsRead


def duplicate_uploads(
    jobs: list[IngestJob], read: dict[int, Outcome | TagsRead]
) -> dict[int, Outcome]:
    """Skip the uploads whose file the catalogue already holds under another key (the same
    content hash: size and the bytes around the tags), or that an earlier upload of the batch
    brings; return their outcomes. The file stays in the store; the job names the song.

    Uploading an album twice made every song twice. Files that come from the store itself
    (events, the re-sync) are the library as its owner laid it out, and are never skipped."""
    uploads = [
        job
        for job in jobs
        if job.action == IngestJob.Action.CREATED
        and job.key.startswith(f"{UPLOAD_PREFIX}/")
        and isinstance(read.get(job.pk), TagsRead)
    ]
    if not uploads:
        return {}
    held: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    for song_id, content_hash, key, title, tags in Song.objects.filter(
        content_hash__in={read[job.pk].content_hash for job in uploads}
    ).values_list("pk", "content_hash", "storage_key", "title", "tags_hash"):
        held[content_hash].append((song_id, key, title, tags))
    outcomes = {}
    first: dict[tuple[str, str], str] = {}  # (content, tags hash) -> the upload that brings it
    for job in uploads:
        content_hash, tags = read[job.pk].content_hash, read[job.pk].tags_hash
        elsewhere = [
            song for song in held[content_hash] if song[1] != job.key and same_tags(song[3], tags)
        ]
        if elsewhere:
            song_id, key, title, _ = elsewhere[0]
            outcomes[job.pk] = Outcome(
                IngestJob.Status.SKIPPED,
                f"the same file is already in the catalogue: \u201c{title}\u201d ({key})",
                song_id,
            )
        elif first.setdefault((content_hash, tags), job.key) != job.key:
            outcomes[job.pk] = Outcome(
                IngestJob.Status.SKIPPED,
                f"the same file was uploaded at the same time as {first[content_hash, tags]}",
            )
    return outcomes


def renames(
    jobs: list[IngestJob],
    read: dict[int, Outcome | TagsRead],
    applies: Callable[[IngestJob], bool],
) -> dict[str, str]:
    """Return {old key: new key} for the batch's renamed files, whose songs move instead of
    being removed and made again (a listener's likes, ratings, plays and playlists stay).

    A rename is a removal of a key whose song has the content hash of a file the batch
    creates at a key that has no song yet: the folder watcher reports a file moved within the
    media folder as both, in one request. ``applies(job)``: whether the job is not stale (an
    event that a newer one overtook moves nothing). A store that copies and then deletes (S3)
    reports the two in that order, likely in two batches: there the new key makes a song, and
    the removal gives it the old one's marks (same_recording).
    """
    removed = {
        job.key: job for job in jobs if job.action == IngestJob.Action.REMOVED and applies(job)
    }
    created = [
        job
        for job in jobs
        if job.action == IngestJob.Action.CREATED
        and job.key not in removed
        and isinstance(read.get(job.pk), TagsRead)
        and applies(job)
    ]
    if not removed or not created:
        return {}
    hashes = {
        key: (content_hash, tags)
        for key, content_hash, tags in Song.objects.filter(
            storage_key__in=[*removed, *(job.key for job in created)]
        ).values_list("storage_key", "content_hash", "tags_hash")
    }  # the songs of both sides: a new key with a song already is an overwrite, not a rename
    old_by_hash = {hashes[key][0]: key for key in removed if hashes.get(key, ("",))[0]}
    moves = {}
    for job in created:
        old = old_by_hash.get(read[job.pk].content_hash)
        if (
            old is None
            or job.key in hashes
            or not same_tags(hashes[old][1], read[job.pk].tags_hash)
        ):
            continue
        del old_by_hash[read[job.pk].content_hash]
        moves[old] = job.key
    return moves


def move_songs(moves: dict[str, str]) -> None:
    """Give each song of ``moves`` (old key -> new key) its new key, in the caller's
    transaction; the batch then writes the new key's tags onto it as an update, and the old
    key's removal finds no song to take."""
    for old, new in moves.items():
        Song.objects.filter(storage_key=old).update(storage_key=new)
        StoredObject.objects.filter(bucket=settings.INGEST_BUCKET_NAME, key=old).update(song=None)


def same_recording(song: Song) -> Song | None:
    """Return another song of the same file (the newest), which takes what listeners made of
    ``song`` when it is removed: a store that moves an object copies it first (S3 has no
    rename), so the copy is a song by the time the original goes."""
    if not song.content_hash:
        return None
    others = Song.objects.filter(content_hash=song.content_hash).exclude(pk=song.pk)
    if song.tags_hash:
        others = others.filter(Q(tags_hash="") | Q(tags_hash=song.tags_hash))
    return others.order_by("-pk").first()


def same_tags(one: str, other: str) -> bool:
    """Tell whether two tags hashes (reading.tags_hash) allow one file; a blank one (a song
    read before they were kept) allows any."""
    return not one or not other or one == other
