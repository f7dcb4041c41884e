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


def test_arrows_on_the_seek_bar_move_five_seconds_and_space_still_pauses(songs, open_page):
    page = open_page("/")
    player.play_row(page, songs["Neon Rain"])
    player.wait_for_playing(page)
    page.locator("#player-seek").focus()

    page.keyboard.press("ArrowRight")

    page.wait_for_function("document.getElementById('audio').currentTime >= 5", timeout=5_000)
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('audio').paused", timeout=5_000)
    before = player.audio_time(page)
    page.keyboard.press("ArrowLeft")
    assert player.audio_time(page) == pytest.approx(before - 5, abs=0.2)


def test_arrows_on_the_volume_slider_move_it_in_steps_you_can_hear(songs, open_page):
    page = open_page("/")
    page.locator("#player-volume").focus()

    page.keyboard.press("ArrowDown")

    assert page.evaluate("document.getElementById('audio').volume") == pytest.approx(0.95)
