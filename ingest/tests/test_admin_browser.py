"""The admin's "Re-sync the store" page in Debian's Chromium: the counts and reasons arrive live."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from demo.audio_samples import SampleTags
from ingest import resync_runs
from tests.support import CHROMIUM_ARGS, DESKTOP

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAGE = "/admin/ingest/ingestjob/resync/"
ENDED = re.compile(r"^Last re-sync ended .*\d{4}.*\d{2}:\d{2}.*\.$")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(put_song, media_root):
    """Two songs and a file that only looks like one, waiting in the media folder."""
    put_song("music/shelf/one.mp3", SampleTags(title="One"))
    put_song("music/shelf/two.ogg", SampleTags(title="Two"))
    (media_root / "music" / "shelf" / "broken.mp3").write_bytes(b"not audio at all " * 64)


@pytest.fixture
def curator_cookie(curator_client, live_server):
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": curator_client.cookies[name].value, "url": live_server.url}


@pytest.fixture
def page(shelf, curator_cookie, chromium_path):
    """The re-sync page, signed in as a curator; asked for after the database fixtures."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP)
        context.add_cookies([curator_cookie])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page
        browser.close()
    resync_runs.wait_for_resync(timeout=60)


def test_the_resync_page_shows_the_runs_counts_and_reasons_as_they_come(page, live_server):
    page.goto(f"{live_server.url}{PAGE}")
    expect(page.locator("#resync-state")).to_have_text("No re-sync has run yet.")

    page.get_by_role("button", name="Re-sync the store").click()

    # The time as the browser writes it, e.g. "Dec 6, 2026, 02:05 PM".
    expect(page.locator("#resync-state")).to_have_text(ENDED, timeout=30_000)
    expect(page.locator("#resync-added")).to_have_text("2")
    expect(page.locator("#resync-failed")).to_have_text("1")
    expect(page.locator("#resync-reasons li")).to_have_count(1)
    expect(page.locator("#resync-reasons li")).to_contain_text("music/shelf/broken.mp3: ")
    expect(page.get_by_role("button", name="Re-sync the store")).to_be_enabled()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-resync.png")
    assert page.errors == []
