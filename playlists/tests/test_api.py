"""Playlists through the REST API: visibility, ownership, ordered tracks, query counts."""

import pytest
from django.db import DataError, IntegrityError, transaction

from catalog.tests.factories import SongFactory
from library.tests.factories import LikeFactory
from playlists import services
from playlists.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Playlist, PlaylistItem
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory

pytestmark = pytest.mark.django_db


def _track_songs(client, playlist) -> list[int]:
    tracks = client.get(f"/api/v1/playlists/{playlist.pk}/").json()["tracks"]
    return [track["song"]["id"] for track in tracks]


def _playlist_of(owner, songs: int, **kwargs) -> tuple[Playlist, list]:
    playlist = PlaylistFactory(owner=owner, **kwargs)
    items = [PlaylistItemFactory(playlist=playlist) for _ in range(songs)]
    return playlist, [item.song for item in items]


# --- create, change, delete -----------------------------------------------------------------


def test_created_playlist_is_private_and_owned_by_the_caller(listener_api, listener):
    response = listener_api.post("/api/v1/playlists/", {"name": "Night drive"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["is_public"], body["owner"]) == ("Night drive", False, "ada")
    assert Playlist.objects.get().owner == listener


def test_playlist_without_a_name_is_400(listener_api):
    response = listener_api.post("/api/v1/playlists/", {"description": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("name: ")


@pytest.mark.parametrize(
    ("field", "limit"), [("name", NAME_MAX_LENGTH), ("description", DESCRIPTION_MAX_LENGTH)]
)
def test_playlist_text_over_its_limit_is_400_naming_the_field(listener_api, field, limit):
    data = {"name": "Night drive", field: "x" * (limit + 1)}

    response = listener_api.post("/api/v1/playlists/", data, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{field}: ")
    assert not Playlist.objects.exists()


def test_playlist_description_may_be_as_long_as_its_limit(listener_api):
    data = {"name": "Night drive", "description": "x" * DESCRIPTION_MAX_LENGTH}

    response = listener_api.post("/api/v1/playlists/", data, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("field", "limit"), [("name", NAME_MAX_LENGTH), ("description", DESCRIPTION_MAX_LENGTH)]
)
def test_the_database_refuses_playlist_text_over_its_limit(listener, field, limit):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        PlaylistFactory(owner=listener, **{field: "x" * (limit + 1)})


def test_control_and_bidi_override_characters_never_reach_a_playlists_name(listener_api):
    made = listener_api.post(
        "/api/v1/playlists/",
        {"name": "\u0001Road\u202etrip\u001b", "description": "one\ntwo\u0007\u2066"},
        format="json",
    ).json()
    renamed = listener_api.patch(
        f"/api/v1/playlists/{made['id']}/", {"name": "\u202e\u0008"}, format="json"
    ).json()

    assert (made["name"], made["description"]) == ("Roadtrip", "one\ntwo")
    assert renamed["name"] == services.UNTITLED


def test_anonymous_cannot_create_a_playlist(api):
    response = api.post("/api/v1/playlists/", {"name": "x"}, format="json")

    assert response.status_code in (401, 403)
    assert not Playlist.objects.exists()


def test_owner_renames_describes_and_publishes(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)

    response = listener_api.patch(
        f"/api/v1/playlists/{playlist.pk}/",
        {"name": "Renamed", "description": "Late", "is_public": True},
        format="json",
    )

    assert response.status_code == 200
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description, playlist.is_public) == ("Renamed", "Late", True)


def test_owner_deletes_a_playlist(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)

    assert listener_api.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 204
    assert not Playlist.objects.exists()


# --- visibility and ownership ---------------------------------------------------------------


def test_someone_elses_private_playlist_is_404(other_api, listener):
    playlist = PlaylistFactory(owner=listener)

    response = other_api.get(f"/api/v1/playlists/{playlist.pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_private_playlist_is_404_to_anonymous(api, listener):
    playlist = PlaylistFactory(owner=listener)

    assert api.get(f"/api/v1/playlists/{playlist.pk}/").status_code == 404


def test_private_playlist_is_not_listed_for_others(other_api, listener):
    PlaylistFactory(owner=listener)
    public = PlaylistFactory(owner=listener, is_public=True)

    body = other_api.get("/api/v1/playlists/").json()

    assert [playlist["id"] for playlist in body["results"]] == [public.pk]


def test_mine_lists_only_the_callers_playlists(listener_api, listener, other):
    own = PlaylistFactory(owner=listener)
    PlaylistFactory(owner=other, is_public=True)

    body = listener_api.get("/api/v1/playlists/?mine=true").json()

    assert [playlist["id"] for playlist in body["results"]] == [own.pk]


def test_mine_and_is_public_take_1_and_refuse_nonsense(listener_api, listener, other):
    own = PlaylistFactory(owner=listener, is_public=True)
    PlaylistFactory(owner=other, is_public=True)

    body = listener_api.get("/api/v1/playlists/?mine=1&is_public=1").json()

    assert [playlist["id"] for playlist in body["results"]] == [own.pk]
    for query in ("mine=on-ish", "is_public=xyz"):
        response = listener_api.get(f"/api/v1/playlists/?{query}")
        assert response.status_code == 400
        assert response.json()["detail"].startswith(query.split("=")[0] + ": ")


def test_public_playlist_is_readable_by_anyone(api, listener):
    playlist, songs = _playlist_of(listener, 2, is_public=True)

    assert _track_songs(api, playlist) == [song.pk for song in songs]


def test_others_cannot_change_a_public_playlist(other_api, listener):
    playlist = PlaylistFactory(owner=listener, is_public=True)

    response = other_api.patch(f"/api/v1/playlists/{playlist.pk}/", {"name": "Mine now"})

    assert response.status_code == 403
    playlist.refresh_from_db()
    assert playlist.name != "Mine now"


def test_others_cannot_add_to_a_public_playlist(other_api, listener):
    playlist = PlaylistFactory(owner=listener, is_public=True)
    song = SongFactory()

    response = other_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": song.pk}, format="json"
    )

    assert response.status_code == 403
    assert not PlaylistItem.objects.exists()


def test_others_cannot_add_to_a_private_playlist(other_api, listener):
    playlist = PlaylistFactory(owner=listener)
    song = SongFactory()

    response = other_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": song.pk}, format="json"
    )

    assert response.status_code == 404


def test_others_cannot_delete_a_public_playlist(other_api, listener):
    playlist = PlaylistFactory(owner=listener, is_public=True)

    assert other_api.delete(f"/api/v1/playlists/{playlist.pk}/").status_code == 403
    assert Playlist.objects.exists()


def test_others_cannot_remove_a_track_from_a_public_playlist(other_api, listener):
    item = PlaylistItemFactory(playlist=PlaylistFactory(owner=listener, is_public=True))

    response = other_api.delete(f"/api/v1/playlists/{item.playlist_id}/tracks/{item.pk}/")

    assert response.status_code == 403
    assert PlaylistItem.objects.exists()


# --- tracks ---------------------------------------------------------------------------------


def test_added_songs_go_to_the_end_in_order(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)
    songs = [SongFactory() for _ in range(3)]

    for song in songs:
        response = listener_api.post(
            f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": song.pk}, format="json"
        )
        assert response.status_code == 201

    assert _track_songs(listener_api, playlist) == [song.pk for song in songs]


def test_detail_tracks_carry_the_full_song(listener_api, listener):
    playlist, songs = _playlist_of(listener, 1)
    LikeFactory(user=listener, song=songs[0])

    track = listener_api.get(f"/api/v1/playlists/{playlist.pk}/").json()["tracks"][0]

    assert track["position"] == 0
    assert track["song"]["title"] == songs[0].title
    assert track["song"]["stream_url"] == songs[0].stream_url
    assert track["song"]["liked"] is True


def test_song_added_at_a_position_shifts_the_rest(listener_api, listener):
    playlist, songs = _playlist_of(listener, 3)
    new = SongFactory()

    listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": new.pk, "position": 1}, format="json"
    )

    assert _track_songs(listener_api, playlist) == [songs[0].pk, new.pk, songs[1].pk, songs[2].pk]


def test_the_same_song_may_appear_twice(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)
    song = SongFactory()

    for _ in range(2):
        listener_api.post(
            f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": song.pk}, format="json"
        )

    assert _track_songs(listener_api, playlist) == [song.pk, song.pk]


def test_adding_a_missing_song_is_400(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)

    response = listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": 999999}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "song: No such song."


def test_a_full_playlist_refuses_one_more_song(listener_api, listener, monkeypatch):
    monkeypatch.setattr(services, "MAX_PLAYLIST_ENTRIES", 2)
    playlist, _ = _playlist_of(listener, 2)

    response = listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": SongFactory().pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"song": ["a playlist holds at most 2 songs"]}
    assert playlist.items.count() == 2
    with pytest.raises(services.PlaylistFull):
        services.playlist_edit_songs(playlist, remove_indexes=[], add=[SongFactory()])
    with pytest.raises(services.PlaylistFull):
        services.playlist_set_songs(playlist, SongFactory.create_batch(3))
    assert playlist.items.count() == 2


def test_adding_a_hidden_song_is_400(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)
    song = SongFactory(hidden=True)

    response = listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": song.pk}, format="json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize("position", [-1, 5, "top"])
def test_adding_at_an_impossible_position_is_400(listener_api, listener, position):
    playlist, _ = _playlist_of(listener, 2)
    song = SongFactory()

    response = listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/",
        {"song": song.pk, "position": position},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("position: ")
    assert playlist.items.count() == 2


def test_adding_with_a_non_numeric_song_is_400(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)

    response = listener_api.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/", {"song": "abc"}, format="json"
    )

    assert response.status_code == 400


