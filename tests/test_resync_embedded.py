"""The embedded shape (`make run`: SQLite, no Redis) runs the re-sync in processes of its own:
`manage.py resync` at start or in another terminal, beside the web server. Whichever runs it,
the web server's admin and Subsonic report it, and a second one waits for it."""

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.cache.backends.filebased import FileBasedCache

from accounts.tests.factories import UserFactory
from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest.resync_shared import LOCK_KEY, SharedResync
from tests.e2e.delivery import write_local_song
from tests.servers import REPO_ROOT, server_environment

pytestmark = pytest.mark.django_db(transaction=True)

RESYNC_PAGE = "/admin/ingest/ingestjob/resync/"


@pytest.fixture
def beside_database(server_database_url) -> Iterator[Path]:
    """The folder beside the SQLite database where the embedded shape keeps its re-sync."""
    if not server_database_url.startswith("sqlite:"):
        pytest.skip("the embedded shape's database is SQLite (this run uses another)")
    folder = Path(server_database_url.removeprefix("sqlite:///") + "-cache")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def embedded_server(start_asgi_server, beside_database):
    """A server without Redis, its re-sync state in the folder beside the database."""
    return start_asgi_server("embedded", SHARED_CACHE_DIR="", REDIS_URL="")


def manage(
    server, server_database_url: str, *arguments: str, stderr=subprocess.PIPE
) -> subprocess.CompletedProcess:
    """Run manage.py as a second process of the server's site (its database and media)."""
    env = server_environment(server_database_url, server.media_root, REDIS_URL="")
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=120,
        check=False,
    )


def admin_session() -> requests.Session:
    """Sign an administrator in on the shared database; return an HTTP session as them."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    session = requests.Session()
    name = settings.SESSION_COOKIE_NAME
    session.cookies.set(name, client.cookies[name].value)
    return session


def admin_status(server) -> dict:
    answer = admin_session().get(f"{server.url}{RESYNC_PAGE}status/", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_resync_run_from_the_command_line_shows_in_the_servers_admin(
    embedded_server, server_database_url
):
    write_local_song(embedded_server, "music/copied/one.mp3", SampleTags(title="Copied In"))

    ran = manage(embedded_server, server_database_url, "resync", "--prefix", "music/")

    assert ran.returncode == 0, ran.stderr
    assert Song.objects.filter(title="Copied In").exists()
    status = admin_status(embedded_server)
    assert status["scanning"] is False
    assert status["report"]["prefix"] == "music/"
    assert status["report"]["added"] == 1 and status["report"]["finished_at"]


def test_a_resync_running_in_another_process_keeps_the_admin_from_starting_one(
    embedded_server, beside_database
):
    write_local_song(embedded_server, "music/copied/two.mp3", SampleTags(title="Waits"))
    elsewhere = SharedResync(FileBasedCache(str(beside_database), {}))
    held = elsewhere.acquire("music/")  # `manage.py resync` in another terminal, running
    admin = admin_session()
    page = admin.get(f"{embedded_server.url}{RESYNC_PAGE}", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    answer = admin.post(
        f"{embedded_server.url}{RESYNC_PAGE}",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{embedded_server.url}{RESYNC_PAGE}"},
        timeout=10,
    )

    assert answer.status_code == 200, answer.text
    assert "A re-sync is already running." in answer.text
    assert elsewhere.cache.get(LOCK_KEY) == held
    elsewhere.release(held)


def test_on_a_terminal_manage_py_resync_shows_its_progress_bar(
    embedded_server, server_database_url
):
    for number in range(3):
        write_local_song(embedded_server, f"music/bar/{number}.mp3", SampleTags(title=f"{number}"))
    terminal, its_end = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, where tqdm writes nothing: make it 120.
    fcntl.ioctl(its_end, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

    ran = manage(
        embedded_server, server_database_url, "resync", "--prefix", "music/", stderr=its_end
    )
    os.close(its_end)
    shown = _read_all(terminal)

    assert ran.returncode == 0, shown
    assert "3 added" in ran.stdout
    assert "re-sync:" in shown and "3/3" in shown and "done=3" in shown, shown


def _read_all(terminal: int) -> str:
    """Read what a pseudo-terminal received, up to its writer's end."""
    chunks = []
    try:
        while chunk := os.read(terminal, 65536):
            chunks.append(chunk)
    except OSError:  # Linux: EIO once the other end is closed
        pass
    finally:
        os.close(terminal)
    return b"".join(chunks).decode(errors="replace")
