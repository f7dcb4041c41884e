"""Reads of a listener's library (likes, plays, stars, the play queue, now playing), and the
per-user state every song in the API carries."""

from datetime import datetime, timedelta

from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Song
from catalog.queries import ListedSong, listed_songs, song_list
from library.models import (
    ArtistRating,
    Bookmark,
    Like,
    NowPlaying,
    Play,
    PlayQueue,
    Rating,
    StarredAlbum,
    StarredArtist,
)

NOW_PLAYING_SLACK = timedelta(minutes=5)
NOW_PLAYING_HORIZON = timedelta(hours=2)


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


def recently_played_songs(user, *, limit: int) -> list[ListedSong]:
    """Return the user's last `limit` distinct songs played, the latest first, as ListedSongs
    (what their rows and cards show, with the user's `liked` and `rating`).

    Grouping the user's plays uses the (user, played_at) index.
    """
    latest = (
        Play.objects.filter(user=user, song__hidden=False)
        .values("song")
        .annotate(last_played=Max("played_at"))
        .order_by("-last_played", "-song")[:limit]
    )
    order = [row["song"] for row in latest]
    songs = listed_songs_by_id(user, order)
    return [songs[pk] for pk in order if pk in songs]


def listed_songs_by_id(user, song_ids: list[int]) -> dict[int, ListedSong]:
    """Return these published songs by id as ListedSongs with the listener's `liked` and
    `rating`: what their rows, cards and the API show, in two queries however many."""
    if not song_ids:
        return {}
    songs = listener_songs(user).filter(pk__in=song_ids)
    return {song.pk: song for song in listed_songs(songs)}


def starred_song_ids(user) -> QuerySet:
    """Return the ids of the published songs the user liked (starred), latest first."""
    likes = Like.objects.filter(user=user, song__hidden=False).order_by("-created_at", "-pk")
    return likes.values_list("song_id", flat=True)


def starred_album_ids(user) -> QuerySet:
    """Return the ids of the albums the user starred, latest first."""
    stars = StarredAlbum.objects.filter(user=user).order_by("-created_at", "-pk")
    return stars.values_list("album_id", flat=True)


def starred_artist_ids(user) -> QuerySet:
    """Return the ids of the artists the user starred, latest first."""
    stars = StarredArtist.objects.filter(user=user).order_by("-created_at", "-pk")
    return stars.values_list("artist_id", flat=True)


def artists_starred_at(user) -> dict[int, datetime]:
    """Return when the user starred each artist they starred, by artist id."""
    return dict(StarredArtist.objects.filter(user=user).values_list("artist_id", "created_at"))


def artist_ratings(user) -> dict[int, int]:
    """Return the user's stars for each artist they rated, by artist id."""
    return dict(ArtistRating.objects.filter(user=user).values_list("artist_id", "stars"))


def now_playing() -> list[NowPlaying]:
    """Return what every listener's players are playing now, newest first.

    An entry lasts until its song would have ended; a paused one (reportPlayback) while its
    player keeps reporting.
    """
    now = timezone.now()
    entries = NowPlaying.objects.filter(
        started_at__gte=now - NOW_PLAYING_HORIZON, song__hidden=False
    ).select_related("user", "song")
    return [entry for entry in entries if _still_playing(entry, now)]


def _still_playing(entry: NowPlaying, now: datetime) -> bool:
    if entry.state == "paused":
        return entry.reported_at is not None and entry.reported_at + NOW_PLAYING_SLACK >= now
    return entry.started_at + timedelta(seconds=entry.song.duration) + NOW_PLAYING_SLACK >= now


def bookmarks(user) -> QuerySet[Bookmark]:
    """Return the user's bookmarks in published songs, latest changed first."""
    return Bookmark.objects.filter(user=user, song__hidden=False).order_by("-changed_at", "-pk")


def play_queue(user) -> tuple[PlayQueue | None, list[tuple[int, int]]]:
    """Return the user's saved play queue (None when nothing is saved) and its entries as
    (position, song id): positions are the indexes saved, with gaps where songs were deleted."""
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return None, []
    entries = queue.entries.order_by("position", "id").values_list("position", "song_id")
    return queue, list(entries)
