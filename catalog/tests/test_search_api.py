"""`?search=` and the range filters on /api/v1/songs/, artists and albums."""

import pytest

from catalog.search import refresh_search_text
from catalog.tests.factories import GenreFactory, SongFactory

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("query", ["%", "_", "% _"])
def test_api_search_of_only_punctuation_finds_nothing(client, catalogue, query):
    assert titles(client.get("/api/v1/songs/", {"search": query})) == []


def test_api_bad_range_is_a_400_with_a_message(client, catalogue):
    response = client.get("/api/v1/songs/?year_min=soon")
    assert response.status_code == 400
    assert response.json()["errors"] == {"year_min": ["Enter a whole number."]}


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


def test_api_search_reads_only_the_start_of_a_huge_query(client, catalogue):
    query = "neon rain" + " " * 300 + "zz" * 1_000_000

    assert titles(client.get("/api/v1/songs/", {"search": query}))[0] == "Neon Rain"
