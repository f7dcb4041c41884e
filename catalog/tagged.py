"""Ingest's writes to the catalogue: tags read from a stored object become its song's rows.

songs_ingest writes a batch (each kind of row in one statement), or a single song; each new
or changed song is announced to browsers after commit. The rows a song links to (artists,
genres, album, cover) come from catalog.linked; here are the song's own values, its links and
its stored object. The ingest app reads the files and calls it; nothing here knows about jobs.
"""

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import NamedTuple, Protocol

from django.utils import timezone

from catalog import events, search
from catalog.batch import insert_rows, rows_among, update_rows
from catalog.linked import (
    AlbumRow,
    ArtistRow,
    StoredCovers,
    albums_for,
    artists_fill_in,
    cover_digest,
    covers_for,
    fitted,
    rows_by_name,
)
from catalog.metadata import SongMetadata
from catalog.models import Artist, Genre, Song, SongArtist, StoredObject, name_key

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
    artists: list[tuple],
    album: AlbumRow | None,
    genres: list[tuple],
    cover_id: int | None,
    *,
    size: int,
    content_hash: str,
    tags_hash: str = "",
) -> dict:
    """Return the song's column values (its search document included) from its tags and rows.

    ``artists`` and ``genres`` are rows of rows_by_name (a pk and a name each).
    """
    title = metadata.title or title_from_key(version.key)
    search_title, search_text = search.song_document(
        title,
        [artist.name for artist in artists],
        album.title if album else "",
        album.artist_name if album else "",
        [genre.name for genre in genres],
    )
    return {
        "title": title,
        "artist_id": artists[0].pk,
        "album_id": album.pk if album else None,
        "cover_id": cover_id or (album.cover_id if album else None),
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
        "sort_title": fitted(Song, "sort_title", metadata.sort_title),
        "bit_depth": metadata.bit_depth,
        "bpm": metadata.bpm,
        "comment": metadata.comment or "",
        "musicbrainz_id": metadata.musicbrainz_id or "",
        "isrc": fitted(Song, "isrc", metadata.isrcs),
        "replay_gain_track": metadata.replay_gain.track_gain,
        "replay_gain_track_peak": metadata.replay_gain.track_peak,
        "replay_gain_album": metadata.replay_gain.album_gain,
        "replay_gain_album_peak": metadata.replay_gain.album_peak,
        "file_size": size,
        "etag": version.etag,
        "version_id": version.version_id,
        "content_hash": content_hash,
        "tags_hash": tags_hash,
        "search_title": search_title,
        "search_text": search_text,
    }


