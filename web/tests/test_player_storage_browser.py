"""What the player remembers in the browser's storage, in Debian's Chromium: nothing breaks
when storage is blocked, and one listener's player never reaches the next one's."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, open_page = player.songs, player.browser, player.open_page
curator_cookie = player.curator_cookie

# What Chromium does with "Block all cookies and site data": touching storage throws.
BLOCK_STORAGE = """
for (const name of ["localStorage", "sessionStorage"]) {
  Object.defineProperty(window, name, {
    get() { throw new DOMException("The user has denied access", "SecurityError"); },
  });
}
"""


def test_the_player_plays_when_the_browser_blocks_site_storage(songs, browser, live_server):
    context = browser.new_context(viewport=player.DESKTOP, bypass_csp=True)
    context.add_init_script(BLOCK_STORAGE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/albums/{songs['Neon Rain'].album_id}/")

    player.play_row(page, songs["Low Tide"])

    player.wait_for_playing(page)
    expect(page.locator("#player-title")).to_have_text("Low Tide")
    page.locator("#player-quality").select_option("saver")
    page.locator("#player-next").click()
    expect(page.locator("#player-title")).to_have_text("Saltwater")
    assert errors == []
    context.close()


@pytest.fixture
def other_cookie(live_server):
    """Sign another listener in and return the session cookie for Chromium."""
    other = get_user_model().objects.create_user("other", password="not-used-here-123")
    client = Client()
    client.force_login(other)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_after_a_sign_out_the_next_listener_starts_with_an_empty_player(
    songs, curator_cookie, other_cookie, browser, live_server
):
    page = player.signed_in_page(browser, live_server, curator_cookie, "/")
    player.play_row(page, songs["Neon Rain"])
    player.wait_for_playing(page)
    page.locator("#player-like").click()
    expect(page.locator("#player-like")).to_have_attribute("aria-pressed", "true")
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator("#player-title")).to_have_text("Neon Rain")  # kept across the reload

    page.get_by_role("button", name="Sign out").click()

    expect(page.locator(".topbar")).to_contain_text("Sign in")
    expect(page.locator("#player-idle")).to_be_visible()
    page.context.add_cookies([other_cookie])
    page.goto(f"{live_server.url}/albums/{songs['Neon Rain'].album_id}/")
    expect(page.locator(".topbar .who")).to_have_text("other")
    expect(page.locator("#player-idle")).to_be_visible()
    page.locator("#player-queue").click()
    assert player.queue_titles(page, "queue-now") == []
    page.context.close()
