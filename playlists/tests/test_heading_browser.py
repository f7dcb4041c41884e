"""A playlist's heading in Debian's Chromium: a long name is clamped, not a page of heading."""

import pytest
from playwright.sync_api import expect

from playlists.tests import test_browser as playlists
from tests.support import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, listener_cookie, road_trip = playlists.songs, playlists.listener_cookie, playlists.road_trip
browser, open_page = playlists.browser, playlists.open_page

LONG_NAME = ("A very long playlist name for the longest drive home " * 3).strip()  # 158


@pytest.fixture
def long_named(road_trip):
    road_trip.name = LONG_NAME
    road_trip.save()
    return road_trip


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_playlist_name_is_clamped_to_three_lines(long_named, open_page, viewport):
    page = open_page(f"/playlists/{long_named.pk}/", viewport)
    heading = page.locator("h1")

    expect(heading).to_have_attribute("title", LONG_NAME)
    lines = heading.evaluate(
        "h1 => Math.round(h1.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(h1).lineHeight))"
    )
    playlists.shot(page, f"playlist-long-name-{viewport['width']}")
    assert lines <= 3
    page.context.close()
