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

import io
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from catalog.models import Album, Artist, Genre, SearchWord, Song, SongArtist, name_key
from catalog.search import add_search_words, song_document
from library.models import Like, Play, Rating
from playlists.models import Playlist, PlaylistItem

logger = logging.getLogger(__name__)

GENRES = [
    "Pop", "Rock", "Hip Hop", "Electronic", "Indie", "R&B", "Jazz", "Folk", "Metal",
    "Classical", "Country", "Soul", "Reggae", "Blues", "Punk", "Latin", "Ambient", "Funk",
    "Shoegaze", "Synthpop", "Dream Pop", "Techno", "Bossa Nova", "Chanson",
]  # fmt: skip
ADJECTIVES = [
    "Neon", "Golden", "Silver", "Velvet", "Electric", "Quiet", "Broken", "Wild", "Blue",
    "Crimson", "Midnight", "Hollow", "Paper", "Glass", "Lonely", "Burning", "Frozen", "Secret",
    "Distant", "Gentle", "Restless", "Sacred", "Silent", "Endless", "Faded", "Bright", "Dark",
    "Little", "Northern", "Southern", "Summer", "Winter", "Autumn", "Early", "Last", "First",
    "Strange", "Sweet", "Bitter", "Lucky", "Heavy", "Empty", "Open", "Secondhand", "Tender",
    "Dizzy", "Crystal", "Cosmic", "Mellow", "Rusty", "Scarlet", "Amber", "Emerald", "Ivory",
    "Señorita", "Café", "Étoile", "Dorée", "Fräulein", "Mañana",
]  # fmt: skip
NOUNS = [
    "Rain", "Heart", "River", "Harbour", "Light", "Night", "Fire", "Ocean", "Dream", "Road",
    "City", "Garden", "Mirror", "Shadow", "Echo", "Signal", "Horizon", "Satellite", "Window",
    "Flower", "Thunder", "Mountain", "Desert", "Island", "Forest", "Station", "Letter", "Machine",
    "Lantern", "Feather", "Orchid", "Comet", "Tide", "Wave", "Storm", "Star", "Moon", "Sun",
    "Voice", "Ghost", "Angel", "Stranger", "Lover", "Diamond", "Highway", "Bridge", "Tower",
    "Circus", "Carousel", "Paradise", "Memory", "Season", "Morning", "Evening", "Afternoon",
    "Skyline", "Avenue", "Boulevard", "Engine", "Radio", "Telephone", "Postcard", "Daydream",
    "Hurricane", "Volcano", "Glacier", "Meadow", "Canyon", "Valley", "Lagoon", "Corazón",
    "Chanson", "Fiesta", "Sehnsucht", "Saudade",
]  # fmt: skip
VERBS = [
    "Falling", "Running", "Dancing", "Waiting", "Dreaming", "Chasing", "Holding", "Leaving",
    "Calling", "Burning", "Drifting", "Fading", "Shining", "Breaking", "Rising", "Wandering",
]  # fmt: skip
FIRST_NAMES = [
    "Mira", "Jonas", "Lena", "Theo", "Ada", "Felix", "Nora", "Oskar", "Ines", "Hugo", "Clara",
    "Elias", "Zoé", "Mateo", "Léa", "Amara", "Kai", "Yuki", "Sofia", "Björn", "Chloé", "Dario",
    "Esme", "Farid", "Greta", "Hana", "Ivan", "Jade", "Kofi", "Luca", "Maya", "Nils",
]  # fmt: skip
LAST_NAMES = [
    "Sol", "Rivers", "Moreau", "Lindqvist", "Okafor", "Navarro", "Kowalski", "Haddad", "Berg",
    "Castillo", "Dubois", "Eriksen", "Fontaine", "García", "Hoffmann", "Ishikawa", "Jansen",
    "Keller", "Laurent", "Müller", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Silva",
]  # fmt: skip
GROUP_WORDS = ["Collective", "Orchestra", "Quartet", "Club", "Society", "Band", "Ensemble"]
# Invented words give the vocabulary a long tail, as real catalogues have (names, slang).
SYLLABLES = [
    "ka", "lo", "mi", "ra", "ven", "tor", "sa", "lu", "ne", "ri", "do", "zan", "qui", "bel",
    "mar", "ost", "ela", "fin", "gar", "hal", "iro", "jun", "kel", "lom", "nor", "pav", "ros",
    "sil", "tam", "ula", "vik", "wen", "yas", "zor", "ber", "cal", "dan", "esk", "fal", "gun",
]  # fmt: skip

ARTIST_SONGS = 80
ALBUM_SONGS = 10
FAVOURITE_GENRES = 2
FAVOURITE_ARTISTS = 4
SOURCE_MIX = (0.50, 0.35, 0.15)  # favourite artists, favourite genres, whole catalogue
COPY_ROWS = 100_000
BULK_ROWS = 5_000
SYNTHETIC_PREFIX = "synthetic/"


