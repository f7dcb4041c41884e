"""Song lists count exactly up to a bound, then estimate; paging stays right either way."""

import pytest
from django.db import connection

from catalog.tests.factories import SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven_songs():
    return [SongFactory(title=f"Song {number}") for number in range(7)]


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr("catalog.queries.EXACT_COUNT_LIMIT", 3)


def test_a_list_under_the_limit_is_counted_exactly(client, seven_songs):
    body = client.get("/api/v1/songs/?page_size=3").json()
    assert body["count"] == 7 and body["count_exact"] is True
    assert len(body["results"]) == 3


def test_past_the_limit_postgresql_estimates_and_sqlite_counts(client, seven_songs, small_limit):
    body = client.get("/api/v1/songs/").json()
    if connection.vendor == "postgresql":
        assert body["count_exact"] is False and body["count"] >= 4
    else:
        assert body["count_exact"] is True and body["count"] == 7
    assert len(body["results"]) == 7


def test_next_links_walk_every_song_once_whatever_the_count(client, seven_songs, small_limit):
    seen, url = [], "/api/v1/songs/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [song["id"] for song in body["results"]]
        url = body["next"]
        assert len(body["results"]) <= 2
    assert sorted(seen) == sorted(song.pk for song in seven_songs)
    assert len(seen) == 7


def test_a_page_past_the_end_is_not_found(client, seven_songs, small_limit):
    assert len(client.get("/api/v1/songs/?page=4&page_size=2").json()["results"]) == 1
    response = client.get("/api/v1/songs/?page=5&page_size=2")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("page", ["99999999999999999999", "100000000000000000"])
def test_a_page_number_past_any_database_offset_is_not_found(client, seven_songs, page):
    response = client.get(f"/api/v1/songs/?page={page}&page_size=500")
    assert response.status_code == 404
    assert "detail" in response.json()
    browse = client.get(f"/browse/?page={page}")
    assert browse.status_code == 200 and len(browse.context["songs"]) == 7


def test_the_schema_documents_whether_the_count_is_exact(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    page = schema["components"]["schemas"]["PaginatedSongList"]["properties"]
    assert page["count_exact"]["type"] == "boolean"


def test_the_last_page_counts_itself_without_a_count_query(
    client, seven_songs, django_assert_num_queries
):
    # songs, their credited artists and genres: the page read one row past its end
    with django_assert_num_queries(2):
        body = client.get("/api/v1/songs/?page=2&page_size=5").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (7, True, 2)
    assert body["next"] is None and body["previous"] is not None


def test_a_page_with_more_after_it_counts_them(client, seven_songs, django_assert_num_queries):
    with django_assert_num_queries(3):  # the page's two and the count
        body = client.get("/api/v1/songs/?page_size=5").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (7, True, 5)


def test_an_empty_list_counts_nothing(client, seven_songs, django_assert_num_queries):
    with django_assert_num_queries(1):  # the page alone: no songs, no credits or genres to read
        body = client.get("/api/v1/songs/?year=1066").json()
    assert (body["count"], body["count_exact"], body["results"]) == (0, True, [])


def test_past_the_limit_the_last_page_gives_the_count_the_first_gives(
    client, seven_songs, small_limit
):
    first = client.get("/api/v1/songs/?page_size=5").json()
    last = client.get("/api/v1/songs/?page=2&page_size=5").json()
    assert len(last["results"]) == 2
    assert (last["count"], last["count_exact"]) == (first["count"], first["count_exact"])
    if connection.vendor != "postgresql":
        assert (last["count"], last["count_exact"]) == (7, True)


def test_a_filtered_list_is_counted_exactly_under_the_limit(client, seven_songs):
    SongFactory(title="Rain 50% off", year=1999)
    SongFactory(title="Rain again", year=1999)
    SongFactory(title="Rain 50 percent", year=1999)
    body = client.get("/api/v1/songs/?year=1999&page_size=1").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (3, True, 1)


def test_the_bounded_count_of_nothing_asks_nothing(django_assert_num_queries):
    from catalog.models import Song
    from catalog.queries import SongCount, bounded_count

    with django_assert_num_queries(0):
        assert bounded_count(Song.objects.none()) == SongCount(0, True)


def test_the_bounded_count_keeps_the_filters_values(seven_songs):
    from catalog.models import Song
    from catalog.queries import SongCount, bounded_count

    SongFactory(title="Rain 50% off")
    SongFactory(title="Rain 50 percent")
    assert bounded_count(Song.objects.filter(title__contains="50%")) == SongCount(1, True)
    counted = bounded_count(Song.objects.filter(title__startswith="Song"), limit=3)
    if connection.vendor == "postgresql":
        assert counted.exact is False and counted.value >= 4
    else:
        assert counted == SongCount(7, True)
