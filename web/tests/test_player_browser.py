"""The web player in Debian's Chromium: playing, seeking, the queue, and pages that keep playing."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from catalog.models import Song
from catalog.tests.factories import SongFactory
from demo.audio_samples import SampleTags, make_cover, write_sample
from library.tests.factories import PlayFactory
from tests.support import CHROMIUM_ARGS, DESKTOP, PHONE

# Playback without a user gesture, and silently, for the tests.
ARGS = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required", "--mute-audio"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECONDS = 8.0
MARKER = "window.playerMarker = 'same page'"
SAME_PAGE = "window.playerMarker === 'same page'"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def songs(put_song, post_events, created):
    """Ingest an album of five 8-second songs with a cover, plus one single."""
    cover = make_cover((30, 120, 200), text="HL")
    titles = ["Neon Rain", "Harbour Lights", "Low Tide", "Saltwater", "Undertow"]
    for track, title in enumerate(titles, start=1):
        key, size = put_song(
            f"music/tidelines/{track:02d}.mp3",
            SampleTags(title=title, track=track, cover=cover),
            seconds=SECONDS,
        )
        post_events(created(key, size))
    key, size = put_song(
        "music/nova/single.ogg",
        SampleTags(
            title="Comet", artists=("Nova",), album="Comet", cover=make_cover((200, 60, 40))
        ),
        seconds=SECONDS,
    )
    post_events(created(key, size))
    return {song.title: song for song in Song.objects.all()}


@pytest.fixture
def browser(chromium_path):
    """Launch Chromium; ask for it after the fixtures that use the database (its event loop
    makes Django refuse database calls from this thread)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield browser
        browser.close()


def note_console_error(page, message) -> None:
    # live_server speaks WSGI only: the home page's live socket cannot connect here, by design.
    if message.type == "error" and "WebSocket" not in message.text:
        page.errors.append(message.text)


@pytest.fixture
def open_page(browser, live_server):
    """Open a path of pytest-django's live server (the player needs no websocket), collecting
    console and page errors."""
    opened = []

    def open_path(path: str = "/", viewport: dict | None = None):
        # wait_for_function evaluates with eval, which the site's CSP bars (tested on its own).
        page = browser.new_page(viewport=viewport or DESKTOP, bypass_csp=True)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda message: note_console_error(page, message))
        page.goto(f"{live_server.url}{path}")
        page.evaluate(MARKER)
        opened.append(page)
        return page

    yield open_path
    for page in opened:
        page.close()


def audio_time(page) -> float:
    return page.evaluate("document.getElementById('audio').currentTime")


def wait_for_playing(page, past: float = 0.5) -> None:
    page.wait_for_function(
        f"(() => {{ const a = document.getElementById('audio');"
        f" return !a.paused && a.currentTime > {past}; }})()",
        timeout=15_000,
    )


def play_row(page, song) -> None:
    page.locator(f"#song-{song.pk} .row-play").click()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=False, animations="disabled")


def queue_titles(page, list_id: str = "queue-next") -> list[str]:
    return page.locator(f"#{list_id} .queue-title").all_text_contents()


def test_home_lists_songs_and_play_advances_the_audio(songs, open_page):
    page = open_page("/")
    expect(page.locator("#song-rows tr.song-row")).to_have_count(6)

    play_row(page, songs["Low Tide"])

    wait_for_playing(page, past=1.0)
    expect(page.locator("#player-title")).to_have_text("Low Tide")
    expect(page.locator("#player-artist")).to_have_text("The Tidelines")
    expect(page.locator("#player-total")).to_have_text("0:08")
    expect(page.locator(f"#song-{songs['Low Tide'].pk}")).to_have_class("song-row is-current")
    shot(page, "player-desktop-playing")
    assert page.errors == []


def test_seek_bar_moves_playback(songs, open_page):
    page = open_page("/")
    play_row(page, songs["Neon Rain"])
    wait_for_playing(page)

    page.locator("#player-seek").fill("5")

    page.wait_for_function("document.getElementById('audio').currentTime >= 5", timeout=5_000)
    expect(page.locator("#player-elapsed")).to_have_text("0:05")


def test_keyboard_space_pauses_and_arrows_seek(songs, open_page):
    page = open_page("/")
    play_row(page, songs["Neon Rain"])
    wait_for_playing(page)
    page.locator("h1").click()  # focus leaves the row's button

    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('audio').currentTime >= 5", timeout=5_000)
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('audio').paused", timeout=5_000)
    expect(page.locator("#player-play")).to_have_attribute("aria-label", "Play")

    page.keyboard.press("Space")
    page.wait_for_function("!document.getElementById('audio').paused", timeout=5_000)


