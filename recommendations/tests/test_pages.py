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
