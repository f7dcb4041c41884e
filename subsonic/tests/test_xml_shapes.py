"""XML answers in the shapes the Subsonic 1.16.1 schema gives them: which attributes each type
may carry and the order of a sequence's child elements (strict XML readers check both).

No registry ships the schema itself (docs/subsonic.md), so these check the rules our answers
once broke or could break by reordering a dict, not the whole schema.
"""

from xml.etree import ElementTree

NS = "{http://subsonic.org/restapi}"

# The schema's Artist (getIndexes, getStarred, search2, getArtistInfo): no albumCount, no
# coverArt (ArtistID3's), and OpenSubsonic adds no attribute to it.
ARTIST_ATTRIBUTES = {"id", "name", "artistImageUrl", "starred", "userRating", "averageRating"}


def _answer(sub, method: str, **params) -> ElementTree.Element:
    """Return the one element inside an XML subsonic-response that must succeed."""
    response = sub.get(method, fmt="xml", **params)
    root = ElementTree.fromstring(response.content)
    assert root.get("status") == "ok", response.content[:300]
    (answer,) = root
    return answer


def _tags(element: ElementTree.Element) -> list[str]:
    """Return the child elements' names in document order, each run of repeats as one."""
    names: list[str] = []
    for child in element:
        name = child.tag.removeprefix(NS)
        if not names or names[-1] != name:
            names.append(name)
    return names


def _starred_and_rated(sub, catalogue) -> None:
    mira = catalogue.artists["mira"]
    sub.call(
        "star",
        id=f"tr-{catalogue.songs['dune'].pk}",
        albumId=f"al-{catalogue.albums['desert'].pk}",
        artistId=f"ar-{mira.pk}",
    )
    sub.call("setRating", id=f"ar-{mira.pk}", rating=5)


def test_index_artists_carry_only_the_schemas_artist_attributes(sub, catalogue):
    _starred_and_rated(sub, catalogue)
    mira = f"ar-{catalogue.artists['mira'].pk}"

    indexes = _answer(sub, "getIndexes")
    starred = _answer(sub, "getStarred")
    found = _answer(sub, "search2", query="Mira")
    info = _answer(sub, "getArtistInfo", id=f"ar-{catalogue.artists['tidelines'].pk}")
    artists = [
        *indexes.iter(f"{NS}artist"),
        *starred.iter(f"{NS}artist"),
        *found.iter(f"{NS}artist"),
        *info.iter(f"{NS}similarArtist"),
    ]

    assert {a.get("id") for a in artists} >= {mira}
    assert len(info.findall(f"{NS}similarArtist")) >= 1
    for artist in artists:
        assert set(artist.attrib) <= ARTIST_ATTRIBUTES, artist.attrib
    in_index = next(a for a in indexes.iter(f"{NS}artist") if a.get("id") == mira)
    assert set(in_index.attrib) == {"id", "name", "starred", "userRating"}


def test_id3_artists_keep_their_album_count(sub, catalogue):
    artists = list(_answer(sub, "getArtists").iter(f"{NS}artist"))
    similar = _answer(sub, "getArtistInfo2", id=f"ar-{catalogue.artists['tidelines'].pk}")

    assert artists and all(a.get("albumCount") == "1" for a in artists)
    assert [a.get("albumCount") for a in similar.iter(f"{NS}similarArtist")] == ["1"]


def test_search_and_starred_answers_list_artists_then_albums_then_songs(sub, catalogue):
    _starred_and_rated(sub, catalogue)

    for method, params in (
        ("getStarred", {}),
        ("getStarred2", {}),
        ("search2", {"query": "Mira"}),
        ("search3", {"query": ""}),
    ):
        assert _tags(_answer(sub, method, **params)) == ["artist", "album", "song"], method


def test_artist_and_album_info_elements_come_in_schema_order(sub, catalogue):
    artist_id = f"ar-{catalogue.artists['mira'].pk}"
    base = ["biography", "musicBrainzId", "lastFmUrl", "smallImageUrl", "mediumImageUrl"]
    artist_order = [*base, "largeImageUrl", "similarArtist"]
    album_order = ["notes", *artist_order[1:6]]

    for method in ("getArtistInfo", "getArtistInfo2"):
        tags = _tags(_answer(sub, method, id=artist_id))
        assert tags == [tag for tag in artist_order if tag in tags], method
        assert {"biography", "largeImageUrl", "similarArtist"} <= set(tags), method
    for method in ("getAlbumInfo", "getAlbumInfo2"):
        tags = _tags(_answer(sub, method, id=f"al-{catalogue.albums['desert'].pk}"))
        assert tags == [tag for tag in album_order if tag in tags], method
        assert {"notes", "largeImageUrl"} <= set(tags), method
