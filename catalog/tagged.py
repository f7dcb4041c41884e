"""Ingest's writes to the catalogue: tags read from a stored object become its song's rows.

songs_ingest writes a batch (each kind of row in one statement), or a single song; each new
or changed song is announced to browsers after commit. The ingest app reads the files and
calls it; nothing here knows about jobs.
"""

import hashlib
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog import events, search
from catalog.batch import insert_in_bulk, update_in_bulk
from catalog.metadata import ArtistTags, CoverArt, ReleaseTags, SongMetadata
from catalog.models import (
    Album,
    Artist,
    Cover,
    Genre,
    Song,
    SongArtist,
    StoredObject,
    name_key,
)

logger = logging.getLogger(__name__)

UNKNOWN_ARTIST = "Unknown Artist"


class ObjectVersion(Protocol):
    """Which version of which stored object a song is read from (an ingest job is one)."""

    bucket: str
    key: str
    etag: str
    version_id: str
    sequencer: str


def sequencer_is_stale(sequencer: str, applied: str) -> bool:
    """Tell whether an event's sequencer is older than (or the same as) the one applied."""
    if not sequencer or not applied:
        return False
    return int(sequencer, 16) <= int(applied, 16)


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


def _fitted(model: type, field: str, values: Iterable[str] | str | None) -> str:
    """Return a text (or several, "; "-joined) cut to fit the model field's column.

    Of several values, only whole ones are kept; a single text is cut at the column's length.
    """
    limit = model._meta.get_field(field).max_length
    if values is None or isinstance(values, str):
        return (values or "")[:limit]
    joined = ""
    for value in values:
        longer = f"{joined}; {value}" if joined else value
        if len(longer) > limit:
            break
        joined = longer
    return joined


def _release_values(release: ReleaseTags) -> dict:
    """Return the album columns the tags fill, keyed by field, blank where they are silent."""
    return {
        "sort_title": _fitted(Album, "sort_title", release.sort_title),
        "is_compilation": release.is_compilation,
        "release_date": release.release_date or "",
        "original_release_date": release.original_release_date or "",
        "record_labels": _fitted(Album, "record_labels", release.record_labels),
        "release_types": _fitted(Album, "release_types", release.release_types),
        "musicbrainz_id": release.musicbrainz_id or "",
    }


BLANK = (None, "", False)  # an album's value the tags may still fill


def _album_fill_in(album: Album, tagged: dict) -> list[str]:
    """Give the album the tagged values it lacks; return the fields that changed."""
    changed = [
        field
        for field, value in tagged.items()
        if value not in BLANK and getattr(album, Album._meta.get_field(field).attname) in BLANK
    ]
    for field in changed:
        setattr(album, field, tagged[field])
    return changed


def _artists_fill_in(named: dict[str, Artist], tagged: Iterable[ArtistTags]) -> None:
    """Give artists the sort names and MusicBrainz ids the tags know and they lack."""
    changed: dict[int, Artist] = {}
    for tags in tagged:
        artist = named.get(name_key(tags.name))
        if artist is None:
            continue
        if tags.sort_name and not artist.sort_name:
            artist.sort_name = _fitted(Artist, "sort_name", tags.sort_name)
            changed[artist.pk] = artist
        if tags.musicbrainz_id and not artist.musicbrainz_id:
            artist.musicbrainz_id = tags.musicbrainz_id
            changed[artist.pk] = artist
    if changed:
        Artist.objects.bulk_update(changed.values(), ["sort_name", "musicbrainz_id"])