def test_moving_a_track_down_reorders(listener_api, listener):
    playlist, songs = _playlist_of(listener, 4)
    first = playlist.items.get(position=0)

    response = listener_api.patch(
        f"/api/v1/playlists/{playlist.pk}/tracks/{first.pk}/", {"position": 2}, format="json"
    )

    assert response.status_code == 200
    assert _track_songs(listener_api, playlist) == [songs[i].pk for i in (1, 2, 0, 3)]


def test_moving_a_track_up_reorders(listener_api, listener):
    playlist, songs = _playlist_of(listener, 4)
    last = playlist.items.get(position=3)

    listener_api.patch(
        f"/api/v1/playlists/{playlist.pk}/tracks/{last.pk}/", {"position": 0}, format="json"
    )

    assert _track_songs(listener_api, playlist) == [songs[i].pk for i in (3, 0, 1, 2)]


def test_moving_past_the_end_is_400(listener_api, listener):
    playlist, _ = _playlist_of(listener, 2)
    item = playlist.items.first()

    response = listener_api.patch(
        f"/api/v1/playlists/{playlist.pk}/tracks/{item.pk}/", {"position": 2}, format="json"
    )

    assert response.status_code == 400


def test_removing_a_track_closes_the_gap(listener_api, listener):
    playlist, songs = _playlist_of(listener, 3)
    middle = playlist.items.get(position=1)

    response = listener_api.delete(f"/api/v1/playlists/{playlist.pk}/tracks/{middle.pk}/")

    assert response.status_code == 204
    assert list(playlist.items.values_list("song_id", "position")) == [
        (songs[0].pk, 0),
        (songs[2].pk, 1),
    ]


