"""The public song API, streaming with ranges, tokens and the home page."""

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_songs(put_song, post_events, created):
    for number, fmt in enumerate(["mp3", "flac", "ogg"], start=1):
        key, size = put_song(
            f"music/{number}.{fmt}",
            SampleTags(title=f"Song {number}", genres=("Dream Pop",), cover=make_cover()),
        )
        post_events(created(key, size))
    return list(Song.objects.order_by("pk"))


def test_song_list_is_public_and_shaped_for_players(client, three_songs):
    response = client.get("/api/v1/songs/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    newest = body["results"][0]
    assert newest["title"] == "Song 3"
    assert newest["artist"] == "The Tidelines"
    assert newest["album"] == "Harbour Lights"
    assert newest["genre"] == "Dream Pop"
    assert newest["duration"] == pytest.approx(2.0, abs=0.3)
    assert newest["cover_url"].startswith("/covers/")
    assert newest["stream_url"] == f"/api/v1/songs/{newest['id']}/stream/"


def test_song_list_query_count_does_not_grow_with_songs(
    client, three_songs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get("/api/v1/songs/")


def test_song_list_filters_by_genre(client, three_songs):
    assert client.get("/api/v1/songs/?genre=dream pop").json()["count"] == 3
    assert client.get("/api/v1/songs/?genre=metal").json()["count"] == 0


def test_stream_serves_whole_file_and_ranges(client, three_songs, media_root):
    song = three_songs[0]
    data = (media_root / song.storage_key).read_bytes()

    whole = client.get(song.stream_url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/mpeg"
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == data

    part = client.get(song.stream_url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert b"".join(part.streaming_content) == data[100:200]

    tail = client.get(song.stream_url, headers={"Range": "bytes=-50"})
    assert b"".join(tail.streaming_content) == data[-50:]

    beyond = client.get(song.stream_url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(data)}"


def test_cover_is_served_with_immutable_caching(client, three_songs):
    response = client.get(three_songs[0].cover.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "immutable" in response["Cache-Control"]


def test_token_login_for_scripts(client):
    get_user_model().objects.create_user("script", password="a-long-pass-phrase")

    good = client.post(
        "/api/v1/auth/token/", {"username": "script", "password": "a-long-pass-phrase"}
    )
    bad = client.post("/api/v1/auth/token/", {"username": "script", "password": "nope"})

    assert good.status_code == 200 and len(good.json()["token"]) == 40
    assert bad.status_code == 400


def test_home_page_lists_songs_with_escaped_titles(client, put_song, post_events, created):
    key, size = put_song("music/x.mp3", SampleTags(title="<script>alert(1)</script>"))
    post_events(created(key, size))

    page = client.get("/")

    assert page.status_code == 200
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    assert b"<script>alert(1)" not in page.content


def test_openapi_schema_validates(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    validate(response.json())


def test_hidden_song_is_neither_listed_nor_streamed(client, three_songs):
    hidden = three_songs[0]
    Song.objects.filter(pk=hidden.pk).update(hidden=True)

    listed = [song["id"] for song in client.get("/api/v1/songs/").json()["results"]]

    assert hidden.pk not in listed
    assert client.get(hidden.stream_url).status_code == 404


def test_a_song_is_written_as_drf_writes_its_declared_fields(three_songs, django_user_model):
    """SongSerializer writes songs directly; the result must be what DRF's field walk gives."""
    from rest_framework import serializers

    from catalog.api.serializers import SongSerializer
    from catalog.tests.factories import SongFactory
    from library.queries import listener_songs
    from library.services import song_like, song_rate

    listener = django_user_model.objects.create_user("walker", password="x")
    song_like(listener, three_songs[0])
    song_rate(listener, three_songs[1], 4)
    SongFactory(album=None, track_number=None, year=None)  # no album, cover or genre
    serializer = SongSerializer()
    songs = list(listener_songs(listener).order_by("pk"))

    for song in songs:
        walked = serializers.ModelSerializer.to_representation(serializer, song)
        assert serializer.to_representation(song) == walked
    assert {song.get("liked") for song in map(serializer.to_representation, songs)} == {
        True,
        False,
    }


def test_the_song_list_writes_each_song_as_the_serializer_writes_a_song(
    client, three_songs, django_user_model
):
    """The list reads plain values (catalog.queries.listed_songs), not Songs: same JSON."""
    from catalog.api.serializers import SongSerializer
    from catalog.tests.factories import ArtistFactory, GenreFactory, SongFactory
    from library.queries import listener_songs
    from library.services import song_like, song_rate

    listener = django_user_model.objects.create_user("reader", password="x")
    song_like(listener, three_songs[0])
    song_rate(listener, three_songs[1], 2)
    bare = SongFactory(album=None, track_number=None, year=None)  # no album, cover or genre
    crowded = SongFactory()
    crowded.genres.add(GenreFactory(name="zydeco"), GenreFactory(name="Ambient"))
    for position, name in enumerate(["Second", "Third"], start=1):
        crowded.songartist_set.create(artist=ArtistFactory(name=name), position=position)
    client.force_login(listener)

    listed = {song["id"]: song for song in client.get("/api/v1/songs/").json()["results"]}

    assert listed == {song.pk: SongSerializer(song).data for song in listener_songs(listener)}
    assert listed[crowded.pk]["genres"] == ["Ambient", "zydeco"]
    assert [artist["name"] for artist in listed[crowded.pk]["artists"]][1:] == ["Second", "Third"]
    assert listed[bare.pk]["album"] is None and listed[bare.pk]["genres"] == []
    assert (listed[three_songs[0].pk]["liked"], listed[three_songs[0].pk]["rating"]) == (True, None)
    assert (listed[three_songs[1].pk]["liked"], listed[three_songs[1].pk]["rating"]) == (False, 2)


@pytest.mark.parametrize("value", ["99999999999999999999", "0", "-3", "1.5", "abc"])
@pytest.mark.parametrize("name", ["genre_id", "artist_id", "album_id"])
def test_an_id_no_row_can_have_is_a_400_that_names_the_filter(client, name, value):
    response = client.get("/api/v1/songs/", {name: value, "search": "song"})

    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_an_album_artist_id_no_row_can_have_is_a_400(client):
    response = client.get("/api/v1/albums/", {"artist_id": "99999999999999999999"})

    assert response.status_code == 400 and "artist_id" in response.json()["errors"]


def test_a_rejected_filter_leaves_the_next_request_unaffected(client, three_songs):
    """The filters' form class is shared between requests; their data and errors are not."""
    assert client.get("/api/v1/songs/?genre_id=abc&year=x").status_code == 400
    body = client.get("/api/v1/songs/?genre=dream pop").json()
    assert body["count"] == 3
    errors = client.get("/api/v1/songs/?year=x").json()["errors"]
    assert errors == {"year": ["Enter a whole number."]}
