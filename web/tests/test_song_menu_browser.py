"""A song's ⋯ menu in Debian's Chromium: it closes for the new-playlist dialog and stays by
its button when its entries change."""

import pytest
from playwright.sync_api import expect

from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, curator_cookie = player.songs, player.browser, player.curator_cookie


def open_playlists_menu(page, song):
    page.locator(f"#song-{song.pk} .row-more").click()
    page.get_by_role("menuitem", name="Add to playlist…").click()
    expect(page.get_by_role("menuitem", name="New playlist…")).to_be_visible()


def test_new_playlist_closes_the_song_menu_for_the_dialog_and_after_it(
    songs, curator_cookie, browser, live_server
):
    page = player.signed_in_page(
        browser, live_server, curator_cookie, f"/albums/{songs['Neon Rain'].album_id}/"
    )
    open_playlists_menu(page, songs["Neon Rain"])

    page.get_by_role("menuitem", name="New playlist…").click()

    expect(page.locator(".name-dialog")).to_be_visible()
    expect(page.locator("#song-menu")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator(".name-dialog")).to_be_hidden()
    expect(page.locator("#song-menu")).to_be_hidden()
    page.context.close()


def test_the_playlists_menu_stays_by_its_button_after_it_shrinks(
    songs, curator_cookie, browser, live_server
):
    page = player.signed_in_page(
        browser,
        live_server,
        curator_cookie,
        f"/albums/{songs['Neon Rain'].album_id}/",
        {"width": 1280, "height": 600},
    )
    last = songs["Undertow"]
    page.locator(f"#song-{last.pk}").scroll_into_view_if_needed()

    open_playlists_menu(page, last)

    button = page.locator(f"#song-{last.pk} .row-more").bounding_box()
    menu = page.locator("#song-menu").bounding_box()
    below = abs(menu["y"] - (button["y"] + button["height"] + 4))
    above = abs(menu["y"] + menu["height"] - (button["y"] - 4))
    player.shot(page, "song-menu-playlists")
    assert min(below, above) < 2, (menu, button)
    page.context.close()
