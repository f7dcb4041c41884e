"""The synthetic community: listeners with planted tastes, their plays, likes, ratings and
playlists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model

from demo.synthetic.catalogue import Catalogue
from demo.synthetic.load import timestamps
from demo.synthetic.names import GENRES
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem

FAVOURITE_GENRES = 2
FAVOURITE_ARTISTS = 4
SOURCE_MIX = (0.50, 0.35, 0.15)  # favourite artists, favourite genres, whole catalogue


@dataclass
class Community:
    """The planted truth of a seeded community: each listener's favourite genres and artists."""

    user_ids: list[int] = field(default_factory=list)
    favourite_genres: dict[int, list[int]] = field(default_factory=dict)
    favourite_artists: dict[int, list[int]] = field(default_factory=dict)
    song_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Tastes:
    user_ids: np.ndarray
    genres: np.ndarray  # (users, FAVOURITE_GENRES) genre indexes
    artists: np.ndarray  # (users, FAVOURITE_ARTISTS) artist indexes
    activity: np.ndarray  # share of the community's listening, sums to 1


def seed_community(load, rng, catalogue: Catalogue, users: int) -> Community:
    User = get_user_model()
    first_user = load.next_id(User)
    user_ids = np.arange(first_user, first_user + users)
    now = datetime.now(UTC)
    load.write(
        User,
        {
            "id": user_ids,
            "username": [f"listener{user_id}" for user_id in user_ids.tolist()],
            "password": ["!synthetic"] * users,
            "email": [""] * users,
            "first_name": [""] * users,
            "last_name": [""] * users,
            "is_active": np.ones(users, dtype=bool),
            "is_staff": np.zeros(users, dtype=bool),
            "is_superuser": np.zeros(users, dtype=bool),
            "date_joined": [now] * users,
        },
    )
    genre_count = len(catalogue.genre_ids)
    # Listeners favour genres that have artists (a small catalogue leaves some genres empty).
    weights = catalogue.genre_weights * np.isin(np.arange(genre_count), catalogue.artist_genre)
    if weights.sum() == 0:
        weights = catalogue.genre_weights
    weights = weights / weights.sum()
    choosable = int((weights > 0).sum())
    favourite_genres = np.array(
        [
            rng.choice(
                genre_count,
                size=FAVOURITE_GENRES,
                replace=choosable < FAVOURITE_GENRES,
                p=weights,
            )
            for _ in range(users)
        ]
    ).reshape(users, FAVOURITE_GENRES)
    favourite_artists = np.zeros((users, FAVOURITE_ARTISTS), dtype=int)
    artists_of_genre = [
        np.flatnonzero(catalogue.artist_genre == genre) for genre in range(genre_count)
    ]
    for user in range(users):
        pool = np.concatenate([artists_of_genre[genre] for genre in favourite_genres[user]])
        if len(pool) == 0:
            pool = np.arange(len(catalogue.artist_ids))
        if len(pool) == 0:
            break
        weights = catalogue.artist_popularity[pool] / catalogue.artist_popularity[pool].sum()
        favourite_artists[user] = rng.choice(
            pool, size=FAVOURITE_ARTISTS, replace=len(pool) < FAVOURITE_ARTISTS, p=weights
        )
    activity = rng.lognormal(0, 0.8, size=users)
    community = Community(user_ids=user_ids.tolist(), song_ids=catalogue.song_ids.tolist())
    for user, user_id in enumerate(community.user_ids):
        community.favourite_genres[user_id] = catalogue.genre_ids[favourite_genres[user]].tolist()
        community.favourite_artists[user_id] = (
            catalogue.artist_ids[favourite_artists[user]].tolist()
            if len(catalogue.artist_ids)
            else []
        )
    community._tastes = _Tastes(
        user_ids, favourite_genres, favourite_artists, activity / max(activity.sum(), 1e-9)
    )
    return community


def _draw(rng, catalogue: Catalogue, tastes: _Tastes, count: int):
    """Draw (user index, song index, source) for count events following the taste model."""
    if count == 0 or len(tastes.user_ids) == 0:
        empty = np.zeros(0, dtype=int)
        return empty, empty, empty
    users = rng.choice(len(tastes.user_ids), size=count, p=tastes.activity)
    source = rng.choice(3, size=count, p=SOURCE_MIX)
    songs = np.empty(count, dtype=np.int64)
    artist_draw = source == 0
    picks = tastes.artists[
        users[artist_draw], rng.integers(FAVOURITE_ARTISTS, size=artist_draw.sum())
    ]
    songs[artist_draw] = catalogue.by_artist.draw(rng, picks)
    genre_draw = source == 1
    picks = tastes.genres[users[genre_draw], rng.integers(FAVOURITE_GENRES, size=genre_draw.sum())]
    songs[genre_draw] = catalogue.by_genre.draw(rng, picks)
    anywhere = (source == 2) | (songs < 0)
    songs[anywhere] = catalogue.overall.draw(rng, np.zeros(anywhere.sum(), dtype=int))
    return users, songs, source


