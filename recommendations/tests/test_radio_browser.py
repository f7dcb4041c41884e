"""The song menu's "Start radio" and "Similar songs" in Debian's Chromium."""

import pytest
from playwright.sync_api import expect, sync_playwright

from catalog.tests.factories import SongFactory
from recommendations.services import refresh_recommendations
from recommendations.tests.factories import fans
from tests.support import CHROMIUM_ARGS, DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MARKER = "window.pageMarker = 'same page'"


@pytest.fixture
def pair():
    neon, harbour = SongFactory(title="Neon Rain"), SongFactory(title="Glass Harbour")
    fans([neon, harbour], 3)
    refresh_recommendations(full=True)
    return neon, harbour


@pytest.fixture
def page(pair, chromium_path, live_server):
    """A home page in Chromium, after the database fixtures (Playwright's loop blocks the ORM)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{live_server.url}/")
        page.evaluate(MARKER)
        yield page
        browser.close()


def test_start_radio_from_a_song_menu_opens_its_queue_without_a_reload(pair, page):
    neon, harbour = pair

    page.locator(f"#song-{neon.pk} .row-more").click()
    page.get_by_role("menuitem", name="Start radio").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Neon Rain radio")
    expect(page.locator("#picked-songs .song-row .title")).to_have_text(
        ["Neon Rain", "Glass Harbour"]
    )
    assert page.evaluate("window.pageMarker") == "same page"
    assert page.errors == []


def test_similar_songs_from_a_song_menu(pair, page):
    neon, harbour = pair

    page.locator(f"#song-{neon.pk} .row-more").click()
    page.get_by_role("menuitem", name="Similar songs").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Songs like Neon Rain")
    expect(page.locator("#picked-songs .song-row .title")).to_have_text(["Glass Harbour"])
    assert page.errors == []
