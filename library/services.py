"""Writes to a listener's library: like, rate, record plays, star albums and artists, save the
play queue, say what is playing. Each is idempotent where it can be."""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Album, Artist, Song
from library.models import (
    Like,
    NowPlaying,
    Play,
    PlayQueue,
    PlayQueueEntry,
    Rating,
    StarredAlbum,
    StarredArtist,
)

MIN_STARS, MAX_STARS = 1, 5


class InvalidRating(ValueError):
    """The stars are not a whole number from 1 to 5; str() says why."""


def check_stars(stars: object) -> int:
    """Return the stars as an int, or raise InvalidRating with a message a person can act on."""
    if isinstance(stars, bool) or not isinstance(stars, int):
        raise InvalidRating(f"stars must be a whole number from {MIN_STARS} to {MAX_STARS}")
    if not MIN_STARS <= stars <= MAX_STARS:
        raise InvalidRating(f"stars must be from {MIN_STARS} to {MAX_STARS}, not {stars}")
    return stars


def song_like(user, song: Song) -> Like:
    """Like a song; liking it again changes nothing."""
    try:
        with transaction.atomic():
            like, _ = Like.objects.get_or_create(user=user, song=song)
    except IntegrityError:
        # Two requests liked it at the same moment: the other one's row stands.
        like = Like.objects.get(user=user, song=song)
    return like


def song_unlike(user, song: Song) -> None:
    Like.objects.filter(user=user, song=song).delete()


def song_rate(user, song: Song, stars: object) -> Rating:
    """Set the user's rating of a song (1 to 5 stars), replacing any earlier one."""
    stars = check_stars(stars)
    rating, _ = Rating.objects.update_or_create(user=user, song=song, defaults={"stars": stars})
    return rating


def song_unrate(user, song: Song) -> None:
    Rating.objects.filter(user=user, song=song).delete()


def play_record(user, song: Song, played_at: datetime | None = None) -> Play:
    """Record that the user played a song (now, unless a scrobbling client says when).

    A time in the future (a wrong clock, or a wish to stay on top of "recently played") is
    taken as now, as Subsonic's scrobble does.
    """
    now = timezone.now()
    played_at = now if played_at is None else min(played_at, now)
    return Play.objects.create(user=user, song=song, played_at=played_at)


def album_star(user, album: Album) -> None:
    """Star an album; starring it again changes nothing."""
    try:
        with transaction.atomic():
            StarredAlbum.objects.get_or_create(user=user, album=album)
    except IntegrityError:
        pass  # starred by a concurrent request: the other row stands


def album_unstar(user, album: Album) -> None:
    StarredAlbum.objects.filter(user=user, album=album).delete()


def artist_star(user, artist: Artist) -> None:
    """Star an artist; starring them again changes nothing."""
    try:
        with transaction.atomic():
            StarredArtist.objects.get_or_create(user=user, artist=artist)
    except IntegrityError:
        pass


def artist_unstar(user, artist: Artist) -> None:
    StarredArtist.objects.filter(user=user, artist=artist).delete()


def now_playing_set(user, song: Song, player: str, started_at: datetime | None = None) -> None:
    """Remember what this player of the user is playing now (one entry per player)."""
    NowPlaying.objects.update_or_create(
        user=user,
        player=player[:200],
        defaults={"song": song, "started_at": started_at or timezone.now()},
    )


def play_queue_save(
    user, songs: Sequence[Song], current: Song | None, position_ms: int, changed_by: str
) -> None:
    """Save the user's play queue; an empty list of songs clears it."""
    with transaction.atomic():
        if not songs:
            PlayQueue.objects.filter(user=user).delete()
            return
        queue, _ = PlayQueue.objects.update_or_create(
            user=user,
            defaults={
                "current": current,
                "position_ms": max(position_ms, 0),
                "changed_by": changed_by[:200],
            },
        )
        queue.entries.all().delete()
        PlayQueueEntry.objects.bulk_create(
            PlayQueueEntry(queue=queue, song=song, position=position)
            for position, song in enumerate(songs)
        )
