"""Search documents: filled when songs arrive, rebuilt when a name they hold changes."""

import pytest

from catalog.models import SearchWord, Song
from catalog.search import search_songs
from catalog.tests.fixtures import titles

pytestmark = pytest.mark.django_db


def test_refresh_fills_the_document_and_the_lexicon(spelled_catalogue):
    song = Song.objects.get(pk=spelled_catalogue["neon rain"].pk)
    assert song.search_title == "neon rain"
    assert song.search_text == "neon rain the tidelines harbour lights shoegaze"
    assert SearchWord.objects.filter(word="tidelines").exists()


def test_renaming_an_artist_updates_the_search(spelled_catalogue):
    from catalog.search import refresh_search_text_for

    artist = spelled_catalogue["halo"].artist
    artist.name = "Queen B"
    artist.save()
    refresh_search_text_for(artist_ids=[artist.pk])
    assert set(titles(search_songs("queen"))) == {"Halo", "Café del Mar"}


def test_renaming_an_artist_in_the_admin_updates_the_search(admin_client, spelled_catalogue):
    artist = spelled_catalogue["halo"].artist
    response = admin_client.post(f"/admin/catalog/artist/{artist.pk}/change/", {"name": "Queen B"})
    assert response.status_code == 302
    assert set(titles(search_songs("queen b"))) == {"Halo", "Café del Mar"}
    assert titles(search_songs("beyonce")) == []
