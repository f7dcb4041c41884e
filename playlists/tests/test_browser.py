"""Playlists, liked songs and the Media Session in Debian's Chromium, as a listener uses them."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from accounts.tests.factories import UserFactory
from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover
from playlists.models import Playlist
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory
from tests.support import CHROMIUM_ARGS, DESKTOP, PHONE

ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required", "--mute-audio"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MARKER = "window.playerMarker = 'same page'"
SAME_PAGE = "window.playerMarker === 'same page'"
# Record the handlers player.js gives the Media Session, so the test can press "media keys".
MEDIA_KEYS = """
  window.mediaHandlers = {};
  const setActionHandler = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
  navigator.mediaSession.setActionHandler = (action, handler) => {
    window.mediaHandlers[action] = handler;
    setActionHandler(action, handler);
  };
"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def songs(put_song, post_events, created):
    """Ingest three 8-second songs of one album with a cover, and a single by another artist."""
    cover = make_cover((30, 120, 200), text="RT")
    for track, title in enumerate(["Amber", "Basalt", "Cobalt"], start=1):
        key, size = put_song(
            f"music/road/{track}.mp3", SampleTags(title=title, track=track, cover=cover), seconds=8
        )
        post_events(created(key, size))
    key, size = put_song(
        "music/nova/dusk.ogg", SampleTags(title="Dusk", artists=("Nova",), album="Dusk"), seconds=8
    )
    post_events(created(key, size))
    return {song.title: song for song in Song.objects.select_related("cover")}


@pytest.fixture
def listener_cookie(client, live_server):
    listener = UserFactory(username="ada")
    client.force_login(listener)
    listener.cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    return listener


@pytest.fixture
def road_trip(songs, listener_cookie) -> Playlist:
    """Ada's playlist of Amber, Basalt, Cobalt in that order."""
    playlist = PlaylistFactory(owner=listener_cookie, name="Road trip")
    playlist.row = {
        title: f"#item-{PlaylistItemFactory(playlist=playlist, song=songs[title]).pk}"
        for title in ["Amber", "Basalt", "Cobalt"]
    }
    return playlist


