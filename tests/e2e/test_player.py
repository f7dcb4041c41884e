"""The upload page on the real ASGI server: each file's ingest outcome arrives live for curators."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from catalog.audio_samples import SampleTags, make_cover, write_sample
from tests.e2e.pages import ARTIFACTS
from tests.support import DESKTOP

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