def test_a_track_of_another_playlist_is_404(listener_api, listener):
    playlist = PlaylistFactory(owner=listener)
    foreign = PlaylistItemFactory(playlist=PlaylistFactory(owner=listener))

    response = listener_api.delete(f"/api/v1/playlists/{playlist.pk}/tracks/{foreign.pk}/")

    assert response.status_code == 404


def test_tracks_list_is_in_order(listener_api, listener):
    playlist, songs = _playlist_of(listener, 3)

    tracks = listener_api.get(f"/api/v1/playlists/{playlist.pk}/tracks/").json()

    assert [track["song"]["id"] for track in tracks] == [song.pk for song in songs]


def test_playlist_shows_up_to_four_distinct_album_covers(listener_api, listener):
    from catalog.models import Cover

    playlist = PlaylistFactory(owner=listener)
    covers = [
        Cover.objects.create(sha256=f"{i:064x}", image="x", mime_type="image/jpeg")
        for i in range(5)
    ]
    for cover in [covers[0], covers[0], *covers[1:]]:
        song = SongFactory()
        song.album.cover = cover
        song.album.save()
        PlaylistItemFactory(playlist=playlist, song=song)

    body = listener_api.get(f"/api/v1/playlists/{playlist.pk}/").json()

    assert body["cover_urls"] == [cover.url for cover in covers[:4]]
    assert body["track_count"] == 6


def test_non_numeric_playlist_id_is_404(listener_api):
    assert listener_api.get("/api/v1/playlists/abc/").status_code == 404


# --- no query per playlist or track -----------------------------------------------------------


@pytest.mark.parametrize("tracks", [2, 6])
def test_playlist_detail_costs_constant_queries(
    listener_api, listener, tracks, django_assert_num_queries
):
    playlist, _ = _playlist_of(listener, tracks)

    # playlist, cover candidates, items, their songs, credited artists, genres
    with django_assert_num_queries(6):
        listener_api.get(f"/api/v1/playlists/{playlist.pk}/")


@pytest.mark.parametrize("playlists", [2, 6])
def test_playlist_list_costs_constant_queries(
    listener_api, listener, playlists, django_assert_num_queries
):
    for _ in range(playlists):
        _playlist_of(listener, 2)

    # count, playlists, cover candidates
    with django_assert_num_queries(3):
        listener_api.get("/api/v1/playlists/")