def _unique_pairs(users, songs, *others):
    keys = users.astype(np.int64) * (1 << 32) + songs
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return (users[first], songs[first], *(other[first] for other in others))


def seed_listening(load, rng, catalogue, community, plays, likes, ratings) -> None:
    tastes = community._tastes
    load.prepare_for(plays)
    users, songs, _ = _draw(rng, catalogue, tastes, plays)
    now = int(datetime.now(UTC).timestamp())
    # More recent plays than old ones: ages follow an exponential law, capped at a year.
    ages = np.minimum(rng.exponential(90 * 86400, size=len(users)), 365 * 86400).astype(np.int64)
    played = now - ages
    first = load.next_id(Play)
    load.write(
        Play,
        {
            "id": np.arange(first, first + len(users)),
            "user_id": tastes.user_ids[users],
            "song_id": catalogue.song_ids[songs],
            "played_at": timestamps(played)
            if load.postgres
            else [datetime.fromtimestamp(int(value), UTC) for value in played],
        },
    )
    users, songs, _ = _unique_pairs(*_draw(rng, catalogue, tastes, likes))
    liked = now - rng.integers(0, 365 * 86400, size=len(users))
    first = load.next_id(Like)
    load.write(
        Like,
        {
            "id": np.arange(first, first + len(users)),
            "user_id": tastes.user_ids[users],
            "song_id": catalogue.song_ids[songs],
            "created_at": timestamps(liked)
            if load.postgres
            else [datetime.fromtimestamp(int(value), UTC) for value in liked],
        },
    )
    users, songs, source = _unique_pairs(*_draw(rng, catalogue, tastes, ratings))
    stars = np.where(
        source < 2, rng.integers(4, 6, size=len(users)), rng.integers(1, 4, size=len(users))
    )
    first = load.next_id(Rating)
    rated = datetime.now(UTC)
    load.write(
        Rating,
        {
            "id": np.arange(first, first + len(users)),
            "user_id": tastes.user_ids[users],
            "song_id": catalogue.song_ids[songs],
            "stars": stars,
            "updated_at": [rated] * len(users),
        },
    )


def seed_playlists(load, rng, catalogue, community, playlists, per_playlist) -> None:
    tastes = community._tastes
    if not playlists or not len(tastes.user_ids):
        return
    owners = rng.choice(len(tastes.user_ids), size=playlists, p=tastes.activity)
    first = load.next_id(Playlist)
    playlist_ids = np.arange(first, first + playlists)
    now = datetime.now(UTC) - timedelta(days=1)
    themes = [GENRES[tastes.genres[owner, 0]] for owner in owners]
    load.write(
        Playlist,
        {
            "id": playlist_ids,
            "owner_id": tastes.user_ids[owners],
            "name": [f"{theme} mix" for theme in themes],
            "description": [""] * playlists,
            "is_public": rng.random(playlists) < 0.3,
            "created_at": [now] * playlists,
            "updated_at": [now] * playlists,
        },
    )
    # Entries follow the owner's taste: draw per entry with the playlist's owner as listener.
    entries = playlists * per_playlist
    load.prepare_for(entries)
    owner_of_entry = np.repeat(owners, per_playlist)
    single = _Tastes(
        tastes.user_ids, tastes.genres, tastes.artists, np.full(len(tastes.user_ids), 0.0)
    )
    songs = np.empty(entries, dtype=np.int64)
    source = rng.choice(3, size=entries, p=SOURCE_MIX)
    for kind, sampler, groups in (
        (
            0,
            catalogue.by_artist,
            lambda who: single.artists[who, rng.integers(FAVOURITE_ARTISTS, size=len(who))],
        ),
        (
            1,
            catalogue.by_genre,
            lambda who: single.genres[who, rng.integers(FAVOURITE_GENRES, size=len(who))],
        ),
    ):
        chosen = source == kind
        songs[chosen] = sampler.draw(rng, groups(owner_of_entry[chosen]))
    anywhere = (source == 2) | (songs < 0)
    songs[anywhere] = catalogue.overall.draw(rng, np.zeros(anywhere.sum(), dtype=int))
    first = load.next_id(PlaylistItem)
    load.write(
        PlaylistItem,
        {
            "id": np.arange(first, first + entries),
            "playlist_id": np.repeat(playlist_ids, per_playlist),
            "song_id": catalogue.song_ids[songs],
            "position": np.tile(np.arange(per_playlist), playlists),
            "added_at": [now] * entries,
        },
    )
