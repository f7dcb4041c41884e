"""Writes to a listener's library: like, rate, record plays. Each is idempotent where it can be."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Song
from library.models import Like, Play, Rating

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