def test_navigating_to_the_album_keeps_the_same_audio_playing(songs, open_page, live_server):
    page = open_page("/")
    comet = songs["Comet"]
    play_row(page, songs["Neon Rain"])
    wait_for_playing(page)

    page.locator(f"#song-{comet.pk} .album a").click()

    expect(page).to_have_url(f"{live_server.url}/albums/{comet.album_id}/")
    expect(page.locator("h1")).to_have_text("Comet")
    before = audio_time(page)
    page.wait_for_function(
        f"document.getElementById('audio').currentTime > {before + 0.5}", timeout=5_000
    )
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    assert page.evaluate("!document.getElementById('audio').paused")
    expect(page.locator("#player-title")).to_have_text("Neon Rain")
    shot(page, "player-desktop-album")

    page.go_back()

    expect(page.locator("#song-rows tr.song-row")).to_have_count(6)
    assert page.evaluate(SAME_PAGE), "going back reloaded the page"
    assert page.evaluate("!document.getElementById('audio').paused")
    page.go_forward()
    expect(page.locator("h1")).to_have_text("Comet")
    assert page.errors == []


def test_play_all_on_an_album_plays_its_tracks_in_order(songs, open_page):
    page = open_page(f"/albums/{songs['Neon Rain'].album_id}/")

    page.get_by_role("button", name="Play all").click()

    wait_for_playing(page)
    expect(page.locator("#player-title")).to_have_text("Neon Rain")
    page.locator("#player-queue").click()
    assert queue_titles(page) == ["Harbour Lights", "Low Tide", "Saltwater", "Undertow"]


def test_add_to_queue_and_play_next_then_next_plays_them(songs, open_page, live_server):
    page = open_page(f"/albums/{songs['Neon Rain'].album_id}/")
    play_row(page, songs["Saltwater"])
    wait_for_playing(page)
    page.goto(f"{live_server.url}/search/?q=comet")  # a full load keeps the queue too
    expect(page.locator("#player-title")).to_have_text("Saltwater")

    comet_row = page.locator(f"#song-{songs['Comet'].pk}")
    comet_row.locator(".row-more").click()
    page.get_by_role("menuitem", name="Add to queue").click()
    page.locator("#player-queue").click()
    expect(page.locator("#queue-next .queue-title")).to_have_text(["Undertow", "Comet"])

    comet_row.locator(".row-more").click()
    page.get_by_role("menuitem", name="Play next").click()
    expect(page.locator("#queue-next .queue-title")).to_have_text(["Comet", "Undertow", "Comet"])
    shot(page, "player-desktop-queue")

    page.locator("#player-next").click()

    expect(page.locator("#player-title")).to_have_text("Comet")
    wait_for_playing(page)
    expect(page.locator("#queue-now .queue-title")).to_have_text("Comet")


def test_shuffle_keeps_the_current_song_and_unshuffle_restores_the_order(songs, open_page):
    page = open_page(f"/albums/{songs['Neon Rain'].album_id}/")
    play_row(page, songs["Neon Rain"])
    wait_for_playing(page)
    in_order = ["Harbour Lights", "Low Tide", "Saltwater", "Undertow"]
    page.locator("#player-queue").click()

    page.locator("#player-shuffle").click()

    expect(page.locator("#player-shuffle")).to_have_attribute("aria-pressed", "true")
    assert sorted(queue_titles(page)) == sorted(in_order)
    expect(page.locator("#player-title")).to_have_text("Neon Rain")
    upcoming = queue_titles(page)
    page.locator("#player-next").click()
    expect(page.locator("#player-title")).to_have_text(upcoming[0])

    page.locator("#player-shuffle").click()

    remaining = [title for title in in_order if title != upcoming[0]]
    assert queue_titles(page) == remaining


def test_repeat_one_replays_the_song_when_it_ends(songs, open_page):
    page = open_page("/")
    play_row(page, songs["Comet"])
    wait_for_playing(page)
    page.locator("#player-repeat").click()
    page.locator("#player-repeat").click()
    expect(page.locator("#player-repeat")).to_have_attribute("data-mode", "one")

    page.locator("#player-seek").fill("7.5")
    page.wait_for_function("document.getElementById('audio').currentTime < 2", timeout=8_000)

    expect(page.locator("#player-title")).to_have_text("Comet")
    wait_for_playing(page, past=0.3)


def test_search_box_shows_results_as_you_type(songs, open_page):
    page = open_page("/")

    page.locator("#search-input").press_sequentially("nova", delay=30)

    expect(page.locator("h1")).to_have_text("Results for “nova”")
    expect(page.locator("#search-input")).to_be_focused()
    assert "/search/?q=nova" in page.url
    assert page.evaluate(SAME_PAGE)
    expect(page.locator(".song-row .title")).to_have_text(["Comet"])
    expect(page.locator(".artist-card .card-title")).to_have_text(["Nova"])
    expect(page.locator(".album-card .card-title")).to_have_text(["Comet"])
    shot(page, "player-desktop-search")


