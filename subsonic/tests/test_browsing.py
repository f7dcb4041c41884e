"""Browsing by tags and folders, lists and search, against a catalogue ingested from real audio."""

from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Song
from catalog.services import songs_set_hidden
from demo.audio_samples import SampleTags
from subsonic.tests.conftest import LYRICS, add_songs

NS = "{http://subsonic.org/restapi}"
SONG_FIELDS = {
    "id",
    "parent",
    "isDir",
    "title",
    "album",
    "artist",
    "track",
    "year",
    "genre",
    "coverArt",
    "size",
    "contentType",
    "suffix",
    "duration",
    "bitRate",
    "path",
    "albumId",
    "artistId",
    "type",
    "created",
    "playCount",
}


def test_get_song_carries_every_field_apps_show_and_sort_by(sub, catalogue):
    song = catalogue.songs["harbour"]

    child = sub.call("getSong", id=f"tr-{song.pk}")["song"]

    assert set(child) >= SONG_FIELDS
    assert child["id"] == f"tr-{song.pk}"
    assert child["parent"] == child["albumId"] == f"al-{song.album_id}"
    assert child["artistId"] == f"ar-{song.artist_id}"
    assert child["isDir"] is False
    assert (child["title"], child["album"], child["artist"]) == (
        "Harbour Lights",
        "Harbour Lights",
        "The Tidelines",
    )
    assert (child["track"], child["year"], child["genre"]) == (2, 2021, "Synthpop")
    assert child["coverArt"] == f"al-{song.album_id}"
    assert child["size"] == song.file_size
    assert (child["contentType"], child["suffix"]) == ("audio/flac", "flac")
    assert child["duration"] == 2 and child["bitRate"] > 0
    assert child["path"] == "The Tidelines/Harbour Lights/02 - Harbour Lights.flac"
    assert child["type"] == "music"
    assert child["created"].endswith("Z")
    assert child["playCount"] == 0
    assert "starred" not in child and "userRating" not in child


def test_disc_numbers_come_through_when_tagged(sub, put_song, post_events, created, db):
    key, size = put_song("music/box/cd2-01.flac", SampleTags(title="Second Disc", disc=2))
    post_events(created(key, size))
    song = Song.objects.get(storage_key=key)

    assert sub.call("getSong", id=f"tr-{song.pk}")["song"]["discNumber"] == 2


def test_ids_are_stable_prefixed_strings(sub, catalogue):
    artists = sub.call("getArtists")["artists"]
    names = {a["name"]: a["id"] for index in artists["index"] for a in index["artist"]}

    assert names == {
        "Mira Sol": f"ar-{catalogue.artists['mira'].pk}",
        "The Tidelines": f"ar-{catalogue.artists['tidelines'].pk}",
    }
    assert [index["name"] for index in artists["index"]] == ["M", "T"]


def test_get_artist_lists_albums_and_get_album_its_songs_in_track_order(sub, catalogue):
    tidelines = catalogue.artists["tidelines"]

    artist = sub.call("getArtist", id=f"ar-{tidelines.pk}")["artist"]
    album = sub.call("getAlbum", id=artist["album"][0]["id"])["album"]

    assert artist["name"] == "The Tidelines" and artist["albumCount"] == 1
    assert [a["name"] for a in artist["album"]] == ["Harbour Lights"]
    assert album["songCount"] == 3 and album["duration"] >= 5
    assert album["coverArt"] == album["id"]
    assert [s["title"] for s in album["song"]] == ["Neon Rain", "Harbour Lights", "Low Tide"]


def test_wrong_kinds_of_ids_are_not_found(sub, catalogue):
    album = catalogue.albums["harbour"]

    assert sub.error("getArtist", id=f"al-{album.pk}")["code"] == 70
    assert sub.error("getAlbum", id="al-999999")["code"] == 70
    assert sub.error("getSong", id="tr-abc")["code"] == 70
    assert sub.error("getSong")["code"] == 10


