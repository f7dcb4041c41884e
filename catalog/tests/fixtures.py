"""Small catalogues whose names exercise search: typos, accents, prefixes and ranking."""

import pytest

from catalog.search import refresh_search_text
from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory


@pytest.fixture
def catalogue():
    tidelines = ArtistFactory(name="The Tidelines")
    beyonce = ArtistFactory(name="Beyoncé")
    collective = ArtistFactory(name="Neon Rain Collective")
    harbour = AlbumFactory(title="Harbour Lights", album_artist=tidelines, year=2019)
    synthpop = GenreFactory(name="Synthpop")
    soul = GenreFactory(name="Soul")
    SongFactory(
        title="Neon Rain", artist=tidelines, album=harbour, year=2019, duration=200,
        genres=[synthpop],
    )  # fmt: skip
    SongFactory(
        title="Neon Nights", artist=tidelines, album=harbour, year=2019, duration=320,
        genres=[synthpop],
    )  # fmt: skip
    SongFactory(title="Halo", artist=beyonce, year=2008, duration=261, genres=[soul])
    SongFactory(title="Blue Hour", artist=collective, year=2022, duration=150, genres=[soul])
    SongFactory(title="Café del Mar", artist=beyonce, year=1999, duration=700)
    refresh_search_text()


@pytest.fixture
def spelled_catalogue():
    """A few songs whose names exercise typos, accents and ranking."""
    tidelines = ArtistFactory(name="The Tidelines")
    beyonce = ArtistFactory(name="Beyoncé")
    neon_band = ArtistFactory(name="Neon Rain Collective")
    harbour = AlbumFactory(title="Harbour Lights", album_artist=tidelines, year=2019)
    shoegaze = GenreFactory(name="Shoegaze")
    jazz = GenreFactory(name="Jazz")
    songs = {
        "neon rain": SongFactory(
            title="Neon Rain",
            artist=tidelines,
            album=harbour,
            year=2019,
            duration=200,
            genres=[shoegaze],
        ),
        "neon nights": SongFactory(
            title="Neon Nights",
            artist=tidelines,
            album=harbour,
            year=2019,
            duration=320,
            genres=[shoegaze],
        ),
        "halo": SongFactory(title="Halo", artist=beyonce, year=2008, duration=261, genres=[jazz]),
        "by the band": SongFactory(title="Blue Hour", artist=neon_band, year=2022, duration=150),
        "café": SongFactory(title="Café del Mar", artist=beyonce, year=1999, duration=400),
    }
    refresh_search_text()
    return songs


def titles(songs) -> list[str]:
    return [song.title for song in songs]
