"""The "Made for you" row of the home page."""

import pytest

from catalog.tests.factories import SongFactory
from library.tests.factories import LikeFactory
from recommendations.services import refresh_recommendations
from recommendations.tests.factories import fans

pytestmark = pytest.mark.django_db


def _made_for_you(html: str) -> str:
    start = html.index('id="made-for-you-heading"')
    return html[start : html.index("</section>", start)]


def test_home_shows_songs_made_for_the_listener_with_reasons(client, listener):
    neon, harbour = SongFactory(title="Neon Rain"), SongFactory(title="Glass Harbour")
    fans([neon, harbour], 3)
    LikeFactory(user=listener, song=neon)
    refresh_recommendations(full=True)
    client.force_login(listener)

    row = _made_for_you(client.get("/").content.decode())

    assert "Glass Harbour" in row
    assert "Because you liked Neon Rain" in row
    assert f'data-song-id="{neon.pk}"' not in row


def test_new_listener_gets_popular_songs_in_the_row(client, listener):
    hit = SongFactory(title="Everyone's Hit")
    fans([hit], 3)
    refresh_recommendations(full=True)
    client.force_login(listener)

    row = _made_for_you(client.get("/").content.decode())

    assert "Everyone&#x27;s Hit" in row
    assert "Popular right now" in row


def test_anonymous_visitors_get_no_made_for_you_row(client):
    SongFactory(title="Anything")

    html = client.get("/").content.decode()

    assert "Anything" in html
    assert "Made for you" not in html


def test_radio_page_lists_the_queue_starting_with_the_seed(client):
    neon, harbour = SongFactory(title="Neon Rain"), SongFactory(title="Glass Harbour")
    fans([neon, harbour], 3)
    refresh_recommendations(full=True)

    html = client.get(f"/radio/?song={neon.pk}").content.decode()

    assert "Neon Rain radio" in html
    assert html.index(f'id="song-{neon.pk}"') < html.index(f'id="song-{harbour.pk}"')


def test_radio_page_from_an_artist(client):
    song = SongFactory(title="Low Tide")

    response = client.get(f"/radio/?artist={song.artist_id}")

    assert response.status_code == 200
    assert f'id="song-{song.pk}"' in response.content.decode()


@pytest.mark.parametrize("query", ["", "?song=abc", "?song=1&artist=1"])
def test_radio_page_without_one_seed_is_a_400_page_that_says_how_to_start_one(client, query):
    response = client.get(f"/radio/{query}")

    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="topbar"' in body  # the site's page, with its player bar, not a bare text
    assert "choose “Start radio”" in body


def test_radio_page_of_a_hidden_song_is_a_404(client):
    hidden = SongFactory(hidden=True)

    assert client.get(f"/radio/?song={hidden.pk}").status_code == 404


def test_similar_songs_page_lists_co_liked_songs(client):
    neon, harbour = SongFactory(title="Neon Rain"), SongFactory(title="Glass Harbour")
    fans([neon, harbour], 3)
    refresh_recommendations(full=True)

    html = client.get(f"/songs/{neon.pk}/similar/").content.decode()

    assert "Songs like Neon Rain" in html
    assert f'id="song-{harbour.pk}"' in html
    assert f'id="song-{neon.pk}"' not in html
    assert client.get("/songs/999999/similar/").status_code == 404


def test_every_page_loads_the_song_menu_entries_for_radio(client):
    SongFactory()

    assert "js/radio.js" in client.get("/").content.decode()
