"""Stars, ratings, scrobbles, playlists and the play queue: one state shared with the REST API."""

import time
from datetime import datetime

import pytest
from rest_framework.test import APIClient

from playlists import services as playlist_services
from playlists.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from subsonic.tests.conftest import SubsonicClient


@pytest.fixture
def rest(listener) -> APIClient:
    client = APIClient()
    client.force_authenticate(listener.user)
    return client


def _ids(elements) -> list[str]:
    return [element["id"] for element in elements]


def test_starring_a_song_likes_it_on_the_site_and_back(sub, rest, catalogue):
    neon, oasis = catalogue.songs["neon"], catalogue.songs["oasis"]

    sub.call("star", id=f"tr-{neon.pk}")
    rest.post(f"/api/v1/songs/{oasis.pk}/like/")

    likes = rest.get("/api/v1/me/likes/").json()
    starred = sub.call("getStarred2")["starred2"]["song"]
    assert {item["id"] for item in likes["results"]} == {neon.pk, oasis.pk}
    assert _ids(starred) == [f"tr-{oasis.pk}", f"tr-{neon.pk}"]  # most recently starred first
    assert starred[0]["starred"].endswith("Z")

    sub.call("unstar", id=f"tr-{oasis.pk}")
    assert [item["id"] for item in rest.get("/api/v1/me/likes/").json()["results"]] == [neon.pk]


def test_starring_albums_and_artists(sub, catalogue):
    desert, mira = catalogue.albums["desert"], catalogue.artists["mira"]

    sub.call("star", albumId=f"al-{desert.pk}", artistId=f"ar-{mira.pk}")
    sub.call("star", id=f"al-{desert.pk}")  # starring twice changes nothing
    starred = sub.call("getStarred2")["starred2"]
    old_style = sub.call("getStarred")["starred"]
    album = sub.call("getAlbum", id=f"al-{desert.pk}")["album"]

    assert _ids(starred["album"]) == [f"al-{desert.pk}"]
    assert _ids(starred["artist"]) == [f"ar-{mira.pk}"]
    assert old_style["album"][0]["isDir"] is True
    assert "starred" in album
    sub.call("unstar", albumId=f"al-{desert.pk}", artistId=f"ar-{mira.pk}")
    assert sub.call("getStarred2")["starred2"]["album"] == []
    assert sub.error("star")["code"] == 10
    assert sub.error("star", id="al-999999")["code"] == 70


def test_stars_are_per_listener(sub, client, catalogue, other_listener):
    sub.call("star", id=f"tr-{catalogue.songs['neon'].pk}")

    bob = SubsonicClient(client, other_listener)

    assert bob.call("getStarred2")["starred2"]["song"] == []


def test_set_rating_is_the_rest_rating_and_zero_clears_it(sub, rest, catalogue):
    tide, dune = catalogue.songs["tide"], catalogue.songs["dune"]

    sub.call("setRating", id=f"tr-{tide.pk}", rating=4)
    rest.put(f"/api/v1/songs/{dune.pk}/rating/", {"stars": 2}, format="json")

    assert rest.get(f"/api/v1/songs/{tide.pk}/").json()["rating"] == 4
    assert sub.call("getSong", id=f"tr-{dune.pk}")["song"]["userRating"] == 2
    sub.call("setRating", id=f"tr-{tide.pk}", rating=0)
    assert rest.get(f"/api/v1/songs/{tide.pk}/").json()["rating"] is None
    assert sub.error("setRating", id=f"tr-{tide.pk}", rating=6)["code"] == 0
    assert sub.error("setRating", id=f"tr-{tide.pk}")["code"] == 10


def test_scrobble_submission_records_plays_in_the_same_history(sub, rest, catalogue):
    neon, harbour = catalogue.songs["neon"], catalogue.songs["harbour"]
    yesterday_ms = int((time.time() - 86400) * 1000)

    sub.call("scrobble", id=[f"tr-{neon.pk}", f"tr-{harbour.pk}"], time=[yesterday_ms])
    rest.post(f"/api/v1/songs/{neon.pk}/plays/")

    plays = rest.get("/api/v1/me/plays/").json()["results"]
    assert [play["song"]["id"] for play in plays] == [neon.pk, harbour.pk, neon.pk]
    assert plays[-1]["played_at"].startswith(
        time.strftime("%Y-%m-%d", time.gmtime(yesterday_ms / 1000))
    )
    assert sub.call("getSong", id=f"tr-{neon.pk}")["song"]["playCount"] == 2
    album = sub.call("getAlbum", id=f"al-{neon.album_id}")["album"]
    assert album["playCount"] == 3


