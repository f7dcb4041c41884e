"""The Subsonic API: one view parses the call, authenticates and dispatches to a handler.

Each handler reads its parameters, calls one query or service and returns a payload dict
(rendered by subsonic.responses) or, for media, an HTTP response. Every failure a client can
cause answers HTTP 200 with a Subsonic error code, never a 500.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.queries import is_curator
from catalog.models import Album, Artist, Song
from catalog.queries import published_song
from catalog.transcoding import (
    SONG_FIELDS,
    InvalidTranscode,
    SourceMissing,
    TranscoderBusy,
    transcoded_response,
)
from library import services as library
from playlists import services as playlist_services
from playlists.queries import access_playlist, playlists_visible_to
from subsonic import queries, serializers
from subsonic import services as subsonic_services
from subsonic.auth import authenticate
from subsonic.covers import resized_cover
from subsonic.params import ALBUM, ARTIST, PLAYLIST, SONG, Params, make_id
from subsonic.responses import (
    FORMATS,
    ErrorCode,
    SubsonicError,
    Text,
    render,
    render_error,
    timestamp,
)
from subsonic.streaming import Missing, download_redirect, file_response

logger = logging.getLogger(__name__)

MAX_LIST_SIZE = 500
MAX_SEARCH_COUNT = 1000
MAX_OFFSET = 10_000_000
EXTENSIONS = [
    {"name": "apiKeyAuthentication", "versions": [1]},
    {"name": "formPost", "versions": [1]},
    {"name": "songLyrics", "versions": [1]},
    {"name": "transcodeOffset", "versions": [1]},
]


@dataclass
class Call:
    request: object
    params: Params
    user: object


@dataclass(frozen=True)
class Handler:
    function: Callable[[Call], dict | HttpResponseBase]
    public: bool = False


METHODS: dict[str, Handler] = {}


def method(*names: str, public: bool = False):
    """Register a handler under one or more Subsonic method names."""

    def register(function):
        for name in names:
            METHODS[name] = Handler(function, public)
        return function

    return register


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request, name: str):
    """Answer /rest/<name> and /rest/<name>.view, from the query string or a form body."""
    try:
        params = Params(request.GET, request.POST if request.method == "POST" else None)
    except (MultiPartParserError, ValueError):
        params = Params(request.GET)
    fmt = params.get("f", "xml").lower()
    fmt = fmt if fmt in FORMATS else "xml"
    callback = params.get("callback")
    try:
        if fmt == "jsonp" and not callback:
            raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter missing: callback")
        handler = METHODS.get(name)
        if handler is None:
            raise SubsonicError(ErrorCode.NOT_FOUND, f"Unknown API method: {name[:60]}")
        _check_version(params.get("v"))
        user = None if handler.public else authenticate(request, params)
        answer = handler.function(Call(request, params, user))
    except SubsonicError as error:
        return render_error(fmt, error, callback=callback)
    except Http404 as missing:
        error = SubsonicError(ErrorCode.NOT_FOUND, str(missing) or "Not found.")
        return render_error(fmt, error, callback=callback)
    except PermissionDenied as denied:
        error = SubsonicError(ErrorCode.NOT_AUTHORIZED, str(denied) or "Not authorised.")
        return render_error(fmt, error, callback=callback)
    except Exception:
        logger.exception("Subsonic %s failed", name)
        error = SubsonicError(ErrorCode.GENERIC, "The server could not answer this request.")
        return render_error(fmt, error, callback=callback)
    if isinstance(answer, HttpResponseBase):
        return answer
    return render(fmt, answer, callback=callback)


def _check_version(version: str) -> None:
    match = re.match(r"^\s*(\d+)\.(\d+)", version or "")
    if not match:
        return
    major = int(match.group(1))
    if major < 1:
        raise SubsonicError(ErrorCode.CLIENT_TOO_OLD, "Client must upgrade: this server is 1.16.1")
    if major > 1:
        raise SubsonicError(ErrorCode.SERVER_TOO_OLD, "Server must upgrade: it speaks 1.16.1")


def _not_found(what: str) -> SubsonicError:
    return SubsonicError(ErrorCode.NOT_FOUND, f"{what} not found.")


def _song(pk: int) -> Song:
    song = published_song(pk)
    if song is None:
        raise _not_found("Song")
    return song


# --- system ----------------------------------------------------------------------------------


@method("ping")
def ping(call: Call) -> dict:
    return {}


@method("getLicense")
def get_license(call: Call) -> dict:
    return {"license": {"valid": True}}


@method("getOpenSubsonicExtensions", public=True)
def get_open_subsonic_extensions(call: Call) -> dict:
    return {"openSubsonicExtensions": EXTENSIONS}


@method("tokenInfo")
def token_info(call: Call) -> dict:
    return {"tokenInfo": {"username": call.user.get_username()}}


@method("getMusicFolders")
def get_music_folders(call: Call) -> dict:
    return {"musicFolders": {"musicFolder": [{"id": serializers.MUSIC_FOLDER_ID, "name": "Music"}]}}


@method("getScanStatus")
def get_scan_status(call: Call) -> dict:
    scanning, count = queries.scan_status()
    return {"scanStatus": {"scanning": scanning, "count": count}}


@method("startScan")
def start_scan(call: Call) -> dict:
    """Report the ingest state: every store event already ingests, so there is no scan to run."""
    if not call.user.is_staff:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "Only administrators may start a scan.")
    return get_scan_status(call)


@method("getUser")
def get_user(call: Call) -> dict:
    username = call.params.get("username") or call.user.get_username()
    if username != call.user.get_username():
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "You may only look at your own account.")
    return {"user": serializers.user(call.user, is_curator=is_curator(call.user))}


# --- browsing by tags ------------------------------------------------------------------------


@method("getArtists")
def get_artists(call: Call) -> dict:
    artists = queries.artist_index(call.user)
    return {
        "artists": {
            "ignoredArticles": "",
            "index": serializers.indexed(artists, serializers.artist_id3),
        }
    }


@method("getArtist")
def get_artist(call: Call) -> dict:
    _, pk = call.params.id("id", ARTIST)
    artist = queries.artist(call.user, pk)
    if artist is None:
        raise _not_found("Artist")
    albums = queries.artist_albums(call.user, pk)
    return {
        "artist": {
            **serializers.artist_id3(artist),
            "album": [serializers.album_id3(album) for album in albums],
        }
    }


@method("getAlbum")
def get_album(call: Call) -> dict:
    _, pk = call.params.id("id", ALBUM)
    album = queries.album(call.user, pk)
    if album is None:
        raise _not_found("Album")
    songs = queries.album_songs(call.user, pk)
    return {
        "album": {
            **serializers.album_id3(album),
            "song": [serializers.child(song) for song in songs],
        }
    }


@method("getSong")
def get_song(call: Call) -> dict:
    _, pk = call.params.id("id", SONG)
    song = queries.song(call.user, pk)
    if song is None:
        raise _not_found("Song")
    return {"song": serializers.child(song)}


@method("getGenres")
def get_genres(call: Call) -> dict:
    return {
        "genres": {
            "genre": [
                {"songCount": g.song_count, "albumCount": g.album_count, "value": g.name}
                for g in queries.genres()
            ]
        }
    }


def _image_urls(call: Call, cover_id: str | None) -> dict:
    if not cover_id:
        return {}
    base = call.request.build_absolute_uri("/rest/getCoverArt")
    return {
        f"{label}ImageUrl": Text(f"{base}?id={cover_id}&size={size}")
        for label, size in (("small", 64), ("medium", 300), ("large", 600))
    }


@method("getArtistInfo2", "getArtistInfo")
def get_artist_info(call: Call) -> dict:
    _, pk = call.params.id("id", ARTIST)
    count = call.params.int("count", 20, minimum=0, maximum=100)
    artist = queries.artist(call.user, pk)
    if artist is None:
        raise _not_found("Artist")
    albums = queries.artist_albums(call.user, pk)
    similar = queries.similar_artists(call.user, pk, count)
    years = sorted({album.year for album in albums if album.year})
    span = f", {years[0]}–{years[-1]}" if len(years) > 1 else (f", {years[0]}" if years else "")
    songs = sum(album.song_count for album in albums)
    biography = f"{artist.name}: {len(albums)} album(s), {songs} song(s) in this library{span}."
    key = "artistInfo2" if _called(call, "getArtistInfo2") else "artistInfo"
    entry = serializers.artist_id3 if key == "artistInfo2" else serializers.artist_index_entry
    return {
        key: {
            "biography": Text(biography),
            **_image_urls(call, make_id(ARTIST, pk) if artist.cover_id else None),
            "similarArtist": [entry(other) for other in similar],
        }
    }


@method("getAlbumInfo2", "getAlbumInfo")
def get_album_info(call: Call) -> dict:
    _, pk = call.params.id("id", ALBUM)
    album = queries.album(call.user, pk)
    if album is None:
        raise _not_found("Album")
    year = f" ({album.year})" if album.year else ""
    notes = (
        f"{album.title}{year} by {album.album_artist_name}: {album.song_count} song(s), "
        f"{round((album.total_duration or 0) / 60)} min."
    )
    return {
        "albumInfo": {
            "notes": Text(notes),
            **_image_urls(call, make_id(ALBUM, pk) if album.cover_id else None),
        }
    }


def _seed_song(call: Call) -> int:
    kind, pk = call.params.id("id", SONG, ALBUM, ARTIST)
    seed = queries.seed_song(kind, pk)
    if seed is None:
        raise _not_found("Item")
    return seed


@method("getSimilarSongs2", "getSimilarSongs")
def get_similar_songs(call: Call) -> dict:
    seed = _seed_song(call)
    count = call.params.int("count", 50, minimum=0, maximum=MAX_LIST_SIZE)
    songs = queries.similar_songs(call.user, seed, count)
    key = "similarSongs2" if _called(call, "getSimilarSongs2") else "similarSongs"
    return {key: {"song": [serializers.child(song) for song in songs]}}


def _called(call: Call, name: str) -> bool:
    last = call.request.path.rstrip("/").rsplit("/", 1)[-1]
    return last in (name, f"{name}.view")


@method("getTopSongs")
def get_top_songs(call: Call) -> dict:
    name = call.params.require("artist")
    count = call.params.int("count", 50, minimum=0, maximum=MAX_LIST_SIZE)
    songs = queries.top_songs(call.user, name, count)
    return {"topSongs": {"song": [serializers.child(song) for song in songs]}}


# --- browsing by folders ---------------------------------------------------------------------


@method("getIndexes")
def get_indexes(call: Call) -> dict:
    changed = queries.catalogue_changed_at()
    last_modified = int(changed.timestamp() * 1000) if changed else 0
    since = call.params.int("ifModifiedSince", 0, minimum=0)
    artists = [] if since and last_modified <= since else queries.artist_index(call.user)
    return {
        "indexes": {
            "lastModified": last_modified,
            "ignoredArticles": "",
            "index": serializers.indexed(artists, serializers.artist_index_entry),
        }
    }


@method("getMusicDirectory")
def get_music_directory(call: Call) -> dict:
    kind, pk = call.params.id("id", ARTIST, ALBUM)
    if kind == ARTIST:
        artist = queries.artist(call.user, pk)
        if artist is None:
            raise _not_found("Artist")
        albums = queries.artist_albums(call.user, pk)
        directory = {
            "id": make_id(ARTIST, pk),
            "parent": str(serializers.MUSIC_FOLDER_ID),
            "name": artist.name,
            "starred": timestamp(artist.starred_at),
            "child": [serializers.album_dir(album) for album in albums],
        }
        return {"directory": directory}
    album = queries.album(call.user, pk)
    if album is None:
        raise _not_found("Album")
    songs = queries.album_songs(call.user, pk)
    directory = {
        "id": make_id(ALBUM, pk),
        "parent": make_id(ARTIST, album.album_artist_id),
        "name": album.title,
        "starred": timestamp(album.starred_at),
        "playCount": album.play_count,
        "child": [serializers.child(song) for song in songs],
    }
    return {"directory": directory}


# --- lists -----------------------------------------------------------------------------------


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
    return {"randomSongs": {"song": [serializers.child(song) for song in songs]}}


@method("getSongsByGenre")
def get_songs_by_genre(call: Call) -> dict:
    genre = call.params.require("genre")
    count = call.params.int("count", 10, minimum=0, maximum=MAX_LIST_SIZE)
    offset = call.params.int("offset", 0, minimum=0, maximum=MAX_OFFSET)
    songs = queries.songs_by_genre(call.user, genre, offset, count)
    return {"songsByGenre": {"song": [serializers.child(song) for song in songs]}}


@method("getNowPlaying")
def get_now_playing(call: Call) -> dict:
    entries = queries.now_playing()
    songs = queries.songs_by_id(call.user, [entry.song_id for entry in entries])
    now = timezone.now()
    return {
        "nowPlaying": {
            "entry": [
                {
                    **serializers.child(songs[entry.song_id]),
                    "username": entry.user.get_username(),
                    "minutesAgo": int((now - entry.started_at).total_seconds() // 60),
                    "playerId": entry.pk,
                    "playerName": entry.player or None,
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
            "song": [serializers.child(s) for s in queries.starred_songs(call.user)],
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
            "song": [serializers.child(s) for s in queries.starred_songs(call.user)],
        }
    }


# --- search ----------------------------------------------------------------------------------


def _search(call: Call) -> dict:
    params = call.params

    def window(kind: str) -> tuple[int, int]:
        return (
            params.int(f"{kind}Count", 20, minimum=0, maximum=MAX_SEARCH_COUNT),
            params.int(f"{kind}Offset", 0, minimum=0, maximum=MAX_OFFSET),
        )

    return queries.search(
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
            "song": [serializers.child(song) for song in found["songs"]],
        }
    }


@method("search2")
def search2(call: Call) -> dict:
    found = _search(call)
    return {
        "searchResult2": {
            "artist": [serializers.artist_index_entry(artist) for artist in found["artists"]],
            "album": [serializers.album_dir(album) for album in found["albums"]],
            "song": [serializers.child(song) for song in found["songs"]],
        }
    }


# --- playlists -------------------------------------------------------------------------------


def _playlist_answer(call: Call, playlist_id: int) -> dict:
    playlist = queries.playlist(call.user, playlist_id)
    if playlist is None:
        raise _not_found("Playlist")
    songs = queries.playlist_songs(call.user, playlist)
    return {
        "playlist": {
            **serializers.playlist(playlist),
            "entry": [serializers.child(song) for song in songs],
        }
    }


@method("getPlaylists")
def get_playlists(call: Call) -> dict:
    username = call.params.get("username")
    if username and username != call.user.get_username():
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "You may only list your own playlists.")
    return {
        "playlists": {"playlist": [serializers.playlist(p) for p in queries.playlists(call.user)]}
    }


@method("getPlaylist")
def get_playlist(call: Call) -> dict:
    _, pk = call.params.id("id", PLAYLIST)
    return _playlist_answer(call, pk)


def _songs(call: Call, name: str) -> list[Song]:
    """Return the published songs a repeated parameter names, in order (unknown ids: 70)."""
    ids = [pk for _, pk in call.params.ids(name, SONG)]
    found = queries.published_songs(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise _not_found(f"Song {make_id(SONG, missing[0])}")
    return [found[pk] for pk in ids]


@method("createPlaylist")
def create_playlist(call: Call) -> dict:
    songs = _songs(call, "songId")
    if "playlistId" in call.params:
        _, pk = call.params.id("playlistId", PLAYLIST)
        playlist = access_playlist(call.user, pk, change=True)
        if "name" in call.params:
            playlist_services.playlist_update(playlist, name=call.params.get("name")[:200])
        subsonic_services.playlist_set_songs(playlist, songs)
    else:
        name = call.params.require("name")[:200]
        playlist = playlist_services.playlist_create(call.user, name=name)
        subsonic_services.playlist_set_songs(playlist, songs)
    return _playlist_answer(call, playlist.pk)


@method("updatePlaylist")
def update_playlist(call: Call) -> dict:
    _, pk = call.params.id("playlistId", PLAYLIST)
    playlist = access_playlist(call.user, pk, change=True)
    changes = {}
    if "name" in call.params:
        changes["name"] = call.params.get("name")[:200]
    if call.params.has("comment"):
        changes["description"] = call.params.get("comment")
    if "public" in call.params:
        changes["is_public"] = call.params.bool("public")
    if changes:
        playlist_services.playlist_update(playlist, **changes)
    add = _songs(call, "songIdToAdd")
    remove = [_index(value) for value in call.params.list("songIndexToRemove")]
    if add or remove:
        subsonic_services.playlist_edit_songs(playlist, remove_indexes=remove, add=add)
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


# --- media -----------------------------------------------------------------------------------


def _stored_song(call: Call) -> Song:
    _, pk = call.params.id("id", SONG)
    song = Song.objects.filter(hidden=False, pk=pk).only("title", *SONG_FIELDS).first()
    if song is None:
        raise _not_found("Song")
    return song


@method("stream")
def stream(call: Call) -> HttpResponseBase:
    """Send the song transcoded when asked (or by the user's defaults), else the original file,
    with ranges; proxied, never redirected."""
    song = _stored_song(call)
    try:
        transcoded = transcoded_response(
            call.request,
            song,
            format=call.params.get("format"),
            max_bitrate=call.params.int("maxBitRate", 0),
            time_offset=call.params.int("timeOffset", 0),
            estimate_length=call.params.bool("estimateContentLength"),
            user=call.user,
        )
    except (InvalidTranscode, TranscoderBusy) as error:
        raise SubsonicError(ErrorCode.GENERIC, str(error)) from None
    except SourceMissing:
        raise _not_found("The song's file") from None
    if transcoded is not None:
        return transcoded
    try:
        return file_response(
            call.request, song.storage_key, song.mime_type, size_hint=song.file_size
        )
    except Missing:
        raise _not_found("The song's file") from None


@method("download")
def download(call: Call) -> HttpResponseBase:
    song = _stored_song(call)
    redirect = download_redirect(song.storage_key)
    if redirect is not None:
        return redirect
    name = f"{song.title}.{serializers.suffix(song)}"
    try:
        return file_response(
            call.request,
            song.storage_key,
            song.mime_type,
            size_hint=song.file_size,
            attachment=name,
        )
    except Missing:
        raise _not_found("The song's file") from None


@method("getCoverArt")
def get_cover_art(call: Call) -> HttpResponseBase:
    kind, pk = call.params.id("id", ALBUM, SONG, ARTIST, PLAYLIST)
    if kind == PLAYLIST and not playlists_visible_to(call.user).filter(pk=pk).exists():
        raise _not_found("Playlist")
    cover = queries.cover_for(kind, pk)
    if cover is None:
        raise _not_found("Cover art")
    size = call.params.int("size", minimum=1, maximum=100_000)
    cache = "public, max-age=86400"
    if size:
        data = resized_cover(cover, size)
        if data is not None:
            response = HttpResponse(data, content_type="image/jpeg")
            response["Cache-Control"] = cache
            return response
    try:
        return file_response(call.request, cover.image.name, cover.mime_type, cache_control=cache)
    except Missing:
        raise _not_found("Cover art") from None


LRC_LINE = re.compile(r"^\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\](.*)$")


def structured_lyrics(song: Song) -> dict | None:
    """Return a song's lyrics as OpenSubsonic structured lyrics: synced when they are LRC."""
    text = (song.lyrics or "").strip()
    if not text:
        return None
    lines = text.splitlines()
    timed = [LRC_LINE.match(line.strip()) for line in lines]
    synced = bool(lines) and sum(1 for match in timed if match) >= max(1, len(lines) // 2)
    if synced:
        entries = []
        for match in timed:
            if not match:
                continue
            minutes, seconds, fraction, words = match.groups()
            fraction = (fraction or "0").ljust(3, "0")[:3]
            start = (int(minutes) * 60 + int(seconds)) * 1000 + int(fraction)
            entries.append({"start": start, "value": words.strip()})
        entries.sort(key=lambda entry: entry["start"])
    else:
        entries = [{"value": line} for line in lines]
    return {
        "displayArtist": song.artist.name,
        "displayTitle": song.title,
        "lang": "xxx",
        "offset": 0,
        "synced": synced,
        "line": entries,
    }


@method("getLyricsBySongId")
def get_lyrics_by_song_id(call: Call) -> dict:
    _, pk = call.params.id("id", SONG)
    song = Song.objects.filter(hidden=False, pk=pk).select_related("artist").first()
    if song is None:
        raise _not_found("Song")
    lyrics = structured_lyrics(song)
    return {"lyricsList": {"structuredLyrics": [lyrics] if lyrics else []}}


@method("getLyrics")
def get_lyrics(call: Call) -> dict:
    song = queries.song_with_lyrics(call.params.get("artist"), call.params.get("title"))
    if song is None:
        return {"lyrics": {}}
    plain = structured_lyrics(song)
    text = "\n".join(line["value"] for line in plain["line"]) if plain else ""
    return {"lyrics": {"artist": song.artist.name, "title": song.title, "value": text}}


# --- annotation ------------------------------------------------------------------------------


def _star_targets(call: Call) -> tuple[list[int], list[int], list[int]]:
    songs, albums, artists = [], [], []
    for kind, pk in call.params.ids("id", SONG, ALBUM, ARTIST):
        {SONG: songs, ALBUM: albums, ARTIST: artists}[kind].append(pk)
    albums += [pk for _, pk in call.params.ids("albumId", ALBUM)]
    artists += [pk for _, pk in call.params.ids("artistId", ARTIST)]
    if not (songs or albums or artists):
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: id")
    return songs, albums, artists


def _albums(ids: list[int]) -> list[Album]:
    found = {album.pk: album for album in Album.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise _not_found(f"Album {make_id(ALBUM, missing[0])}")
    return [found[pk] for pk in ids]


def _artists(ids: list[int]) -> list[Artist]:
    found = {artist.pk: artist for artist in Artist.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise _not_found(f"Artist {make_id(ARTIST, missing[0])}")
    return [found[pk] for pk in ids]


@method("star")
def star(call: Call) -> dict:
    song_ids, album_ids, artist_ids = _star_targets(call)
    songs = [_song(pk) for pk in song_ids]
    albums, artists = _albums(album_ids), _artists(artist_ids)
    for song in songs:
        library.song_like(call.user, song)
    for album in albums:
        subsonic_services.album_star(call.user, album)
    for artist in artists:
        subsonic_services.artist_star(call.user, artist)
    return {}


@method("unstar")
def unstar(call: Call) -> dict:
    song_ids, album_ids, artist_ids = _star_targets(call)
    songs = [_song(pk) for pk in song_ids]
    albums, artists = _albums(album_ids), _artists(artist_ids)
    for song in songs:
        library.song_unlike(call.user, song)
    for album in albums:
        subsonic_services.album_unstar(call.user, album)
    for artist in artists:
        subsonic_services.artist_unstar(call.user, artist)
    return {}


@method("setRating")
def set_rating(call: Call) -> dict:
    kind, pk = call.params.id("id", SONG, ALBUM, ARTIST)
    stars = call.params.int("rating", required=True)
    if kind != SONG:
        raise SubsonicError(ErrorCode.GENERIC, "Only songs can be rated on this server.")
    song = _song(pk)
    if stars == 0:
        library.song_unrate(call.user, song)
        return {}
    try:
        library.song_rate(call.user, song, stars)
    except library.InvalidRating as invalid:
        raise SubsonicError(ErrorCode.GENERIC, f"rating must be from 0 to 5 ({invalid})") from None
    return {}


@method("scrobble")
def scrobble(call: Call) -> dict:
    """Record plays (submission=true, the default) or what is playing now (false)."""
    ids = [pk for _, pk in call.params.ids("id", SONG)]
    if not ids:
        raise SubsonicError(ErrorCode.MISSING_PARAMETER, "Required parameter is missing: id")
    songs = [_song(pk) for pk in ids]
    times = [_moment(value) for value in call.params.list("time")]
    submission = call.params.bool("submission", True)
    for index, song in enumerate(songs):
        played_at = times[index] if index < len(times) else None
        if submission:
            library.play_record(call.user, song, played_at)
        else:
            subsonic_services.now_playing_set(call.user, song, call.params.get("c"), played_at)
    return {}


def _moment(value: str) -> datetime | None:
    """Read a scrobble time (milliseconds since the epoch); out of range means now."""
    try:
        moment = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise SubsonicError(
            ErrorCode.GENERIC, f"time must be milliseconds since 1970, not {value[:40]!r}"
        ) from None
    return moment if moment <= timezone.now() else None


# --- play queue ------------------------------------------------------------------------------


@method("getPlayQueue")
def get_play_queue(call: Call) -> dict:
    queue, songs = queries.play_queue(call.user)
    if queue is None:
        return {}
    return {
        "playQueue": {
            "current": make_id(SONG, queue.current_id) if queue.current_id else None,
            "position": queue.position_ms,
            "username": call.user.get_username(),
            "changed": timestamp(queue.changed_at),
            "changedBy": queue.changed_by,
            "entry": [serializers.child(song) for song in songs],
        }
    }


@method("savePlayQueue")
def save_play_queue(call: Call) -> dict:
    songs = _songs(call, "id")
    current = None
    if "current" in call.params:
        _, current_pk = call.params.id("current", SONG)
        current = next((song for song in songs if song.pk == current_pk), None)
        if current is None:
            current = _song(current_pk)
    position = call.params.int("position", 0, minimum=0, maximum=2**62)
    subsonic_services.play_queue_save(call.user, songs, current, position, call.params.get("c"))
    return {}
