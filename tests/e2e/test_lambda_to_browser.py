"""End to end, as a user sees it: songs put in the store reach the API and every open page.

Each test drives the real server (daphne with the thread-pool ingest) through the real doors:
S3 notifications through SQS and the Lambda handler, or the signed webhook the media watcher
uses; it observes through the REST API or Chromium.
"""

import os
import re

import pytest
import requests
from playwright.sync_api import expect

from catalog.tests.factories import SongFactory
from conftest import require
from demo.audio_samples import SampleTags, make_cover
from ingest.models import IngestJob
from tests.e2e.delivery import (
    INGEST_TIMEOUT,
    deliver_through_lambda,
    ingest_jobs_report,
    post_local_event,
    put_s3_song,
    song_bytes,
    tags_with_cover,
    wait_for_song,
    wait_for_song_gone,
    write_local_song,
)
from tests.support import PHONE, wait_for
from web.views import HOME_SONGS

pytestmark = pytest.mark.django_db(transaction=True)

# A key as people name folders: spaces, accents, punctuation that URL-encoding must survive.
S3_FOLDER = "incoming/Sigur Rós/Ágætis byrjun (1999)/"
LIVE_TIMEOUT_MS = INGEST_TIMEOUT * 1000


def ingest_through_lambda(store, server, key, tags, tmp_path, monkeypatch) -> tuple[dict, bytes]:
    """Put a song in the bucket, run the Lambda on its notification; return (API song, bytes)."""
    data = song_bytes(tmp_path, f"upload{os.path.splitext(key)[1]}", tags)
    put_s3_song(store, key, data)
    deliver_through_lambda(store, server, key, "ObjectCreated:", monkeypatch)
    return wait_for_song(server, tags.title), data


def ingest_locally(server, key, tags) -> dict:
    """Write a song into the server's media folder, post its event; return it from the API."""
    size = write_local_song(server, key, tags)
    post_local_event(server, key, size=size)
    return wait_for_song(server, tags.title)


def cover_is_loaded(row) -> bool:
    """Tell whether the row's cover image has loaded and has pixels."""
    return row.locator("img.cover").evaluate("img => img.complete && img.naturalWidth > 0")


def expect_shown_as_text(row, title: str, artist: str) -> None:
    """Expect the row to show ``title`` and ``artist`` as text, with no element made of them."""
    expect(row.locator(".title")).to_have_text(title, timeout=LIVE_TIMEOUT_MS)
    expect(row.locator(".artist")).to_have_text(artist)
    expect(row.locator("img:not(.cover), b")).to_have_count(0)
    # Had markup been injected, its <img src=x> would fail about when the real cover loads.
    wait_for(lambda: cover_is_loaded(row), timeout=10, failure=lambda: "the cover never loaded")


def test_song_put_in_s3_appears_in_api_through_lambda(s3_store, s3_server, tmp_path, monkeypatch):
    """A FLAC put in the bucket reaches the API with its tags and a cover that serves."""
    cover = make_cover(color=(30, 110, 190), size=240, text="Svefn")
    tags = SampleTags(
        title="Svefn-g-englar", artists=("Sigur Rós",), album="Ágætis byrjun", cover=cover
    )

    song, _ = ingest_through_lambda(
        s3_store, s3_server, S3_FOLDER + "01 Svefn-g-englar.flac", tags, tmp_path, monkeypatch
    )

    assert (song["title"], song["artist"], song["album"]) == (
        "Svefn-g-englar",
        "Sigur Rós",
        "Ágætis byrjun",
    )
    assert song["duration"] == pytest.approx(2.0, abs=0.05)
    assert song["cover_url"], "the embedded cover was not stored"
    image = requests.get(s3_server.url + song["cover_url"], timeout=10)
    assert image.status_code == 200
    assert image.headers["Content-Type"].startswith("image/")
    assert image.content == cover


