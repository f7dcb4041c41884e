"""Browsing by tags (artists, albums, songs, genres, info, similar and top songs) and by folders
(indexes and directories)."""

from catalog.queries import catalogue_changed_at
from subsonic import serializers
from subsonic.dispatch import MAX_LIST_SIZE, Call, find_object, found, method
from subsonic.params import ALBUM, ARTIST, SONG, make_id
from subsonic.queries import browsing as queries
from subsonic.queries.albums import album
from subsonic.queries.artists import artist
from subsonic.queries.songs import song
from subsonic.responses import Text, timestamp
from subsonic.sorting import IGNORED_ARTICLES


@method("getMusicFolders")
def get_music_folders(call: Call) -> dict:
    return {"musicFolders": {"musicFolder": [{"id": serializers.MUSIC_FOLDER_ID, "name": "Music"}]}}


@method("getArtists")
def get_artists(call: Call) -> dict:
    artists = queries.artist_index(call.user)
    return {
        "artists": {
            "ignoredArticles": IGNORED_ARTICLES,
            "index": serializers.indexed(artists, serializers.artist_id3),
        }
    }


@method("getArtist")
def get_artist(call: Call) -> dict:
    found_artist = find_object(call, artist, ARTIST)
    albums = queries.artist_albums(call.user, found_artist.pk)
    return {
        "artist": {
            **serializers.artist_id3(found_artist),
            "album": [serializers.album_id3(each) for each in albums],
        }
    }


@method("getAlbum")
def get_album(call: Call) -> dict:
    found_album = find_object(call, album, ALBUM)
    songs = queries.album_songs(call.user, found_album.pk)
    return {
        "album": {
            **serializers.album_id3(found_album),
            "song": [serializers.child(each, call.stream_default) for each in songs],
        }
    }


@method("getSong")
def get_song(call: Call) -> dict:
    return {"song": serializers.child(find_object(call, song, SONG), call.stream_default)}


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
    found_artist = find_object(call, artist, ARTIST)
    pk = found_artist.pk
    count = call.params.int("count", 20, minimum=0, maximum=100)
    albums = queries.artist_albums(call.user, pk)
    similar = queries.similar_artists(call.user, pk, count)
    years = sorted({each.year for each in albums if each.year})
    span = f", {years[0]}–{years[-1]}" if len(years) > 1 else (f", {years[0]}" if years else "")
    songs = sum(each.song_count for each in albums)
    biography = (
        f"{found_artist.name}: {len(albums)} album(s), {songs} song(s) in this library{span}."
    )
    key = "artistInfo2" if call.called_as("getArtistInfo2") else "artistInfo"
    entry = serializers.artist_id3 if key == "artistInfo2" else serializers.artist_index_entry
    return {
        key: {
            "biography": Text(biography),
            **_image_urls(call, make_id(ARTIST, pk) if found_artist.cover_id else None),
            "similarArtist": [entry(other) for other in similar],
        }
    }


@method("getAlbumInfo2", "getAlbumInfo")
def get_album_info(call: Call) -> dict:
    found_album = find_object(call, album, ALBUM)
    year = f" ({found_album.year})" if found_album.year else ""
    notes = (
        f"{found_album.title}{year} by {found_album.album_artist_name}: "
        f"{found_album.song_count} song(s), {round((found_album.total_duration or 0) / 60)} min."
    )
    cover_id = make_id(ALBUM, found_album.pk) if found_album.cover_id else None
    return {"albumInfo": {"notes": Text(notes), **_image_urls(call, cover_id)}}


@method("getSimilarSongs2", "getSimilarSongs")
def get_similar_songs(call: Call) -> dict:
    kind, pk = call.params.id("id", SONG, ALBUM, ARTIST)
    seed = found(queries.seed_song(kind, pk), "Item")
    count = call.params.int("count", 50, minimum=0, maximum=MAX_LIST_SIZE)
    songs = queries.similar_songs(call.user, seed, count)
    key = "similarSongs2" if call.called_as("getSimilarSongs2") else "similarSongs"
    return {key: {"song": [serializers.child(each, call.stream_default) for each in songs]}}


@method("getTopSongs")
def get_top_songs(call: Call) -> dict:
    name = call.params.require("artist")
    count = call.params.int("count", 50, minimum=0, maximum=MAX_LIST_SIZE)
    songs = queries.top_songs(call.user, name, count)
    return {"topSongs": {"song": [serializers.child(each, call.stream_default) for each in songs]}}


@method("getIndexes")
def get_indexes(call: Call) -> dict:
    changed = catalogue_changed_at()
    last_modified = int(changed.timestamp() * 1000) if changed else 0
    since = call.params.int("ifModifiedSince", 0, minimum=0)
    artists = [] if since and last_modified <= since else queries.index_artists(call.user)
    return {
        "indexes": {
            "lastModified": last_modified,
            "ignoredArticles": IGNORED_ARTICLES,
            "index": serializers.indexed(artists, serializers.artist_index_entry),
        }
    }


@method("getMusicDirectory")
def get_music_directory(call: Call) -> dict:
    kind, pk = call.params.id("id", ARTIST, ALBUM)
    if kind == ARTIST:
        found_artist = found(artist(call.user, pk), "Artist")
        albums = queries.artist_albums(call.user, pk)
        directory = {
            "id": make_id(ARTIST, pk),
            "parent": str(serializers.MUSIC_FOLDER_ID),
            "name": found_artist.name,
            "starred": timestamp(found_artist.starred_at),
            "child": [serializers.album_dir(each) for each in albums],
        }
        return {"directory": directory}
    found_album = found(album(call.user, pk), "Album")
    songs = queries.album_songs(call.user, pk)
    directory = {
        "id": make_id(ALBUM, pk),
        "parent": make_id(ARTIST, found_album.album_artist_id),
        "name": found_album.title,
        "starred": timestamp(found_album.starred_at),
        "playCount": found_album.play_count,
        "child": [serializers.child(each, call.stream_default) for each in songs],
    }
    return {"directory": directory}