# 2025-12-06 in microseconds: as milliseconds, a year past the calendar's end.
@pytest.mark.parametrize("when", ["-5", "1765000000000000"], ids=["before-1970", "microseconds"])
def test_a_scrobble_time_out_of_range_is_now(sub, rest, catalogue, when):
    neon = catalogue.songs["neon"]

    sub.call("scrobble", id=f"tr-{neon.pk}", time=when)

    (play,) = rest.get("/api/v1/me/plays/").json()["results"]
    played = datetime.fromisoformat(play["played_at"].replace("Z", "+00:00"))
    assert abs(played.timestamp() - time.time()) < 600
    assert sub.error("scrobble", id=f"tr-{neon.pk}", time="yesterday")["code"] == 0


def test_scrobble_without_submission_shows_in_now_playing(sub, client, rest, catalogue):
    oasis = catalogue.songs["oasis"]

    sub.call("scrobble", id=f"tr-{oasis.pk}", submission="false", c="DSub")

    entries = SubsonicClient(client, sub.listener).call("getNowPlaying")["nowPlaying"]["entry"]
    assert [(e["id"], e["username"], e["playerName"]) for e in entries] == [
        (f"tr-{oasis.pk}", "ada", "DSub")
    ]
    assert entries[0]["minutesAgo"] == 0
    assert rest.get("/api/v1/me/plays/").json()["results"] == []


def test_playlists_made_in_an_app_show_on_the_site_and_back(sub, rest, catalogue):
    songs = catalogue.songs

    made = sub.call("createPlaylist", name="Road trip", songId=[f"tr-{songs['dune'].pk}"])
    playlist_id = int(made["playlist"]["id"].removeprefix("pl-"))
    rest.post(f"/api/v1/playlists/{playlist_id}/tracks/", {"song": songs["neon"].pk}, format="json")
    site_made = rest.post("/api/v1/playlists/", {"name": "From the site"}, format="json").json()

    detail = rest.get(f"/api/v1/playlists/{playlist_id}/").json()
    in_app = sub.call("getPlaylist", id=f"pl-{playlist_id}")["playlist"]
    listed = sub.call("getPlaylists")["playlists"]["playlist"]

    assert [track["song"]["id"] for track in detail["tracks"]] == [
        songs["dune"].pk,
        songs["neon"].pk,
    ]
    assert in_app["name"] == "Road trip" and in_app["owner"] == "ada"
    assert in_app["songCount"] == 2 and in_app["public"] is False
    assert _ids(in_app["entry"]) == [f"tr-{songs['dune'].pk}", f"tr-{songs['neon'].pk}"]
    assert {p["name"] for p in listed} == {"Road trip", "From the site"}
    assert f"pl-{site_made['id']}" in _ids(listed)


def test_a_playlist_past_its_bound_is_an_error_that_changes_nothing(sub, catalogue, monkeypatch):
    monkeypatch.setattr(playlist_services, "MAX_PLAYLIST_ENTRIES", 2)
    songs = [f"tr-{song.pk}" for song in catalogue.songs.values()]

    refused = sub.error("createPlaylist", name="Too long", songId=songs[:3])
    made = sub.call("createPlaylist", name="Two", songId=songs[:2])["playlist"]
    grown = sub.error("updatePlaylist", playlistId=made["id"], name="Three", songIdToAdd=songs[2])

    assert refused == {"code": 0, "message": "a playlist holds at most 2 songs"}
    assert grown == refused
    assert [p["name"] for p in sub.call("getPlaylists")["playlists"]["playlist"]] == ["Two"]
    assert sub.call("getPlaylist", id=made["id"])["playlist"]["songCount"] == 2


def test_update_playlist_renames_publishes_adds_and_removes_by_index(sub, rest, catalogue):
    songs = catalogue.songs
    made = sub.call(
        "createPlaylist",
        name="Mix",
        songId=[f"tr-{songs[name].pk}" for name in ("neon", "harbour", "tide")],
    )
    playlist_id = made["playlist"]["id"]

    sub.call(
        "updatePlaylist",
        playlistId=playlist_id,
        name="Evening mix",
        comment="for later",
        public="true",
        songIdToAdd=[f"tr-{songs['oasis'].pk}", f"tr-{songs['neon'].pk}"],
        songIndexToRemove=["0", "2"],
    )

    playlist = sub.call("getPlaylist", id=playlist_id)["playlist"]
    assert (playlist["name"], playlist["comment"], playlist["public"]) == (
        "Evening mix",
        "for later",
        True,
    )
    assert [e["title"] for e in playlist["entry"]] == ["Harbour Lights", "Oasis", "Neon Rain"]
    detail = rest.get(f"/api/v1/playlists/{playlist_id.removeprefix('pl-')}/").json()
    assert [track["position"] for track in detail["tracks"]] == [0, 1, 2]
    assert detail["is_public"] is True and detail["description"] == "for later"


