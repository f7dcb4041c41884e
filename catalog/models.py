"""The catalogue (artists, albums, genres, songs, covers) and the ingest jobs that fill it."""

import functools
import unicodedata

from django.db import models
from django.db.models import BooleanField, Case, Expression, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Lower

from catalog.metadata import GENRE_LENGTH, NAME_LENGTH


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Return the de-duplication key of a name: case-, accent- and spacing-insensitive.

    Kept for the last few thousand names: a batch of an album's songs asks for the same
    artist, album and genre names again and again.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def in_id_order(ids: list[int], vendor: str):
    """Return an ordering expression that sorts rows as the ids are listed."""
    if not ids:
        return F("pk")
    if vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField

        return Func(
            Value(ids, output_field=ArrayField(IntegerField())),
            F("pk"),
            function="array_position",
            output_field=IntegerField(),
        )
    return Case(
        *(When(pk=pk, then=Value(position)) for position, pk in enumerate(ids)),
        output_field=IntegerField(),
    )


class _AmongIds(Expression):
    """`<table>.<pk> = ANY(%s)` with the ids as one array parameter (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, ids: list[int]):
        super().__init__()
        self.ids = ids

    def as_sql(self, compiler, connection):
        query = compiler.query
        column = compiler.quote_name(query.model._meta.pk.column)
        return f"{compiler.quote_name(query.base_table)}.{column} = ANY(%s)", [self.ids]


def among_ids(ids: list[int], vendor: str) -> Q:
    """Return the condition that a row's primary key is one of ids.

    On PostgreSQL the ids travel as one array parameter: a `pk IN (...)` of 200 ids is 200
    placeholders that the driver splits and quotes in Python on every call, and a query of
    that many parameters is never found in its statement cache.
    """
    ids = list(ids)
    if vendor == "postgresql" and ids:
        return Q(_AmongIds(ids))
    return Q(pk__in=ids)


class RankedQuerySet(models.QuerySet):
    """A queryset that can hold a ranking (its ids, best first); a slice then loads one page.

    Search ranks ids in one query, then callers count, page and slice the result as any other
    queryset. Without the ranking in hand, every page would join and sort all the ranked rows
    to keep a few. A further filter or ordering drops it: the rows stay right, only slower.
    """

    ranking: list[int] | None = None

    def in_ranked_order(self, ids: list[int]) -> "RankedQuerySet":
        """Return these rows in the order of ids (all of them match this queryset's filters)."""
        ids = list(ids)
        ranked = self.filter(among_ids(ids, self.db_vendor)).order_by(
            in_id_order(ids, self.db_vendor), "pk"
        )
        ranked.ranking = ids
        return ranked

    @property
    def db_vendor(self) -> str:
        from django.db import connections

        return connections[self.db].vendor

    def __getitem__(self, k):
        if (
            self.ranking is not None
            and isinstance(k, slice)
            and k.step is None
            and (k.start or 0) >= 0
            and (k.stop is None or k.stop >= 0)
            and self._result_cache is None
            and not self.query.is_sliced
        ):
            ids = self.ranking[k]
            page = self.filter(among_ids(ids, self.db_vendor))
            return page.order_by(in_id_order(ids, self.db_vendor), "pk")
        return super().__getitem__(k)

    def _clone(self):
        clone = super()._clone()
        clone.ranking = self.ranking
        return clone

    def _unranked(self, queryset: "RankedQuerySet") -> "RankedQuerySet":
        queryset.ranking = None
        return queryset

    def _filter_or_exclude(self, negate, args, kwargs):
        return self._unranked(super()._filter_or_exclude(negate, args, kwargs))

    def complex_filter(self, filter_obj):
        return self._unranked(super().complex_filter(filter_obj))

    def order_by(self, *field_names):
        return self._unranked(super().order_by(*field_names))

    def reverse(self):
        return self._unranked(super().reverse())

    def extra(self, *args, **kwargs):
        return self._unranked(super().extra(*args, **kwargs))

    def _combinator_query(self, *args, **kwargs):
        return self._unranked(super()._combinator_query(*args, **kwargs))


class Cover(models.Model):
    """One distinct cover image, stored once however many albums and songs share it."""

    sha256 = models.CharField(max_length=64, unique=True)
    image = models.FileField(upload_to="covers/", max_length=255)
    mime_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256[:12]

    @property
    def url(self) -> str:
        return f"/covers/{self.pk}-{self.sha256[:16]}/"


class Artist(models.Model):
    name = models.CharField(max_length=NAME_LENGTH)
    name_key = models.CharField(max_length=NAME_LENGTH, unique=True, editable=False)
    # From the tags when they have them (ARTISTSORT, MUSICBRAINZ_ARTISTID).
    sort_name = models.CharField(max_length=255, blank=True, default="", db_default="")
    musicbrainz_id = models.CharField(max_length=36, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RankedQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=GENRE_LENGTH)
    name_key = models.CharField(max_length=GENRE_LENGTH, unique=True, editable=False)

    class Meta:
        ordering = [Lower("name")]

    def __str__(self) -> str:
        return self.name


class Album(models.Model):
    title = models.CharField(max_length=NAME_LENGTH)
    title_key = models.CharField(max_length=NAME_LENGTH, editable=False)
    album_artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="albums")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    cover = models.ForeignKey(
        Cover, on_delete=models.SET_NULL, null=True, blank=True, related_name="albums"
    )
    # From the tags when they have them (ALBUMSORT, COMPILATION, DATE or RELEASEDATE,
    # ORIGINALDATE, LABEL, RELEASETYPE, MUSICBRAINZ_ALBUMID); dates are ISO 8601, as precise as
    # the tag ("2019", "2019-05" or "2019-05-17"); labels and release types may be several,
    # "; "-separated.
    sort_title = models.CharField(max_length=255, blank=True, default="", db_default="")
    is_compilation = models.BooleanField(default=False, db_default=False)
    release_date = models.CharField(max_length=10, blank=True, default="", db_default="")
    original_release_date = models.CharField(max_length=10, blank=True, default="", db_default="")
    record_labels = models.CharField(max_length=500, blank=True, default="", db_default="")
    release_types = models.CharField(max_length=200, blank=True, default="", db_default="")
    musicbrainz_id = models.CharField(max_length=36, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RankedQuerySet.as_manager()

    class Meta:
        ordering = [Lower("title")]
        constraints = [
            models.UniqueConstraint(
                fields=["album_artist", "title_key"], name="album_unique_per_artist"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Song(models.Model):
    title = models.CharField(max_length=NAME_LENGTH)
    artist = models.ForeignKey(
        Artist, on_delete=models.PROTECT, related_name="lead_songs", help_text="First artist."
    )
    artists = models.ManyToManyField(Artist, through="SongArtist", related_name="songs")
    album = models.ForeignKey(
        Album, on_delete=models.PROTECT, null=True, blank=True, related_name="songs"
    )
    genres = models.ManyToManyField(Genre, blank=True, related_name="songs")
    cover = models.ForeignKey(
        Cover, on_delete=models.SET_NULL, null=True, blank=True, related_name="songs"
    )
    track_number = models.PositiveSmallIntegerField(null=True, blank=True)
    disc_number = models.PositiveSmallIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    duration = models.FloatField(help_text="Seconds.")
    bitrate = models.PositiveIntegerField(null=True, blank=True, help_text="Bits per second.")
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    codec = models.CharField(max_length=20)
    mime_type = models.CharField(max_length=60)
    lyrics = models.TextField(blank=True)
    # From the tags when they have them: TITLESORT, the stream's bits per sample, BPM, COMMENT,
    # MUSICBRAINZ_TRACKID, ISRC, REPLAYGAIN_{TRACK,ALBUM}_{GAIN,PEAK} (Opus: R128_*_GAIN).
    sort_title = models.CharField(max_length=255, blank=True, default="", db_default="")
    bit_depth = models.PositiveSmallIntegerField(null=True, blank=True)
    bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, default="", db_default="")
    musicbrainz_id = models.CharField(max_length=36, blank=True, default="", db_default="")
    isrc = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="; -separated."
    )
    replay_gain_track = models.FloatField(null=True, blank=True, help_text="dB.")
    replay_gain_track_peak = models.FloatField(null=True, blank=True)
    replay_gain_album = models.FloatField(null=True, blank=True, help_text="dB.")
    replay_gain_album_peak = models.FloatField(null=True, blank=True)
    file_size = models.PositiveBigIntegerField()
    storage_key = models.CharField(max_length=1024, unique=True)
    etag = models.CharField(max_length=100, blank=True)
    version_id = models.CharField(max_length=1024, blank=True)
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="SHA-256 of the size and the bytes around the tags: finds the same upload "
        "under two keys without reading whole files.",
    )
    tags_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of what the file's tags say: two files of one size whose first bytes "
        "agree (a format that keeps its tags at the end, as WAV does) are the same file only if "
        "their tags agree too. Blank for songs read before it was kept.",
    )
    hidden = models.BooleanField(
        default=False,
        help_text="Hidden songs stay in the database but leave the public catalogue.",
    )
    # Normalised by catalog.search.refresh_search_text; PostgreSQL indexes them (full text and
    # trigrams, see the search migrations), SQLite scans them.
    search_title = models.CharField(max_length=255, blank=True, default="", editable=False)
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RankedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The public list: newest published songs first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(hidden=False),
                name="song_published_newest",
            )
        ]

    def __str__(self) -> str:
        return self.title

    # catalog.queries.song_list() loads both for a whole page of songs as plain lists (no
    # manager or queryset per song); a song read any other way asks when first needed.
    @property
    def credited_artists(self) -> list["Artist"]:
        """The credited artists, in credit order."""
        if not hasattr(self, "_credited_artists"):
            self._credited_artists = list(self.artists.order_by("songartist__position"))
        return self._credited_artists

    @property
    def genre_list(self) -> list["Genre"]:
        """The genres, by name."""
        if not hasattr(self, "_genre_list"):
            self._genre_list = list(self.genres.all())
        return self._genre_list

    @property
    def stream_url(self) -> str:
        return f"/api/v1/songs/{self.pk}/stream/"

    @property
    def duration_display(self) -> str:
        """Return the duration as m:ss (h:mm:ss past an hour)."""
        seconds = round(self.duration or 0)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"


class SearchWord(models.Model):
    """One distinct word of the songs' search documents, where typo-tolerant search looks."""

    word = models.CharField(max_length=100, primary_key=True)

    def __str__(self) -> str:
        return self.word


class SongArtist(models.Model):
    """An artist credited on a song, in credit order."""

    song = models.ForeignKey(Song, on_delete=models.CASCADE)
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["song", "artist"], name="song_artist_once"),
        ]

    def __str__(self) -> str:
        return f"{self.artist} on {self.song}"


class StoredObject(models.Model):
    """What the store last told us about one key, so stale or repeated events change nothing."""

    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    sequencer = models.CharField(max_length=64, blank=True)
    exists = models.BooleanField(default=True)
    song = models.OneToOneField(
        Song, on_delete=models.SET_NULL, null=True, blank=True, related_name="stored_object"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "key"], name="stored_object_unique_key")
        ]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class CatalogueChange(models.Model):
    """When the public catalogue last changed: one row, moved on after every commit that added,
    edited, hid or removed songs or renamed what they show (what open pages are told of).

    Apps ask whether anything changed since a moment (Subsonic's getIndexes ifModifiedSince);
    a deleted song leaves no row to date that by, so the moment is kept here.
    """

    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"catalogue changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"