SONG_TAGGED_FIELDS = (
    *("title", "artist_id", "album_id", "cover_id", "track_number", "disc_number", "year"),
    "duration",
    *("bitrate", "sample_rate", "channels", "codec", "mime_type", "lyrics", "sort_title"),
    *("bit_depth", "bpm", "comment", "musicbrainz_id", "isrc", "replay_gain_track"),
    *("replay_gain_track_peak", "replay_gain_album", "replay_gain_album_peak", "file_size"),
    *("etag", "version_id", "content_hash", "tags_hash", "search_title", "search_text"),
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
    tags_hash: str = ""


def songs_ingest(
    files: list[SongFile], stored_covers: StoredCovers | None = None
) -> list[int | None]:
    """Create or update the songs of stored objects (one or many), in the caller's transaction.

    Returns each file's song id, or None where a newer event got there first. The statements
    are as many for a batch as for one song: each kind of row (stored objects, artists,
    genres, covers, albums, songs, their links, search words) is looked up once and written
    in one bulk statement, from plain values (no model instances: they cost more Python than
    the statements). Keys must be distinct and in one bucket. Anything the database refuses
    raises, and the caller's savepoint takes the whole batch back. ``stored_covers``: the pictures
    whose files the caller stored ahead, outside the transaction (catalog.linked).
    """
    if not files:
        return []
    (bucket,) = {file.version.bucket for file in files}
    keys = [file.version.key for file in files]
    if len(set(keys)) != len(keys):
        raise ValueError("songs_ingest takes each key once")
    stored = _lock_stored_objects(bucket, files)
    live = [file for file in files if _applies(file, _applied(stored.get(file.version.key)))]
    if not live:
        return [None] * len(files)

    names = [_song_names(file.metadata) for file in live]
    named = rows_by_name(
        Artist,
        [name for artists, album_artist in names for name in (*artists, album_artist)],
        ArtistRow,
    )
    artists_fill_in(named, [tags for file in live for tags in file.metadata.artist_tags])
    genres_named = rows_by_name(Genre, [genre for file in live for genre in file.metadata.genres])
    arts = [file.metadata.cover for file in live]
    digests = [cover_digest(art) if art else None for art in arts]
    covers = covers_for(zip(digests, arts, strict=True), stored=stored_covers)
    song_covers = [covers.get(digest) for digest in digests]
    albums = albums_for(
        [
            (file.metadata, named[name_key(album_artist)], cover)
            for file, (_, album_artist), cover in zip(live, names, song_covers, strict=True)
        ]
    )

    existing = dict(rows_among(Song, ["storage_key", "pk"], storage_key=keys))
    now = timezone.now()
    new_rows, updated_rows, links, words = [], [], [], set()
    for file, (artist_names, album_artist), cover in zip(live, names, song_covers, strict=True):
        metadata, key = file.metadata, file.version.key
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
            tags_hash=file.tags_hash,
        )
        words.update(_search_words(values["search_text"]))
        columns = [values[field] for field in SONG_TAGGED_FIELDS]
        if key in existing:
            updated_rows.append((existing[key], *columns, now))
        else:
            new_rows.append((key, *columns))
        links.append(SongLinks(key, [artist.pk for artist in artists], [g.pk for g in genres]))

    new_ids = insert_rows(Song, ["storage_key", *SONG_TAGGED_FIELDS], new_rows)
    song_ids = {**existing, **dict(zip([row[0] for row in new_rows], new_ids, strict=True))}
    written = {file.version.key: song_ids[file.version.key] for file in live}
    if updated_rows:
        update_rows(Song, [*SONG_TAGGED_FIELDS, "updated_at"], updated_rows)
    _link_songs(written, links, replacing=[row[0] for row in updated_rows])
    search.add_search_words(words)
    marked = []
    for file in live:
        row = stored[file.version.key]
        sequencer = file.version.sequencer or row.sequencer
        marked.append((row.pk, written[file.version.key], True, sequencer, now))
    update_rows(StoredObject, ["song_id", "exists", "sequencer", "updated_at"], marked)
    fresh = set(new_ids)
    for song_id in written.values():
        events.announce_song(events.ADDED if song_id in fresh else events.UPDATED, song_id)
    return [written.get(key) for key in keys]


class SongLinks(NamedTuple):
    """A song's credited artists (in credit order) and genres, by id."""

    key: str
    artist_ids: list[int]
    genre_ids: list[int]


def _link_songs(song_ids: dict[str, int], links: list[SongLinks], replacing: list[int]) -> None:
    """Write the songs' artist and genre links (in place of the old ones of ``replacing``)."""
    if replacing:
        SongArtist.objects.filter(song_id__in=replacing).delete()
        Song.genres.through.objects.filter(song_id__in=replacing).delete()
    insert_rows(
        SongArtist,
        ["song_id", "artist_id", "position"],
        [
            (song_ids[song.key], artist_id, position)
            for song in links
            for position, artist_id in enumerate(song.artist_ids)
        ],
    )
    insert_rows(
        Song.genres.through,
        ["song_id", "genre_id"],
        [(song_ids[song.key], genre_id) for song in links for genre_id in song.genre_ids],
    )


class StoredRow(NamedTuple):
    """A stored object's row as songs_ingest reads it: its id and the sequencer applied."""

    pk: int
    sequencer: str


def _lock_stored_objects(bucket: str, files: list[SongFile]) -> dict[str, StoredRow]:
    """Return {key: row} of the files' objects, locked for this transaction.

    An object seen for the first time gets its row first (unless a re-sync expects one
    already, when it must not be written at all), and an object another job recorded
    meanwhile keeps that job's row (insert or ignore): so the rows are locked as they stand
    when this transaction holds them, and _applies decides on what the other job applied.
    Inserts and locks go in key order, so two batches that share keys never wait on each
    other in a circle.
    """
    may_be_new = sorted(file.version.key for file in files if _applies(file, ""))
    insert_rows(
        StoredObject,
        ["bucket", "key", "exists"],
        [(bucket, key, False) for key in may_be_new],
        ignore_conflicts=True,
    )
    locked = rows_among(
        StoredObject,
        ["key", "pk", "sequencer"],
        bucket=[bucket],
        key=[file.version.key for file in files],
        order_by="key",
        lock=True,
    )
    return {key: StoredRow(pk, sequencer) for key, pk, sequencer in locked}


def _applied(stored: StoredRow | None) -> str:
    return stored.sequencer if stored else ""


def _applies(file: SongFile, applied: str) -> bool:
    """Tell whether this version of the object may be written over the sequencer applied."""
    version = file.version
    if file.only_if_applied is not None and applied != file.only_if_applied:
        return False
    return applied == version.sequencer or not sequencer_is_stale(version.sequencer, applied)
