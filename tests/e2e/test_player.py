"""The upload page on the real ASGI server: each file's ingest outcome reaches curators, live or
after the page's socket reconnects."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from demo.audio_samples import SampleTags, make_cover, write_sample
from tests.e2e.delivery import deliver_through_lambda
from tests.e2e.pages import ARTIFACTS
from tests.support import CHROMIUM_ARGS, DESKTOP, curator_session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUTCOME_TIMEOUT_MS = 15_000
READING = "Uploaded, reading its tags…"


def good_and_broken(folder: Path, title: str) -> list[Path]:
    """Write a real tagged MP3 and one that only pretends to be; return both paths."""
    good = write_sample(folder / f"{title}.mp3", tags=SampleTags(title=title, cover=make_cover()))
    broken = folder / f"{title} Broken.mp3"
    broken.write_bytes(b"ID3 this is not audio at all" * 64)
    return [good, broken]


def curator_page(browser: Browser, server) -> Page:
    """Open a tab signed in as a curator who is not staff (nothing loaded yet)."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies([curator_session_cookie(server)])
    return context.new_page()


@pytest.mark.browser
def test_upload_page_shows_each_files_ingest_outcome_live(asgi_server, browser, tmp_path):
    files = good_and_broken(tmp_path, "Harbour Demo")
    notes = tmp_path / "Harbour Notes.mp3"
    notes.write_text("liner notes, not a song\n" * 20)
    page = curator_page(browser, asgi_server)
    page.goto(f"{asgi_server.url}/upload/")
    # Once the socket is open the server has it in the group: outcomes from here on come live.
    expect(live_status(page)).to_have_text("outcomes live", timeout=OUTCOME_TIMEOUT_MS)

    page.locator("#upload-input").set_input_files([*files, notes])

    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(3)
    # The reason names the file as the curator chose it, not as it was stored.
    expect(items.nth(2).locator(".upload-status")).to_contain_text(
        "(is 'Harbour Notes.mp3' a song?)", timeout=OUTCOME_TIMEOUT_MS
    )
    expect(items.nth(0).locator(".upload-status")).to_have_text(
        "Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS
    )
    expect(items.nth(1).locator(".upload-status")).to_contain_text(
        "Failed: ", timeout=OUTCOME_TIMEOUT_MS
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "upload-live-outcomes.png", animations="disabled")

    page.get_by_role("link", name="Home").click()
    expect(page.locator("#song-rows .title")).to_have_text(["Harbour Demo"])
    # Back on the upload page (swapped in, no reload) the socket from before is still open.
    page.get_by_role("link", name="Upload").click()
    expect(live_status(page)).to_have_text("outcomes live")
    page.context.close()


@pytest.fixture(scope="module")
def small_uploads_server(start_asgi_server):
    return start_asgi_server("small-uploads", INGEST_MAX_FILE_BYTES="100000")


@pytest.mark.browser
def test_upload_page_refuses_a_file_over_the_limit_before_sending_it(
    small_uploads_server, browser, tmp_path
):
    large = write_sample(tmp_path / "Long Take.flac", "flac", SampleTags(title="Long"), seconds=20)
    small = write_sample(tmp_path / "Short Take.mp3", tags=SampleTags(title="Short Take"))
    assert large.stat().st_size > 100_000 > small.stat().st_size
    page = curator_page(browser, small_uploads_server)
    posted: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    page.goto(f"{small_uploads_server.url}/upload/")
    expect(page.locator(".dropzone .hint")).to_contain_text("Up to 97.7\xa0KB a file.")

    page.locator("#upload-input").set_input_files([large, small])

    items = page.locator("#upload-list .upload-item")
    expect(items.nth(0).locator(".upload-status")).to_have_text(
        "Failed: the file is over the upload limit of 97.7\xa0KB"
    )
    expect(items.nth(1).locator(".upload-status")).to_have_text(
        "Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS
    )
    assert posted == [f"{small_uploads_server.url}/api/v1/uploads/"]  # the small file's only
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "upload-over-the-limit.png", animations="disabled")
    page.context.close()


def live_status(page: Page):
    return page.locator("#upload-live-status")


