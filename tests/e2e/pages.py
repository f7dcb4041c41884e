"""Chromium pages on a running server, and what they let a test observe."""

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

from tests.servers import REPO_ROOT

logger = logging.getLogger(__name__)

ARTIFACTS = REPO_ROOT / "test-artifacts"
# Set on window once the page is live; a reload would drop it.
MARKER_SCRIPT = "window.e2eMarker = 'still the same page'"
MARKER_CHECK = "window.e2eMarker === 'still the same page'"


@dataclass
class LivePage:
    """A page on a server's home page, with the dialogs and errors a user would not see."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    frames: list[str | bytes] = field(default_factory=list)  # what its websockets received

    def never_reloaded(self) -> bool:
        """Tell whether the page still holds the marker set when it went live."""
        return self.page.evaluate(MARKER_CHECK)

    def song_frames(self) -> list[dict]:
        """Return the song messages the page's live socket received, in order."""
        messages = [json.loads(frame) for frame in self.frames]
        return [message for message in messages if message.get("type", "").startswith("song")]

    def row(self, song_id: int):
        return self.page.locator(f"#song-{song_id}")

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot to test-artifacts/ and return its path."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True, animations="disabled")
        logger.info("screenshot saved to %s", path)
        return path
