"""Real Subsonic client libraries from PyPI against the real ASGI server (daphne).

py-opensonic (OpenSubsonic, form POST, strict typed models) and py-sonic (the classic client,
urllib) sign in with the listener's Subsonic password, by token and by hex password, or with an
API key; an XML app is played by plain HTTP. What they change shows in the REST API, and the
other way round.
"""

import asyncio
import io
from xml.etree import ElementTree

import libsonic
import pytest
import requests
from libopensonic import Connection
from libopensonic.errors import SonicError
from PIL import Image

from catalog.models import Song
from catalog.services import songs_set_hidden
from subsonic.queries.searching import MARK_STEP
from subsonic.tests.conftest import add_songs, make_api_key, token_params
from tests.conftest import server_database_url, start_asgi_server  # noqa: F401

NS = "{http://subsonic.org/restapi}"


@pytest.fixture(scope="module")
def subsonic_server(start_asgi_server, tmp_path_factory):  # noqa: F811
    return start_asgi_server("subsonic", media_root=tmp_path_factory.mktemp("subsonic-media"))


@pytest.fixture
def served(transactional_db, settings, subsonic_server, request):
    """The catalogue and listener, in the server's database and media folder."""
    settings.MEDIA_ROOT = subsonic_server.media_root
    return (
        subsonic_server,
        request.getfixturevalue("catalogue"),
        request.getfixturevalue("listener"),
    )


def _port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture
def opensonic(served):
    server, _, listener = served
    connection = Connection(
        "http://127.0.0.1",
        username="ada",
        password=listener.password,
        port=_port(server),
        server_path="",
        app_name="pytest-opensonic",
    )
    yield connection
    connection.cleanup()


@pytest.fixture
def rest(served) -> requests.Session:
    server, _, listener = served
    session = requests.Session()
    session.headers["Authorization"] = f"Token {make_api_key(listener.user)}"
    session.base = f"{server.url}/api/v1"
    return session


def _body(connection: Connection, response) -> bytes:
    return asyncio.run_coroutine_threadsafe(response.read(), connection._loop).result(timeout=30)


def test_opensonic_browses_lists_and_searches(opensonic, served):
    _, catalogue, _ = served
    neon = catalogue.songs["neon"]

    assert opensonic.ping() is True
    assert opensonic.get_license()["license"]["valid"] is True
    assert {e.name for e in opensonic.get_open_subsonic_extensions()} >= {"songLyrics", "formPost"}
    # py-opensonic 10.4.1 reads musicFolders as a list, though the spec (and Navidrome) nest it
    # as {"musicFolder": [...]}; py-sonic checks getMusicFolders below.
    assert opensonic.get_scan_status().count == 5
    artists = opensonic.get_artists()
    tidelines = next(a for i in artists.index for a in i.artist if a.name == "The Tidelines")
    artist = opensonic.get_artist(tidelines.id)
    album = opensonic.get_album(artist.album[0].id)
    assert [s.title for s in album.song] == ["Neon Rain", "Harbour Lights", "Low Tide"]
    song = opensonic.get_song(f"tr-{neon.pk}")
    assert (song.album_id, song.artist_id, song.suffix) == (album.id, tidelines.id, "mp3")
    assert {g.value for g in opensonic.get_genres()} == {"Synthpop", "Ambient", "Folk"}
    assert opensonic.get_artist_info2(tidelines.id).biography
    assert opensonic.get_album_info2(album.id).notes
    assert opensonic.get_similar_songs2(song.id)
    assert opensonic.get_top_songs("The Tidelines", count=3)
    indexes = opensonic.get_indexes()
    directory = opensonic.get_music_directory(indexes.index[0].artist[0].id)
    assert directory.child[0].is_dir is True
    for list_type in ("newest", "random", "alphabeticalByName", "alphabeticalByArtist"):
        assert len(opensonic.get_album_list2(list_type, size=5)) == 2
    assert len(opensonic.get_album_list2("byYear", from_year=2019, to_year=2019)) == 1
    assert len(opensonic.get_album_list("byGenre", genre="Folk")) == 1
    assert len(opensonic.get_random_songs(size=3)) == 3
    assert [s.title for s in opensonic.get_songs_by_genre("Folk")] == ["Oasis", "Dune Song"]
    found = opensonic.search3("tide")
    assert "Low Tide" in [s.title for s in found.song]
    everything = opensonic.search3("", song_count=500, album_count=500, artist_count=500)
    assert (len(everything.song), len(everything.album), len(everything.artist)) == (5, 2, 2)
    assert opensonic.search2("oasis").song[0].title == "Oasis"
    assert opensonic.get_lyrics_by_song_id(song.id)[0].line[0].value == "Neon rain on the harbour"
    assert opensonic.get_lyrics("The Tidelines", "Neon Rain").value.startswith("Neon rain")
    assert opensonic.get_user("ada").stream_role is True