def covers_for(arts: Iterable[tuple[str | None, CoverArt | None]]) -> dict[str, Cover | None]:
    """Store each distinct image once; return {sha256: its row, or None if it is no image}.

    ``arts`` are (sha256, image) pairs (None, None for a song without a picture). One lookup
    for all of them, and one insert for the images seen for the first time.
    """
    by_digest = {digest: art for digest, art in arts if art is not None}
    if not by_digest:
        return {}
    found: dict[str, Cover | None] = {
        cover.sha256: cover for cover in Cover.objects.filter(sha256__in=by_digest)
    }
    stored = {}
    for digest, art in by_digest.items():
        if digest in found:
            continue
        cover = _cover_file(art, digest)
        if cover is None:
            found[digest] = None
        else:
            stored[digest] = cover
    if stored:
        Cover.objects.bulk_create(stored.values(), ignore_conflicts=True)
        for cover in Cover.objects.filter(sha256__in=stored):
            if cover.image.name != stored[cover.sha256].image.name:
                # Another job stored the same image at the same moment: keep theirs.
                default_storage.delete(stored[cover.sha256].image.name)
            found[cover.sha256] = cover
    return found


def _cover_file(art: CoverArt, digest: str) -> Cover | None:
    """Save a new image's file and return its (unsaved) row; None if it is no readable image."""
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
    return Cover(sha256=digest, image=name, mime_type=art.mime_type, width=width, height=height)


def title_from_key(key: str) -> str:
    """Make a title from a file name: "03 - Neon_Rain.mp3" becomes "Neon Rain"."""
    stem = PurePosixPath(key).stem.replace("_", " ")
    stem = re.sub(r"^\s*\d{1,3}\s*[-.)]?\s+", "", stem)
    title = " ".join(stem.split()) or PurePosixPath(key).name
    return title[: Song._meta.get_field("title").max_length]


def _song_names(metadata: SongMetadata) -> tuple[list[str], str]:
    """Return a song's artist names (never none) and its album artist's name."""
    artist_names = list(metadata.artists) or [UNKNOWN_ARTIST]
    return artist_names, metadata.album_artist or artist_names[0]


def _song_values(
    version: ObjectVersion,
    metadata: SongMetadata,
    artists: list[Artist],
    album: Album | None,
    genres: list[Genre],
    cover: Cover | None,
    *,
    size: int,
    content_hash: str,
) -> dict:
    """Return the song's column values (its search document included) from its tags and rows."""
    title = metadata.title or title_from_key(version.key)
    search_title, search_text = search.song_document(
        title,
        [artist.name for artist in artists],
        album.title if album else "",
        album.album_artist.name if album else "",
        [genre.name for genre in genres],
    )
    return {
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
        "sort_title": _fitted(Song, "sort_title", metadata.sort_title),
        "bit_depth": metadata.bit_depth,
        "bpm": metadata.bpm,
        "comment": metadata.comment or "",
        "musicbrainz_id": metadata.musicbrainz_id or "",
        "isrc": _fitted(Song, "isrc", metadata.isrcs),
        "replay_gain_track": metadata.replay_gain.track_gain,
        "replay_gain_track_peak": metadata.replay_gain.track_peak,
        "replay_gain_album": metadata.replay_gain.album_gain,
        "replay_gain_album_peak": metadata.replay_gain.album_peak,
        "file_size": size,
        "etag": version.etag,
        "version_id": version.version_id,
        "content_hash": content_hash,
        "search_title": search_title,
        "search_text": search_text,
    }


SONG_TAGGED_FIELDS = (
    *("title", "artist", "album", "cover", "track_number", "disc_number", "year", "duration"),
    *("bitrate", "sample_rate", "channels", "codec", "mime_type", "lyrics", "sort_title"),
    *("bit_depth", "bpm", "comment", "musicbrainz_id", "isrc", "replay_gain_track"),
    *("replay_gain_track_peak", "replay_gain_album", "replay_gain_album_peak", "file_size"),
    *("etag", "version_id", "content_hash", "search_title", "search_text"),
)  # what _song_values fills


def _search_words(search_text: str):
    return (word for word in search_text.split() if search.MIN_WORD <= len(word) <= 100)


@dataclass(frozen=True)
class SongFile:
    """One stored object's tags, read and ready to become a song (what songs_ingest takes).

    With ``only_if_applied`` (a re-sync, which read the object without an event of its own),
    the song is written only if the object's applied sequencer is still that one.
    """

    version: ObjectVersion
    metadata: SongMetadata
    size: int
    content_hash: str
    only_if_applied: str | None = None