def test_s3_song_streams_from_a_presigned_url_with_its_bytes(
    s3_store, s3_server, tmp_path, monkeypatch
):
    """The stream URL of an S3 song redirects to a presigned URL serving the uploaded bytes."""
    tags = SampleTags(title="Starálfur", artists=("Sigur Rós",), album="Ágætis byrjun")
    song, data = ingest_through_lambda(
        s3_store, s3_server, S3_FOLDER + "02 Starálfur.mp3", tags, tmp_path, monkeypatch
    )

    redirect = requests.get(s3_server.url + song["stream_url"], allow_redirects=False, timeout=10)

    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith(f"{s3_store.endpoint_url}/{s3_store.bucket}/"), location
    assert "Signature=" in location, f"not a presigned URL: {location}"
    audio = requests.get(location, timeout=10)
    assert audio.status_code == 200
    assert audio.content == data


def test_song_deleted_from_s3_leaves_api_through_lambda(s3_store, s3_server, tmp_path, monkeypatch):
    """Deleting the object from the bucket takes its song off the API."""
    key = S3_FOLDER + "03 Ný batterí.flac"
    tags = SampleTags(title="Ný batterí", artists=("Sigur Rós",), album="Ágætis byrjun")
    song, _ = ingest_through_lambda(s3_store, s3_server, key, tags, tmp_path, monkeypatch)

    s3_store.s3.delete_object(Bucket=s3_store.bucket, Key=key)
    deliver_through_lambda(s3_store, s3_server, key, "ObjectRemoved:", monkeypatch)

    wait_for_song_gone(s3_server, song["id"])


@pytest.mark.browser
def test_song_put_in_s3_appears_live_at_the_top_of_an_open_page(
    s3_store, s3_server, open_home, tmp_path, monkeypatch
):
    """A page open before the upload shows the new song first, with its cover, without reload."""
    older_tags = tags_with_cover("Olsen Olsen", "Sigur Rós", "Ágætis byrjun", (90, 60, 160))
    older, _ = ingest_through_lambda(
        s3_store, s3_server, S3_FOLDER + "08 Olsen Olsen.flac", older_tags, tmp_path, monkeypatch
    )
    live = open_home(s3_server)
    rows = live.page.locator("#song-rows tr")
    expect(rows).to_have_count(1)

    key = "incoming/Sigur Rós/Takk…/04 Hoppípolla.flac"
    tags = tags_with_cover("Hoppípolla", "Sigur Rós", "Takk…", (230, 120, 40))
    put_s3_song(s3_store, key, song_bytes(tmp_path, "hoppipolla.flac", tags))
    deliver_through_lambda(s3_store, s3_server, key, "ObjectCreated:", monkeypatch)

    expect(rows).to_have_count(2, timeout=LIVE_TIMEOUT_MS)
    newest = rows.first
    expect(newest.locator(".title")).to_have_text("Hoppípolla")
    expect(newest.locator(".artist")).to_have_text("Sigur Rós")
    expect(rows.nth(1)).to_have_id(f"song-{older['id']}")
    wait_for(lambda: cover_is_loaded(newest), timeout=10, failure=lambda: "the cover never loaded")
    assert live.never_reloaded()
    live.screenshot("home-desktop")
    assert live.errors == []


@pytest.mark.browser
def test_song_written_to_media_folder_appears_live_at_the_top_of_an_open_page(
    asgi_server, open_home
):
    """A song the watcher reports from the media folder shows up first on an open page."""
    older = ingest_locally(
        asgi_server,
        "music/Röyksopp/Melody A.M/01 So Easy.mp3",
        tags_with_cover("So Easy", "Röyksopp", "Melody A.M.", (40, 160, 120)),
    )
    live = open_home(asgi_server)
    rows = live.page.locator("#song-rows tr")
    expect(rows).to_have_count(1)

    key = "music/Röyksopp/Melody A.M/03 Eple.mp3"
    size = write_local_song(
        asgi_server, key, tags_with_cover("Eple", "Röyksopp", "Melody A.M.", (200, 40, 60))
    )
    post_local_event(asgi_server, key, size=size)

    expect(rows).to_have_count(2, timeout=LIVE_TIMEOUT_MS)
    newest = rows.first
    expect(newest.locator(".title")).to_have_text("Eple")
    expect(newest.locator(".artist")).to_have_text("Röyksopp")
    expect(rows.nth(1)).to_have_id(f"song-{older['id']}")
    wait_for(lambda: cover_is_loaded(newest), timeout=10, failure=lambda: "the cover never loaded")
    assert live.never_reloaded()
    assert live.errors == []


