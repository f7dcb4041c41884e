"""The catalogue's browse endpoints (artists, albums, genres), song filters, errors."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import CuratorFactory
from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- artists, albums, genres ----------------------------------------------------------------


def test_artists_are_listed_by_name_with_counts():
    zed = SongFactory(artist=ArtistFactory(name="Zed")).artist
    abba = SongFactory(artist=ArtistFactory(name="abba")).artist

    body = _client().get("/api/v1/artists/").json()

    assert [row["id"] for row in body["results"]] == [abba.pk, zed.pk]
    assert body["results"][0]["song_count"] == 1
    assert body["results"][0]["album_count"] == 1


def test_artist_counts_leave_hidden_songs_out():
    artist = SongFactory(hidden=True).artist

    assert _client().get(f"/api/v1/artists/{artist.pk}/").json()["song_count"] == 0


def test_albums_filter_by_artist_name():
    wanted = AlbumFactory(album_artist=ArtistFactory(name="The Tidelines"))
    AlbumFactory()

    response = _client().get("/api/v1/albums/?artist=the tidelines")

    assert _ids(response) == [wanted.pk]


def test_album_detail_names_its_artist():
    album = AlbumFactory(title="Harbour Lights", album_artist=ArtistFactory(name="Tide"))

    body = _client().get(f"/api/v1/albums/{album.pk}/").json()

    assert (body["title"], body["artist"], body["artist_id"]) == (
        "Harbour Lights",
        "Tide",
        album.album_artist_id,
    )


def test_genres_are_listed_with_song_counts():
    genre = GenreFactory(name="Dream Pop")
    SongFactory(genres=[genre])
    SongFactory(genres=[genre])

    body = _client().get("/api/v1/genres/").json()

    assert body["results"] == [{"id": genre.pk, "name": "Dream Pop", "song_count": 2}]


def test_catalogue_is_read_only():
    curator = CuratorFactory()

    assert _client(curator).post("/api/v1/artists/", {"name": "x"}).status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/artists/", "/api/v1/albums/", "/api/v1/genres/"])
@pytest.mark.parametrize("rows", [2, 6])
def test_browse_lists_cost_constant_queries(path, rows, django_assert_num_queries):
    genre = GenreFactory()
    for _ in range(rows):
        SongFactory(genres=[genre], album__cover=None)

    with django_assert_num_queries(2):  # count, rows with their counts
        _client().get(path)


# --- song filters and ordering --------------------------------------------------------------


def test_songs_filter_by_artist_id_and_album_name():
    song = SongFactory(album=AlbumFactory(title="Harbour Lights"))
    SongFactory()

    assert _ids(_client().get(f"/api/v1/songs/?artist_id={song.artist_id}")) == [song.pk]
    assert _ids(_client().get("/api/v1/songs/?album=harbour lights")) == [song.pk]


def test_songs_filter_by_part_of_an_artist_or_album_name_in_any_case_or_accents():
    mira = SongFactory(
        artist=ArtistFactory(name="Mira Sól"), album=AlbumFactory(title="Ice Archive")
    )
    SongFactory(artist=ArtistFactory(name="Nova"), album=AlbumFactory(title="Comet"))

    assert _ids(_client().get("/api/v1/songs/?artist=Mira")) == [mira.pk]
    assert _ids(_client().get("/api/v1/songs/?artist=SOL")) == [mira.pk]
    assert _ids(_client().get("/api/v1/songs/?album=ice")) == [mira.pk]
    assert _ids(_client().get("/api/v1/songs/?album=%25")) == []


def test_songs_filter_by_year_and_genre_id():
    genre = GenreFactory()
    song = SongFactory(year=1999, genres=[genre])
    SongFactory(year=2001)

    assert _ids(_client().get("/api/v1/songs/?year=1999")) == [song.pk]
    assert _ids(_client().get(f"/api/v1/songs/?genre_id={genre.pk}")) == [song.pk]


def test_songs_order_by_title():
    b = SongFactory(title="B")
    a = SongFactory(title="A")

    assert _ids(_client().get("/api/v1/songs/?ordering=title")) == [a.pk, b.pk]


def test_hidden_songs_are_not_in_the_public_list():
    SongFactory(hidden=True)
    shown = SongFactory()

    assert _ids(_client().get("/api/v1/songs/")) == [shown.pk]


@pytest.mark.parametrize("query", ["year=2019.9", "year_min=2018.5", "year_max=1e3", "year=-1"])
def test_a_year_is_a_whole_number_not_cut_down(query):
    SongFactory(year=2019)

    response = _client().get(f"/api/v1/songs/?{query}")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(query.split("=")[0] + ": ")
    assert _client().get(f"/api/v1/albums/?{query}").status_code == 400


def test_a_bad_filter_value_is_400_with_a_message():
    response = _client().get("/api/v1/songs/?year=nineteen")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("year: ")


# --- the error format -----------------------------------------------------------------------


def test_errors_share_one_shape():
    not_found = _client().get("/api/v1/songs/999999/").json()
    forbidden = _client().get("/api/v1/ingest/jobs/").json()

    assert set(not_found) == {"detail", "code"}
    assert set(forbidden) == {"detail", "code"}


def test_api_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"cdn.jsdelivr.net" not in response.content
