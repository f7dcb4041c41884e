"""A small community with planted tastes, for the recommender's tests."""

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ArtistFactory, GenreFactory, SongFactory
from library.tests.factories import LikeFactory


def fans(songs, count: int, prefix: str = "fan") -> list:
    """Create `count` listeners who each like every one of `songs`."""
    listeners = [UserFactory(username=f"{prefix}{index}") for index in range(count)]
    for listener in listeners:
        for song in songs:
            LikeFactory(user=listener, song=song)
    return listeners


def songs_of(artist_name: str, count: int, genre_name: str | None = None, **kw) -> list:
    """Create songs by one (new) artist, on one album, optionally in one genre."""
    artist = ArtistFactory(name=artist_name)
    genres = [GenreFactory(name=genre_name)] if genre_name else None
    first = SongFactory(artist=artist, genres=genres, **kw)
    rest = [
        SongFactory(artist=artist, album=first.album, genres=genres, **kw) for _ in range(count - 1)
    ]
    return [first, *rest]