def test_hidden_songs_are_nowhere(sub, catalogue):
    hidden = catalogue.songs["neon"]
    songs_set_hidden([hidden], True)

    album = sub.call("getAlbum", id=f"al-{hidden.album_id}")["album"]
    found = sub.call("search3", query="")["searchResult3"]

    assert sub.error("getSong", id=f"tr-{hidden.pk}")["code"] == 70
    assert [s["title"] for s in album["song"]] == ["Harbour Lights", "Low Tide"]
    assert f"tr-{hidden.pk}" not in {s["id"] for s in found["song"]}
    assert sub.get("stream", id=f"tr-{hidden.pk}").json()["subsonic-response"]["error"]


def test_genres_count_songs_and_albums(sub, catalogue):
    genres = sub.call("getGenres")["genres"]["genre"]

    assert genres == [
        {"songCount": 1, "albumCount": 1, "value": "Ambient"},
        {"songCount": 2, "albumCount": 1, "value": "Folk"},
        {"songCount": 3, "albumCount": 1, "value": "Synthpop"},
    ]


def test_genres_in_xml_are_element_text(sub, catalogue):
    root = ElementTree.fromstring(sub.get("getGenres", fmt="xml").content)

    folk = [g for g in root.iter(f"{NS}genre") if g.text == "Folk"]
    assert folk[0].attrib == {"songCount": "2", "albumCount": "1"}


def test_folder_browsing_goes_artist_album_song(sub, catalogue):
    indexes = sub.call("getIndexes")["indexes"]
    mira = next(a for i in indexes["index"] for a in i["artist"] if a["name"] == "Mira Sol")

    artist_dir = sub.call("getMusicDirectory", id=mira["id"])["directory"]
    album_dir = sub.call("getMusicDirectory", id=artist_dir["child"][0]["id"])["directory"]

    assert indexes["lastModified"] > 0
    assert artist_dir["name"] == "Mira Sol"
    assert [(c["title"], c["isDir"]) for c in artist_dir["child"]] == [("Desert Bloom", True)]
    assert album_dir["parent"] == mira["id"]
    assert [(c["title"], c["isDir"]) for c in album_dir["child"]] == [
        ("Dune Song", False),
        ("Oasis", False),
    ]


def test_get_indexes_is_empty_when_nothing_changed_since(sub, catalogue):
    last = sub.call("getIndexes")["indexes"]["lastModified"]

    unchanged = sub.call("getIndexes", ifModifiedSince=last)["indexes"]

    assert unchanged["index"] == []


def _hide_mira(catalogue) -> None:
    from catalog.services import songs_set_hidden

    songs_set_hidden([catalogue.songs["dune"], catalogue.songs["oasis"]], hidden=True)


def _remove_mira(catalogue) -> None:
    from catalog.services import songs_remove

    songs_remove([catalogue.songs["dune"], catalogue.songs["oasis"]])


def _rename_mira(catalogue) -> None:
    from catalog.services import names_announce_edit

    mira = catalogue.artists["mira"]
    mira.name = "Mira Sun"
    mira.save(update_fields=["name"])
    names_announce_edit(mira)


@pytest.mark.parametrize("change", [_hide_mira, _remove_mira, _rename_mira])
def test_get_indexes_modified_since_sees_hides_removals_and_renames(
    sub, catalogue, django_capture_on_commit_callbacks, change
):
    last = sub.call("getIndexes")["indexes"]["lastModified"]

    with django_capture_on_commit_callbacks(execute=True):
        change(catalogue)

    indexes = sub.call("getIndexes", ifModifiedSince=last)["indexes"]
    names = {artist["name"] for index in indexes["index"] for artist in index["artist"]}
    assert indexes["lastModified"] > last
    assert "The Tidelines" in names and "Mira Sol" not in names


def test_get_indexes_reads_no_album_counts_and_its_queries_do_not_grow_with_artists(
    sub, catalogue, django_assert_num_queries
):
    # Sign-in, lastModified, the catalogue version, the sorted names, the user's stars and
    # ratings: the index's Artist has no albumCount, so no album is counted.
    with django_assert_num_queries(6):
        sub.call("getIndexes")
    add_songs(30)  # new artists: a new catalogue version, the index is computed again

    with django_assert_num_queries(6):
        indexes = sub.call("getIndexes")["indexes"]

    names = {artist["name"] for index in indexes["index"] for artist in index["artist"]}
    assert names == {"Mira Sol", "The Tidelines", "sync artist", "sync guest"}


