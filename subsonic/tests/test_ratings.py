"""setRating on songs, albums and artists, and the userRating every listing then carries."""

import pytest


def test_albums_and_artists_are_rated_and_show_their_rating_everywhere(sub, catalogue):
    album, artist = catalogue.albums["harbour"], catalogue.artists["tidelines"]
    album_id, artist_id = f"al-{album.pk}", f"ar-{artist.pk}"

    sub.call("setRating", id=album_id, rating=4)
    sub.call("setRating", id=artist_id, rating=5)

    assert sub.call("getAlbum", id=album_id)["album"]["userRating"] == 4
    listed = sub.call("getAlbumList2", type="newest")["albumList2"]["album"]
    assert {a["id"]: a.get("userRating") for a in listed}[album_id] == 4
    assert sub.call("getAlbumList", type="newest")["albumList"]["album"][-1]["userRating"] == 4
    assert sub.call("getArtist", id=artist_id)["artist"]["userRating"] == 5
    for method, key in (("getArtists", "artists"), ("getIndexes", "indexes")):
        entries = [a for index in sub.call(method)[key]["index"] for a in index["artist"]]
        assert {a["id"]: a.get("userRating") for a in entries}[artist_id] == 5, method
    found = sub.call("search3", query="Tidelines")["searchResult3"]
    assert found["artist"][0]["userRating"] == 5


def test_rating_zero_takes_an_album_rating_away(sub, catalogue):
    album_id = f"al-{catalogue.albums['desert'].pk}"
    sub.call("setRating", id=album_id, rating=2)

    sub.call("setRating", id=album_id, rating=0)

    assert "userRating" not in sub.call("getAlbum", id=album_id)["album"]


def test_each_listener_sees_only_their_own_album_rating(sub, client, other_listener, catalogue):
    from subsonic.tests.conftest import SubsonicClient

    album_id = f"al-{catalogue.albums['desert'].pk}"
    sub.call("setRating", id=album_id, rating=3)

    other = SubsonicClient(client, other_listener)
    assert "userRating" not in other.call("getAlbum", id=album_id)["album"]


@pytest.mark.parametrize(
    ("target", "rating", "code"),
    [("al-999999", 3, 70), ("ar-999999", 3, 70), ("album", 6, 0), ("artist", -1, 0)],
)
def test_ratings_out_of_range_or_of_unknown_items_fail(sub, catalogue, target, rating, code):
    ids = {"album": f"al-{catalogue.albums['desert'].pk}", "artist": "ar-%d"}
    ids["artist"] %= catalogue.artists["mira"].pk

    assert sub.error("setRating", id=ids.get(target, target), rating=rating)["code"] == code


def test_highest_albums_rank_by_the_album_rating_before_their_songs_average(sub, catalogue):
    harbour, desert = catalogue.albums["harbour"], catalogue.albums["desert"]
    sub.call("setRating", id=f"tr-{catalogue.songs['neon'].pk}", rating=5)
    sub.call("setRating", id=f"tr-{catalogue.songs['dune'].pk}", rating=5)

    sub.call("setRating", id=f"al-{harbour.pk}", rating=2)
    sub.call("setRating", id=f"al-{desert.pk}", rating=3)

    for method, key in (("getAlbumList2", "albumList2"), ("getAlbumList", "albumList")):
        albums = sub.call(method, type="highest")[key]["album"]
        assert [a["id"] for a in albums] == [f"al-{desert.pk}", f"al-{harbour.pk}"], method


def test_highest_albums_include_albums_rated_only_as_a_whole(sub, catalogue):
    harbour, desert = catalogue.albums["harbour"], catalogue.albums["desert"]
    sub.call("setRating", id=f"tr-{catalogue.songs['neon'].pk}", rating=3)

    sub.call("setRating", id=f"al-{desert.pk}", rating=5)

    albums = sub.call("getAlbumList2", type="highest")["albumList2"]["album"]
    assert [(a["id"], a.get("userRating")) for a in albums] == [
        (f"al-{desert.pk}", 5),
        (f"al-{harbour.pk}", None),
    ]
