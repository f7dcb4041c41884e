"""The recommendations API: who may call it, what it answers, and in how many queries."""

import pytest

from catalog.tests.factories import SongFactory
from library.tests.factories import LikeFactory, PlayFactory, RatingFactory
from recommendations.services import refresh_recommendations
from recommendations.tests.factories import fans, songs_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def taste(listener):
    """The listener liked Neon Rain; its fans also like eight songs of four artists."""
    neon = SongFactory(title="Neon Rain")
    kin = [song for n in range(4) for song in songs_of(f"Kin {n}", 2)]
    fans([neon, *kin], 3)
    LikeFactory(user=listener, song=neon)
    refresh_recommendations(full=True)
    return neon, kin


def test_recommendations_need_a_signed_in_user(api):
    response = api.get("/api/v1/recommendations/")

    assert response.status_code in (401, 403)
    assert response.json()["detail"]


def test_recommendations_carry_the_song_with_the_callers_state_score_and_reason(
    listener, listener_api, taste
):
    neon, kin = taste
    RatingFactory(user=listener, song=kin[0], stars=4)

    response = listener_api.get("/api/v1/recommendations/?limit=5")

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    first = results[0]
    assert set(first) == {"song", "score", "reason"}
    assert first["reason"] == "Because you liked Neon Rain"
    assert first["song"]["liked"] is False
    assert {"title", "artist", "stream_url", "rating"} <= set(first["song"])
    assert neon.pk not in {item["song"]["id"] for item in results}
    assert kin[0].pk not in {item["song"]["id"] for item in results}  # rated: known already
    assert [item["score"] for item in results] == sorted(
        (item["score"] for item in results), reverse=True
    )


def test_recommendations_reject_a_bad_limit(listener_api):
    response = listener_api.get("/api/v1/recommendations/?limit=0")

    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_recommendations_cost_the_same_queries_for_more_songs(
    listener_api, taste, django_assert_num_queries
):
    with django_assert_num_queries(6) as few:
        assert len(listener_api.get("/api/v1/recommendations/?limit=2").json()["results"]) == 2
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(listener_api.get("/api/v1/recommendations/?limit=8").json()["results"]) == 8


def test_similar_songs_are_public(api, taste):
    neon, kin = taste

    response = api.get(f"/api/v1/songs/{neon.pk}/similar/?limit=4")

    assert response.status_code == 200
    songs = response.json()["results"]
    assert len(songs) == 4
    assert {song["id"] for song in songs} <= {song.pk for song in kin}
    assert songs[0]["liked"] is None


def test_similar_songs_of_a_hidden_or_unknown_song_is_404(api):
    hidden = SongFactory(hidden=True)

    assert api.get(f"/api/v1/songs/{hidden.pk}/similar/").status_code == 404
    assert api.get("/api/v1/songs/999999/similar/").status_code == 404


def test_similar_songs_cost_the_same_queries_for_more_songs(api, taste, django_assert_num_queries):
    neon, _kin = taste
    with django_assert_num_queries(6) as few:
        api.get(f"/api/v1/songs/{neon.pk}/similar/?limit=2")
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(api.get(f"/api/v1/songs/{neon.pk}/similar/?limit=8").json()["results"]) == 8


def test_radio_from_a_song_opens_with_it(listener_api, listener, taste):
    neon, kin = taste
    PlayFactory(user=listener, song=kin[1])

    response = listener_api.get(f"/api/v1/radio/?song={neon.pk}&limit=6")

    assert response.status_code == 200
    ids = [song["id"] for song in response.json()["results"]]
    assert ids[0] == neon.pk
    assert len(ids) == 6
    assert kin[1].pk not in ids  # just played
    assert response.json()["results"][0]["liked"] is True


def test_radio_from_an_artist(api, taste):
    _neon, kin = taste

    response = api.get(f"/api/v1/radio/?artist={kin[0].artist_id}")

    assert response.status_code == 200
    assert response.json()["results"][0]["artist"] == "Kin 0"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        ("?song=1&artist=1", 400),
        ("?song=abc", 400),
        ("?song=999999", 404),
        ("?artist=999999", 404),
        ("?song=1&limit=1000", 400),
    ],
)
def test_radio_explains_bad_seeds(api, query, status):
    SongFactory()

    response = api.get(f"/api/v1/radio/{query}")

    assert response.status_code == status
    assert response.json()["detail"]


def test_schema_documents_the_recommendation_endpoints(api):
    schema = api.get("/api/v1/schema/?format=json").json()

    recommendations = schema["paths"]["/api/v1/recommendations/"]["get"]
    assert "limit" in {parameter["name"] for parameter in recommendations["parameters"]}
    assert "/api/v1/songs/{id}/similar/" in schema["paths"]
    radio = schema["paths"]["/api/v1/radio/"]["get"]
    assert {"song", "artist", "limit"} <= {parameter["name"] for parameter in radio["parameters"]}
