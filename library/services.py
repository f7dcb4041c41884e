"""Writes to a listener's library: like, rate, record plays, star albums and artists, save the
play queue, say what is playing. Each is idempotent where it can be."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Album, Artist, Song
from library.models import (
    AlbumRating,
    ArtistRating,
    Bookmark,
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
        defaults={
            "song": song,
            "started_at": started_at or timezone.now(),
            "state": "",
            "position_ms": None,
            "playback_rate": None,
            "reported_at": None,
        },
    )


PLAYBACK_STATES = ("starting", "playing", "paused", "stopped")
# As last.fm counts a scrobble: half the song or four minutes, whichever comes first.
PLAYED_SHARE, PLAYED_ENOUGH_MS = 0.5, 4 * 60 * 1000


def playback_report(
    user,
    song: Song,
    player: str,
    *,
    state: str,
    position_ms: int,
    playback_rate: float = 1.0,
    scrobble: bool = True,
) -> None:
    """Follow a player's timeline: what plays and where (now playing); on `stopped`, forget the
    entry and record a play when enough of the song was heard (unless told not to)."""
    now = timezone.now()
    player = player[:200]
    if state == "stopped":
        NowPlaying.objects.filter(user=user, player=player).delete()
        heard = min(PLAYED_ENOUGH_MS, (song.duration or 0) * 1000 * PLAYED_SHARE)
        if scrobble and position_ms >= heard:
            play_record(user, song, now)
        return
    elapsed = timedelta(milliseconds=position_ms / (playback_rate or 1.0))
    NowPlaying.objects.update_or_create(
        user=user,
        player=player,
        defaults={
            "song": song,
            "started_at": now - elapsed,
            "state": state,
            "position_ms": position_ms,
            "playback_rate": playback_rate,
            "reported_at": now,
        },
    )


def play_queue_save(
    user,
    songs: Sequence[Song],
    position_ms: int,
    changed_by: str,
    *,
    current: Song | None = None,
    current_index: int | None = None,
) -> None:
    """Save the user's play queue and what plays: an entry by its index (the same song may be
    queued twice) or a song; an empty list of songs clears the queue."""
    if current_index is not None:
        current = songs[current_index]
    elif current is not None:
        current_index = next((i for i, song in enumerate(songs) if song.pk == current.pk), None)
    with transaction.atomic():
        if not songs:
            PlayQueue.objects.filter(user=user).delete()
            return
        queue, _ = PlayQueue.objects.update_or_create(
            user=user,
            defaults={
                "current": current,
                "current_index": current_index,
                "position_ms": max(position_ms, 0),
                "changed_by": changed_by[:200],
            },
        )
        queue.entries.all().delete()
        PlayQueueEntry.objects.bulk_create(
            PlayQueueEntry(queue=queue, song=song, position=position)
            for position, song in enumerate(songs)
        )


def _rate(model, user, stars: object, **target):
    """Set the user's stars (1 to 5) for one target of a rating model, replacing any earlier."""
    stars = check_stars(stars)
    rating, _ = model.objects.update_or_create(user=user, **target, defaults={"stars": stars})
    return rating


def album_rate(user, album: Album, stars: object) -> AlbumRating:
    """Set the user's rating of an album (1 to 5 stars), replacing any earlier one."""
    return _rate(AlbumRating, user, stars, album=album)


def album_unrate(user, album: Album) -> None:
    AlbumRating.objects.filter(user=user, album=album).delete()


def artist_rate(user, artist: Artist, stars: object) -> ArtistRating:
    """Set the user's rating of an artist (1 to 5 stars), replacing any earlier one."""
    return _rate(ArtistRating, user, stars, artist=artist)


def artist_unrate(user, artist: Artist) -> None:
    ArtistRating.objects.filter(user=user, artist=artist).delete()


def bookmark_save(user, song: Song, position_ms: int, comment: str = "") -> Bookmark:
    """Create or move the user's bookmark in a song (one per song)."""
    bookmark, _ = Bookmark.objects.update_or_create(
        user=user,
        song=song,
        defaults={"position_ms": max(position_ms, 0), "comment": comment[:500]},
    )
    return bookmark


def bookmark_delete(user, song: Song) -> None:
    Bookmark.objects.filter(user=user, song=song).delete()


def song_marks_move(replacements: dict[int, int]) -> None:
    """Give each new song ({old song id: new song id}) what listeners made of the old one, the
    same recording under another key: likes, ratings and bookmarks (where a listener has none
    of the new song's own), plays, play queues and what is playing now."""
    for once_a_song in (Like, Rating, Bookmark):
        _move_once_a_user(once_a_song, "song", replacements)
    for old, new in replacements.items():
        for model in (Play, PlayQueueEntry, NowPlaying):
            model.objects.filter(song_id=old).update(song_id=new)
        PlayQueue.objects.filter(current_id=old).update(current_id=new)


def _move_once_a_user(model, field: str, replacements: dict[int, int]) -> None:
    """Move ``model``'s rows (one per user and ``field``) from each old id to its new one,
    except where the user has one of the new already: theirs wins."""
    for old, new in replacements.items():
        theirs = model.objects.filter(**{f"{field}_id": new}).values("user_id")
        model.objects.filter(**{f"{field}_id": old}).exclude(user_id__in=theirs).update(
            **{f"{field}_id": new}
        )


def album_marks_move(replacements: dict[int, int]) -> None:
    """Give each album that stays ({duplicate id: album id}) its duplicate's stars and
    ratings (a listener's own of the album that stays win)."""
    for model in (StarredAlbum, AlbumRating):
        _move_once_a_user(model, "album", replacements)


def artist_marks_move(replacements: dict[int, int]) -> None:
    """The same for artists merged into one."""
    for model in (StarredArtist, ArtistRating):
        _move_once_a_user(model, "artist", replacements)
