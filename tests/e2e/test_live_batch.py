"""End to end: a batch of songs posted to the webhook in one request reaches an open page as
one websocket frame, its rows on top, newest first, as the page itself would list them."""

import pytest
from playwright.sync_api import expect

from demo.audio_samples import SampleTags
from ingest.events import object_record
from tests.e2e.delivery import (
    INGEST_TIMEOUT,
    post_local_events,
    tags_with_cover,
    wait_for_song,
    write_local_song,
)
from tests.servers import AsgiServer
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT_MS = INGEST_TIMEOUT * 1000
COLORS = [(200, 60, 40), (230, 150, 30), (60, 160, 90), (40, 110, 200), (140, 70, 190)]


@pytest.fixture(scope="module")
def one_batch_server(start_asgi_server) -> AsgiServer:
    """The real server, taking a request's jobs as one batch (one transaction)."""
    return start_asgi_server("one-batch", INGEST_THREADS="1")


def test_songs_posted_in_one_request_appear_on_an_open_page_from_one_frame(
    one_batch_server, open_home
):
    server = one_batch_server
    before_key = "music/Before/01 Already Here.mp3"
    before_size = write_local_song(
        server, before_key, SampleTags(title="Already Here", artists=("Before",))
    )
    post_local_events(server, [object_record(server.bucket, before_key, size=before_size)])
    before = wait_for_song(server, "Already Here")
    live = open_home(server)
    rows = live.page.locator("#song-rows tr")
    expect(rows).to_have_count(1)

    titles = ["Red", "Amber", "Green", "Blue", "Violet"]
    records = []
    for number, (title, color) in enumerate(zip(titles, COLORS, strict=True), start=1):
        key = f"music/Spectrum/{number:02d} {title}.mp3"
        size = write_local_song(server, key, tags_with_cover(title, "Spectrum", "Prism", color))
        records.append(object_record(server.bucket, key, size=size))
    post_local_events(server, records)

    expect(rows).to_have_count(6, timeout=LIVE_TIMEOUT_MS)
    expect(rows.locator(".title")).to_have_text([*reversed(titles), "Already Here"])
    expect(rows.nth(5)).to_have_id(f"song-{before['id']}")
    expect(live.page.locator("#song-rows tr.song-row-new")).to_have_count(5)
    frames = live.song_frames()
    assert [(frame["type"], frame["count"]) for frame in frames] == [("songs.added", 5)]
    covers = live.page.locator("#song-rows tr.song-row-new img.cover")
    wait_for(
        lambda: covers.evaluate_all("imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"),
        timeout=10,
        failure=lambda: "a cover never loaded",
    )
    assert live.never_reloaded()
    live.screenshot("home-batch")
    assert live.errors == []


def test_songs_removed_in_one_request_leave_an_open_page_from_one_frame(
    one_batch_server, open_home
):
    server = one_batch_server
    keys = [f"music/Leaving/{number:02d} Exit {number}.mp3" for number in (1, 2, 3)]
    records = []
    for number, key in enumerate(keys, start=1):
        size = write_local_song(server, key, SampleTags(title=f"Exit {number}"))
        records.append(object_record(server.bucket, key, size=size))
    post_local_events(server, records)
    leaving = [wait_for_song(server, f"Exit {number}") for number in (1, 2, 3)]
    live = open_home(server)
    for song in leaving:
        expect(live.row(song["id"])).to_be_visible()
    staying = live.page.locator("#song-rows tr").count() - len(leaving)

    for key in keys:
        (server.media_root / key).unlink()
    post_local_events(server, [object_record(server.bucket, key, removed=True) for key in keys])

    for song in leaving:
        expect(live.row(song["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(live.page.locator("#song-rows tr")).to_have_count(staying)
    frames = live.song_frames()
    assert [frame["type"] for frame in frames] == ["songs.removed"]
    assert sorted(song["id"] for song in frames[0]["songs"]) == sorted(s["id"] for s in leaving)
    assert live.never_reloaded()
    assert live.errors == []
