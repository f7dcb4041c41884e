"""Artists (credited on a song or album artist of an album) with their album count, a cover
and the caller's star and rating."""

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower

from catalog.models import Album, Artist
from catalog.prepared import PreparedQuery, one_of
from library.models import ArtistRating, StarredArtist
from subsonic.queries.catalogue import count_of, listed_artists, published_in_album


def artists_for(user) -> QuerySet[Artist]:
    """Return the listed artists with album count, a cover and the user's star and rating.

    `user` is the user's id, or a Slot for it in a prepared query.
    """
    albums = Album.objects.filter(album_artist=OuterRef("pk")).filter(Exists(published_in_album()))
    return (
        listed_artists()
        .annotate(
            album_count=count_of(albums, "album_artist"),
            cover_id=Subquery(
                albums.filter(cover__isnull=False).order_by("-year", "pk").values("cover_id")[:1]
            ),
            starred_at=Subquery(
                StarredArtist.objects.filter(user_id=user, artist=OuterRef("pk")).values(
                    "created_at"
                )[:1]
            ),
            user_rating=Subquery(
                ArtistRating.objects.filter(user_id=user, artist=OuterRef("pk")).values("stars")[:1]
            ),
        )
        .order_by(Lower("name"), "pk")
    )


ARTIST_COLUMNS = (
    "pk",
    "name",
    "sort_name",
    "musicbrainz_id",
    "album_count",
    "cover_id",
    "starred_at",
    "user_rating",
)


_ARTISTS = PreparedQuery(
    lambda ids, user: (
        artists_for(user).filter(one_of("pk", ids)).order_by().values_list(*ARTIST_COLUMNS)
    )
)


def artists_by_id(user, ids: list[int]) -> list[Artist]:
    """Load listed artists with album count, a cover and the user's marks, in ids' order."""
    if not ids:
        return []
    found = {}
    for pk, name, sort_name, mbid, album_count, cover_id, starred_at, rating in _ARTISTS.rows(
        ids=ids, user=user.pk
    ):
        artist = Artist(pk=pk, name=name, sort_name=sort_name, musicbrainz_id=mbid)
        artist.album_count, artist.cover_id = album_count, cover_id
        artist.starred_at, artist.user_rating = starred_at, rating
        found[pk] = artist
    return [found[pk] for pk in ids if pk in found]


def artist(user, artist_id: int) -> Artist | None:
    found = artists_by_id(user, [artist_id])
    return found[0] if found else None
