"""The catalogue as Subsonic apps see it: published songs, albums and credited artists, and a
cache of whole-catalogue summaries keyed by a token that changes with the catalogue."""

import hashlib
from array import array

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Album, Artist, Song, SongArtist
from ingest.models import IngestJob

CATALOGUE_CACHE_SECONDS = 300


def catalogue_version() -> str:
    """Return a token that changes whenever songs or albums come or go (three index probes).

    Whole-catalogue summaries (genres, the artist index, alphabetical album orders) are cached
    under it, so an app paging through them costs one computation per catalogue change; other
    edits (a song hidden by a curator) show within CATALOGUE_CACHE_SECONDS.
    """
    quote = connection.ops.quote_name
    # One round trip instead of three: each MAX is one primary key index probe.
    latest = ", ".join(
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"
        for model in (Song, Album, IngestJob)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {latest}")
        row = cursor.fetchone()
    return ".".join(str(pk or 0) for pk in row)


def cached(name: str, compute):
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"subsonic:{digest}:{catalogue_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CATALOGUE_CACHE_SECONDS)
    return value


def id_array(queryset: QuerySet) -> array:
    """Return a queryset's ids as an array of 64-bit ints, to cache a whole-catalogue order.

    The cache pickles what it stores: 100,000 ids as a list take 7 ms to unpickle on every
    page of an alphabetical album list, as an array a fraction of a millisecond.
    """
    return array("q", queryset.values_list("pk", flat=True))


def count_of(queryset: QuerySet, group: str) -> Subquery:
    """Count a correlated queryset's rows as a subquery (0 when there are none)."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def published() -> QuerySet[Song]:
    return Song.objects.filter(hidden=False)


def published_in_album() -> QuerySet[Song]:
    return Song.objects.filter(album=OuterRef("pk"), hidden=False)


def published_albums() -> QuerySet[Album]:
    """Return the albums that have at least one published song, bare (for picking ids)."""
    return Album.objects.filter(Exists(published_in_album()))


def listed_artists() -> QuerySet[Artist]:
    """Return the artists apps list: credited on a published song, or the album artist of an
    album with one ("Various Artists" and other album-only artists are artists too), bare."""
    credited = SongArtist.objects.filter(artist=OuterRef("pk"), song__hidden=False)
    album_artist = Album.objects.filter(album_artist=OuterRef("pk")).filter(
        Exists(published_in_album())
    )
    return Artist.objects.filter(Exists(credited) | Exists(album_artist))
