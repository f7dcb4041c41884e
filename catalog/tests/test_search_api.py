"""`?search=` and the range filters on /api/v1/songs/, artists and albums, and the pages."""

import pytest
from django.contrib.auth import get_user_model

from catalog.search import refresh_search_text
from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory
from library.models import Like

pytestmark = pytest.mark.django_db


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


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [song["title"] for song in response.json()["results"]]


def test_api_search_tolerates_a_typo(client, catalogue):
    assert titles(client.get("/api/v1/songs/?search=neon rian"))[0] == "Neon Rain"


def test_api_search_finds_prefixes(client, catalogue):
    assert set(titles(client.get("/api/v1/songs/?search=neo"))) >= {"Neon Rain", "Neon Nights"}


def test_api_search_ignores_accents_and_case(client, catalogue):
    assert set(titles(client.get("/api/v1/songs/?search=BEYONCE"))) == {"Halo", "Café del Mar"}
    assert titles(client.get("/api/v1/songs/?search=cafe")) == ["Café del Mar"]


def test_api_search_ranks_title_matches_first(client, catalogue):
    found = titles(client.get("/api/v1/songs/?search=neon rain"))
    assert found[0] == "Neon Rain"
    assert found.index("Neon Rain") < found.index("Blue Hour")  # by Neon Rain Collective


def test_api_search_combines_with_filters(client, catalogue):
    assert titles(client.get("/api/v1/songs/?search=neon&duration_max=250&year_min=2019")) == [
        "Neon Rain",
        "Blue Hour",
    ]
    assert titles(client.get("/api/v1/songs/?search=neon&genre=synthpop&duration_min=300")) == [
        "Neon Nights"
    ]
    # Titles starting with the query come first, in title order.
    assert titles(client.get("/api/v1/songs/?search=neon&artist=the tidelines")) == [
        "Neon Nights",
        "Neon Rain",
    ]


def test_api_ordering_overrides_relevance(client, catalogue):
    found = titles(client.get("/api/v1/songs/?search=neon&ordering=-duration"))
    assert found == ["Neon Nights", "Neon Rain", "Blue Hour"]


def test_api_year_and_duration_ranges_filter_without_search(client, catalogue):
    assert titles(client.get("/api/v1/songs/?year_min=2000&year_max=2010")) == ["Halo"]
    assert titles(client.get("/api/v1/songs/?duration_min=600")) == ["Café del Mar"]


def test_api_artist_filter_ignores_accents(client, catalogue):
    assert set(titles(client.get("/api/v1/songs/?artist=beyonce"))) == {"Halo", "Café del Mar"}


def test_api_search_combines_with_liked(client, catalogue):
    user = get_user_model().objects.create_user("ana", password="pw-123456")
    halo = Like.objects.create(user=user, song_id=_song_id(client, "Halo")).song
    client.force_login(user)
    assert titles(client.get("/api/v1/songs/?search=beyonce&liked=true")) == [halo.title]


def _song_id(client, title: str) -> int:
    results = client.get(f"/api/v1/songs/?search={title}").json()["results"]
    return next(song["id"] for song in results if song["title"] == title)


def test_api_bad_range_is_a_400_with_a_message(client, catalogue):
    response = client.get("/api/v1/songs/?year_min=soon")
    assert response.status_code == 400
    assert response.json()["errors"] == {"year_min": ["Enter a number."]}


def test_api_search_query_count_does_not_grow_with_matches(
    client, catalogue, django_assert_max_num_queries
):
    for number in range(20):
        SongFactory(title=f"Neon Echo {number}", genres=[GenreFactory(name="Synthpop")])
    refresh_search_text()
    # near spellings, titles starting with the query as typed and as mended, the ranking of
    # the rest (on PostgreSQL a full-text pool, then a title pool when it finds few), count,
    # page, credited artists, genres
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/songs/?search=neon echp")
    assert response.json()["count"] == 20


def test_api_artist_search(client, catalogue):
    response = client.get("/api/v1/artists/?search=beyonse")
    assert [artist["name"] for artist in response.json()["results"]] == ["Beyoncé"]


def test_api_album_search_with_year_range(client, catalogue):
    response = client.get("/api/v1/albums/?search=harbor&year_min=2010")
    assert [album["title"] for album in response.json()["results"]] == ["Harbour Lights"]
    assert client.get("/api/v1/albums/?search=harbor&year_max=2010").json()["count"] == 0


def test_schema_documents_the_search_parameter(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"]["/api/v1/songs/"]["get"]["parameters"]
    names = {parameter["name"] for parameter in parameters}
    assert {"search", "year_min", "year_max", "duration_min", "duration_max"} <= names


# --- the pages --------------------------------------------------------------------------------


def test_search_page_tolerates_a_typo(client, catalogue):
    response = client.get("/search/?q=neon rian")
    matches = response.context["matches"]
    assert matches.songs[0].title == "Neon Rain"
    assert [artist.name for artist in matches.artists] == ["Neon Rain Collective"]
    assert "Neon Rain" in response.content.decode()


def test_search_page_as_you_type_finds_a_prefix(client, catalogue):
    """The header box asks /search/?q= at each keystroke: two letters already answer."""
    for typed in ["ha", "hal", "halo"]:
        assert client.get(f"/search/?q={typed}").context["matches"].songs[0].title == "Halo"


def test_search_page_query_count_is_bounded(client, catalogue, django_assert_max_num_queries):
    # songs as above; artists and albums: the album artists named, the ranking, which have
    # published songs and the page of each
    with django_assert_max_num_queries(14):
        client.get("/search/?q=neon")


def test_browse_combines_search_with_filters(client, catalogue):
    songs = client.get("/browse/?search=neon&length=medium").context["songs"]
    assert [song.title for song in songs] == ["Neon Rain"]


def test_browse_filters_by_year_range_and_length(client, catalogue):
    songs = client.get("/browse/?year_min=1990&year_max=2010&sort=title").context["songs"]
    assert [song.title for song in songs] == ["Café del Mar", "Halo"]
    songs = client.get("/browse/?length=epic").context["songs"]
    assert [song.title for song in songs] == ["Café del Mar"]


def test_browse_sort_still_applies_to_a_search(client, catalogue):
    songs = client.get("/browse/?search=neon&sort=duration&dir=desc").context["songs"]
    assert [song.title for song in songs] == ["Neon Nights", "Neon Rain", "Blue Hour"]


def test_browse_shows_the_filters_it_applied(client, catalogue):
    body = client.get("/browse/?search=neon&year_min=2019&length=medium").content.decode()
    assert 'name="search" value="neon"' in body
    assert 'name="year_min" value="2019"' in body
    assert '<option value="medium" selected>' in body
    assert "Clear filters" in body


def test_browse_counts_exactly_up_to_the_limit_then_estimates(client, catalogue, monkeypatch):
    from django.db import connection

    monkeypatch.setattr("catalog.queries.EXACT_COUNT_LIMIT", 3)
    monkeypatch.setattr("catalog.views.BROWSE_PAGE_SIZE", 2)
    response = client.get("/browse/")
    body = response.content.decode()
    paginator = response.context["page"].paginator
    if connection.vendor == "postgresql":  # past the limit: the planner's estimate, said so
        assert not paginator.exact and "About " in body and "Page 1 of many" in body
    else:  # SQLite, the small embedded default, always counts
        assert paginator.exact and "5 songs" in body and "Page 1 of 3" in body
    assert len(response.context["songs"]) == 2
    assert response.context["next_url"] == "?page=2"
