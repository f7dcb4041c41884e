"""Reads of the catalogue shared by the API, the pages and the live events."""

from django.db.models import Prefetch, QuerySet

from catalog.models import Artist, Song


def song_list() -> QuerySet[Song]:
    """Return songs with everything a song row shows, in a fixed number of queries."""
    return Song.objects.select_related(
        "artist", "album", "album__album_artist", "cover"
    ).prefetch_related(
        Prefetch("artists", queryset=Artist.objects.order_by("songartist__position")),
        "genres",
    )
