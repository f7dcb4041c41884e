"""Album artists are artists, and artist indexes sort as people read names."""

import pytest

from catalog.models import Artist
from catalog.tests.factories import ArtistFactory, SongFactory
from demo.audio_samples import SampleTags


@pytest.fixture
def compilation(put_song, post_events, created, db) -> Artist:
    """Ingest a two-song compilation whose album artist is on no song: "Various Artists"."""
    records = [
        created(
            *put_song(
                f"music/va/0{track}.mp3",
                SampleTags(
                    title=title,
                    artists=(artist,),
                    album="Summer Hits",
                    album_artist="Various Artists",
                    track=track,
                ),
            )
        )
        for track, title, artist in ((1, "Sunny", "Ana Lux"), (2, "Breeze", "Bo Ray"))
    ]
    assert post_events(*records).status_code == 202
    return Artist.objects.get(name="Various Artists")


def _listed(entries) -> dict[str, dict]:
    return {artist["name"]: artist for index in entries for artist in index["artist"]}


def test_an_album_only_artist_is_listed_browsed_and_synced(sub, compilation):
    various = f"ar-{compilation.pk}"

    in_artists = _listed(sub.call("getArtists")["artists"]["index"])
    in_indexes = _listed(sub.call("getIndexes")["indexes"]["index"])
    artist = sub.call("getArtist", id=various)["artist"]
    directory = sub.call("getMusicDirectory", id=various)["directory"]
    synced = sub.call("search3", query="", artistCount=50)["searchResult3"]["artist"]

    assert in_artists["Various Artists"]["id"] == various
    assert in_artists["Various Artists"]["albumCount"] == 1
    assert set(in_artists) == {"Various Artists", "Ana Lux", "Bo Ray"}
    assert in_indexes["Various Artists"]["id"] == various
    assert [album["name"] for album in artist["album"]] == ["Summer Hits"]
    assert [child["title"] for child in directory["child"]] == ["Summer Hits"]
    assert various in {found["id"] for found in synced}


def test_index_letters_and_order_ignore_accents_and_leading_articles(sub, db):
    for name in ("The Zebras", "Édith Nova", "abba kids", "10cc", "Eagle Eye", "The"):
        SongFactory(artist=ArtistFactory(name=name))

    artists = sub.call("getArtists")["artists"]

    assert artists["ignoredArticles"] == "The El La Los Las Le Les"
    assert [(i["name"], [a["name"] for a in i["artist"]]) for i in artists["index"]] == [
        ("#", ["10cc"]),
        ("A", ["abba kids"]),
        ("E", ["Eagle Eye", "Édith Nova"]),
        ("T", ["The"]),
        ("Z", ["The Zebras"]),
    ]
    assert sub.call("getIndexes")["indexes"]["ignoredArticles"] == "The El La Los Las Le Les"


def test_a_search_finds_an_album_only_artist(sub, compilation):
    found = sub.call("search3", query="various", artistCount=5)["searchResult3"]
    credited = sub.call("search3", query="ana lux", artistCount=5)["searchResult3"]

    assert [artist["name"] for artist in found["artist"]] == ["Various Artists"]
    assert [artist["name"] for artist in credited["artist"]] == ["Ana Lux"]
    assert (
        sub.call("search3", query="various", artistCount=0)["searchResult3"].get("artist", []) == []
    )
