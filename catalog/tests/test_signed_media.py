"""MEDIA_SENDFILE=signed-redirect: a stream redirects to a short-lived URL that nginx checks
itself (secure_link), with the location block docs/deployment.md ships, run by the real nginx."""

import http.client
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.media import signed_media_url, stored_file_response
from catalog.tests.factories import SongFactory
from catalog.tests.test_streaming_asgi import _asgi_get, _SiteMustNotAnswer
from conftest import require
from spotify.asgi import SongStreams, django_asgi_app

SECRET = "test-secret-0123456789-abcdefghijklmnop"
DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(settings):
    settings.MEDIA_SENDFILE = "signed-redirect"
    settings.MEDIA_SIGNED_URL_SECRET = SECRET
    settings.MEDIA_SIGNED_URL_SECONDS = 600
    settings.MEDIA_SIGNED_URL_PREFIX = "/signed-media/"


@pytest.fixture
def songs(put_song):
    """Two public songs with real FLAC files, one with a space and a non-ASCII letter."""
    made = []
    for key in ("music/signed/Mañana Tide.flac", "music/signed/other.flac"):
        stored, size = put_song(key, fmt="flac")
        made.append(SongFactory(storage_key=stored, file_size=size, mime_type="audio/flac"))
    return made


def test_a_stream_redirects_to_a_signed_url_without_the_secret(client, signed, songs):
    response = client.get(songs[0].stream_url, headers={"Range": "bytes=0-99"})

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/signed-media/music/signed/Ma%C3%B1ana%20Tide.flac?md5=")
    assert "&expires=" in location
    assert SECRET not in location and quote(SECRET) not in location
    assert response["Cache-Control"] == "private, max-age=0"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sync_thread_connections_closed")
async def test_the_lean_path_redirects_as_the_site_does(signed, songs):
    path = f"/api/v1/songs/{songs[0].pk}/stream/"
    site = _SiteMustNotAnswer(django_asgi_app)

    lean = await _asgi_get(SongStreams(site), path, [(b"range", b"bytes=0-9")])
    long_way = await _asgi_get(django_asgi_app, path, [(b"range", b"bytes=0-9")])

    assert site.asked == 0
    assert lean["status"] == long_way["status"] == 302
    lean_headers, long_headers = dict(lean["headers"]), dict(long_way["headers"])
    # Both sign the same path; a second may pass between them and change `expires`.
    assert (
        lean_headers.pop(b"Location").split(b"?")[0]
        == (long_headers.pop(b"Location").split(b"?")[0])
    )
    assert lean_headers == long_headers


def test_apps_that_do_not_follow_redirects_get_the_bytes(rf, signed, songs):
    song = songs[0]
    request = rf.get("/rest/stream", headers={"Range": "bytes=10-19"})

    response = stored_file_response(request, song.storage_key, song.mime_type, proxy_s3=True)

    assert response.status_code == 206
    assert (
        b"".join(response.streaming_content) == default_storage.open(song.storage_key).read()[10:20]
    )


def test_a_download_is_sent_under_its_name_not_redirected(rf, signed, songs):
    # The signed URL names no file: a browser would save the download as the key's name.
    song = songs[0]

    response = stored_file_response(
        rf.get("/rest/download"), song.storage_key, song.mime_type, attachment="Mañana.flac"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Manana.flac\"; filename*=utf-8''Ma%C3%B1ana.flac"
    )
    assert b"".join(response.streaming_content) == default_storage.open(song.storage_key).read()


