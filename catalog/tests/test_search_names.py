"""Artists and albums by name: typos, accents, an album by its artist, paging in rank order."""

import pytest

from catalog.search import search_albums, search_artists, search_catalogue

pytestmark = pytest.mark.django_db


def test_artist_search_tolerates_typos_and_accents(spelled_catalogue):
    assert [artist.name for artist in search_artists("beyonse")] == ["Beyoncé"]
    assert [artist.name for artist in search_artists("tide")] == ["The Tidelines"]


def test_album_search_matches_title_or_artist(spelled_catalogue):
    assert [album.title for album in search_albums("harbor")] == ["Harbour Lights"]
    assert [album.title for album in search_albums("tidelines")] == ["Harbour Lights"]


def test_ranked_artists_and_albums_page_in_rank_order(spelled_catalogue):
    artists = search_artists("neon")
    assert [artist.name for artist in artists[:1]] == [artists.first().name]
    albums = search_albums("harbour")
    assert [album.title for album in albums[0:5]] == ["Harbour Lights"]
    assert albums[0:5][0].song_count == 2


def test_search_catalogue_finds_a_few_of_each_kind(spelled_catalogue):
    matches = search_catalogue("  neon   rain ", limit=2)

    assert matches.query == "neon rain"
    assert [song.title for song in matches.songs] == ["Neon Rain", "Blue Hour"]  # by the band
    assert [artist.name for artist in matches.artists] == ["Neon Rain Collective"]
    assert matches


def test_search_catalogue_of_punctuation_alone_finds_nothing(spelled_catalogue):
    matches = search_catalogue(" -- ")

    assert not matches
    assert (matches.songs, matches.artists, matches.albums) == ([], [], [])