def test_artist_and_album_info_come_from_our_own_data(sub, catalogue):
    tidelines, harbour = catalogue.artists["tidelines"], catalogue.albums["harbour"]

    artist = sub.call("getArtistInfo2", id=f"ar-{tidelines.pk}")["artistInfo2"]
    album = sub.call("getAlbumInfo2", id=f"al-{harbour.pk}")["albumInfo"]
    xml = ElementTree.fromstring(sub.get("getAlbumInfo2", fmt="xml", id=f"al-{harbour.pk}").content)

    assert "1 album" in artist["biography"] and "3 song" in artist["biography"]
    assert [a["name"] for a in artist["similarArtist"]] == ["Mira Sol"]  # credited on Oasis
    assert artist["largeImageUrl"].endswith(f"getCoverArt?id=ar-{tidelines.pk}&size=600")
    assert album["notes"].startswith("Harbour Lights (2021) by The Tidelines: 3 song(s)")
    assert xml.find(f"{NS}albumInfo/{NS}notes").text == album["notes"]


def test_similar_songs_and_top_songs(sub, catalogue, listener):
    from library.services import play_record

    oasis = catalogue.songs["oasis"]
    for _ in range(3):
        play_record(listener.user, catalogue.songs["tide"])

    similar = sub.call("getSimilarSongs2", id=f"tr-{catalogue.songs['dune'].pk}")
    top = sub.call("getTopSongs", artist="The Tidelines", count=2)["topSongs"]["song"]

    assert f"tr-{oasis.pk}" in {s["id"] for s in similar["similarSongs2"]["song"]}
    assert f"tr-{catalogue.songs['dune'].pk}" not in {
        s["id"] for s in similar["similarSongs2"]["song"]
    }
    assert top[0]["title"] == "Low Tide" and len(top) == 2
    assert sub.error("getTopSongs")["code"] == 10


@pytest.mark.parametrize(
    ("list_type", "extra", "expected"),
    [
        ("newest", {}, ["Desert Bloom", "Harbour Lights"]),
        ("alphabeticalByName", {}, ["Desert Bloom", "Harbour Lights"]),
        ("alphabeticalByArtist", {}, ["Desert Bloom", "Harbour Lights"]),
        ("byYear", {"fromYear": 2020, "toYear": 2030}, ["Harbour Lights"]),
        ("byYear", {"fromYear": 2030, "toYear": 2000}, ["Harbour Lights", "Desert Bloom"]),
        ("byGenre", {"genre": "folk"}, ["Desert Bloom"]),
        ("starred", {}, ["Harbour Lights"]),
        ("frequent", {}, ["Desert Bloom"]),
        ("recent", {}, ["Desert Bloom"]),
        ("highest", {}, ["Harbour Lights"]),
    ],
)
def test_album_list2_orders_each_type(sub, catalogue, listener, list_type, extra, expected):
    from library.services import play_record, song_rate

    sub.call("star", albumId=f"al-{catalogue.albums['harbour'].pk}")
    play_record(listener.user, catalogue.songs["dune"])
    song_rate(listener.user, catalogue.songs["neon"], 5)

    albums = sub.call("getAlbumList2", type=list_type, **extra)["albumList2"]["album"]

    assert [album["name"] for album in albums] == expected


def test_album_lists_page_and_validate(sub, catalogue):
    page = sub.call("getAlbumList2", type="alphabeticalByName", size=1, offset=1)
    random = sub.call("getAlbumList2", type="random", size=5)["albumList2"]["album"]
    old_style = sub.call("getAlbumList", type="newest")["albumList"]["album"]

    assert [a["name"] for a in page["albumList2"]["album"]] == ["Harbour Lights"]
    assert sorted(a["name"] for a in random) == ["Desert Bloom", "Harbour Lights"]
    assert old_style[0]["isDir"] is True and old_style[0]["title"] == "Desert Bloom"
    assert sub.error("getAlbumList2")["code"] == 10
    assert sub.error("getAlbumList2", type="byYear")["code"] == 10
    assert sub.error("getAlbumList2", type="byGenre")["code"] == 10
    assert sub.error("getAlbumList2", type="sideways")["code"] == 0


