"""`make backup` and `make restore` on the real PostgreSQL: what a backup held comes back."""

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import SongFactory
from conftest import require
from library.models import Like
from library.services import song_like, song_unlike
from playlists.models import PlaylistItem
from playlists.services import playlist_add_song, playlist_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database_url(request) -> str:
    """Return the URL of the test database, as pg_dump and pg_restore take it."""
    require(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    return request.getfixturevalue("server_database_url")


def make(target: str, database_url: str, **variables: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    arguments = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(
        ["make", "--no-print-directory", target, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_restore_brings_back_the_listeners_data_as_it_was_at_the_backup(database_url, tmp_path):
    listener = UserFactory(username="ada")
    kept, later = SongFactory(title="Kept"), SongFactory(title="Liked later")
    song_like(listener, kept)
    playlist = playlist_create(listener, name="Road trip")
    playlist_add_song(playlist, kept)
    dump = tmp_path / "music.dump"

    backup = make("backup", database_url, BACKUP=str(dump))
    assert backup.returncode == 0, backup.stderr
    song_unlike(listener, kept)
    song_like(listener, later)
    playlist.delete()
    connection.close()  # pg_restore replaces the tables this connection has seen
    restore = make("restore", database_url, BACKUP=str(dump))

    assert restore.returncode == 0, restore.stderr
    assert list(Like.objects.filter(user=listener).values_list("song__title", flat=True)) == [
        "Kept"
    ]
    entries = PlaylistItem.objects.filter(playlist__name="Road trip")
    assert list(entries.values_list("song__title", flat=True)) == ["Kept"]


def test_restore_without_naming_a_backup_is_refused(database_url):
    result = make("restore", database_url)

    assert result.returncode != 0
    assert "make restore BACKUP=" in result.stderr


def test_backup_of_the_embedded_sqlite_shape_says_what_to_do_instead(tmp_path):
    result = make("backup", "sqlite:///db.sqlite3", BACKUP=str(tmp_path / "x.dump"))

    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in result.stderr
    assert not (tmp_path / "x.dump").exists()
