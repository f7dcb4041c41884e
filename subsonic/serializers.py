"""Translate catalogue rows into Subsonic elements (dicts for subsonic.responses); no queries.

Songs and albums come from subsonic.queries (songs, albums) as SongRow and AlbumRow values;
artists as model instances annotated with `starred_at`, `album_count` and `cover_id`. Elements
leave out empty attributes themselves, so the renderer need not look inside them again.
"""

import posixpath

from catalog.models import Artist, Song, name_key
from catalog.transcoding import StreamDefault
from playlists.models import Playlist
from subsonic.params import ALBUM, ARTIST, PLAYLIST, SONG, make_id
from subsonic.queries.albums import AlbumRow
from subsonic.queries.songs import SongRow
from subsonic.responses import Element, timestamp
from subsonic.sorting import index_letter

MUSIC_FOLDER_ID = 1
SUFFIX_BY_MIME = {
    "audio/mpeg": "mp3",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/aiff": "aiff",
    "audio/x-aiff": "aiff",
    "audio/x-ms-wma": "wma",
    "audio/wavpack": "wv",
    "audio/x-wavpack": "wv",
}


def _clean(element: dict) -> Element:
    return Element({key: value for key, value in element.items() if value is not None})


def suffix(song: Song | SongRow) -> str:
    """Return the file's extension, from its key or else its MIME type."""
    extension = posixpath.splitext(song.storage_key)[1].lstrip(".").lower()
    return extension or SUFFIX_BY_MIME.get(song.mime_type, "")


def song_cover_id(song: SongRow) -> str | None:
    """Share the album's cover id unless the song carries its own picture."""
    album_cover = song.album_cover_id
    if song.album_id is not None and album_cover and song.cover_id in (None, album_cover):
        return make_id(ALBUM, song.album_id)
    if song.cover_id:
        return make_id(SONG, song.pk)
    return None


def child(song: SongRow, streamed: StreamDefault | None = None) -> Element:
    """Return a song as a Subsonic <child>/<song>/<entry> element (see queries.song_rows).

    With the caller's `streamed` defaults, a song that `stream` would transcode for them also
    tells what it arrives as (transcodedSuffix, transcodedContentType), as Subsonic does.
    """
    genres, credited = song.genre_names, song.credits
    album_id = make_id(ALBUM, song.album_id) if song.album_id is not None else None
    artist_id = make_id(ARTIST, song.artist_id)
    extension = suffix(song)
    transcoded = streamed.transcodes(song.bitrate) if streamed is not None else None
    return _clean(
        {
            "id": make_id(SONG, song.pk),
            "parent": album_id or artist_id,
            "isDir": False,
            "title": song.title,
            "album": song.album_title,
            "artist": song.artist_name,
            "track": song.track_number,
            "discNumber": song.disc_number,
            "year": song.year,
            "genre": genres[0] if genres else None,
            "coverArt": song_cover_id(song),
            "size": song.file_size,
            "contentType": song.mime_type or None,
            "suffix": extension or None,
            "transcodedContentType": transcoded.mime_type if transcoded else None,
            "transcodedSuffix": transcoded.name if transcoded else None,
            "duration": round(song.duration or 0),
            "bitRate": round(song.bitrate / 1000) if song.bitrate else None,
            "samplingRate": song.sample_rate,
            "channelCount": song.channels,
            "path": _path(song, extension),
            "isVideo": False,
            "albumId": album_id,
            "artistId": artist_id,
            "type": "music",
            "mediaType": "song",
            "created": timestamp(song.created_at),
            "starred": timestamp(song.starred_at),
            "userRating": song.user_rating,
            "playCount": song.play_count,
            "genres": [{"name": name} for name in genres],
            "artists": [{"id": make_id(ARTIST, pk), "name": name} for pk, name in credited],
            "displayArtist": ", ".join(name for _, name in credited) or song.artist_name,
            "albumArtists": _album_artists(song),
            "displayAlbumArtist": song.album_artist_name if song.album_id is not None else None,
            "played": timestamp(song.played_at),
            "sortName": song.sort_title or None,
            "bitDepth": song.bit_depth,
            "bpm": song.bpm,
            "comment": song.comment or None,
            "musicBrainzId": song.musicbrainz_id or None,
            "isrc": _several(song.isrc),
            "replayGain": _replay_gain(song),
        }
    )


def _album_artists(song: SongRow) -> list[dict]:
    if song.album_id is None or song.album_artist_id is None:
        return []
    return [{"id": make_id(ARTIST, song.album_artist_id), "name": song.album_artist_name}]


def _several(value: str) -> list[str]:
    """Split a tag field that holds several values ("; "-separated)."""
    return [part.strip() for part in value.split(";") if part.strip()]


def _replay_gain(song: SongRow) -> Element | None:
    gain = _clean(
        {
            "trackGain": song.replay_gain_track,
            "trackPeak": song.replay_gain_track_peak,
            "albumGain": song.replay_gain_album,
            "albumPeak": song.replay_gain_album_peak,
        }
    )
    return gain or None


def item_date(value: str) -> Element | None:
    """Turn "2019", "2019-05" or "2019-05-17" into OpenSubsonic's ItemDate (year, month, day)."""
    parts = value.split("-")
    if not value or not all(part.isdigit() for part in parts):
        return None
    numbers = (int(part) for part in parts[:3])
    return _clean(dict(zip(("year", "month", "day"), numbers, strict=False)))


COMPILATION_ARTISTS = {"various artists", "various", "va"}


def is_compilation(album: AlbumRow) -> bool:
    """Tell whether an album is a compilation: tagged so, or by "Various Artists"."""
    return album.is_compilation or name_key(album.album_artist_name) in COMPILATION_ARTISTS