def test_phone_layout_has_no_sideways_scroll_and_shows_the_player(songs, open_page, live_server):
    page = open_page("/", viewport=PHONE)
    play_row(page, songs["Harbour Lights"])
    wait_for_playing(page)

    for path in ["/", f"/albums/{songs['Neon Rain'].album_id}/", "/browse/"]:
        page.goto(f"{live_server.url}{path}")
        widths = page.evaluate(
            "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["scroll"] <= widths["inner"], f"{path} scrolls sideways: {widths}"
        bar = page.locator("#player").bounding_box()
        assert bar["y"] + bar["height"] <= PHONE["height"] + 1
        assert bar["y"] >= PHONE["height"] / 2
        expect(page.locator("#player-play")).to_be_visible()
        shot(page, f"player-phone-{path.strip('/').split('/')[0] or 'home'}")


def test_on_a_phone_the_player_bar_gives_the_title_its_width(
    songs, curator_cookie, browser, live_server
):
    page = signed_in_page(browser, live_server, curator_cookie, "/", PHONE)
    play_row(page, songs["Neon Rain"])
    wait_for_playing(page)
    expect(page.locator("#player-like")).to_be_visible()
    shot(page, "player-phone-title")

    for part in ("#player-title", "#player-artist"):
        cut = page.locator(part).evaluate("node => node.scrollWidth > node.clientWidth")
        assert not cut, f"{part} is cut: {page.locator(part).text_content()}"
    expect(page.locator("#player-quality")).to_be_visible()


@pytest.fixture
def eight_played(curator_cookie):
    """Give the signed-in curator eight songs played: a full "Recently played" shelf."""
    curator = get_user_model().objects.get(username="curator")
    for minutes, song in enumerate(SongFactory.create_batch(8)):
        PlayFactory(user=curator, song=song, played_at=timezone.now() - timedelta(minutes=minutes))


def test_a_home_shelf_is_one_row_that_scrolls_sideways(
    eight_played, curator_cookie, browser, live_server
):
    for name, viewport in [("desktop", DESKTOP), ("phone", PHONE)]:
        page = signed_in_page(browser, live_server, curator_cookie, "/", viewport)
        shelf = page.locator("section.shelf", has=page.locator("#recent-heading")).locator(".cards")
        expect(shelf.locator(".song-card")).to_have_count(8)
        tops = {round(card.bounding_box()["y"]) for card in shelf.locator(".song-card").all()}
        sizes = shelf.evaluate(
            "list => ({list: list.scrollWidth > list.clientWidth,"
            " page: document.documentElement.scrollWidth > window.innerWidth})"
        )
        shot(page, f"home-shelf-{name}")
        assert len(tops) == 1, f"the shelf wraps on the {name}: card tops {sorted(tops)}"
        assert sizes == {"list": True, "page": False}, name
        page.context.close()


@pytest.fixture
def curator_cookie(client, live_server):
    """Sign a curator in (may add songs; not staff) and return the session cookie for Chromium."""
    curator = get_user_model().objects.create_user("curator", password="not-used-here-123")
    curator.user_permissions.add(Permission.objects.get(codename="add_song"))
    client.force_login(curator)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def signed_in_page(browser, live_server, cookie, path: str, viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or DESKTOP, bypass_csp=True)
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    return page


def test_a_listen_records_one_play_for_a_signed_in_listener(
    songs, curator_cookie, browser, live_server
):
    page = signed_in_page(browser, live_server, curator_cookie, "/")
    play_row(page, songs["Undertow"])

    # Half of an 8-second song is a listen.
    page.wait_for_function("document.getElementById('audio').currentTime > 5", timeout=15_000)

    plays = page.evaluate(
        "fetch('/api/v1/me/plays/', {headers: {Accept: 'application/json'}}).then(r => r.json())"
    )
    assert [play["song"]["title"] for play in plays["results"]] == ["Undertow"]
    expect(page.locator("#player-like")).to_be_visible()


def test_curator_uploads_several_files_and_sees_each_one_land(
    tmp_path, curator_cookie, browser, live_server
):
    good = write_sample(
        tmp_path / "Tidal Demo.mp3", tags=SampleTags(title="Uploaded Tune", cover=make_cover())
    )
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio")
    page = signed_in_page(browser, live_server, curator_cookie, "/upload/")

    page.locator("#upload-input").set_input_files([good, bad])

    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(2)
    # The outcome itself comes over /ws/ingest/, which this WSGI live server lacks (tests/e2e
    # sees it arrive on daphne); here the upload lands and the song shows in the list.
    expect(items.nth(0).locator(".upload-status")).to_have_text("Uploaded, reading its tags…")
    assert items.nth(0).locator("progress").evaluate("bar => bar.value") == 1
    expect(items.nth(1).locator(".upload-status")).to_contain_text("Failed:")
    shot(page, "upload-desktop")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#song-rows .title")).to_have_text(["Uploaded Tune"])
