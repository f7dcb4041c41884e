"""Seed a synthetic catalogue and a community of listeners with planted tastes, fast.

`manage.py seed_catalog --songs 1000000 --users 10000 --plays 5000000` writes artists, albums,
genres, songs (no audio: each storage key starts with `synthetic/`, points at nothing, and
streaming answers 404), users, plays, likes, ratings and playlists, with PostgreSQL COPY (or
bulk_create in big batches on other databases), and fills the search documents and lexicon.

The taste model, for evaluating recommendations (recall@10 against planted tastes):

- Genres: the names in GENRES; each has a weight (earlier names are more common).
- Artists: one song for every ARTIST_SONGS on average; each artist has one primary genre
  (drawn by genre weight) and a popularity drawn from a Zipf law (exponent 1.1), so a few
  artists get most of the listening. Albums: about ALBUM_SONGS songs each, by one artist.
- Songs: title, year (the album's), duration (log-normal around 3.5 minutes), the artist's
  primary genre (plus a second, random genre for 10%) and a second credited artist for 5%.
  A song's popularity = its artist's popularity x 1 / track_number^0.8 x log-normal noise.
- Listeners: each has 2 favourite genres (drawn by genre weight) and 4 favourite artists
  (drawn by popularity among the artists of those genres). Activity per listener is
  log-normal, so some listen far more than others.
- Every play, like, rating and playlist entry comes from one of three sources: 50% a favourite
  artist's songs, 35% the favourite genres' songs, 15% the whole catalogue; within a source a
  song is drawn by popularity. Likes and playlists follow the same mix; ratings from the taste
  sources are 4-5 stars, those from the whole catalogue 1-3. Plays fall over the last year,
  more of them recently.

`seed(...)` returns a `Community` holding each seeded listener's favourite genres and artists
(the planted truth), for benchmarks that evaluate recommendations against it.
"""

from __future__ import annotations

import numpy as np
from django.db import connection, transaction

from demo.synthetic.catalogue import SYNTHETIC_PREFIX, seed_catalogue
from demo.synthetic.community import Community, seed_community, seed_listening, seed_playlists
from demo.synthetic.load import FastLoad, refresh_statistics

__all__ = ["SYNTHETIC_PREFIX", "Community", "seed"]


def seed(
    songs: int,
    users: int = 0,
    plays: int = 0,
    likes: int = 0,
    ratings: int = 0,
    playlists: int = 0,
    playlist_songs: int = 20,
    random_seed: int = 1,
) -> Community:
    """Write a synthetic catalogue and community in one transaction; return its planted tastes."""
    rng = np.random.default_rng(random_seed)
    with transaction.atomic(), FastLoad() as load:
        catalogue = seed_catalogue(load, rng, songs)
        community = seed_community(load, rng, catalogue, users)
        if songs:
            seed_listening(load, rng, catalogue, community, plays, likes, ratings)
            seed_playlists(load, rng, catalogue, community, playlists, playlist_songs)
        community.counts = {"songs": songs, "users": users, **load.counts}
    if connection.vendor == "postgresql":
        refresh_statistics()
    return community
