"""Fixtures for the Subsonic API: a small real catalogue ingested through the webhook, a listener
with a Subsonic password, and a client that signs its calls as Subsonic apps do."""

import hashlib
import secrets
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.services import subsonic_password_reset
from accounts.tests.factories import UserFactory
from accounts.tests.fixtures import fast_password_hashing, fresh_throttles  # noqa: F401
from catalog.models import Album, Artist, Song, SongArtist
from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory
from demo.audio_samples import SampleTags, make_cover

LYRICS = "Neon rain on the harbour\nLights that never sleep"


@dataclass
class Catalogue:
    """The songs, albums and artists the fixture ingested, by what the tests call them."""

    songs: dict[str, Song]
    albums: dict[str, Album]
    artists: dict[str, Artist]


@pytest.fixture
def catalogue(db, request) -> Catalogue:
    """Ingest five real songs (MP3, FLAC, Ogg) on two albums by two artists, through the webhook."""
    put, post, record = (
        request.getfixturevalue(name) for name in ("put_song", "post_events", "created")
    )
    harbour = make_cover((10, 120, 200), size=400)
    desert = make_cover((200, 160, 40), size=400)
    files = {
        "neon": (
            "music/tidelines/01-neon.mp3",
            SampleTags(title="Neon Rain", track=1, cover=harbour, lyrics=LYRICS),
        ),
        "harbour": (
            "music/tidelines/02-harbour.flac",
            SampleTags(title="Harbour Lights", track=2, cover=harbour),
        ),
        "tide": (
            "music/tidelines/03-tide.ogg",
            SampleTags(title="Low Tide", track=3, cover=harbour, genres=("Synthpop", "Ambient")),
        ),
        "dune": (
            "music/mira/01-dune.mp3",
            SampleTags(
                title="Dune Song",
                artists=("Mira Sol",),
                album="Desert Bloom",
                track=1,
                year=2019,
                genres=("Folk",),
                cover=desert,
            ),
        ),
        "oasis": (
            "music/mira/02-oasis.flac",
            SampleTags(
                title="Oasis",
                artists=("Mira Sol", "The Tidelines"),
                album="Desert Bloom",
                album_artist="Mira Sol",
                track=2,
                year=2019,
                genres=("Folk",),
                cover=desert,
            ),
        ),
    }
    records = [record(*put(key, tags)) for key, tags in files.values()]
    response = post(*records)
    assert response.status_code == 202, response.content
    songs = {name: Song.objects.get(storage_key=key) for name, (key, _) in files.items()}
    return Catalogue(
        songs=songs,
        albums={
            "harbour": songs["neon"].album,
            "desert": songs["dune"].album,
        },
        artists={"tidelines": songs["neon"].artist, "mira": songs["dune"].artist},
    )


@dataclass
class Listener:
    user: object
    password: str


@pytest.fixture
def listener(db) -> Listener:
    user = UserFactory(username="ada")
    return Listener(user, subsonic_password_reset(user))


@pytest.fixture
def other_listener(db) -> Listener:
    user = UserFactory(username="bob")
    return Listener(user, subsonic_password_reset(user))


def make_api_key(user) -> str:
    """Make a REST API token for the user (the apiKey Subsonic apps send); return its key."""
    try:
        from accounts.services import token_create
    except ImportError:
        from rest_framework.authtoken.models import Token

        return Token.objects.create(user=user).key
    return token_create(user, "Subsonic app").key


def token_params(username: str, password: str) -> dict:
    salt = secrets.token_hex(6)
    token = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
    return {"u": username, "t": token, "s": salt, "v": "1.16.1", "c": "pytest"}


class SubsonicClient:
    """Call /rest/<method>.view as an app does: token auth, JSON unless told otherwise."""

    def __init__(self, client: Client, listener: Listener):
        self.client = client
        self.listener = listener

    def auth(self) -> dict:
        return token_params(self.listener.user.username, self.listener.password)

    def get(self, method: str, fmt: str = "json", headers: dict | None = None, **params):
        query = {**self.auth(), "f": fmt, **params}
        return self.client.get(f"/rest/{method}.view", query, headers=headers or {})

    def call(self, method: str, **params) -> dict:
        """Return the JSON subsonic-response of a call that must succeed."""
        response = self.get(method, **params)
        assert response.status_code == 200, response.content[:300]
        body = response.json()["subsonic-response"]
        assert body["status"] == "ok", body
        return body

    def error(self, method: str, **params) -> dict:
        """Return the error element of a call that must fail (with HTTP 200)."""
        response = self.get(method, **params)
        assert response.status_code == 200, response.content[:300]
        body = response.json()["subsonic-response"]
        assert body["status"] == "failed", body
        return body["error"]


@pytest.fixture
def sub(client, listener) -> SubsonicClient:
    return SubsonicClient(client, listener)


def add_songs(count: int, *, prefix: str = "sync") -> list[Song]:
    """Create songs in bulk on a few albums, each credited to its lead artist and a genre."""
    artist, guest = ArtistFactory(name=f"{prefix} artist"), ArtistFactory(name=f"{prefix} guest")
    albums = [AlbumFactory(title=f"{prefix} album {n}", album_artist=artist) for n in range(3)]
    genre = GenreFactory(name="Sync Pop")
    songs = Song.objects.bulk_create(
        SongFactory.build(
            title=f"{prefix} song {n}",
            artist=artist,
            album=albums[n % 3],
            storage_key=f"music/{prefix}/{n}.mp3",
        )
        for n in range(count)
    )
    SongArtist.objects.bulk_create(
        [SongArtist(song=song, artist=artist, position=0) for song in songs]
        + [SongArtist(song=song, artist=guest, position=1) for song in songs[::7]]
    )
    Song.genres.through.objects.bulk_create(
        Song.genres.through(song_id=song.pk, genre_id=genre.pk) for song in songs
    )
    return songs
