"""The catalogue's browse endpoints (artists, albums, genres), song filters, uploads, errors."""

import boto3
import pytest
from moto import mock_aws
from rest_framework.test import APIClient

from accounts.tests.factories import CuratorFactory, UserFactory
from catalog.models import IngestJob, Song
from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory
from demo import audio_samples

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


# --- uploads --------------------------------------------------------------------------------


@pytest.fixture
def flac_file(tmp_path):
    path = tmp_path / "01 - Upload Song.flac"
    audio_samples.write_sample(path, "flac", audio_samples.SampleTags(title="Uploaded"))
    return path


def test_curator_upload_on_local_storage_is_ingested(
    flac_file, media_root, django_capture_on_commit_callbacks
):
    client = _client(CuratorFactory())

    with django_capture_on_commit_callbacks(execute=True), flac_file.open("rb") as upload:
        response = client.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert body["key"].startswith("music/uploads/")
    assert (media_root / body["key"]).exists()
    job = IngestJob.objects.get(pk=body["jobs"][0]["id"])
    assert job.status == IngestJob.Status.DONE
    assert Song.objects.get(storage_key=body["key"]).title == "Uploaded"


def test_listener_cannot_upload(flac_file):
    client = _client(UserFactory())

    with flac_file.open("rb") as upload:
        response = client.post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code == 403
    assert not IngestJob.objects.exists()


def test_anonymous_cannot_upload(flac_file):
    with flac_file.open("rb") as upload:
        response = _client().post("/api/v1/uploads/", {"file": upload}, format="multipart")

    assert response.status_code in (401, 403)


def test_upload_without_a_file_is_400():
    response = _client(CuratorFactory()).post("/api/v1/uploads/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("file: ")


def test_upload_of_a_non_audio_name_is_400(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    with path.open("rb") as upload:
        response = _client(CuratorFactory()).post(
            "/api/v1/uploads/", {"file": upload}, format="multipart"
        )

    assert response.status_code == 400
    assert "not an audio file" in response.json()["detail"]
    assert not IngestJob.objects.exists()


def test_upload_over_the_size_limit_is_400(flac_file, settings):
    settings.INGEST_MAX_FILE_BYTES = 100

    with flac_file.open("rb") as upload:
        response = _client(CuratorFactory()).post(
            "/api/v1/uploads/", {"file": upload}, format="multipart"
        )

    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_upload_key_keeps_no_path_from_the_client_name():
    from catalog.services import upload_key

    key = upload_key("../../etc/evil name?.mp3")

    assert key.startswith("music/uploads/")
    assert ".." not in key and "?" not in key
    assert key.endswith("-evil name.mp3")


@pytest.fixture
def s3_store(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="uploads-test")
        settings.AWS_STORAGE_BUCKET_NAME = "uploads-test"
        settings.INGEST_BUCKET_NAME = "uploads-test"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        yield client


def test_curator_upload_on_s3_answers_a_presigned_put(s3_store):
    response = _client(CuratorFactory()).post(
        "/api/v1/uploads/",
        {"filename": "New Song.mp3", "content_type": "audio/mpeg"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["method"] == "PUT"
    assert body["key"].startswith("music/uploads/") and body["key"].endswith("-New Song.mp3")
    assert "Signature=" in body["upload_url"]
    assert body["headers"] == {"Content-Type": "audio/mpeg"}
    assert not IngestJob.objects.exists()  # the bucket's own event brings the file in


def test_s3_upload_without_a_filename_is_400(s3_store):
    response = _client(CuratorFactory()).post("/api/v1/uploads/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("filename: ")


def test_api_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"cdn.jsdelivr.net" not in response.content