@dataclass
class Community:
    """The planted truth of a seeded community: each listener's favourite genres and artists."""

    user_ids: list[int] = field(default_factory=list)
    favourite_genres: dict[int, list[int]] = field(default_factory=dict)
    favourite_artists: dict[int, list[int]] = field(default_factory=dict)
    song_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--songs", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=100)
        parser.add_argument("--plays", type=int, default=None, help="default: 50 per user")
        parser.add_argument("--likes", type=int, default=None, help="default: 20 per user")
        parser.add_argument("--ratings", type=int, default=None, help="default: 5 per user")
        parser.add_argument("--playlists", type=int, default=None, help="default: 1 per user")
        parser.add_argument("--playlist-songs", type=int, default=20, help="songs per playlist")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )

    def handle(self, *args, **options):
        sizes = {
            "songs": options["songs"],
            "users": options["users"],
            "plays": options["plays"] if options["plays"] is not None else 50 * options["users"],
            "likes": options["likes"] if options["likes"] is not None else 20 * options["users"],
            "ratings": options["ratings"]
            if options["ratings"] is not None
            else 5 * options["users"],
            "playlists": options["playlists"]
            if options["playlists"] is not None
            else options["users"],
        }
        if any(value < 0 for value in sizes.values()):
            raise CommandError("Sizes cannot be negative.")
        if sizes["songs"] < 1 and any(sizes[name] for name in ("plays", "likes", "ratings")):
            raise CommandError("Listening needs songs: give --songs 1 or more.")
        started = time.perf_counter()
        community = seed(
            **sizes, playlist_songs=options["playlist_songs"], random_seed=options["seed"]
        )
        counts = ", ".join(f"{count} {name}" for name, count in community.counts.items())
        self.stdout.write(f"Seeded {counts} in {time.perf_counter() - started:.1f} s.")


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
    with transaction.atomic(), _FastLoad() as load:
        catalogue = _seed_catalogue(load, rng, songs)
        community = _seed_community(load, rng, catalogue, users)
        if songs:
            _seed_listening(load, rng, catalogue, community, plays, likes, ratings)
            _seed_playlists(load, rng, catalogue, community, playlists, playlist_songs)
        community.counts = {"songs": songs, "users": users, **load.counts}
    if connection.vendor == "postgresql":
        _refresh_statistics()
    return community


def _refresh_statistics() -> None:
    """Let the planner see the new rows (and flush GIN pending lists when not in a transaction)."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in [*_FastLoad.TABLES, Artist, Album, Genre, SearchWord, get_user_model()]:
            cursor.execute(f"{command} {model._meta.db_table}")


# --- writing rows -------------------------------------------------------------------------------


class _FastLoad:
    """Insert columns of rows: COPY on PostgreSQL (indexes rebuilt after), bulk_create elsewhere."""

    TABLES = [Song, SongArtist, Song.genres.through, Play, Like, Rating, PlaylistItem]

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.dropped: list[str] = []
        self.counts: dict[str, int] = {}
        self.big = False

    def __enter__(self) -> _FastLoad:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None and self.postgres:
            with connection.cursor() as cursor:
                for definition in self.dropped:
                    cursor.execute(definition)
                for model in self.TABLES + [Artist, Album, get_user_model(), Playlist]:
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM {table}"
                    )
                cursor.execute("SET session_replication_role = DEFAULT")

    def prepare_for(self, rows: int) -> None:
        """Before a big load on PostgreSQL, drop secondary indexes and skip FK triggers.

        Building an index once after the load is many times faster than updating it per row;
        the indexes are recreated, from their own definitions, before the transaction commits.
        """
        if not self.postgres or rows < 50_000 or self.big:
            return
        self.big = True
        tables = [model._meta.db_table for model in self.TABLES]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = (quote_ident(i.schemaname) || '.'
                                        || quote_ident(i.indexname))::regclass
                )
                """,
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self.dropped.append(definition)

    def next_id(self, model: type[models.Model]) -> int:
        return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def write(self, model: type[models.Model], columns: dict[str, list | np.ndarray]) -> None:
        """Insert rows given as equal-length columns named by field attname."""
        names = list(columns)
        count = len(columns[names[0]]) if names else 0
        label = model._meta.verbose_name_plural
        self.counts[str(label)] = self.counts.get(str(label), 0) + count
        if not count:
            return
        if self.postgres:
            self._copy(model, names, columns, count)
            return
        for start in range(0, count, BULK_ROWS):
            stop = min(start + BULK_ROWS, count)
            model.objects.bulk_create(
                [
                    model(**{name: _python(columns[name][row]) for name in names})
                    for row in range(start, stop)
                ],
                batch_size=BULK_ROWS,
            )

    def _copy(self, model, names, columns, count) -> None:
        table = model._meta.db_table
        fields = {f.attname: f.column for f in model._meta.concrete_fields}
        sql = f"COPY {table} ({', '.join(fields[name] for name in names)}) FROM STDIN"
        texts = [_copy_texts(columns[name]) for name in names]
        with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
            for start in range(0, count, COPY_ROWS):
                stop = min(start + COPY_ROWS, count)
                block = io.StringIO()
                for row in zip(*(text[start:stop] for text in texts), strict=True):
                    block.write("\t".join(row))
                    block.write("\n")
                copy.write(block.getvalue())