def songs_ingest(files: list[SongFile]) -> list[Song | None]:
    """Create or update the songs of stored objects (one or many), in the caller's transaction.

    Returns each file's song, or None where a newer event got there first. The statements are
    as many for a batch as for one song: each kind of row (stored objects, artists, genres,
    covers, albums, songs, their links, search words) is looked up once and written in one
    bulk statement. Keys must be distinct and in one bucket. Anything the database refuses
    raises, and the caller's savepoint takes the whole batch back.
    """
    if not files:
        return []
    (bucket,) = {file.version.bucket for file in files}
    keys = [file.version.key for file in files]
    if len(set(keys)) != len(keys):
        raise ValueError("songs_ingest takes each key once")
    stored = _lock_stored_objects(bucket, files)
    live = [file for file in files if _applies(file, stored.get(file.version.key))]
    if not live:
        return [None] * len(files)

    names = [_song_names(file.metadata) for file in live]
    named = rows_by_name(
        Artist, [name for artists, album_artist in names for name in (*artists, album_artist)]
    )
    _artists_fill_in(named, [tags for file in live for tags in file.metadata.artist_tags])
    genres_named = rows_by_name(Genre, [genre for file in live for genre in file.metadata.genres])
    arts = [file.metadata.cover for file in live]
    digests = [_digest(art) if art else None for art in arts]
    covers = covers_for(zip(digests, arts, strict=True))
    song_covers = [covers.get(digest) for digest in digests]
    albums = _albums_for(
        [
            (file.metadata, named[name_key(album_artist)], cover)
            for file, (_, album_artist), cover in zip(live, names, song_covers, strict=True)
        ]
    )

    existing = {song.storage_key: song for song in Song.objects.filter(storage_key__in=keys)}
    now = timezone.now()
    new_songs, updated, credits, tagged, words = [], [], [], [], set()
    for file, (artist_names, album_artist), cover in zip(live, names, song_covers, strict=True):
        metadata = file.metadata
        artists = list(dict.fromkeys(named[name_key(name)] for name in artist_names))
        album = None
        if metadata.album:
            album = albums[(named[name_key(album_artist)].pk, name_key(metadata.album))]
        genres = list(
            {name_key(genre): genres_named[name_key(genre)] for genre in metadata.genres}.values()
        )
        values = _song_values(
            file.version,
            metadata,
            artists,
            album,
            genres,
            cover,
            size=file.size,
            content_hash=file.content_hash,
        )
        words.update(_search_words(values["search_text"]))
        song = existing.get(file.version.key)
        if song is None:
            song = Song(storage_key=file.version.key, **values)
            new_songs.append(song)
        else:
            for field, value in values.items():
                setattr(song, field, value)
            song.updated_at = now
            updated.append(song)
        credits.append((song, artists))
        tagged.append((song, genres))

    insert_in_bulk(Song, new_songs)
    if updated:
        update_in_bulk(Song, updated, [*SONG_TAGGED_FIELDS, "updated_at"])
        SongArtist.objects.filter(song__in=updated).delete()
        Song.genres.through.objects.filter(song__in=updated).delete()
    insert_in_bulk(
        SongArtist,
        [
            SongArtist(song=song, artist=artist, position=position)
            for song, artists in credits
            for position, artist in enumerate(artists)
        ],
    )
    song_genre = Song.genres.through
    insert_in_bulk(
        song_genre,
        [song_genre(song=song, genre=genre) for song, genres in tagged for genre in genres],
    )
    search.add_search_words(words)

    written, seen = {}, []
    for file, (song, _) in zip(live, credits, strict=True):
        row = stored[file.version.key]
        row.song, row.exists, row.updated_at = song, True, now
        row.sequencer = file.version.sequencer or row.sequencer
        seen.append(row)
        written[file.version.key] = song
    update_in_bulk(StoredObject, seen, ["song", "exists", "sequencer", "updated_at"])
    fresh = {song.pk for song in new_songs}
    for song in written.values():
        events.announce_song(events.ADDED if song.pk in fresh else events.UPDATED, song.pk)
    return [written.get(key) for key in keys]


