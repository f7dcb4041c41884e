"""Fixtures for the end-to-end tests: an S3 bucket wired to SQS (moto's server) and Chromium."""

import logging
from collections.abc import Callable, Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Playwright,
    Response,
    expect,
    sync_playwright,
)

from tests.e2e.delivery import S3Store
from tests.e2e.pages import MARKER_SCRIPT, LivePage
from tests.servers import AsgiServer
from tests.support import CHROMIUM_ARGS, DESKTOP, free_port

REGION = "us-east-1"
BUCKET = "e2e-music"
QUEUE = "e2e-music-events"


@pytest.fixture(scope="module")
def s3_store() -> Iterator[S3Store]:
    """Run moto's S3 and SQS server on 127.0.0.1 with a bucket that notifies a queue."""
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request
    moto.start()
    endpoint_url = f"http://127.0.0.1:{port}"
    credentials = {
        "endpoint_url": endpoint_url,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    s3 = boto3.client("s3", **credentials)
    sqs = boto3.client("sqs", **credentials)
    s3.create_bucket(Bucket=BUCKET)
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "songs-to-lambda",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                }
            ]
        },
    )
    yield S3Store(endpoint_url, BUCKET, queue_url, queue_arn, s3, sqs)
    moto.stop()


@pytest.fixture(scope="module")
def s3_server(start_asgi_server, s3_store: S3Store) -> AsgiServer:
    """Run the real server with its media on the moto bucket."""
    return start_asgi_server(
        "s3",
        AWS_STORAGE_BUCKET_NAME=s3_store.bucket,
        AWS_S3_ENDPOINT_URL=s3_store.endpoint_url,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """Start Playwright's sync API, which keeps an asyncio loop current on this thread."""
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as driver:
        # Django sees that loop and refuses ORM calls (the flush after each test, the ingest job
        # reports); this thread never runs a coroutine while it queries, so that is safe.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield driver


@pytest.fixture
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    """Launch Debian's Chromium (never a downloaded one) for one test."""
    browser = playwright_driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def open_home(browser: Browser) -> Callable[..., LivePage]:
    """Open a server's home page and wait until its live websocket is connected."""

    def open_page(server: AsgiServer, viewport: dict | None = None) -> LivePage:
        page = browser.new_page(viewport=viewport or DESKTOP)
        live = LivePage(page)

        def on_dialog(dialog: Dialog) -> None:
            live.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_console(message: ConsoleMessage) -> None:
            # Failed loads are reported by on_response, with their URL.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                live.errors.append(f"console: {message.text}")

        def on_response(response: Response) -> None:
            if response.status >= 400:
                live.errors.append(f"HTTP {response.status} for {response.url}")

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: live.errors.append(f"page error: {error}"))
        page.on("console", on_console)
        page.on("response", on_response)
        page.on(
            "websocket",
            lambda socket: socket.on("framereceived", lambda frame: live.frames.append(frame)),
        )
        page.goto(f"{server.url}/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=10_000)
        page.evaluate(MARKER_SCRIPT)
        return live

    return open_page