def test_playlist_name_and_comment_from_an_app_are_cut_to_the_limits(sub):
    made = sub.call("createPlaylist", name="n" * 5000)["playlist"]

    sub.call("updatePlaylist", playlistId=made["id"], comment="c" * 30_000)

    playlist = sub.call("getPlaylist", id=made["id"])["playlist"]
    assert len(playlist["name"]) == NAME_MAX_LENGTH
    assert len(playlist["comment"]) == DESCRIPTION_MAX_LENGTH


def test_create_playlist_with_an_id_replaces_its_songs(sub, catalogue):
    songs = catalogue.songs
    made = sub.call("createPlaylist", name="Mix", songId=[f"tr-{songs['neon'].pk}"])

    replaced = sub.call(
        "createPlaylist",
        playlistId=made["playlist"]["id"],
        songId=[f"tr-{songs['oasis'].pk}", f"tr-{songs['oasis'].pk}"],
    )

    assert replaced["playlist"]["id"] == made["playlist"]["id"]
    assert [e["title"] for e in replaced["playlist"]["entry"]] == ["Oasis", "Oasis"]
    assert sub.error("createPlaylist")["code"] == 10
    assert sub.error("createPlaylist", name="x", songId="tr-999999")["code"] == 70


def test_other_listeners_private_playlists_are_not_found_and_public_ones_read_only(
    sub, client, catalogue, other_listener
):
    bob = SubsonicClient(client, other_listener)
    private = bob.call("createPlaylist", name="Bob's secret")["playlist"]["id"]
    public = bob.call("createPlaylist", name="Bob's best")["playlist"]["id"]
    bob.call("updatePlaylist", playlistId=public, public="true")

    assert sub.error("getPlaylist", id=private)["code"] == 70
    assert sub.call("getPlaylist", id=public)["playlist"]["owner"] == "bob"
    assert sub.error("updatePlaylist", playlistId=public, name="Mine now")["code"] == 50
    assert sub.error("deletePlaylist", id=public)["code"] == 50
    assert sub.error("deletePlaylist", id=private)["code"] == 70
    assert {p["name"] for p in sub.call("getPlaylists")["playlists"]["playlist"]} == {"Bob's best"}
    assert sub.error("getPlaylists", username="bob")["code"] == 50


def test_delete_playlist_removes_it_from_the_site(sub, rest, catalogue):
    made = sub.call("createPlaylist", name="Short-lived")["playlist"]["id"]

    sub.call("deletePlaylist", id=made)

    assert rest.get(f"/api/v1/playlists/{made.removeprefix('pl-')}/").status_code == 404


def test_play_queue_round_trip_and_clear(sub, client, catalogue):
    songs = catalogue.songs
    ids = [f"tr-{songs['tide'].pk}", f"tr-{songs['neon'].pk}"]

    sub.call("savePlayQueue", id=ids, current=ids[1], position=61234, c="Feishin")
    queue = sub.call("getPlayQueue")["playQueue"]

    assert _ids(queue["entry"]) == ids
    assert (queue["current"], queue["position"]) == (ids[1], 61234)
    assert (queue["username"], queue["changedBy"]) == ("ada", "Feishin")
    assert queue["changed"].endswith("Z")
    sub.call("savePlayQueue")
    assert sub.call("getPlayQueue")["playQueue"].get("entry", []) == []


@pytest.mark.parametrize(
    "list_type", ["frequent", "recent", "newest", "alphabeticalByName", "random", "starred"]
)
def test_album_lists_count_the_listeners_own_plays_of_published_songs(
    sub, catalogue, other_listener, list_type
):
    from catalog.services import songs_set_hidden
    from library.services import play_record

    songs, albums = catalogue.songs, catalogue.albums
    for song in (songs["neon"], songs["neon"], songs["tide"], songs["dune"]):
        play_record(sub.listener.user, song)
    for _ in range(5):
        play_record(other_listener.user, songs["oasis"])
    sub.call("star", albumId=[f"al-{album.pk}" for album in albums.values()])
    songs_set_hidden([songs["tide"]], hidden=True)

    listed = sub.call("getAlbumList2", type=list_type, size=10)["albumList2"]["album"]

    counts = {album["id"]: album["playCount"] for album in listed}
    assert counts == {f"al-{albums['harbour'].pk}": 2, f"al-{albums['desert'].pk}": 1}


def test_an_update_playlist_call_that_fails_changes_nothing(sub, catalogue):
    made = sub.call("createPlaylist", name="Before")["playlist"]["id"]

    missing = sub.error(
        "updatePlaylist", playlistId=made, name="After", comment="new", songIdToAdd="tr-999999"
    )
    garbage = sub.error("updatePlaylist", playlistId=made, name="After", songIndexToRemove="x")

    assert (missing["code"], garbage["code"]) == (70, 0)
    playlist = sub.call("getPlaylist", id=made)["playlist"]
    assert (playlist["name"], playlist.get("comment")) == ("Before", None)
