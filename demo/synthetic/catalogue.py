"""The synthetic catalogue: genres, artists, albums and songs with popularities to draw from."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from catalog.models import Album, Artist, Genre, Song, SongArtist, name_key
from catalog.search import add_search_words, song_document
from demo.synthetic.load import FastLoad, timestamps
from demo.synthetic.names import GENRES, artist_name, song_title, unique_names

ARTIST_SONGS = 80
ALBUM_SONGS = 10
SYNTHETIC_PREFIX = "synthetic/"


@dataclass
class Catalogue:
    song_ids: np.ndarray
    song_artist: np.ndarray  # index into artist_ids
    song_genre: np.ndarray  # index into genre_ids (primary genre)
    popularity: np.ndarray
    artist_ids: np.ndarray
    artist_genre: np.ndarray
    artist_popularity: np.ndarray
    genre_ids: np.ndarray
    genre_weights: np.ndarray
    by_artist: Sampler | None = None
    by_genre: Sampler | None = None
    overall: Sampler | None = None


class Sampler:
    """Draw songs by popularity within groups (artists, genres), vectorised over many draws."""

    def __init__(self, groups: np.ndarray, popularity: np.ndarray, group_count: int):
        self.order = np.argsort(groups, kind="stable")
        self.cumulative = np.cumsum(popularity[self.order])
        ends = np.searchsorted(groups[self.order], np.arange(group_count), side="right")
        starts = np.concatenate([[0], ends[:-1]])
        self.low = np.where(starts > 0, self.cumulative[np.maximum(starts - 1, 0)], 0.0)
        self.high = np.where(ends > 0, self.cumulative[np.maximum(ends - 1, 0)], 0.0)
        self.high = np.where(ends > starts, self.high, self.low)

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """Return one song index per group given (a group without songs gives -1)."""
        low, high = self.low[groups], self.high[groups]
        picks = np.searchsorted(self.cumulative, low + rng.random(len(groups)) * (high - low))
        picks = np.minimum(picks, len(self.order) - 1)
        return np.where(high > low, self.order[picks], -1)


def seed_catalogue(load: FastLoad, rng: np.random.Generator, songs: int) -> Catalogue:
    genres = []
    for name in GENRES:
        genre, _ = Genre.objects.get_or_create(name_key=name_key(name), defaults={"name": name})
        genres.append(genre.pk)
    genre_ids = np.array(genres)
    genre_weights = 1.0 / np.arange(1, len(genres) + 1) ** 0.7
    genre_weights /= genre_weights.sum()
    load.prepare_for(songs)

    artist_count = max(1, math.ceil(songs / ARTIST_SONGS)) if songs else 0
    taken = set(Artist.objects.values_list("name_key", flat=True))
    artist_names = unique_names(rng, artist_count, artist_name, taken)
    first_artist = load.next_id(Artist)
    artist_ids = np.arange(first_artist, first_artist + artist_count)
    now = datetime.now(UTC)
    load.write(
        Artist,
        {
            "id": artist_ids,
            "name": artist_names,
            "name_key": [name_key(name) for name in artist_names],
            "created_at": [now] * artist_count,
        },
    )
    artist_genre = rng.choice(len(genres), size=artist_count, p=genre_weights)
    artist_popularity = 1.0 / rng.permutation(np.arange(1, artist_count + 1)) ** 1.1
    debut = rng.integers(1960, 2024, size=artist_count)

    album_count = max(1, math.ceil(songs / ALBUM_SONGS)) if songs else 0
    album_artist = (
        np.concatenate(
            [
                np.arange(artist_count),
                rng.integers(artist_count, size=max(0, album_count - artist_count)),
            ]
        )[:album_count]
        if artist_count
        else np.zeros(0, dtype=int)
    )
    album_titles = []
    seen: set[tuple[int, str]] = set()
    for artist in album_artist:
        title = song_title(rng)
        while (artist, name_key(title)) in seen:
            title = f"{title} II" if rng.random() < 0.5 else song_title(rng)
        seen.add((artist, name_key(title)))
        album_titles.append(title)
    album_year = np.minimum(debut[album_artist] + rng.integers(0, 25, size=album_count), 2026)
    first_album = load.next_id(Album)
    album_ids = np.arange(first_album, first_album + album_count)
    load.write(
        Album,
        {
            "id": album_ids,
            "title": album_titles,
            "title_key": [name_key(title) for title in album_titles],
            "album_artist_id": artist_ids[album_artist],
            "year": album_year,
            "created_at": [now] * album_count,
        },
    )

    # Songs fill the albums in order: tracks 1..n of album 0, then album 1, ...
    song_album = np.minimum(np.arange(songs) // ALBUM_SONGS, max(album_count - 1, 0))
    track = np.arange(songs) % ALBUM_SONGS + 1
    song_artist = album_artist[song_album] if songs else np.zeros(0, dtype=int)
    song_genre = artist_genre[song_artist] if songs else np.zeros(0, dtype=int)
    popularity = (
        artist_popularity[song_artist] / track**0.8 * rng.lognormal(0, 0.5, size=songs)
        if songs
        else np.zeros(0)
    )
    duration = np.clip(rng.lognormal(math.log(210), 0.35, size=songs), 30, 1800).round(3)
    titles = [song_title(rng) for _ in range(songs)]
    first_song = load.next_id(Song)
    song_ids = np.arange(first_song, first_song + songs)
    added = int(now.timestamp()) - rng.integers(0, 3 * 365 * 86400, size=songs)
    added_at = (
        timestamps(np.sort(added))
        if load.postgres
        else [datetime.fromtimestamp(int(value), UTC) for value in np.sort(added)]
    )
    second_genre = rng.random(songs) < 0.10
    extra_genre = rng.integers(len(genres), size=songs)
    featured = (rng.random(songs) < 0.05) & (artist_count > 1)
    featured_artist = (song_artist + 1 + rng.integers(max(artist_count - 1, 1), size=songs)) % max(
        artist_count, 1
    )
    search_titles, search_texts, words = [], [], set()
    for index in range(songs):
        names = [artist_names[song_artist[index]]]
        if featured[index]:
            names.append(artist_names[featured_artist[index]])
        song_genres = [GENRES[song_genre[index]]]
        if second_genre[index] and extra_genre[index] != song_genre[index]:
            song_genres.append(GENRES[extra_genre[index]])
        album = song_album[index]
        title, text = song_document(
            titles[index],
            names,
            album_titles[album],
            artist_names[album_artist[album]],
            song_genres,
        )
        search_titles.append(title)
        search_texts.append(text)
        words.update(text.split())
    load.write(
        Song,
        {
            "id": song_ids,
            "title": titles,
            "artist_id": artist_ids[song_artist] if songs else song_ids,
            "album_id": album_ids[song_album] if songs else song_ids,
            "track_number": track,
            "disc_number": np.ones(songs, dtype=int),
            "year": album_year[song_album] if songs else song_ids,
            "duration": duration,
            "bitrate": np.full(songs, 320_000),
            "sample_rate": np.full(songs, 44_100),
            "channels": np.full(songs, 2),
            "codec": ["mp3"] * songs,
            "mime_type": ["audio/mpeg"] * songs,
            "lyrics": [""] * songs,
            "file_size": (duration * 40_000).astype(np.int64),
            "storage_key": [f"{SYNTHETIC_PREFIX}{song_id}.mp3" for song_id in song_ids.tolist()],
            "etag": ["synthetic"] * songs,
            "version_id": [""] * songs,
            "content_hash": [""] * songs,
            "tags_hash": [""] * songs,
            "hidden": np.zeros(songs, dtype=bool),
            "search_title": search_titles,
            "search_text": search_texts,
            "created_at": added_at,
            "updated_at": added_at,
        },
    )
    credit_song = np.concatenate([song_ids, song_ids[featured]])
    credit_artist = (
        np.concatenate([artist_ids[song_artist], artist_ids[featured_artist[featured]]])
        if songs
        else np.zeros(0, dtype=int)
    )
    credit_position = np.concatenate(
        [np.zeros(songs, dtype=int), np.ones(featured.sum(), dtype=int)]
    )
    first_credit = load.next_id(SongArtist)
    load.write(
        SongArtist,
        {
            "id": np.arange(first_credit, first_credit + len(credit_song)),
            "song_id": credit_song,
            "artist_id": credit_artist,
            "position": credit_position,
        },
    )
    extra = second_genre & (extra_genre != song_genre)
    tag_song = np.concatenate([song_ids, song_ids[extra]])
    tag_genre = (
        np.concatenate([genre_ids[song_genre], genre_ids[extra_genre[extra]]])
        if songs
        else (np.zeros(0, dtype=int))
    )
    through = Song.genres.through
    first_tag = load.next_id(through)
    load.write(
        through,
        {
            "id": np.arange(first_tag, first_tag + len(tag_song)),
            "song_id": tag_song,
            "genre_id": tag_genre,
        },
    )
    add_search_words(word for word in words if 3 <= len(word) <= 100)
    catalogue = Catalogue(
        song_ids=song_ids,
        song_artist=song_artist,
        song_genre=song_genre,
        popularity=popularity,
        artist_ids=artist_ids,
        artist_genre=artist_genre,
        artist_popularity=artist_popularity,
        genre_ids=genre_ids,
        genre_weights=genre_weights,
    )
    if songs:
        catalogue.by_artist = Sampler(song_artist, popularity, artist_count)
        catalogue.by_genre = Sampler(song_genre, popularity, len(genres))
        catalogue.overall = Sampler(np.zeros(songs, dtype=int), popularity, 1)
    return catalogue


# --- the community ------------------------------------------------------------------------------
