"""The catalogue as Subsonic apps see it: published songs, albums and credited artists, and a
cache of whole-catalogue summaries keyed by a token that changes with the catalogue."""

import hashlib
import re
from array import array

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Album, Artist, CatalogueChange, Song, SongArtist
from ingest.models import IngestJob

CATALOGUE_CACHE_SECONDS = 300


def catalogue_version() -> str:
    """Return a token that changes whenever the catalogue changes (four index probes).

    Whole-catalogue summaries (genres, the artist index, alphabetical album orders) are cached
    under it, so an app paging through them costs one computation per catalogue change. Songs
    and albums coming, and ingest jobs, move their tables' largest ids; every other change
    that pages are told of (a song hidden, removed or renamed) moves the change stamp.
    """
    quote = connection.ops.quote_name
    latest = [
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"
        for model in (Song, Album, IngestJob)
    ]
    stamp = CatalogueChange._meta
    latest.append(
        f"(SELECT MAX({quote(stamp.get_field('changed_at').column)}) FROM {quote(stamp.db_table)})"
    )
    # One round trip instead of four: each is one index probe (the stamp has one row).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(latest)}")
        row = cursor.fetchone()
    # Digits only: the stamp reads as a date with spaces, which cache keys must not hold.
    return ".".join(re.sub(r"\D", "", str(value or 0)) for value in row)


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
