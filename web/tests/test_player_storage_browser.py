"""What the player remembers in the browser's storage, in Debian's Chromium: nothing breaks
when storage is blocked, and one listener's player never reaches the next one's."""

import pytest
from playwright.sync_api import expect

from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, open_page = player.songs, player.browser, player.open_page

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
