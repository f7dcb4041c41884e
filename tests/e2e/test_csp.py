"""The Content-Security-Policy in Debian's Chromium: the site, the player, the admin and the API
docs work under it without a single violation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from catalog.models import Song
from demo.audio_samples import SampleTags, make_cover
from ingest.tests.fixtures import created, post_events, put_song  # noqa: F401
from tests.support import DESKTOP, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the policy: it hears every violation the page reports.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""
PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def song(put_song, post_events, created):  # noqa: F811
    key, size = put_song(
        "music/tidelines/01.mp3",
        SampleTags(title="Neon Rain", track=1, cover=make_cover((30, 120, 200))),
        seconds=6,
    )
    post_events(created(key, size))
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    return Song.objects.get()


@pytest.fixture
def page(browser, live_server, song):
    """A Chromium page that collects CSP violations: from the console and from the DOM events."""
    page = browser.new_page(viewport=DESKTOP)
    page.console_violations = []
    page.policies = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            page.console_violations.append(message.text)

    def on_response(response) -> None:
        if response.request.resource_type == "document":
            page.policies.append(response.headers.get("content-security-policy"))

    page.on("console", on_console)
    page.on("response", on_response)
    page.add_init_script(RECORD_VIOLATIONS)
    page.base = live_server.url
    return page


def visit(page, path: str) -> None:
    page.goto(f"{page.base}{path}")
    page.wait_for_load_state("load")


def violations(page) -> list[str]:
    return page.console_violations + page.evaluate("window.cspViolations")


def test_pages_and_the_player_work_under_the_policy(page, song):
    pages = ["/", "/browse/", f"/albums/{song.album_id}/", "/search/?q=neon", "/accounts/login/"]
    for path in pages:
        visit(page, path)
        assert violations(page) == [], path

    visit(page, "/")
    page.locator(f"#song-{song.pk} .row-play").click()
    # Not wait_for_function: Playwright evaluates its predicate with eval, which the policy bars.
    wait_for(
        lambda: page.evaluate("document.getElementById('audio').currentTime") > 0.5,
        timeout=10,
        failure=lambda: "the audio never advanced",
    )
    expect(page.locator("#player-cover")).to_be_visible()

    assert violations(page) == []
    assert page.policies and all("script-src 'self'" in policy for policy in page.policies)


def test_the_admin_works_under_the_policy(page, song):
    visit(page, "/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    for path in ["/admin/catalog/song/", f"/admin/catalog/song/{song.pk}/change/"]:
        visit(page, path)
        assert violations(page) == [], path

    assert page.policies and all(page.policies)


def test_the_api_docs_work_under_the_policy(page, song):
    visit(page, "/api/v1/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Music platform API")
    page.locator(".opblock-summary").first.click()

    assert violations(page) == []
    assert page.policies and all(page.policies)
