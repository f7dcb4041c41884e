"""The player's quality setting in Debian's Chromium: data saver streams a transcode."""

import pytest
from playwright.sync_api import expect

from catalog.transcoding import encoder_runs
from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, open_page = player.songs, player.browser, player.open_page


def test_data_saver_plays_a_transcode_and_is_remembered(songs, open_page):
    page = open_page("/")
    runs = encoder_runs()

    page.locator("#player-quality").select_option("saver")
    player.play_row(page, songs["Neon Rain"])  # a 128 kbit/s MP3, above the 64 kbit/s cap

    player.wait_for_playing(page, past=1.0)
    source = page.evaluate("document.getElementById('audio').currentSrc")
    assert "max_bitrate=64" in source
    assert encoder_runs() == runs + 1
    page.reload()
    expect(page.locator("#player-quality")).to_have_value("saver")
    assert page.errors == []
