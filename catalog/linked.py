"""The rows a song links to: artists and genres by name, albums, covers; found or created.

songs_ingest (catalog.tagged) asks for all of a batch's at once: each kind is looked up in one
statement and its missing rows are inserted in one more. What the tags know and a row lacks
(an artist's sort name, an album's year or cover) is filled in; what a row has stays. A new
picture's file can be stored ahead, outside the transaction (stored_cover_files).
"""

import hashlib
import io
import logging
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.batch import insert_in_bulk, insert_rows, rows_among, update_rows
from catalog.metadata import ArtistTags, CoverArt, ReleaseTags, SongMetadata
from catalog.models import Album, Artist, Cover, Genre, name_key

logger = logging.getLogger(__name__)


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


def fitted(model: type, field: str, values: Iterable[str] | str | None) -> str:
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


def artists_fill_in(named: dict[str, ArtistRow], tagged: Iterable[ArtistTags]) -> None:
    """Give artists the sort names and MusicBrainz ids the tags know and they lack."""
    changed: dict[int, list[str]] = {}
    for tags in tagged:
        artist = named.get(name_key(tags.name))
        if artist is None:
            continue
        known = changed.get(artist.pk) or [artist.sort_name, artist.musicbrainz_id]
        if tags.sort_name and not known[0]:
            known[0] = fitted(Artist, "sort_name", tags.sort_name)
            changed[artist.pk] = known
        if tags.musicbrainz_id and not known[1]:
            known[1] = tags.musicbrainz_id
            changed[artist.pk] = known
    update_rows(
        Artist, ["sort_name", "musicbrainz_id"], [(pk, *known) for pk, known in changed.items()]
    )


# Pictures whose files are stored ahead of the transaction that writes their rows:
# {sha256: the row to insert (unsaved), or None when the picture is no readable image}.
StoredCovers = Mapping[str, "Cover | None"]


def stored_cover_files(arts: Iterable[tuple[str, CoverArt]]) -> dict[str, Cover | None]:
    """Store the file of each distinct picture that no Cover row has yet, outside any
    transaction; return what covers_for() then inserts (see StoredCovers)."""
    by_digest = dict(arts)
    if not by_digest:
        return {}
    known = {digest for (digest,) in rows_among(Cover, ["sha256"], sha256=by_digest)}
    return {
        digest: _cover_file(art, digest) for digest, art in by_digest.items() if digest not in known
    }


def covers_for(
    arts: Iterable[tuple[str | None, CoverArt | None]], stored: StoredCovers | None = None
) -> dict[str, int | None]:
    """Store each distinct image once; return {sha256: its row's id, or None if it is no image}.

    ``arts`` are (sha256, image) pairs (None, None for a song without a picture). One lookup
    for all of them, and one insert for the images seen for the first time. A picture in
    ``stored`` has its file already (stored_cover_files); the others are stored here.
    """
    by_digest = {digest: art for digest, art in arts if art is not None}
    if not by_digest:
        return {}
    stored = stored or {}
    found: dict[str, int | None] = {}
    _take_rows(by_digest, stored, found)
    new = {}
    for digest, art in by_digest.items():
        if digest in found:
            continue
        cover = stored[digest] if digest in stored else _cover_file(art, digest)
        if cover is None:
            found[digest] = None
        else:
            new[digest] = cover
    if new:
        insert_in_bulk(Cover, list(new.values()), ignore_conflicts=True)
        _take_rows(new, new, found)
    return found


def _take_rows(digests: Iterable[str], ours: StoredCovers, found: dict[str, int | None]) -> None:
    """Note the id of each of these pictures' rows in ``found``. Where the row holds another
    file than ours, another job stored the same picture first (before this batch wrote, or at
    the same moment): its row is kept, and our file deleted."""
    for digest, pk, image in rows_among(Cover, ["sha256", "pk", "image"], sha256=digests):
        found[digest] = pk
        mine = ours.get(digest)
        if mine is not None and mine.image.name != image:
            default_storage.delete(mine.image.name)


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


def cover_digest(art: CoverArt) -> str:
    """The picture's sha256: taken where it was read (ingest.reading), else here."""
    return art.sha256 or hashlib.sha256(art.data).hexdigest()


class AlbumRow(NamedTuple):
    """What a song takes from its album: its id, names for its search document, its cover."""

    pk: int
    title: str
    artist_name: str
    cover_id: int | None


BLANK = (None, "", False)  # an album's value the tags may still fill
ALBUM_TAGGED_FIELDS = (
    *("cover_id", "year", "sort_title", "is_compilation", "release_date"),
    *("original_release_date", "record_labels", "release_types", "musicbrainz_id"),
)  # what an album takes from its songs' tags (albums_for)


def albums_for(
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


def _release_values(release: ReleaseTags) -> dict:
    """Return the album columns the tags fill, keyed by field, blank where they are silent."""
    return {
        "sort_title": fitted(Album, "sort_title", release.sort_title),
        "is_compilation": release.is_compilation,
        "release_date": release.release_date or "",
        "original_release_date": release.original_release_date or "",
        "record_labels": fitted(Album, "record_labels", release.record_labels),
        "release_types": fitted(Album, "release_types", release.release_types),
        "musicbrainz_id": release.musicbrainz_id or "",
    }


def _album_fill_in(album: dict, tagged: dict) -> list[str]:
    """Give the album's values the tagged ones it lacks; return the fields that changed."""
    changed = [
        field for field, value in tagged.items() if value not in BLANK and album[field] in BLANK
    ]
    for field in changed:
        album[field] = tagged[field]
    return changed