def test_random_songs_and_songs_by_genre_filter(sub, catalogue):
    folk = sub.call("getRandomSongs", size=10, genre="Folk")["randomSongs"]["song"]
    old = sub.call("getRandomSongs", toYear=2020)["randomSongs"]["song"]
    by_genre = sub.call("getSongsByGenre", genre="Synthpop", count=2, offset=1)

    everything = sub.call("getRandomSongs", size=500)["randomSongs"]["song"]
    three = sub.call("getRandomSongs", size=3)["randomSongs"]["song"]

    assert sorted(s["title"] for s in folk) == ["Dune Song", "Oasis"]
    assert sorted(s["id"] for s in everything) == sorted(
        f"tr-{song.pk}" for song in catalogue.songs.values()
    )
    assert len({s["id"] for s in three}) == 3
    assert sorted(s["title"] for s in old) == ["Dune Song", "Oasis"]
    assert [s["title"] for s in by_genre["songsByGenre"]["song"]] == ["Harbour Lights", "Neon Rain"]


def test_search3_never_sends_a_huge_query_to_the_database(sub, catalogue):
    with CaptureQueriesContext(connection) as queries:
        found = sub.call("search3", query="oasis " + "z" * 2_000_000)["searchResult3"]

    assert found["song"] == []
    assert max(len(query["sql"]) for query in queries.captured_queries) < 20_000


def test_search3_finds_by_title_artist_and_album_with_typos(sub, catalogue):
    by_title = sub.call("search3", query="oasis")["searchResult3"]
    by_artist = sub.call("search3", query="mira")["searchResult3"]
    by_prefix = sub.call("search3", query="harb")["searchResult3"]

    assert [s["title"] for s in by_title["song"]] == ["Oasis"]
    assert [a["name"] for a in by_artist["artist"]] == ["Mira Sol"]
    assert "Desert Bloom" in [a["name"] for a in by_artist["album"]]
    assert [a["name"] for a in by_prefix["album"]] == ["Harbour Lights"]


def test_empty_search3_pages_through_the_whole_catalogue(sub, catalogue):
    pages = [
        sub.call("search3", query="", songCount=2, songOffset=offset, artistCount=0, albumCount=0)
        for offset in (0, 2, 4, 6)
    ]

    ids = [s["id"] for page in pages for s in page["searchResult3"].get("song", [])]
    assert sorted(ids) == sorted(f"tr-{song.pk}" for song in catalogue.songs.values())
    assert pages[0]["searchResult3"]["artist"] == []
    assert sub.call("search3", query='""')["searchResult3"]["song"]


def test_search2_answers_folder_shaped_results(sub, catalogue):
    found = sub.call("search2", query="desert")["searchResult2"]

    assert found["album"][0]["isDir"] is True
    assert found["album"][0]["title"] == "Desert Bloom"


def _queries(callable_) -> int:
    """Count the queries of a call once the caches it fills (catalogue summaries) are warm."""
    callable_()
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("search3", {"query": ""}),
        ("getAlbumList2", {"type": "newest"}),
        ("getRandomSongs", {"size": 50}),
        ("getStarred2", {}),
        ("getArtists", {}),
        ("getSongsByGenre", {"genre": "Synthpop", "count": 50}),
    ],
)
def test_lists_cost_the_same_queries_for_many_rows_as_for_few(
    sub, catalogue, put_song, post_events, created, method, params
):
    def star_everything():
        ids = {"id": [f"tr-{pk}" for pk in Song.objects.values_list("pk", flat=True)]}
        sub.call("star", **ids)

    star_everything()
    few = _queries(lambda: sub.call(method, **params))
    records = []
    for number in range(6):
        tags = SampleTags(
            title=f"Extra {number}",
            artists=(f"Artist {number}",),
            album=f"Album {number}",
            genres=("Synthpop",),
            lyrics=LYRICS,
        )
        records.append(created(*put_song(f"music/extra/{number}.mp3", tags, seconds=0.5)))
    post_events(*records)
    star_everything()

    many = _queries(lambda: sub.call(method, **params))

    assert many == few