def _python(value):
    return value.item() if isinstance(value, np.generic) else value


def _copy_texts(values) -> list[str]:
    """Return COPY text-format cells for a column (NULL as \\N, special characters escaped)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return values.astype(str).tolist()
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return np.where(values, "t", "f").tolist()
    cells = []
    for value in values:
        if value is None:
            cells.append("\\N")
        elif isinstance(value, bool):
            cells.append("t" if value else "f")
        elif isinstance(value, datetime):
            cells.append(value.isoformat())
        else:
            text = str(value)
            if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
                text = (
                    text.replace("\\", "\\\\")
                    .replace("\t", "\\t")
                    .replace("\n", "\\n")
                    .replace("\r", "\\r")
                )
            cells.append(text)
    return cells


def _timestamps(seconds: np.ndarray) -> list[str]:
    """Return ISO timestamps (UTC) for epoch seconds."""
    stamps = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return np.char.add(stamps, "+00:00").tolist()


# --- the catalogue ------------------------------------------------------------------------------


@dataclass
class _Catalogue:
    song_ids: np.ndarray
    song_artist: np.ndarray  # index into artist_ids
    song_genre: np.ndarray  # index into genre_ids (primary genre)
    popularity: np.ndarray
    artist_ids: np.ndarray
    artist_genre: np.ndarray
    artist_popularity: np.ndarray
    genre_ids: np.ndarray
    genre_weights: np.ndarray
    by_artist: _Sampler | None = None
    by_genre: _Sampler | None = None
    overall: _Sampler | None = None


class _Sampler:
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


def _names(rng: np.random.Generator, count: int, make, taken: set[str]) -> list[str]:
    names = []
    for _ in range(count):
        name = make(rng)
        key = name_key(name)
        attempt = 1
        while key in taken:
            attempt += 1
            name = f"{make(rng)}" if attempt < 4 else f"{name} {attempt}"
            key = name_key(name)
        taken.add(key)
        names.append(name)
    return names


def _pick(rng, words):
    return words[rng.integers(len(words))]


def _artist_name(rng) -> str:
    kind = rng.integers(6)
    if kind == 4:
        return f"{_invented(rng)} {_invented(rng)}"
    if kind == 5:
        return f"{_pick(rng, FIRST_NAMES)} {_invented(rng)}"
    if kind == 0:
        return f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)}"
    if kind == 1:
        return f"The {_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}s"
    if kind == 2:
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)} {_pick(rng, GROUP_WORDS)}"
    return f"{_pick(rng, NOUNS)} {_pick(rng, NOUNS)}"


def _invented(rng) -> str:
    syllables = rng.integers(len(SYLLABLES), size=rng.integers(2, 4))
    return "".join(SYLLABLES[index] for index in syllables).capitalize()


def _title(rng) -> str:
    kind = rng.integers(7)
    if kind == 5:
        return f"{_invented(rng)} {_pick(rng, NOUNS)}"
    if kind == 6:
        return f"{_pick(rng, ADJECTIVES)} {_invented(rng)}"
    if kind in (0, 1):
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    if kind == 2:
        return f"{_pick(rng, VERBS)} {_pick(rng, NOUNS)}"
    if kind == 3:
        return f"{_pick(rng, NOUNS)} of the {_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    return f"{_pick(rng, VERBS)} in the {_pick(rng, NOUNS)}"


def _seed_catalogue(load: _FastLoad, rng: np.random.Generator, songs: int) -> _Catalogue:
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
    artist_names = _names(rng, artist_count, _artist_name, taken)
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
        title = _title(rng)
        while (artist, name_key(title)) in seen:
            title = f"{title} II" if rng.random() < 0.5 else _title(rng)
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
    titles = [_title(rng) for _ in range(songs)]
    first_song = load.next_id(Song)
    song_ids = np.arange(first_song, first_song + songs)
    added = int(now.timestamp()) - rng.integers(0, 3 * 365 * 86400, size=songs)
    added_at = (
        _timestamps(np.sort(added))
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
    catalogue = _Catalogue(
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
        catalogue.by_artist = _Sampler(song_artist, popularity, artist_count)
        catalogue.by_genre = _Sampler(song_genre, popularity, len(genres))
        catalogue.overall = _Sampler(np.zeros(songs, dtype=int), popularity, 1)
    return catalogue


# --- the community ------------------------------------------------------------------------------


@dataclass
class _Tastes:
    user_ids: np.ndarray
    genres: np.ndarray  # (users, FAVOURITE_GENRES) genre indexes
    artists: np.ndarray  # (users, FAVOURITE_ARTISTS) artist indexes
    activity: np.ndarray  # share of the community's listening, sums to 1


def _seed_community(load, rng, catalogue: _Catalogue, users: int) -> Community:
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


def _draw(rng, catalogue: _Catalogue, tastes: _Tastes, count: int):
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


def _seed_listening(load, rng, catalogue, community, plays, likes, ratings) -> None:
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
            "played_at": _timestamps(played)
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
            "created_at": _timestamps(liked)
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


def _seed_playlists(load, rng, catalogue, community, playlists, per_playlist) -> None:
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
