"""Rating a song from its ⋯ menu in Debian's Chromium: saved, shown on its row, marked as the
listener's after a reload, and cleared."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import expect

from library.models import Rating
from tests.support import PHONE
from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, curator_cookie = player.songs, player.browser, player.curator_cookie


def open_ratings_menu(page, song):
    page.locator(f"#song-{song.pk} .row-more").click()
    page.get_by_role("menuitem", name="Rate…").click()
    expect(page.locator("#song-menu .menu-label")).to_have_text(f"Rate “{song.title}”")


def stars_of(song) -> list[int]:
    """Return the curator's ratings of `song` as the database holds them."""

    # Read on a thread of its own: Playwright keeps an event loop on this one, where Django
    # refuses ORM calls.
    def read():
        try:
            curator = get_user_model().objects.get(username="curator")
            ratings = Rating.objects.filter(user=curator, song=song)
            return list(ratings.values_list("stars", flat=True))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(read).result()


def test_a_listener_rates_a_song_from_its_menu_and_clears_it(
    songs, curator_cookie, browser, live_server
):
    song = songs["Low Tide"]
    page = player.signed_in_page(browser, live_server, curator_cookie, "/")
    row = page.locator(f"#song-{song.pk}")
    expect(row).to_have_attribute("data-rating", "")
    open_ratings_menu(page, song)
    expect(page.get_by_role("menuitem", name="Clear rating")).to_have_count(0)

    page.get_by_role("menuitem", name="4 stars", exact=True).click()

    expect(page.locator("#toast")).to_have_text("Rated “Low Tide” 4 stars.")
    expect(row).to_have_attribute("data-rating", "4")
    expect(page.locator("#song-menu")).to_be_hidden()
    assert stars_of(song) == [4]

    page.reload()
    open_ratings_menu(page, song)
    yours = page.get_by_role("menuitem", name="4 stars, your rating", exact=True)
    expect(yours).to_have_text("★★★★☆ 4 stars · yours")
    expect(page.get_by_role("menuitem", name="3 stars", exact=True)).to_have_text("★★★☆☆ 3 stars")
    player.shot(page, "song-menu-rating-desktop")

    page.get_by_role("menuitem", name="Clear rating").click()

    expect(page.locator("#toast")).to_have_text("Cleared your rating of “Low Tide”.")
    expect(row).to_have_attribute("data-rating", "")
    assert stars_of(song) == []
    page.context.close()


def test_the_rating_menu_fits_a_phone(songs, curator_cookie, browser, live_server):
    song = songs["Harbour Lights"]
    page = player.signed_in_page(browser, live_server, curator_cookie, "/", PHONE)

    open_ratings_menu(page, song)

    menu = page.locator("#song-menu").bounding_box()
    player.shot(page, "song-menu-rating-phone")
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= PHONE["width"], menu
    expect(page.get_by_role("menuitem", name="5 stars", exact=True)).to_be_visible()
    page.context.close()


def test_an_anonymous_visitor_is_not_offered_rate(songs, browser, live_server):
    page = browser.new_page(bypass_csp=True)
    page.goto(f"{live_server.url}/")

    page.locator(f"#song-{songs['Saltwater'].pk} .row-more").click()

    expect(page.get_by_role("menuitem", name="Add to queue")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Rate…")).to_have_count(0)
    page.close()
