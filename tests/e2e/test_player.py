"""The upload page on the real ASGI server: each file's ingest outcome arrives live for curators."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from demo.audio_samples import SampleTags, make_cover, write_sample
from tests.e2e.delivery import deliver_through_lambda
from tests.e2e.pages import ARTIFACTS
from tests.support import CHROMIUM_ARGS, DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUTCOME_TIMEOUT_MS = 15_000


def curator_session_cookie(server) -> dict:
    """Sign a curator (may add songs, not staff) in on the shared database; return the cookie."""
    curator = get_user_model().objects.create_user("curator", password="not-used-here-123")
    curator.user_permissions.add(Permission.objects.get(codename="add_song"))
    client = Client()
    client.force_login(curator)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": server.url}


@pytest.mark.browser
def test_upload_page_shows_each_files_ingest_outcome_live(asgi_server, browser, tmp_path):
    good = write_sample(
        tmp_path / "Harbour Demo.mp3", tags=SampleTags(title="Harbour Demo", cover=make_cover())
    )
    broken = tmp_path / "Broken.mp3"
    broken.write_bytes(b"ID3 this is not audio at all" * 64)
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies([curator_session_cookie(asgi_server)])
    page = context.new_page()
    page.goto(f"{asgi_server.url}/upload/")

    page.locator("#upload-input").set_input_files([good, broken])

    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(2)
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
    context.close()


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
    expect(status).to_have_text("Uploaded, reading its tags…", timeout=OUTCOME_TIMEOUT_MS)
    keys = [item["Key"] for item in s3_store.s3.list_objects_v2(Bucket=s3_store.bucket)["Contents"]]
    key = next(key for key in keys if key.endswith("Cloud Demo.flac"))
    stored = s3_store.s3.get_object(Bucket=s3_store.bucket, Key=key)["Body"].read()
    assert stored == good.read_bytes()
    deliver_through_lambda(s3_store, s3_server, key, "ObjectCreated:", monkeypatch)
    expect(status).to_have_text("Added to the catalogue", timeout=OUTCOME_TIMEOUT_MS)
    page.screenshot(path=ARTIFACTS / "upload-s3-outcome.png")
    browser.close()