@pytest.mark.browser
def test_removed_song_disappears_live_from_an_open_page(asgi_server, open_home):
    """Removing a file takes its row off an open page and leaves the others."""
    key = "music/Air/Moon Safari/01 La femme d'argent.mp3"
    gone = ingest_locally(asgi_server, key, SampleTags(title="La femme d'argent", artists=("Air",)))
    kept = ingest_locally(
        asgi_server,
        "music/Air/Moon Safari/02 Sexy Boy.mp3",
        SampleTags(title="Sexy Boy", artists=("Air",)),
    )
    live = open_home(asgi_server)
    expect(live.row(gone["id"])).to_be_visible()

    (asgi_server.media_root / key).unlink()
    post_local_event(asgi_server, key, removed=True)

    expect(live.row(gone["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(live.row(kept["id"])).to_be_visible()
    assert live.never_reloaded()
    assert live.errors == []


@pytest.mark.browser
def test_a_retagged_row_keeps_the_listeners_like_and_the_playing_mark(asgi_server, open_home):
    """A songs.updated frame is the same for every page: the row it replaces keeps what is
    this listener's own, their like and the mark of the song playing now."""
    key = "music/Keepers/01 Kept Close.mp3"
    song = ingest_locally(asgi_server, key, SampleTags(title="Kept Close", artists=("Keepers",)))
    live = open_home(asgi_server)
    row = live.row(song["id"])
    expect(row).to_have_attribute("data-liked", "false")
    # What the player does when this listener likes the song and plays it.
    row.evaluate("row => { row.dataset.liked = 'true'; row.classList.add('is-current'); }")

    retagged = SampleTags(title="Kept Close (Live)", artists=("Keepers",))
    post_local_event(asgi_server, key, size=write_local_song(asgi_server, key, retagged))

    expect(row.locator(".title")).to_have_text("Kept Close (Live)", timeout=LIVE_TIMEOUT_MS)
    expect(row).to_have_attribute("data-liked", "true")
    expect(row).to_have_class(re.compile(r"\bis-current\b"))
    assert live.never_reloaded()
    assert live.errors == []


@pytest.mark.browser
def test_retagged_song_off_the_page_does_not_pop_up_as_new(asgi_server, open_home):
    """Re-tagging an old song the page does not list leaves the list alone; new songs still
    come, and the list stays as long as the page made it."""
    key = "music/Oldies/01 Old Tune.mp3"
    old = ingest_locally(asgi_server, key, SampleTags(title="Old Tune", artists=("Oldies",)))
    SongFactory.create_batch(HOME_SONGS)  # newer songs, committed here, fill the server's page
    live = open_home(asgi_server)
    rows = live.page.locator("#song-rows tr")
    expect(rows).to_have_count(HOME_SONGS)
    expect(live.row(old["id"])).to_have_count(0)

    retagged = SampleTags(title="Old Tune (Remastered)", artists=("Oldies",))
    post_local_event(asgi_server, key, size=write_local_song(asgi_server, key, retagged))
    # The job row turns done only after its song.updated went out on the channel layer.
    wait_for(
        lambda: IngestJob.objects.filter(key=key, status=IngestJob.Status.DONE).count() == 2,
        timeout=INGEST_TIMEOUT,
        failure=ingest_jobs_report,
    )
    oldest_shown = rows.last.get_attribute("id")
    fresh_key = "music/Newies/01 Fresh.mp3"
    fresh_tags = SampleTags(title="Fresh", artists=("Newies",))
    post_local_event(
        asgi_server, fresh_key, size=write_local_song(asgi_server, fresh_key, fresh_tags)
    )

    expect(rows.first.locator(".title")).to_have_text("Fresh", timeout=LIVE_TIMEOUT_MS)
    expect(live.row(old["id"])).to_have_count(0)
    # The list keeps as many songs as the page shows on load: the oldest one makes room.
    expect(rows).to_have_count(HOME_SONGS)
    expect(live.page.locator(f"#{oldest_shown}")).to_have_count(0)
    assert live.never_reloaded()
    assert live.errors == []


@pytest.mark.browser
def test_home_page_fits_a_phone_screen(asgi_server, open_home):
    """At 375 px wide the song list, long names and all, needs no horizontal scrolling."""
    ingest_locally(
        asgi_server,
        "music/long/01.mp3",
        tags_with_cover(
            "Einzelgängerdämmerungsstimmung (Extended Midnight Orchestral Reprise) [Live]",
            "The Unreasonably Long-Named Philharmonic Orchestra & Friends",
            "Collected Recordings, Rarities and B-Sides 1987–2024 (Deluxe Remaster)",
            (120, 30, 160),
        ),
    )
    live = open_home(asgi_server, viewport=PHONE)
    key = "music/long/02.mp3"
    size = write_local_song(
        asgi_server, key, tags_with_cover("Teardrop", "Massive Attack", "Mezzanine", (10, 10, 10))
    )
    post_local_event(asgi_server, key, size=size)
    expect(live.page.locator("#song-rows tr")).to_have_count(2, timeout=LIVE_TIMEOUT_MS)

    widths = live.page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    live.screenshot("home-phone")
    assert widths["scroll"] <= widths["inner"], f"the page scrolls sideways: {widths}"
    assert live.errors == []


@pytest.mark.browser
def test_song_title_with_html_shows_as_text(asgi_server, open_home):
    """Tags that look like markup show as text, live and after a reload, and never run."""
    title, artist = "<img src=x onerror=alert(1)>", "<b>Bold</b> & Co"
    live = open_home(asgi_server)

    key = "music/evil/01 markup.mp3"
    size = write_local_song(asgi_server, key, tags_with_cover(title, artist, "<i>", (255, 0, 0)))
    post_local_event(asgi_server, key, size=size)

    row = live.page.locator("#song-rows tr").first
    expect_shown_as_text(row, title, artist)
    assert live.dialogs == [], "the row pushed live ran the title's markup"
    live.page.reload()
    expect_shown_as_text(row, title, artist)
    assert live.dialogs == [], "the server-rendered row ran the title's markup"
    assert live.errors == []


@pytest.mark.browser
@pytest.mark.redis
def test_page_on_one_server_hears_song_ingested_by_another(
    asgi_server, start_asgi_server, open_home
):
    """With Redis, a browser on server A sees a song that server B ingested."""
    require(bool(os.environ.get("REDIS_URL")), "set REDIS_URL to share a channel layer")
    server_b = start_asgi_server("local-b", media_root=asgi_server.media_root)
    live = open_home(asgi_server)

    key = "music/Daft Punk/Discovery/01 One More Time.mp3"
    size = write_local_song(
        server_b, key, SampleTags(title="One More Time", artists=("Daft Punk",))
    )
    post_local_event(server_b, key, size=size)

    newest = live.page.locator("#song-rows tr").first
    expect(newest.locator(".title")).to_have_text("One More Time", timeout=LIVE_TIMEOUT_MS)
    expect(newest).to_have_id(f"song-{wait_for_song(asgi_server, 'One More Time')['id']}")
    assert live.never_reloaded()
    assert live.errors == []