def test_a_file_others_may_cache_keeps_its_own_url(rf, signed, media_root):
    from demo.audio_samples import make_cover

    image = make_cover()
    default_storage.save("covers/ab/cover.jpg", ContentFile(image))
    cache_control = "public, max-age=31536000, immutable"

    response = stored_file_response(
        rf.get("/covers/1/ab/"), "covers/ab/cover.jpg", "image/jpeg", cache_control=cache_control
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == cache_control
    assert b"".join(response.streaming_content) == image


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shipped_location(media_root: Path) -> str:
    """Return the signed location block of docs/deployment.md, for this test's folder and
    secret."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.S)
    block = next(block for block in blocks if "location /signed-media/" in block)
    return block.replace("/srv/music/media/", f"{media_root}/").replace(
        "MEDIA_SIGNED_URL_SECRET", SECRET
    )


def nginx_binary() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require(os.access(binary, os.X_OK), "nginx is not installed (apt-get install nginx-light)")
    return binary


def start_nginx(folder: Path, server: str, http: str = "") -> tuple[subprocess.Popen, int]:
    """Start the system's nginx with one `server` block (its directives, no listen; `http`
    adds directives around it), on a free port, its files in `folder`; return the process
    and the port once it answers."""
    binary = nginx_binary()
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    user = ""
    if os.geteuid() == 0:  # workers would drop to nobody, who cannot read the test's folders
        user = f"user {pwd.getpwuid(0).pw_name};"
    temp = " ".join(
        f"{name}_temp_path {folder}/{name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"worker_processes 1; {user} pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ access_log off; {temp}\n{http}\n"
        f"server {{ listen 127.0.0.1:{port};\n{server}\n}} }}\n"
    )
    argv = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"]
    child = subprocess.Popen([*argv, "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child, port
        except OSError:
            if child.poll() is not None or time.monotonic() > deadline:
                child.kill()
                raise RuntimeError(f"nginx did not start: {child.stderr.read()}") from None
            time.sleep(0.05)


@pytest.fixture
def nginx(media_root, tmp_path):
    """Run the system's nginx with the shipped signed location; return its port."""
    child, port = start_nginx(tmp_path / "nginx", shipped_location(media_root))
    yield port
    child.terminate()
    child.wait(10)


def _nginx_get(port: int, url: str, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", url, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_nginx_sends_the_ranges_of_a_signed_url(client, signed, songs, nginx):
    song = songs[0]
    data = default_storage.open(song.storage_key).read()
    location = client.get(song.stream_url)["Location"]

    response, body = _nginx_get(nginx, location, {"Range": "bytes=100-1099"})

    assert response.status == 206
    assert body == data[100:1100]
    assert response.getheader("Content-Type") == "audio/flac"
    assert response.getheader("Content-Range") == f"bytes 100-1099/{len(data)}"
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_nginx_refuses_a_signed_url_for_another_file(client, signed, songs, nginx):
    location = client.get(songs[0].stream_url)["Location"]
    query = location.partition("?")[2]

    response, _ = _nginx_get(nginx, f"/signed-media/music/signed/other.flac?{query}")

    assert response.status == 403


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url.partition("?")[0],  # no signature
        lambda url: re.sub(r"expires=(\d+)", lambda m: f"expires={int(m[1]) + 3600}", url),
        lambda url: url.replace("/signed-media/music/signed/", "/signed-media/music/signed/../"),
    ],
    ids=["unsigned", "later expiry", "other path"],
)
def test_nginx_refuses_a_tampered_url(client, signed, songs, nginx, tamper):
    location = client.get(songs[0].stream_url)["Location"]

    response, _ = _nginx_get(nginx, tamper(location))

    assert response.status in (400, 403)


def test_nginx_refuses_an_expired_url(signed, songs, nginx, settings):
    relative = songs[0].storage_key
    expired = signed_media_url(relative, now=time.time() - settings.MEDIA_SIGNED_URL_SECONDS - 5)

    response, _ = _nginx_get(nginx, expired)

    assert response.status == 410


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"MEDIA_SENDFILE": "signed-redirect"}, "needs MEDIA_SIGNED_URL_SECRET"),
        (
            {"MEDIA_SENDFILE": "signed-redirect", "MEDIA_SIGNED_URL_SECRET": "short"},
            "at least 32 characters",
        ),
        ({"MEDIA_SENDFILE": "x-accel"}, "MEDIA_SENDFILE must be"),
    ],
)
def test_the_server_refuses_to_start_with_a_missing_secret_or_an_unknown_mode(environment, refusal):
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("MEDIA_")},
        "DJANGO_SETTINGS_MODULE": "spotify.settings",
        "DJANGO_DEBUG": "1",
        **environment,
    }
    ran = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=DEPLOYMENT.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode != 0
    assert refusal in ran.stderr