@pytest.fixture
def browser(chromium_path):
    """Launch Chromium after the fixtures that use the database (its event loop makes Django
    refuse database calls from this thread)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(listener_cookie, live_server, browser):
    """Open a path as Ada, collecting page errors; the window keeps a marker a reload would lose."""

    def open_path(path: str, viewport: dict | None = None, init_script: str = ""):
        # wait_for_function evaluates with eval, which the site's CSP bars (tested on its own).
        context = browser.new_context(viewport=viewport or DESKTOP, bypass_csp=True)
        context.add_cookies([listener_cookie.cookie])
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{live_server.url}{path}")
        page.evaluate(MARKER)
        return page

    return open_path


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", animations="disabled")


def wait_for_playing(page) -> None:
    page.wait_for_function(
        "(() => { const a = document.getElementById('audio');"
        " return !a.paused && a.currentTime > 0.3; })()",
        timeout=15_000,
    )


def track_titles(page) -> list[str]:
    return page.locator("#playlist-tracks tbody .title").all_text_contents()


def open_menu(page, song) -> None:
    page.locator(f"#song-{song.pk} .row-more").click()


def test_add_a_song_to_a_playlist_from_its_row_menu(songs, road_trip, open_page, live_server):
    page = open_page("/")

    open_menu(page, songs["Dusk"])
    page.get_by_role("menuitem", name="Add to playlist…").click()
    page.get_by_role("menuitem", name="Road trip").click()

    expect(page.locator("#toast")).to_have_text("Added “Dusk” to Road trip.")
    page.locator("#site-nav").get_by_role("link", name="Playlists").click()
    page.get_by_role("link", name="Road trip").click()
    expect(page.locator("h1")).to_have_text("Road trip")
    assert track_titles(page) == ["Amber", "Basalt", "Cobalt", "Dusk"]
    expect(page.locator("#playlist-count")).to_have_text("4 songs")
    assert page.evaluate(SAME_PAGE), "navigation reloaded the page"
    assert page.errors == []


def test_new_playlist_from_the_row_menu_is_named_and_holds_the_song(
    songs, listener_cookie, open_page
):
    page = open_page("/")

    open_menu(page, songs["Basalt"])
    page.get_by_role("menuitem", name="Add to playlist…").click()
    page.get_by_role("menuitem", name="New playlist…").click()
    dialog = page.get_by_role("dialog", name="New playlist")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_value("My playlist #1")
    shot(page, "playlist-new-dialog")
    dialog.get_by_label("Name").fill("Stone <b>mix</b>")
    dialog.get_by_role("button", name="Create and add").click()

    expect(page.locator("#toast")).to_have_text("Added “Basalt” to Stone <b>mix</b>.")
    expect(dialog).to_be_hidden()
    page.locator("#site-nav").get_by_role("link", name="Playlists").click()
    card = page.locator(".playlist-card", has_text="Stone <b>mix</b>")
    expect(card.locator(".card-sub")).to_have_text("Private · 1 song")
    assert page.errors == []


def test_owner_reorders_by_keyboard_and_by_drag_while_the_music_plays(
    road_trip, open_page, live_server
):
    page = open_page(f"/playlists/{road_trip.pk}/")
    page.get_by_role("button", name="Play all").click()
    wait_for_playing(page)

    down = page.get_by_role("button", name="Move Amber down")
    down.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#playlist-tracks tbody .title")).to_have_text(
        ["Basalt", "Amber", "Cobalt"]
    )
    expect(page.get_by_role("button", name="Move Amber down")).to_be_focused()
    expect(page.locator("#playlist-status")).to_have_text("Moved “Amber” to number 2 of 3.")
    expect(page.get_by_role("button", name="Move Basalt up")).to_be_disabled()

    page.locator(road_trip.row["Cobalt"]).drag_to(
        page.locator(road_trip.row["Basalt"]),
        target_position={"x": 200, "y": 4},
    )

    expect(page.locator("#playlist-tracks tbody .title")).to_have_text(
        ["Cobalt", "Basalt", "Amber"]
    )
    shot(page, "playlist-desktop-reordered")
    assert page.evaluate(SAME_PAGE) and page.evaluate("!document.getElementById('audio').paused")
    page.reload()
    assert track_titles(page) == ["Cobalt", "Basalt", "Amber"]
    assert page.errors == []


def test_owner_removes_a_track_and_renames_without_stopping_the_music(road_trip, open_page):
    page = open_page(f"/playlists/{road_trip.pk}/")
    page.get_by_role("button", name="Play all").click()
    wait_for_playing(page)

    page.get_by_role("button", name="Remove Basalt from this playlist").click()

    expect(page.locator("#playlist-tracks tbody .title")).to_have_text(["Amber", "Cobalt"])
    expect(page.locator("#playlist-count")).to_have_text("2 songs")
    page.get_by_text("Edit details").click()
    page.get_by_label("Name").fill("Night trip")
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("h1")).to_have_text("Night trip")
    expect(page.locator(".kicker")).to_have_text("Public playlist")
    assert page.evaluate(SAME_PAGE), "saving reloaded the page"
    assert page.evaluate("!document.getElementById('audio').paused")
    page.reload()
    assert track_titles(page) == ["Amber", "Cobalt"]
    assert page.errors == []


def test_on_a_phone_the_menu_moves_and_removes_tracks(road_trip, open_page):
    page = open_page(f"/playlists/{road_trip.pk}/", viewport=PHONE)
    cobalt = page.locator(road_trip.row["Cobalt"])
    expect(cobalt.locator(".move-up")).to_be_hidden()

    cobalt.locator(".row-more").click()
    page.get_by_role("menuitem", name="Move up").click()

    expect(page.locator("#playlist-tracks tbody .title")).to_have_text(
        ["Amber", "Cobalt", "Basalt"]
    )
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the playlist page scrolls sideways: {width}"
    shot(page, "playlist-phone")
    cobalt.locator(".row-more").click()
    page.get_by_role("menuitem", name="Remove from this playlist").click()
    expect(page.locator("#playlist-tracks tbody .title")).to_have_text(["Amber", "Basalt"])


def test_liked_song_shows_on_the_liked_page_and_plays(songs, open_page):
    page = open_page("/")

    open_menu(page, songs["Cobalt"])
    page.get_by_role("menuitem", name="Like").click()
    expect(page.locator("#toast")).to_have_text("Added “Cobalt” to your liked songs.")
    page.locator("#site-nav").get_by_role("link", name="Liked").click()

    expect(page.locator("h1")).to_have_text("Liked songs")
    expect(page.locator("#liked-songs .title")).to_have_text(["Cobalt"])
    page.get_by_role("button", name="Play all").click()
    wait_for_playing(page)
    expect(page.locator("#player-title")).to_have_text("Cobalt")
    expect(page.locator("#player-like")).to_have_attribute("aria-pressed", "true")
    shot(page, "liked-desktop")
    assert page.evaluate(SAME_PAGE)


def test_media_session_shows_the_song_and_its_keys_drive_the_player(songs, open_page):
    page = open_page(f"/albums/{songs['Amber'].album_id}/", init_script=MEDIA_KEYS)
    page.locator(f"#song-{songs['Amber'].pk} .row-play").click()
    wait_for_playing(page)

    metadata = page.evaluate(
        "(() => { const m = navigator.mediaSession.metadata;"
        " return {title: m.title, artist: m.artist, album: m.album,"
        " artwork: m.artwork.map((a) => a.src)}; })()"
    )
    assert metadata["title"] == "Amber"
    assert metadata["artist"] == "The Tidelines"
    assert metadata["album"] == "Harbour Lights"
    cover = songs["Amber"].cover.url
    assert len(metadata["artwork"]) == 1 and metadata["artwork"][0].endswith(cover)
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"

    page.evaluate("window.mediaHandlers.pause()")
    page.wait_for_function("document.getElementById('audio').paused")
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"
    page.evaluate("window.mediaHandlers.play()")
    wait_for_playing(page)
    page.evaluate("window.mediaHandlers.seekto({action: 'seekto', seekTime: 5})")
    page.wait_for_function("document.getElementById('audio').currentTime >= 5")

    page.evaluate("window.mediaHandlers.nexttrack()")
    expect(page.locator("#player-title")).to_have_text("Basalt")
    page.wait_for_function("navigator.mediaSession.metadata.title === 'Basalt'")
    page.evaluate("window.mediaHandlers.previoustrack()")
    expect(page.locator("#player-title")).to_have_text("Amber")
    assert page.evaluate("navigator.mediaSession.metadata.title") == "Amber"


def test_library_pages_fit_a_phone(road_trip, listener_cookie, open_page, live_server):
    page = open_page("/playlists/", viewport=PHONE)

    for path in [
        "/playlists/",
        f"/playlists/{road_trip.pk}/",
        "/liked/",
        "/recent/",
        "/accounts/profile/",
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways: {width}"
        nav = page.locator("#site-nav").bounding_box()
        assert nav["height"] < 48, f"the header's links take {nav['height']} px on {path}"
    shot(page, "profile-phone")
