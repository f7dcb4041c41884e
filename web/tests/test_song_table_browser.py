"""The song tables' layout in Debian's Chromium: a long name never squeezes the other columns."""

import pytest
from playwright.sync_api import expect

from catalog.models import Song
from tests.support import DESKTOP, PHONE
from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, open_page = player.songs, player.browser, player.open_page

LONG_TITLE = "An Extraordinarily Long Song Title " * 4
# How many lines a cell's text takes.
LINES = """cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


@pytest.fixture
def long_titled(songs):
    """Give one song a title of about 140 characters, as a live drop of such a file does."""
    Song.objects.filter(pk=songs["Low Tide"].pk).update(title=LONG_TITLE.strip())
    return songs["Low Tide"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_title_is_cut_to_one_line_and_the_times_stay_whole(long_titled, open_page, viewport):
    page = open_page("/", viewport=viewport)
    row = page.locator(f"#song-{long_titled.pk}")
    title = row.locator(".title")

    expect(title).to_have_attribute("title", LONG_TITLE.strip())
    assert title.evaluate("cell => cell.scrollWidth > cell.clientWidth"), "not cut"
    for cell in [title, *page.locator("#song-rows .song-row .duration").all()]:
        assert cell.evaluate(LINES) == 1, cell.text_content()
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"]
    player.shot(page, f"song-table-long-title-{viewport['width']}")