def wait_until(page: Page, condition, what: str, timeout_ms: int = OUTCOME_TIMEOUT_MS) -> None:
    """Let Playwright's event loop run (route handlers fire only then) until condition() holds."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.browser
def test_upload_page_shows_outcomes_its_socket_lost_once_it_reconnects(
    asgi_server, browser, tmp_path
):
    files = good_and_broken(tmp_path, "Missed Demo")
    page = curator_page(browser, asgi_server)
    connections: list[WebSocketRoute] = []
    lost: list[str] = []

    def through_a_flaky_network(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        connections.append(socket)
        if len(connections) == 1:
            # The first connection loses all the server says, as in a restart or a network blip.
            server.on_message(lambda message: lost.append(message))

    page.route_web_socket("**/ws/ingest/", through_a_flaky_network)
    page.goto(f"{asgi_server.url}/upload/")
    # The page's socket opens once the server accepted it, and so joined it to the group: from
    # then on the server sends outcomes to this first connection, which loses them.
    expect(live_status(page)).to_have_text("outcomes live", timeout=OUTCOME_TIMEOUT_MS)

    page.locator("#upload-input").set_input_files(files)

    statuses = page.locator("#upload-list .upload-item .upload-status")
    expect(statuses).to_have_text([READING, READING], timeout=OUTCOME_TIMEOUT_MS)
    wait_until(
        page,
        lambda: sum("ingest.finished" in message for message in lost) == 2,
        "both outcomes to be sent (and lost)",
    )
    expect(statuses).to_have_text([READING, READING])

    connections[0].close()  # the page sees its socket drop, and reconnects
    expect(live_status(page)).to_have_attribute("data-state", "offline")

    expect(statuses.nth(0)).to_have_text("Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS)
    expect(statuses.nth(1)).to_contain_text("Failed: ", timeout=OUTCOME_TIMEOUT_MS)
    assert len(connections) == 2
    expect(live_status(page)).to_have_text("outcomes live")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "upload-outcomes-after-reconnect.png", animations="disabled")
    page.context.close()


# A WebSocket that never opens, as behind a proxy that refuses the upgrade.
NO_WEBSOCKETS = """
window.WebSocket = class extends EventTarget {
  static OPEN = 1;
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 3;
    setTimeout(() => this.dispatchEvent(new Event("close")), 10);
  }
  send() {}
  close() {}
};
"""


@pytest.mark.browser
def test_upload_page_without_websockets_still_shows_outcomes(asgi_server, browser, tmp_path):
    files = good_and_broken(tmp_path, "Proxy Demo")
    page = curator_page(browser, asgi_server)
    page.add_init_script(NO_WEBSOCKETS)
    page.goto(f"{asgi_server.url}/upload/")

    page.locator("#upload-input").set_input_files(files)

    statuses = page.locator("#upload-list .upload-item .upload-status")
    expect(statuses.nth(0)).to_have_text("Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS)
    expect(statuses.nth(1)).to_contain_text("Failed: ", timeout=OUTCOME_TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "upload-outcomes-without-websockets.png"
    page.screenshot(path=shot, animations="disabled")
    page.context.close()


@pytest.mark.browser
def test_upload_page_puts_files_straight_into_s3_and_shows_the_outcome(
    s3_store, s3_server, playwright_driver, chromium_path, tmp_path, monkeypatch
):
    """On S3 the browser PUTs to a presigned URL; the bucket's event comes back via the Lambda.

    moto's server checks a signature on CORS preflights (S3 does not) and refuses them, so this
    Chromium skips the same-origin policy; the bucket's CORS rule is what a deployment needs.
    """
    s3_store.s3.put_bucket_cors(
        Bucket=s3_store.bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [s3_server.url],
                    "AllowedMethods": ["PUT"],
                    "AllowedHeaders": ["*"],
                }
            ]
        },
    )
    good = write_sample(
        tmp_path / "Cloud Demo.flac", tags=SampleTags(title="Cloud Demo", cover=make_cover())
    )
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path, args=[*CHROMIUM_ARGS, "--disable-web-security"]
    )
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies([curator_session_cookie(s3_server)])
    page = context.new_page()
    page.goto(f"{s3_server.url}/upload/")

    page.locator("#upload-input").set_input_files([good])

    status = page.locator("#upload-list .upload-item").first.locator(".upload-status")
    expect(status).to_have_text(READING, timeout=OUTCOME_TIMEOUT_MS)
    keys = [item["Key"] for item in s3_store.s3.list_objects_v2(Bucket=s3_store.bucket)["Contents"]]
    key = next(key for key in keys if key.endswith("Cloud Demo.flac"))
    stored = s3_store.s3.get_object(Bucket=s3_store.bucket, Key=key)["Body"].read()
    assert stored == good.read_bytes()
    deliver_through_lambda(s3_store, s3_server, key, "ObjectCreated:", monkeypatch)
    expect(status).to_have_text("Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS)
    page.screenshot(path=ARTIFACTS / "upload-s3-outcome.png")
    browser.close()
