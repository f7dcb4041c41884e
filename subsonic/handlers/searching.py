"""Searching: search2 and search3 (an empty query pages through the whole catalogue)."""

from subsonic import serializers
from subsonic.dispatch import MAX_OFFSET, MAX_SEARCH_COUNT, Call, method
from subsonic.queries.searching import search


def _search(call: Call) -> dict:
    params = call.params

    def window(kind: str) -> tuple[int, int]:
        return (
            params.int(f"{kind}Count", 20, minimum=0, maximum=MAX_SEARCH_COUNT),
            params.int(f"{kind}Offset", 0, minimum=0, maximum=MAX_OFFSET),
        )

    return search(
        call.user,
        params.get("query"),
        songs=window("song"),
        albums=window("album"),
        artists=window("artist"),
    )


@method("search3")
def search3(call: Call) -> dict:
    found = _search(call)
    return {
        "searchResult3": {
            "artist": [serializers.artist_id3(artist) for artist in found["artists"]],
            "album": [serializers.album_id3(album) for album in found["albums"]],
            "song": [serializers.child(song, call.stream_default) for song in found["songs"]],
        }
    }


@method("search2")
def search2(call: Call) -> dict:
    found = _search(call)
    return {
        "searchResult2": {
            "artist": [serializers.artist_index_entry(artist) for artist in found["artists"]],
            "album": [serializers.album_dir(album) for album in found["albums"]],
            "song": [serializers.child(song, call.stream_default) for song in found["songs"]],
        }
    }
