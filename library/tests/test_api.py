"""Likes, ratings and plays through the REST API, and the per-user state on every song."""

import base64

import pytest
from django.utils import timezone

from catalog.api.serializers import SongSerializer
from catalog.queries import song_list
from catalog.tests.factories import SongFactory
from library.models import Like, Play, Rating
from library.tests.factories import LikeFactory, PlayFactory, RatingFactory

pytestmark = pytest.mark.django_db


def _song_json(client, song):
    return client.get(f"/api/v1/songs/{song.pk}/").json()


# --- likes ----------------------------------------------------------------------------------


def test_like_marks_the_song_liked_for_that_user(listener_api):
    song = SongFactory()

    response = listener_api.post(f"/api/v1/songs/{song.pk}/like/")

    assert response.status_code == 200
    assert response.json() == {"song": song.pk, "liked": True}
    assert _song_json(listener_api, song)["liked"] is True


def test_like_is_not_visible_to_another_user(listener_api, other_api):
    song = SongFactory()
    listener_api.post(f"/api/v1/songs/{song.pk}/like/")

    assert _song_json(other_api, song)["liked"] is False


def test_liking_twice_keeps_one_like(listener_api, listener):
    song = SongFactory()

    listener_api.post(f"/api/v1/songs/{song.pk}/like/")
    listener_api.post(f"/api/v1/songs/{song.pk}/like/")

    assert Like.objects.filter(user=listener, song=song).count() == 1


def test_unlike_removes_the_like(listener_api, listener):
    like = LikeFactory(user=listener)

    response = listener_api.delete(f"/api/v1/songs/{like.song_id}/like/")

    assert response.json()["liked"] is False
    assert not Like.objects.exists()


def test_anonymous_like_is_refused(api):
    song = SongFactory()

    response = api.post(f"/api/v1/songs/{song.pk}/like/")

    assert response.status_code in (401, 403)
    assert response.json()["detail"]
    assert not Like.objects.exists()