def test_opensonic_offline_sync_sees_every_song_once_after_songs_are_hidden(opensonic, served):
    # The server keeps its marks in its own cache: only reading the rows tells it they moved.
    songs = add_songs(2 * MARK_STEP + 100)

    def sync() -> list[str]:
        ids: list[str] = []
        while True:
            found = opensonic.search3("", song_count=500, song_offset=len(ids), album_count=0)
            page = found.song or []
            ids += [song.id for song in page]
            if len(page) < 500:
                return ids

    def published() -> list[str]:
        pks = Song.objects.filter(hidden=False).order_by("pk").values_list("pk", flat=True)
        return [f"tr-{pk}" for pk in pks]

    before = sync()
    songs_set_hidden([songs[10], songs[MARK_STEP + 3], songs[2 * MARK_STEP + 50]], hidden=True)
    after = sync()

    assert len(before) == 2 * MARK_STEP + 105 and before == sorted(before, key=lambda i: int(i[3:]))
    assert after == published() and len(after) == len(before) - 3


def test_opensonic_writes_show_in_the_rest_api(opensonic, rest, served):
    _, catalogue, _ = served
    songs = catalogue.songs
    neon, oasis = f"tr-{songs['neon'].pk}", f"tr-{songs['oasis'].pk}"

    opensonic.star(sids=[neon], album_ids=[f"al-{catalogue.albums['desert'].pk}"])
    opensonic.set_rating(oasis, 5)
    opensonic.scrobble(neon, submission=True)
    opensonic.scrobble(oasis, submission=False)
    opensonic.create_playlist(name="From the app", song_ids=[oasis, neon])

    answer = rest.get(f"{rest.base}/me/likes/")
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    likes = answer.json()["results"]
    rating = rest.get(f"{rest.base}/songs/{songs['oasis'].pk}/").json()["rating"]
    plays = rest.get(f"{rest.base}/me/plays/").json()["results"]
    playlists = rest.get(f"{rest.base}/playlists/").json()["results"]
    assert [like["id"] for like in likes] == [songs["neon"].pk]
    assert rating == 5
    assert [play["song"]["id"] for play in plays] == [songs["neon"].pk]
    assert [p["name"] for p in playlists] == ["From the app"]
    playlist = rest.get(f"{rest.base}/playlists/{playlists[0]['id']}/").json()
    assert [t["song"]["id"] for t in playlist["tracks"]] == [songs["oasis"].pk, songs["neon"].pk]
    now = opensonic.get_now_playing()
    assert [(e.id, e.username, e.player_name) for e in now] == [(oasis, "ada", "pytest-opensonic")]
    starred = opensonic.get_starred2()
    assert [s.id for s in starred.song] == [neon]
    assert [a.name for a in starred.album] == ["Desert Bloom"]


def test_rest_changes_show_in_opensonic(opensonic, rest, served):
    _, catalogue, _ = served
    songs = catalogue.songs
    rest.post(f"{rest.base}/songs/{songs['tide'].pk}/like/")
    rest.put(f"{rest.base}/songs/{songs['dune'].pk}/rating/", json={"stars": 3})
    rest.post(f"{rest.base}/songs/{songs['dune'].pk}/plays/")
    made = rest.post(f"{rest.base}/playlists/", json={"name": "From the site"}).json()
    rest.post(f"{rest.base}/playlists/{made['id']}/tracks/", json={"song": songs["harbour"].pk})

    dune = opensonic.get_song(f"tr-{songs['dune'].pk}")
    playlist = opensonic.get_playlist(f"pl-{made['id']}")

    assert [s.title for s in opensonic.get_starred2().song] == ["Low Tide"]
    assert (dune.user_rating, dune.play_count) == (3, 1)
    assert [p.name for p in opensonic.get_playlists()] == ["From the site"]
    assert [e.title for e in playlist.entry] == ["Harbour Lights"]
    opensonic.update_playlist(
        f"pl-{made['id']}",
        name="Renamed in the app",
        song_ids_to_add=[f"tr-{songs['oasis'].pk}"],
        song_indices_to_remove=[0],
    )
    detail = rest.get(f"{rest.base}/playlists/{made['id']}/").json()
    assert detail["name"] == "Renamed in the app"
    assert [t["song"]["id"] for t in detail["tracks"]] == [songs["oasis"].pk]
    opensonic.delete_playlist(f"pl-{made['id']}")
    assert rest.get(f"{rest.base}/playlists/{made['id']}/").status_code == 404