def _lock_stored_objects(bucket: str, files: list[SongFile]) -> dict[str, StoredObject]:
    """Return {key: row} of the files' objects, locked for this transaction.

    An object seen for the first time gets its row first (unless a re-sync expects one
    already, when it must not be written at all), and an object another job recorded
    meanwhile keeps that job's row (insert or ignore): so the rows are locked as they stand
    when this transaction holds them, and _applies decides on what the other job applied.
    Inserts and locks go in key order, so two batches that share keys never wait on each
    other in a circle.
    """
    may_be_new = sorted(file.version.key for file in files if _applies(file, None))
    insert_in_bulk(
        StoredObject,
        [StoredObject(bucket=bucket, key=key, exists=False) for key in may_be_new],
        ignore_conflicts=True,
    )
    rows = StoredObject.objects.select_for_update().filter(
        bucket=bucket, key__in=[file.version.key for file in files]
    )
    return {row.key: row for row in rows.order_by("key")}


def _applies(file: SongFile, stored: StoredObject | None) -> bool:
    """Tell whether this version of the object may be written over what was applied."""
    version, applied = file.version, stored.sequencer if stored else ""
    if file.only_if_applied is not None and applied != file.only_if_applied:
        return False
    return applied == version.sequencer or not sequencer_is_stale(version.sequencer, applied)


def _digest(art: CoverArt) -> str:
    return art.sha256 or hashlib.sha256(art.data).hexdigest()


def _albums_for(
    songs: list[tuple[SongMetadata, Artist, Cover | None]],
) -> dict[tuple[int, str], Album]:
    """Return {(album artist id, title key): album} for the songs' albums, creating missing ones.

    What an album lacks (a cover, a year, the release's tags) comes from the first song that
    has it; what it has stays.
    """
    wanted: dict[tuple[int, str], tuple[str, Artist, dict]] = {}
    for metadata, album_artist, cover in songs:
        if not metadata.album:
            continue
        key = (album_artist.pk, name_key(metadata.album))
        tagged = {
            "cover": cover,
            "year": metadata.year,
            **_release_values(metadata.release),
        }
        if key in wanted:
            _fill_gaps(wanted[key][2], tagged)
        else:
            wanted[key] = (metadata.album, album_artist, tagged)
    if not wanted:
        return {}
    artist_ids = {artist_id for artist_id, _ in wanted}
    title_keys = {title_key for _, title_key in wanted}

    def lookup() -> dict[tuple[int, str], Album]:
        candidates = Album.objects.filter(album_artist__in=artist_ids, title_key__in=title_keys)
        return {
            key: album
            for album in candidates
            if (key := (album.album_artist_id, album.title_key)) in wanted
        }

    found = lookup()
    missing = [key for key in wanted if key not in found]
    if missing:
        Album.objects.bulk_create(
            [
                Album(title=title, title_key=key[1], album_artist=artist, **tagged)
                for key in missing
                for title, artist, tagged in [wanted[key]]
            ],
            ignore_conflicts=True,
        )
        found = lookup()
    changed: set[str] = set()
    gapped = []
    for key, album in found.items():
        title, album_artist, tagged = wanted[key]
        if filled := _album_fill_in(album, tagged):
            changed.update(filled)
            gapped.append(album)
        album.album_artist = album_artist
    if gapped:
        update_in_bulk(Album, gapped, sorted(changed))
    return found


def _fill_gaps(values: dict, later: dict) -> None:
    """Give blank values those of a later song of the same album (the first one's stay)."""
    for field, value in later.items():
        if values.get(field) in BLANK and value not in BLANK:
            values[field] = value
