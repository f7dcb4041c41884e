"""Reads of a listener's library, and the per-user state every song in the API carries."""

from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet, Subquery

from catalog.models import Song
from catalog.queries import song_list
from library.models import Like, Play, Rating


def with_listener_state(songs: QuerySet[Song], user) -> QuerySet[Song]:
    """Annotate `liked` and `rating` for this user in the same query as the songs.

    Anonymous users get no annotations; the serializer then reports null for both.
    """
    if user is None or not user.is_authenticated:
        return songs
    return songs.annotate(
        liked=Exists(Like.objects.filter(user=user, song=OuterRef("pk"))),
        rating=Subquery(Rating.objects.filter(user=user, song=OuterRef("pk")).values("stars")[:1]),
    )


def listener_songs(user) -> QuerySet[Song]:
    """Return the public catalogue as this user sees it: song rows with `liked` and `rating`."""
    return with_listener_state(song_list(), user)


def liked_songs(user) -> QuerySet[Song]:
    """Return the songs the user liked, most recently liked first."""
    latest_like = Like.objects.filter(user=user, song=OuterRef("pk")).values("created_at")[:1]
    return (
        listener_songs(user)
        .filter(Exists(Like.objects.filter(user=user, song=OuterRef("pk"))))
        .annotate(liked_at=Subquery(latest_like))
        .order_by("-liked_at", "-pk")
    )


def recent_plays(user) -> QuerySet[Play]:
    """Return the user's plays, newest first, each with its song ready to serialize."""
    return Play.objects.filter(user=user, song__hidden=False).prefetch_related(
        Prefetch("song", queryset=listener_songs(user))
    )


def recently_played_songs(user, *, limit: int) -> list[Song]:
    """Return the user's last `limit` distinct songs played, the latest first.

    Each song carries `last_played`; grouping the user's plays uses the (user, played_at) index.
    """
    latest = (
        Play.objects.filter(user=user, song__hidden=False)
        .values("song")
        .annotate(last_played=Max("played_at"))
        .order_by("-last_played", "-song")[:limit]
    )
    when = {row["song"]: row["last_played"] for row in latest}
    songs = listener_songs(user).in_bulk(list(when))
    ordered = [songs[pk] for pk in when if pk in songs]
    for song in ordered:
        song.last_played = when[song.pk]
    return ordered
