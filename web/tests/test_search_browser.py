"""The header's search box in Debian's Chromium: results appear as the listener types."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from catalog.search import refresh_search_text
from catalog.tests.factories import ArtistFactory, SongFactory
from tests.support import CHROMIUM_ARGS, DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def songs():
    tidelines = ArtistFactory(name="The Tidelines")
    SongFactory(title="Neon Rain", artist=tidelines)
    SongFactory(title="Harbour Lights", artist=tidelines)
    SongFactory(title="Comet", artist=ArtistFactory(name="Beyoncé"))
    refresh_search_text()


@pytest.fixture
def page(songs, chromium_path, live_server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{live_server.url}/")
        yield page
        browser.close()


def test_typing_in_the_header_shows_results_with_typos(page):
    box = page.locator("#search-input")
    box.press_sequentially("neo", delay=40)
    expect(page).to_have_url(re.compile(r"/search/\?q=neo$"))
    expect(page.locator("section.search-results h1")).to_have_text("Results for “neo”")
    expect(page.locator(".search-results .song-table")).to_contain_text("Neon Rain")

    box.fill("")
    box.press_sequentially("neon rian", delay=40)
    expect(page.locator("section.search-results h1")).to_have_text("Results for “neon rian”")
    expect(page.locator(".search-results .song-table tbody tr").first).to_contain_text("Neon Rain")

    box.fill("")
    box.press_sequentially("beyonce", delay=40)
    expect(page.locator(".search-results .song-table")).to_contain_text("Comet")
    expect(page.locator(".search-results .song-table")).not_to_contain_text("Neon Rain")
    assert page.errors == []