def test_opensonic_play_queue_and_hex_password_over_get(served):
    server, catalogue, listener = served
    legacy = Connection(
        "http://127.0.0.1",
        username="ada",
        password=listener.password,
        port=_port(server),
        server_path="",
        legacy_auth=True,
        use_get=True,
        use_views=False,
    )
    try:
        ids = [f"tr-{catalogue.songs[name].pk}" for name in ("dune", "oasis")]
        legacy.save_play_queue(ids, current=ids[1], position=4200)
        queue = legacy.get_play_queue()
    finally:
        legacy.cleanup()

    assert [e.id for e in queue.entry] == ids
    assert (queue.current, queue.position, queue.username) == (ids[1], 4200, "ada")


def test_opensonic_api_key_and_wrong_password(served):
    server, _, listener = served
    key = make_api_key(listener.user)
    keyed = Connection("http://127.0.0.1", api_key=key, port=_port(server), server_path="")
    wrong = Connection(
        "http://127.0.0.1",
        username="ada",
        password="not-the-password",
        port=_port(server),
        server_path="",
    )
    try:
        assert keyed.ping() is True
        assert keyed.token_info().username == "ada"
        with pytest.raises(SonicError, match="Wrong username or password"):
            wrong.ping()
    finally:
        keyed.cleanup()
        wrong.cleanup()


def test_opensonic_streams_with_ranges_through_the_asgi_server(opensonic, served):
    _, catalogue, _ = served
    song = catalogue.songs["harbour"]
    original = (served[0].media_root / song.storage_key).read_bytes()

    whole = opensonic.stream(f"tr-{song.pk}")
    part = opensonic.stream(f"tr-{song.pk}", byte_range="bytes=1000-66535")

    assert whole.status == 200 and _body(opensonic, whole) == original
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 1000-66535/{len(original)}"
    assert _body(opensonic, part) == original[1000:66536]
    cover = opensonic.get_cover_art(f"al-{song.album_id}", size=100)
    assert Image.open(io.BytesIO(_body(opensonic, cover))).size == (100, 100)


def test_py_sonic_classic_client(served):
    server, catalogue, listener = served
    classic = libsonic.Connection(
        "http://127.0.0.1", "ada", listener.password, port=_port(server), serverPath="/rest"
    )
    oasis = f"tr-{catalogue.songs['oasis'].pk}"

    assert classic.ping() is True
    assert classic.getMusicFolders()["musicFolders"]["musicFolder"] == [{"id": 1, "name": "Music"}]
    artists = classic.getArtists()["artists"]["index"]
    assert sorted(a["name"] for i in artists for a in i["artist"]) == ["Mira Sol", "The Tidelines"]
    album = classic.getAlbum(f"al-{catalogue.albums['desert'].pk}")["album"]
    assert [s["title"] for s in album["song"]] == ["Dune Song", "Oasis"]
    assert classic.search3("dune")["searchResult3"]["song"][0]["title"] == "Dune Song"
    classic.star(sids=[oasis])
    assert classic.getStarred2()["starred2"]["song"][0]["id"] == oasis
    classic.createPlaylist(name="Classic", songIds=[oasis])
    assert classic.getPlaylists()["playlists"]["playlist"][0]["name"] == "Classic"
    streamed = classic.stream(oasis).read()
    assert streamed == (server.media_root / catalogue.songs["oasis"].storage_key).read_bytes()
    cover = Image.open(io.BytesIO(classic.getCoverArt(album["coverArt"], size=50).read()))
    assert cover.size == (50, 50)


def test_an_xml_app_over_plain_http(served):
    server, catalogue, listener = served
    params = token_params("ada", listener.password)

    album = requests.get(
        f"{server.url}/rest/getAlbum.view",
        {**params, "id": f"al-{catalogue.albums['harbour'].pk}"},
        timeout=10,
    )
    refused = requests.get(f"{server.url}/rest/ping.view", {"u": "ada", "p": "nope"}, timeout=10)

    root = ElementTree.fromstring(album.content)
    songs = root.findall(f"{NS}album/{NS}song")
    assert root.get("status") == "ok"
    assert [song.get("title") for song in songs] == ["Neon Rain", "Harbour Lights", "Low Tide"]
    assert songs[0].get("isDir") == "false" and songs[0].get("duration") == "2"
    error = ElementTree.fromstring(refused.content).find(f"{NS}error")
    assert refused.status_code == 200 and error.get("code") == "40"
