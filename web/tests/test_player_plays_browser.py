"""Recording plays from the web player, in Debian's Chromium: one request per listen."""

import json

import pytest
from playwright.sync_api import expect

from web.tests import test_player_browser as player

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

songs, browser, curator_cookie = player.songs, player.browser, player.curator_cookie


def test_a_refused_play_is_sent_once_and_the_listener_is_told(
    songs, curator_cookie, browser, live_server
):
    page = player.signed_in_page(browser, live_server, curator_cookie, "/")
    posts = []

    def refuse(route):
        posts.append(route.request.url)
        detail = {"detail": "Authentication credentials were not provided."}
        route.fulfill(status=403, content_type="application/json", body=json.dumps(detail))

    page.route("**/api/v1/songs/*/plays/", refuse)
    player.play_row(page, songs["Undertow"])

    # Half of an 8-second song is a listen; the rest of it is a couple dozen timeupdates.
    page.wait_for_function("document.getElementById('audio').currentTime > 7", timeout=15_000)

    assert posts == [f"{live_server.url}/api/v1/songs/{songs['Undertow'].pk}/plays/"]
    expect(page.locator("#toast")).to_have_text(
        "Could not record this play. Are you still signed in?"
    )
    page.context.close()
