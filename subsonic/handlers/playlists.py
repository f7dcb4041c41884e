"""Playlists: list, read, create or replace, edit, delete."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from playlists import services as playlist_services
from playlists.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from playlists.queries import access_playlist
from subsonic import serializers
from subsonic.dispatch import Call, account_named, find_songs, found, method
from subsonic.params import PLAYLIST
from subsonic.queries import playlists as queries
from subsonic.responses import ErrorCode, SubsonicError


def _playlist_answer(call: Call, playlist_id: int) -> dict:
    playlist = found(queries.playlist(call.user, playlist_id), "Playlist")
    songs = queries.playlist_songs(call.user, playlist)
    return {
        "playlist": {
            **serializers.playlist(playlist),
            "entry": [serializers.child(song, call.stream_default) for song in songs],
        }
    }


@contextmanager
def _all_or_nothing() -> Iterator[None]:
    """Make a handler's writes one transaction; a playlist they would overfill is error 0."""
    try:
        with transaction.atomic():
            yield
    except playlist_services.PlaylistFull as full:
        raise SubsonicError(ErrorCode.GENERIC, str(full)) from None


@method("getPlaylists")
def get_playlists(call: Call) -> dict:
    # An admin naming another user sees what that user sees in their own app.
    account = account_named(call)
    return {
        "playlists": {"playlist": [serializers.playlist(p) for p in queries.playlists(account)]}
    }


@method("getPlaylist")
def get_playlist(call: Call) -> dict:
    _, pk = call.params.id("id", PLAYLIST)
    return _playlist_answer(call, pk)


@method("createPlaylist")
def create_playlist(call: Call) -> dict:
    songs = find_songs(call, "songId")
    with _all_or_nothing():
        if "playlistId" in call.params:
            _, pk = call.params.id("playlistId", PLAYLIST)
            playlist = access_playlist(call.user, pk, change=True)
            if "name" in call.params:
                name = call.params.get("name")[:NAME_MAX_LENGTH]
                playlist_services.playlist_update(playlist, name=name)
        else:
            name = call.params.require("name")[:NAME_MAX_LENGTH]
            playlist = playlist_services.playlist_create(call.user, name=name)
        playlist_services.playlist_set_songs(playlist, songs)
    return _playlist_answer(call, playlist.pk)


@method("updatePlaylist")
def update_playlist(call: Call) -> dict:
    _, pk = call.params.id("playlistId", PLAYLIST)
    playlist = access_playlist(call.user, pk, change=True)
    # Every parameter is read before anything is written: a call that fails changes nothing.
    add = find_songs(call, "songIdToAdd")
    remove = [_index(value) for value in call.params.list("songIndexToRemove")]
    changes = {}
    if "name" in call.params:
        changes["name"] = call.params.get("name")[:NAME_MAX_LENGTH]
    if call.params.has("comment"):
        changes["description"] = call.params.get("comment")[:DESCRIPTION_MAX_LENGTH]
    if "public" in call.params:
        changes["is_public"] = call.params.bool("public")
    with _all_or_nothing():
        if changes:
            playlist_services.playlist_update(playlist, **changes)
        if add or remove:
            playlist_services.playlist_edit_songs(playlist, remove_indexes=remove, add=add)
    return {}


def _index(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SubsonicError(
            ErrorCode.GENERIC, f"songIndexToRemove must be a whole number, not {value[:40]!r}"
        ) from None


@method("deletePlaylist")
def delete_playlist(call: Call) -> dict:
    _, pk = call.params.id("id", PLAYLIST)
    playlist_services.playlist_delete(access_playlist(call.user, pk, change=True))
    return {}
