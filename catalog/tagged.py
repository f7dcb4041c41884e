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
from typing import NamedTuple, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog import events, search
from catalog.batch import insert_in_bulk, insert_rows, rows_among, update_rows
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


class NamedRow(NamedTuple):
    """A genre (or an artist) as a song's rows need it."""

    pk: int
    name_key: str
    name: str


class ArtistRow(NamedTuple):
    """An artist as a song's rows need it, and what the tags may fill in."""

    pk: int
    name_key: str
    name: str
    sort_name: str
    musicbrainz_id: str


def rows_by_name(
    model: type[Artist] | type[Genre], names: Iterable[str], row: type[tuple] = NamedRow
) -> dict[str, tuple]:
    """Return {name_key: row} of artists or genres with these names, creating missing ones.

    Names match loosely (case, accents, spacing); one lookup, and one insert for new names.
    A row is a ``row`` of the fields it names (NamedRow: pk, name_key, name).
    """
    spelled: dict[str, str] = {}
    for name in names:
        spelled.setdefault(name_key(name), name)
    if not spelled:
        return {}

    def lookup(keys) -> dict[str, tuple]:
        found = rows_among(model, row._fields, name_key=keys)
        return {values.name_key: values for values in map(row._make, found)}

    found = lookup(spelled)
    missing = [key for key in spelled if key not in found]
    if missing:
        insert_rows(
            model,
            ["name", "name_key"],
            [(spelled[key], key) for key in missing],
            ignore_conflicts=True,
        )
        found.update(lookup(missing))
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
ALBUM_TAGGED_FIELDS = (
    *("cover_id", "year", "sort_title", "is_compilation", "release_date"),
    *("original_release_date", "record_labels", "release_types", "musicbrainz_id"),
)  # what an album takes from its songs' tags (_albums_for)


def _album_fill_in(album: dict, tagged: dict) -> list[str]:
    """Give the album's values the tagged ones it lacks; return the fields that changed."""
    changed = [
        field for field, value in tagged.items() if value not in BLANK and album[field] in BLANK
    ]
    for field in changed:
        album[field] = tagged[field]
    return changed


def _artists_fill_in(named: dict[str, ArtistRow], tagged: Iterable[ArtistTags]) -> None:
    """Give artists the sort names and MusicBrainz ids the tags know and they lack."""
    changed: dict[int, list[str]] = {}
    for tags in tagged:
        artist = named.get(name_key(tags.name))
        if artist is None:
            continue
        known = changed.get(artist.pk) or [artist.sort_name, artist.musicbrainz_id]
        if tags.sort_name and not known[0]:
            known[0] = _fitted(Artist, "sort_name", tags.sort_name)
            changed[artist.pk] = known
        if tags.musicbrainz_id and not known[1]:
            known[1] = tags.musicbrainz_id
            changed[artist.pk] = known
    update_rows(
        Artist, ["sort_name", "musicbrainz_id"], [(pk, *known) for pk, known in changed.items()]
    )


def covers_for(arts: Iterable[tuple[str | None, CoverArt | None]]) -> dict[str, int | None]:
    """Store each distinct image once; return {sha256: its row's id, or None if it is no image}.

    ``arts`` are (sha256, image) pairs (None, None for a song without a picture). One lookup
    for all of them, and one insert for the images seen for the first time.
    """
    by_digest = {digest: art for digest, art in arts if art is not None}
    if not by_digest:
        return {}
    found: dict[str, int | None] = dict(rows_among(Cover, ["sha256", "pk"], sha256=by_digest))
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
        insert_in_bulk(Cover, list(stored.values()), ignore_conflicts=True)
        for digest, pk, image in rows_among(Cover, ["sha256", "pk", "image"], sha256=stored):
            if image != stored[digest].image.name:
                # Another job stored the same image at the same moment: keep theirs.
                default_storage.delete(stored[digest].image.name)
            found[digest] = pk
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


class AlbumRow(NamedTuple):
    """What a song takes from its album: its id, names for its search document, its cover."""

    pk: int
    title: str
    artist_name: str
    cover_id: int | None


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
    *("title", "artist_id", "album_id", "cover_id", "track_number", "disc_number", "year"),
    "duration",
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


def songs_ingest(files: list[SongFile]) -> list[int | None]:
    """Create or update the songs of stored objects (one or many), in the caller's transaction.

    Returns each file's song id, or None where a newer event got there first. The statements
    are as many for a batch as for one song: each kind of row (stored objects, artists,
    genres, covers, albums, songs, their links, search words) is looked up once and written
    in one bulk statement, from plain values (no model instances: they cost more Python than
    the statements). Keys must be distinct and in one bucket. Anything the database refuses
    raises, and the caller's savepoint takes the whole batch back.
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


def _digest(art: CoverArt) -> str:
    """The picture's sha256: taken where it was read (ingest.reading), else here."""
    return art.sha256 or hashlib.sha256(art.data).hexdigest()


def _albums_for(
    songs: list[tuple[SongMetadata, tuple, int | None]],
) -> dict[tuple[int, str], AlbumRow]:
    """Return {(album artist id, title key): album} for the songs' albums, creating missing ones.

    ``songs`` are (tags, album artist's row, cover id). What an album lacks (a cover, a year,
    the release's tags) comes from the first song that has it; what it has stays.
    """
    wanted: dict[tuple[int, str], tuple[str, tuple, dict]] = {}
    for metadata, album_artist, cover_id in songs:
        if not metadata.album:
            continue
        key = (album_artist.pk, name_key(metadata.album))
        tagged = {"cover_id": cover_id, "year": metadata.year, **_release_values(metadata.release)}
        if key in wanted:
            _fill_gaps(wanted[key][2], tagged)
        else:
            wanted[key] = (metadata.album, album_artist, tagged)
    if not wanted:
        return {}
    artist_ids = {artist_id for artist_id, _ in wanted}
    title_keys = {title_key for _, title_key in wanted}

    def lookup() -> dict[tuple[int, str], tuple[int, str, dict]]:
        rows = rows_among(
            Album,
            ["album_artist_id", "title_key", "pk", "title", *ALBUM_TAGGED_FIELDS],
            album_artist_id=artist_ids,
            title_key=title_keys,
        )
        return {
            key: (pk, title, dict(zip(ALBUM_TAGGED_FIELDS, values, strict=True)))
            for artist_id, title_key, pk, title, *values in rows
            if (key := (artist_id, title_key)) in wanted
        }

    found = lookup()
    missing = [key for key in wanted if key not in found]
    if missing:
        insert_rows(
            Album,
            ["title", "title_key", "album_artist_id", *ALBUM_TAGGED_FIELDS],
            [
                (title, key[1], artist.pk, *(tagged[field] for field in ALBUM_TAGGED_FIELDS))
                for key in missing
                for title, artist, tagged in [wanted[key]]
            ],
            ignore_conflicts=True,
        )
        found = lookup()
    changed: set[str] = set()
    gapped = []
    for key, (pk, _, album) in found.items():
        if filled := _album_fill_in(album, wanted[key][2]):
            changed.update(filled)
            gapped.append((pk, album))
    if gapped:
        fields = sorted(changed)
        update_rows(Album, fields, [(pk, *(album[f] for f in fields)) for pk, album in gapped])
    return {
        key: AlbumRow(pk, title, wanted[key][1].name, album["cover_id"])
        for key, (pk, title, album) in found.items()
    }


def _fill_gaps(values: dict, later: dict) -> None:
    """Give blank values those of a later song of the same album (the first one's stay)."""
    for field, value in later.items():
        if values.get(field) in BLANK and value not in BLANK:
            values[field] = value
