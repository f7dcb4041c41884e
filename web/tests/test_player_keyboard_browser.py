"""The keyboard around the player bar, in Debian's Chromium: focus stays in sight, and the seek
bar takes useful steps."""

import pytest

from tests.support import PHONE
from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, open_page = player.songs, player.browser, player.open_page

# Where the focused element is against the sticky header and the fixed player bar.
FOCUS_PLACE = """() => {
  const focused = document.activeElement;
  const box = focused.getBoundingClientRect();
  return {
    inBar: Boolean(focused.closest("#player, .topbar, .skip-link")) || focused === document.body,
    below: box.top >= document.querySelector(".topbar").getBoundingClientRect().bottom - 1,
    above: box.bottom <= document.getElementById("player").getBoundingClientRect().top + 1,
    name: focused.getAttribute("aria-label") || focused.textContent.trim().slice(0, 40),
  };
}"""


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 480}, PHONE], ids=["desktop", "phone"]
)
def test_tabbing_through_a_page_keeps_focus_clear_of_the_header_and_player(
    songs, open_page, viewport
):
    page = open_page("/browse/", viewport=viewport)
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        place = page.evaluate(FOCUS_PLACE)
        if place["inBar"]:
            continue
        if not (place["below"] and place["above"]):
            hidden.append(place["name"])
        if place["name"].startswith("Play "):
            player.shot(page, f"focus-clear-of-player-{viewport['width']}")  # the last row's
    assert hidden == []
