"""Album and song lists: getAlbumList(2), random songs, songs of a genre, now playing, starred."""

from django.utils import timezone

from subsonic import serializers
from subsonic.dispatch import MAX_LIST_SIZE, MAX_OFFSET, Call, method
from subsonic.queries import lists as queries
from subsonic.queries.songs import songs_by_id
from subsonic.responses import ErrorCode, SubsonicError


def _albums_of_type(call: Call):
    list_type = call.params.require("type")
    if list_type not in queries.ALBUM_LIST_TYPES:
        raise SubsonicError(ErrorCode.GENERIC, f"Unknown album list type: {list_type[:40]}")
    size = call.params.int("size", 10, minimum=0, maximum=MAX_LIST_SIZE)
    offset = call.params.int("offset", 0, minimum=0, maximum=MAX_OFFSET)
    options = {}
    if list_type == "byYear":
        options["from_year"] = call.params.int("fromYear", required=True, minimum=0, maximum=9999)
        options["to_year"] = call.params.int("toYear", required=True, minimum=0, maximum=9999)
    if list_type == "byGenre":
        options["genre"] = call.params.require("genre")
    return queries.album_list(call.user, list_type, offset=offset, size=size, **options)


@method("getAlbumList2")
def get_album_list2(call: Call) -> dict:
    albums = _albums_of_type(call)
    return {"albumList2": {"album": [serializers.album_id3(album) for album in albums]}}


@method("getAlbumList")
def get_album_list(call: Call) -> dict:
    albums = _albums_of_type(call)
    return {"albumList": {"album": [serializers.album_dir(album) for album in albums]}}


@method("getRandomSongs")
def get_random_songs(call: Call) -> dict:
    size = call.params.int("size", 10, minimum=0, maximum=MAX_LIST_SIZE)
    songs = queries.random_songs(
        call.user,
        size,
        genre=call.params.get("genre"),
        from_year=call.params.int("fromYear", minimum=0, maximum=9999),
        to_year=call.params.int("toYear", minimum=0, maximum=9999),
    )
    return {
        "randomSongs": {"song": [serializers.child(song, call.stream_default) for song in songs]}
    }


@method("getSongsByGenre")
def get_songs_by_genre(call: Call) -> dict:
    genre = call.params.require("genre")
    count = call.params.int("count", 10, minimum=0, maximum=MAX_LIST_SIZE)
    offset = call.params.int("offset", 0, minimum=0, maximum=MAX_OFFSET)
    songs = queries.songs_by_genre(call.user, genre, offset, count)
    return {
        "songsByGenre": {"song": [serializers.child(song, call.stream_default) for song in songs]}
    }


@method("getNowPlaying")
def get_now_playing(call: Call) -> dict:
    entries = queries.now_playing()
    songs = songs_by_id(call.user, [entry.song_id for entry in entries])
    now = timezone.now()
    return {
        "nowPlaying": {
            "entry": [
                {
                    **serializers.child(songs[entry.song_id], call.stream_default),
                    "username": entry.user.get_username(),
                    "minutesAgo": int((now - entry.started_at).total_seconds() // 60),
                    "playerId": entry.pk,
                    "playerName": entry.player or None,
                    "state": entry.state or None,
                    "positionMs": _position(entry, now),
                    "playbackRate": entry.playback_rate,
                }
                for entry in entries
                if entry.song_id in songs
            ]
        }
    }


@method("getStarred2")
def get_starred2(call: Call) -> dict:
    return {
        "starred2": {
            "artist": [serializers.artist_id3(a) for a in queries.starred_artists(call.user)],
            "album": [serializers.album_id3(a) for a in queries.starred_albums(call.user)],
            "song": [
                serializers.child(s, call.stream_default) for s in queries.starred_songs(call.user)
            ],
        }
    }


@method("getStarred")
def get_starred(call: Call) -> dict:
    return {
        "starred": {
            "artist": [
                serializers.artist_index_entry(a) for a in queries.starred_artists(call.user)
            ],
            "album": [serializers.album_dir(a) for a in queries.starred_albums(call.user)],
            "song": [
                serializers.child(s, call.stream_default) for s in queries.starred_songs(call.user)
            ],
        }
    }


def _position(entry, now) -> int | None:
    """Return where the player stands now: as reported, plus the time played since."""
    if entry.position_ms is None:
        return None
    if entry.state != "playing" or entry.reported_at is None:
        return entry.position_ms
    played = (now - entry.reported_at).total_seconds() * 1000 * (entry.playback_rate or 1.0)
    return min(entry.position_ms + int(played), int(entry.song.duration * 1000))