def _path(song: SongRow, extension: str) -> str:
    """Return a tidy path for folder-minded clients: Artist/Album/NN - Title.ext."""
    in_album = song.album_id is not None
    folder = song.album_artist_name if in_album else song.artist_name
    parts = [folder.replace("/", "_")]
    if in_album:
        parts.append(song.album_title.replace("/", "_"))
    number = f"{song.track_number:02d} - " if song.track_number else ""
    name = f"{number}{song.title}".replace("/", "_")
    return "/".join([*parts, f"{name}.{extension}" if extension else name])


def album_id3(album: AlbumRow) -> Element:
    """Return an album as <album> (AlbumID3)."""
    artist_id = make_id(ARTIST, album.album_artist_id)
    return _clean(
        {
            "id": make_id(ALBUM, album.pk),
            "name": album.title,
            "artist": album.album_artist_name,
            "artistId": artist_id,
            "coverArt": make_id(ALBUM, album.pk) if album.cover_id else None,
            "songCount": album.song_count or 0,
            "duration": round(album.total_duration or 0),
            "playCount": album.play_count or 0,
            "created": timestamp(album.created_at),
            "starred": timestamp(album.starred_at),
            "userRating": album.user_rating,
            "year": album.year,
            "genre": album.genre_name,
            "genres": [{"name": album.genre_name}] if album.genre_name else [],
            "artists": [{"id": artist_id, "name": album.album_artist_name}],
            "displayArtist": album.album_artist_name,
            "isCompilation": is_compilation(album),
            "played": timestamp(album.played_at),
            "sortName": album.sort_title or None,
            "musicBrainzId": album.musicbrainz_id or None,
            "releaseDate": item_date(album.release_date),
            "originalReleaseDate": item_date(album.original_release_date),
            "recordLabels": [{"name": label} for label in _several(album.record_labels)],
            "releaseTypes": _several(album.release_types),
        }
    )


def album_dir(album: AlbumRow) -> Element:
    """Return an album as a directory <child> (getMusicDirectory, getAlbumList, search2).

    The schema's Child has no name or songCount; both stay, as in OpenSubsonic's own examples,
    because clients read them (py-opensonic parses these albums with a required name).
    """
    return _clean(
        {
            "id": make_id(ALBUM, album.pk),
            "parent": make_id(ARTIST, album.album_artist_id),
            "isDir": True,
            "title": album.title,
            "name": album.title,
            "album": album.title,
            "artist": album.album_artist_name,
            "year": album.year,
            "genre": album.genre_name,
            "coverArt": make_id(ALBUM, album.pk) if album.cover_id else None,
            "duration": round(album.total_duration or 0),
            "playCount": album.play_count or 0,
            "created": timestamp(album.created_at),
            "starred": timestamp(album.starred_at),
            "userRating": album.user_rating,
            "albumId": make_id(ALBUM, album.pk),
            "artistId": make_id(ARTIST, album.album_artist_id),
            "songCount": album.song_count or 0,
            "isVideo": False,
        }
    )


def artist_id3(artist: Artist) -> dict:
    """Return an artist as <artist> (ArtistID3)."""
    return _clean(
        {
            "id": make_id(ARTIST, artist.pk),
            "name": artist.name,
            "coverArt": make_id(ARTIST, artist.pk) if getattr(artist, "cover_id", None) else None,
            "albumCount": getattr(artist, "album_count", 0) or 0,
            "starred": timestamp(getattr(artist, "starred_at", None)),
            "userRating": getattr(artist, "user_rating", None),
            "sortName": artist.sort_name or None,
            "musicBrainzId": artist.musicbrainz_id or None,
        }
    )


def artist_index_entry(artist: Artist) -> dict:
    """Return an artist as <artist> (Artist: getIndexes, getStarred, search2, getArtistInfo).

    The schema's Artist has no albumCount or coverArt, and OpenSubsonic adds neither: those
    belong to ArtistID3 (getArtists), so strict XML readers never meet an undeclared attribute.
    """
    return _clean(
        {
            "id": make_id(ARTIST, artist.pk),
            "name": artist.name,
            "starred": timestamp(getattr(artist, "starred_at", None)),
            "userRating": getattr(artist, "user_rating", None),
        }
    )


def indexed(artists: list[Artist], entry) -> list[dict]:
    """Group artists (in sort order) under their sort key's initial (non-letters under "#")."""
    groups: dict[str, list[dict]] = {}
    for artist in artists:
        name = getattr(artist, "sort_name", "") or artist.name
        groups.setdefault(index_letter(name), []).append(entry(artist))
    return [{"name": letter, "artist": groups[letter]} for letter in sorted(groups)]


def playlist(playlist: Playlist, owner_name: str | None = None) -> dict:
    """Return a playlist as <playlist> (without its entries)."""
    return _clean(
        {
            "id": make_id(PLAYLIST, playlist.pk),
            "name": playlist.name,
            "comment": playlist.description or None,
            "owner": owner_name or playlist.owner.get_username(),
            "public": playlist.is_public,
            "songCount": getattr(playlist, "song_count", 0) or 0,
            "duration": round(getattr(playlist, "total_duration", 0) or 0),
            "created": timestamp(playlist.created_at),
            "changed": timestamp(playlist.updated_at),
            "coverArt": make_id(PLAYLIST, playlist.pk),
        }
    )


def user(account, *, is_curator: bool) -> dict:
    """Return an account as <user>: what this server lets it do."""
    return {
        "username": account.get_username(),
        "email": account.email or None,
        "scrobblingEnabled": True,
        "adminRole": account.is_superuser,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": is_curator,
        "playlistRole": True,
        "coverArtRole": False,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [MUSIC_FOLDER_ID],
    }
