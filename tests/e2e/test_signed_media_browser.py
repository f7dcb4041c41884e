"""MEDIA_SENDFILE=signed-redirect in Debian's Chromium: a media element follows the stream's
redirect once and takes the song's bytes from nginx, which checks the signature itself."""

import re

import pytest

from catalog.tests.factories import SongFactory
from catalog.tests.test_signed_media import SECRET, shipped_location, start_nginx
from demo.audio_samples import write_sample
from tests.support import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEY = "music/e2e/Signed Tide.flac"

# Load the stream in an <audio> element, seek to the middle (a range request), and report.
PLAY = """
async (url) => {
  const audio = new Audio();
  audio.preload = "auto";
  const event = (name) => new Promise((resolve, reject) => {
    audio.addEventListener(name, resolve, { once: true });
    audio.addEventListener("error", () => reject(new Error(`media error ${audio.error.code}`)),
                           { once: true });
  });
  const loaded = event("loadedmetadata");
  audio.src = url;
  await loaded;
  const seeked = event("seeked");
  audio.currentTime = audio.duration / 2;
  await seeked;
  return { duration: audio.duration };
}
"""


@pytest.fixture
def signed_site(start_asgi_server, tmp_path):
    """daphne with MEDIA_SENDFILE=signed-redirect behind nginx with the shipped location;
    return nginx's URL and its access log."""
    server = start_asgi_server(
        "signed", MEDIA_SENDFILE="signed-redirect", MEDIA_SIGNED_URL_SECRET=SECRET
    )
    folder = tmp_path / "nginx"
    access_log = folder / "access.log"
    block = (
        f"access_log {access_log} plays;\n"
        f"location / {{ proxy_pass {server.url}; proxy_set_header Host $host; }}\n"
        f"{shipped_location(server.media_root)}"
    )
    child, port = start_nginx(folder, block, 'log_format plays "$request_method $uri $status";')
    yield server, f"http://127.0.0.1:{port}", access_log
    child.terminate()
    child.wait(10)


def test_a_media_element_follows_the_redirect_and_takes_the_ranges_from_nginx(signed_site, browser):
    server, site, access_log = signed_site
    path = write_sample(server.media_root / KEY, "flac", seconds=8)
    song = SongFactory(storage_key=KEY, file_size=path.stat().st_size, mime_type="audio/flac")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site}/")

    played = page.evaluate(PLAY, f"/api/v1/songs/{song.pk}/stream/")
    page.close()

    assert played["duration"] == pytest.approx(8, abs=0.1)
    requests = access_log.read_text().splitlines()
    streams = [line for line in requests if re.match(r"GET /api/v1/songs/\d+/stream/ ", line)]
    from_nginx = [line for line in requests if line.startswith("GET /signed-media/")]
    assert streams == [f"GET /api/v1/songs/{song.pk}/stream/ 302"]
    assert from_nginx and all(line.endswith((" 200", " 206")) for line in from_nginx)