def test_like_of_a_missing_song_is_404(listener_api):
    response = listener_api.post("/api/v1/songs/999999/like/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_hidden_song_cannot_be_liked(listener_api):
    song = SongFactory(hidden=True)

    assert listener_api.post(f"/api/v1/songs/{song.pk}/like/").status_code == 404


def test_anonymous_song_list_reports_null_liked_and_rating(api):
    SongFactory()

    song = api.get("/api/v1/songs/").json()["results"][0]

    assert song["liked"] is None
    assert song["rating"] is None


def test_song_serialized_without_a_request_has_null_liked_and_rating():
    song = SongFactory()

    data = SongSerializer(song_list().get(pk=song.pk)).data

    assert data["liked"] is None
    assert data["rating"] is None


def test_liked_filter_lists_only_liked_songs(listener_api, listener):
    liked = LikeFactory(user=listener).song
    SongFactory()

    body = listener_api.get("/api/v1/songs/?liked=true").json()

    assert [song["id"] for song in body["results"]] == [liked.pk]


def test_liked_false_filter_lists_the_others(listener_api, listener):
    LikeFactory(user=listener)
    other = SongFactory()

    body = listener_api.get("/api/v1/songs/?liked=false").json()

    assert [song["id"] for song in body["results"]] == [other.pk]


@pytest.mark.parametrize(("spelling", "liked"), [("1", True), ("Yes", True), ("0", False)])
def test_liked_takes_the_spellings_scripts_use(listener_api, listener, spelling, liked):
    mine = LikeFactory(user=listener).song
    other = SongFactory()

    body = listener_api.get(f"/api/v1/songs/?liked={spelling}").json()

    assert [song["id"] for song in body["results"]] == [mine.pk if liked else other.pk]


@pytest.mark.parametrize("spelling", ["maybe", "2", "3"])
def test_liked_refuses_what_is_neither_true_nor_false(listener_api, spelling):
    response = listener_api.get(f"/api/v1/songs/?liked={spelling}")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("liked: ")


def test_liked_filter_is_empty_for_anonymous(api):
    LikeFactory()

    assert api.get("/api/v1/songs/?liked=true").json()["count"] == 0


def test_me_likes_lists_liked_songs_newest_like_first(listener_api, listener):
    first = LikeFactory(user=listener).song
    second = LikeFactory(user=listener).song
    LikeFactory()  # someone else's

    body = listener_api.get("/api/v1/me/likes/").json()

    assert [song["id"] for song in body["results"]] == [second.pk, first.pk]
    assert all(song["liked"] for song in body["results"])


# --- ratings --------------------------------------------------------------------------------


def test_rating_sets_the_users_stars(listener_api):
    song = SongFactory()

    response = listener_api.put(f"/api/v1/songs/{song.pk}/rating/", {"stars": 4}, format="json")

    assert response.status_code == 200
    assert response.json() == {"song": song.pk, "rating": 4}
    assert _song_json(listener_api, song)["rating"] == 4


def test_rating_again_replaces_the_stars(listener_api, listener):
    rating = RatingFactory(user=listener, stars=2)

    listener_api.put(f"/api/v1/songs/{rating.song_id}/rating/", {"stars": 5}, format="json")

    assert Rating.objects.get().stars == 5


@pytest.mark.parametrize("stars", [0, 6, -1, "four", 4.5, True, None, ""])
def test_rating_outside_one_to_five_is_400_with_a_message(listener_api, stars):
    song = SongFactory()

    response = listener_api.put(f"/api/v1/songs/{song.pk}/rating/", {"stars": stars}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("stars: ")
    assert body["errors"]["stars"]
    assert not Rating.objects.exists()


def test_rating_without_stars_is_400(listener_api):
    song = SongFactory()

    response = listener_api.put(f"/api/v1/songs/{song.pk}/rating/", {}, format="json")

    assert response.status_code == 400
    assert "stars" in response.json()["errors"]


def test_rating_with_a_non_object_body_is_400(listener_api):
    song = SongFactory()

    response = listener_api.put(f"/api/v1/songs/{song.pk}/rating/", [1, 2], format="json")

    assert response.status_code == 400


def test_clearing_a_rating_removes_it(listener_api, listener):
    rating = RatingFactory(user=listener)

    response = listener_api.delete(f"/api/v1/songs/{rating.song_id}/rating/")

    assert response.json()["rating"] is None
    assert not Rating.objects.exists()


def test_anonymous_rating_is_refused(api):
    song = SongFactory()

    response = api.put(f"/api/v1/songs/{song.pk}/rating/", {"stars": 3}, format="json")

    assert response.status_code in (401, 403)


# --- plays ----------------------------------------------------------------------------------


def test_recording_a_play_adds_it_to_recently_played(listener_api):
    song = SongFactory()

    response = listener_api.post(f"/api/v1/songs/{song.pk}/plays/")

    assert response.status_code == 201
    plays = listener_api.get("/api/v1/me/plays/").json()["results"]
    assert [play["song"]["id"] for play in plays] == [song.pk]


def test_the_same_song_played_twice_counts_twice(listener_api, listener):
    song = SongFactory()

    listener_api.post(f"/api/v1/songs/{song.pk}/plays/")
    listener_api.post(f"/api/v1/songs/{song.pk}/plays/")

    assert Play.objects.filter(user=listener, song=song).count() == 2


def test_play_takes_a_time_from_a_scrobbling_client(listener_api):
    song = SongFactory()

    response = listener_api.post(
        f"/api/v1/songs/{song.pk}/plays/", {"played_at": "2026-01-02T03:04:05Z"}, format="json"
    )

    assert response.json()["played_at"] == "2026-01-02T03:04:05Z"


def test_a_play_in_the_future_is_recorded_as_now(listener_api, listener):
    song = SongFactory()
    before = timezone.now()

    response = listener_api.post(
        f"/api/v1/songs/{song.pk}/plays/", {"played_at": "2999-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 201
    played_at = Play.objects.get(user=listener).played_at
    assert before <= played_at <= timezone.now()


def test_play_with_a_bad_time_is_400(listener_api):
    song = SongFactory()

    response = listener_api.post(
        f"/api/v1/songs/{song.pk}/plays/", {"played_at": "yesterday"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("played_at: ")


def test_recently_played_is_newest_first_and_cursor_paged(listener_api, listener):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    plays = [PlayFactory(user=listener, played_at=now - timedelta(minutes=i)) for i in range(3)]

    body = listener_api.get("/api/v1/me/plays/").json()

    assert [play["id"] for play in body["results"]] == [play.pk for play in plays]
    assert "next" in body and "count" not in body


def test_recently_played_follows_its_cursor(listener_api, listener):
    from library.api.views import PlayCursorPagination

    for _ in range(PlayCursorPagination.page_size + 2):
        PlayFactory(user=listener)

    first = listener_api.get("/api/v1/me/plays/").json()
    second = listener_api.get(first["next"]).json()

    seen = [p["id"] for p in first["results"]] + [p["id"] for p in second["results"]]
    assert len(set(seen)) == PlayCursorPagination.page_size + 2


def test_recently_played_refuses_a_forged_cursor(listener_api, listener):
    PlayFactory(user=listener)
    cursor = base64.b64encode(b"p=not a date").decode()

    response = listener_api.get("/api/v1/me/plays/", {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


def test_recently_played_shows_only_the_users_own_plays(listener_api):
    PlayFactory()

    assert listener_api.get("/api/v1/me/plays/").json()["results"] == []


def test_recently_played_needs_a_user(api):
    assert api.get("/api/v1/me/plays/").status_code in (401, 403)


# --- no query per song ----------------------------------------------------------------------


def _library_of(user, songs: int) -> None:
    for _ in range(songs):
        song = SongFactory()
        LikeFactory(user=user, song=song)
        RatingFactory(user=user, song=song, stars=3)


@pytest.mark.parametrize("songs", [2, 6])
def test_song_list_with_likes_and_ratings_costs_constant_queries(
    listener_api, listener, songs, django_assert_num_queries
):
    _library_of(listener, songs)

    # songs with liked/rating annotated, credited artists and genres; no count: the last page
    with django_assert_num_queries(2):
        body = listener_api.get("/api/v1/songs/").json()

    assert all(song["liked"] and song["rating"] == 3 for song in body["results"])


@pytest.mark.parametrize("plays", [2, 6])
def test_recently_played_costs_constant_queries(
    listener_api, listener, plays, django_assert_num_queries
):
    for _ in range(plays):
        PlayFactory(user=listener)

    # plays, their songs with liked/rating, credited artists, genres
    with django_assert_num_queries(4):
        listener_api.get("/api/v1/me/plays/")


@pytest.mark.parametrize("likes", [2, 6])
def test_liked_songs_cost_constant_queries(
    listener_api, listener, likes, django_assert_num_queries
):
    _library_of(listener, likes)

    # songs, credited artists and genres; no count: the page is the last
    with django_assert_num_queries(2):
        listener_api.get("/api/v1/me/likes/")
