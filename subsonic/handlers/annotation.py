"""Media annotation: star and unstar, ratings, scrobbles (plays and now playing).

A starred song is a liked song (library): the site and the REST API see the same state.
"""

from datetime import UTC, datetime

from django.utils import timezone

from library import services as library
from subsonic.dispatch import Call, find_song, found_all, method
from subsonic.params import ALBUM, ARTIST, SONG
from subsonic.queries.annotation import albums_by_pk, artists_by_pk
from subsonic.responses import ErrorCode, SubsonicError


def _star_targets(call: Call) -> tuple[list[int], list[int], list[int]]:
    songs, albums, artists = [], [], []
    for kind, pk in call.params.ids("id", SONG, ALBUM, ARTIST):
        {SONG: songs, ALBUM: albums, ARTIST: artists}[kind].append(pk)
    albums += [pk for _, pk in call.params.ids("albumId", ALBUM)]
    artists += [pk for _, pk in call.params.ids("artistId", ARTIST)]
    if not (songs or albums or artists):
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: id")
    return songs, albums, artists


def _mark(call: Call, on_song, on_album, on_artist) -> dict:
    """Check every id the call names (unknown ones: 70), then apply the action to each."""
    song_ids, album_ids, artist_ids = _star_targets(call)
    songs = [find_song(pk) for pk in song_ids]
    albums = found_all(album_ids, albums_by_pk(album_ids), ALBUM)
    artists = found_all(artist_ids, artists_by_pk(artist_ids), ARTIST)
    for action, targets in ((on_song, songs), (on_album, albums), (on_artist, artists)):
        for target in targets:
            action(call.user, target)
    return {}


@method("star")
def star(call: Call) -> dict:
    return _mark(call, library.song_like, library.album_star, library.artist_star)


@method("unstar")
def unstar(call: Call) -> dict:
    return _mark(call, library.song_unlike, library.album_unstar, library.artist_unstar)


RATE = {SONG: library.song_rate, ALBUM: library.album_rate, ARTIST: library.artist_rate}
UNRATE = {SONG: library.song_unrate, ALBUM: library.album_unrate, ARTIST: library.artist_unrate}


@method("setRating")
def set_rating(call: Call) -> dict:
    """Rate a song, an album or an artist from 1 to 5 stars; 0 takes the rating away."""
    kind, pk = call.params.id("id", SONG, ALBUM, ARTIST)
    stars = call.params.int("rating", required=True)
    if kind == SONG:
        target = find_song(pk)
    else:
        lookup = albums_by_pk if kind == ALBUM else artists_by_pk
        target = found_all([pk], lookup([pk]), kind)[0]
    if stars == 0:
        UNRATE[kind](call.user, target)
        return {}
    try:
        RATE[kind](call.user, target, stars)
    except library.InvalidRating as invalid:
        raise SubsonicError(ErrorCode.GENERIC, f"rating must be from 0 to 5 ({invalid})") from None
    return {}


@method("scrobble")
def scrobble(call: Call) -> dict:
    """Record plays (submission=true, the default) or what is playing now (false)."""
    ids = [pk for _, pk in call.params.ids("id", SONG)]
    if not ids:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: id")
    songs = [find_song(pk) for pk in ids]
    times = [_moment(value) for value in call.params.list("time")]
    submission = call.params.bool("submission", True)
    for index, song in enumerate(songs):
        played_at = times[index] if index < len(times) else None
        if submission:
            library.play_record(call.user, song, played_at)
        else:
            library.now_playing_set(call.user, song, call.params.get("c"), played_at)
    return {}


def _moment(value: str) -> datetime | None:
    """Read a scrobble time (milliseconds since the epoch); out of range means now."""
    try:
        milliseconds = int(value)
    except ValueError:
        raise SubsonicError(
            ErrorCode.GENERIC, f"time must be milliseconds since 1970, not {value[:40]!r}"
        ) from None
    if milliseconds < 0:
        return None  # before 1970: no player heard it then
    try:
        moment = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None  # past the calendar's end: microseconds, say
    return moment if moment <= timezone.now() else None


@method("reportPlayback")
def report_playback(call: Call) -> dict:
    """Follow a player's timeline (OpenSubsonic playbackReport): now playing with its state and
    position; `stopped` records a play when enough was heard, unless ignoreScrobble."""
    _, pk = call.params.id("mediaId", SONG)
    song = find_song(pk)
    media_type = call.params.get("mediaType", "song")
    if media_type != "song":
        raise SubsonicError(
            ErrorCode.GENERIC, f"Only songs play on this server, not {media_type[:40]!r}"
        )
    state = call.params.require("state")
    if state not in library.PLAYBACK_STATES:
        raise SubsonicError(
            ErrorCode.GENERIC,
            f"state must be one of {', '.join(library.PLAYBACK_STATES)}, not {state[:40]!r}",
        )
    library.playback_report(
        call.user,
        song,
        call.params.get("c"),
        state=state,
        position_ms=call.params.int("positionMs", required=True, minimum=0, maximum=2**62),
        playback_rate=_rate(call.params.get("playbackRate", "1")),
        scrobble=not call.params.bool("ignoreScrobble"),
    )
    return {}


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 16:
        raise SubsonicError(ErrorCode.GENERIC, f"playbackRate must be above 0, not {value[:40]!r}")
    return rate
