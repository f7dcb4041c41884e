"""Each song's search document (`search_title`, `search_text`), rebuilt whenever the song, its
artists, its album or its genres change; every word of it goes into the lexicon."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import (
    Q,
)

from catalog.models import Album, Artist, Genre, Song
from catalog.search.lexicon import MIN_WORD, add_search_words, normalise

BATCH = 2000


def song_document(
    title: str, artists: Iterable[str], album: str, album_artist: str, genres: Iterable[str]
) -> tuple[str, str]:
    """Return a song's (search_title, search_text) from its names."""
    names = [title, *artists, album, album_artist, *genres]
    words = dict.fromkeys(normalise(" ".join(name for name in names if name)).split())
    return normalise(title)[:255], " ".join(words)


def refresh_search_text(song_ids: Iterable[int] | None = None) -> int:
    """Recompute the search document of these songs (every song when None); return how many."""
    ids = (
        list(Song.objects.order_by("pk").values_list("pk", flat=True))
        if song_ids is None
        else sorted(set(song_ids))
    )
    for start in range(0, len(ids), BATCH):
        _refresh_batch(ids[start : start + BATCH])
    return len(ids)


def refresh_search_text_for(
    artist_ids: Iterable[int] = (), album_ids: Iterable[int] = (), genre_ids: Iterable[int] = ()
) -> int:
    """Recompute the documents of every song that names these artists, albums or genres."""
    artist_ids, album_ids, genre_ids = list(artist_ids), list(album_ids), list(genre_ids)
    touching = Q(pk__in=[])
    if artist_ids:
        touching |= Q(artists__in=artist_ids) | Q(artist__in=artist_ids)
        touching |= Q(album__album_artist__in=artist_ids)
    if album_ids:
        touching |= Q(album__in=album_ids)
    if genre_ids:
        touching |= Q(genres__in=genre_ids)
    ids = Song.objects.filter(touching).values_list("pk", flat=True).distinct()
    return refresh_search_text(list(ids))


def refresh_search_for(instance: Song | Artist | Album | Genre) -> int:
    """Recompute the documents a saved song, artist, album or genre feeds (after an edit)."""
    if isinstance(instance, Song):
        return refresh_search_text([instance.pk])
    kind = {Artist: "artist_ids", Album: "album_ids", Genre: "genre_ids"}[type(instance)]
    return refresh_search_text_for(**{kind: [instance.pk]})


def _refresh_batch(ids: list[int]) -> None:
    songs = (
        Song.objects.filter(pk__in=ids)
        .select_related("album__album_artist")
        .prefetch_related("artists", "genres")
        .only(
            "pk",
            "title",
            "search_title",
            "search_text",
            "album__title",
            "album__album_artist__name",
        )
    )
    changed, words = [], set()
    for song in songs:
        album = song.album
        document = song_document(
            song.title,
            [artist.name for artist in song.artists.all()],
            album.title if album else "",
            album.album_artist.name if album else "",
            [genre.name for genre in song.genres.all()],
        )
        words.update(word for word in document[1].split() if MIN_WORD <= len(word) <= 100)
        if document != (song.search_title, song.search_text):
            song.search_title, song.search_text = document
            changed.append(song)
    Song.objects.bulk_update(changed, ["search_title", "search_text"], batch_size=500)
    add_search_words(words)
