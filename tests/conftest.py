"""Fixtures for end-to-end tests: the production-shaped ASGI server, on the test database.

`asgi_server` runs `daphne spotify.asgi:application` in a subprocess, as `make run` does, with
ingest jobs on the in-process thread pool. The subprocess and the test share the test database:
rows either side commits are visible to the other, and `transactional_db` empties it after each
test. SQLite's test database normally lives in memory, out of a subprocess's reach, so for these
tests it is copied to a file and the test process switches to that file until the session ends.
"""

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.servers import AsgiServer, run_asgi_server, running_servers, server_environment


@pytest.fixture(scope="session")
def server_database_url(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """Return the DATABASE_URL of the test database, as a server subprocess can open it."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(settings_dict["USER"] or "", safe="")
        if settings_dict["PASSWORD"]:
            credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
        host = settings_dict["HOST"] or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
        at = "@" if credentials else ""
        yield f"postgres://{credentials}{at}{host}{port}/{quote(settings_dict['NAME'], safe='')}"
        return
    if connection.vendor != "sqlite":
        pytest.fail(f"the end-to-end tests do not know how to share a {connection.vendor} database")
    if not connection.is_in_memory_db():
        yield f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
        return
    memory_name = settings_dict["NAME"]
    path = tmp_path_factory.mktemp("database") / "test.sqlite3"
    with django_db_blocker.unblock():
        keeper = _move_sqlite_to_disk(connection, path)
    yield f"sqlite:///{path}"
    with django_db_blocker.unblock():
        _move_sqlite_back(connection, memory_name, keeper)


def _move_sqlite_to_disk(connection, path: Path) -> sqlite3.Connection:
    """Copy the in-memory test database to ``path`` and point Django's connection at the copy.

    Return a second handle on the in-memory database: it keeps it alive meanwhile, so moving back
    finds it as it was for any database tests that run afterwards.
    """
    keeper = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
    disk = sqlite3.connect(path)
    keeper.backup(disk)
    disk.close()
    # Django ignores close() on an in-memory database; rename first so that it really closes.
    connection.settings_dict["NAME"] = str(path)
    connection.close()
    return keeper


def _move_sqlite_back(connection, memory_name: str, keeper: sqlite3.Connection) -> None:
    connection.close()
    connection.settings_dict["NAME"] = memory_name
    connection.ensure_connection()
    keeper.close()


@pytest.fixture(scope="module")
def start_asgi_server(server_database_url, tmp_path_factory) -> Iterator[Callable[..., AsgiServer]]:
    """Return a function that starts a daphne server; every server it started stops at the end.

    ``start(name, media_root=None, **env)``: servers given the same ``media_root`` share local
    storage; ``env`` adds or overrides variables (for example the S3 settings;
    ``SHARED_CACHE_DIR=""`` for the folder beside the database that `make run`'s processes share).
    """
    started: list[AsgiServer] = []

    def start(name: str, media_root: Path | None = None, **env: str) -> AsgiServer:
        folder = tmp_path_factory.mktemp(f"daphne-{name}")
        media_root = media_root or folder / "media"
        media_root.mkdir(parents=True, exist_ok=True)
        # Servers share the test database; without Redis each keeps its re-sync to itself.
        env.setdefault("SHARED_CACHE_DIR", str(folder / "shared-cache"))
        server = run_asgi_server(
            name,
            server_environment(server_database_url, media_root, **env),
            folder / "daphne.log",
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.process.terminate()  # all at once: each takes a moment to shut down
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def asgi_server(start_asgi_server) -> AsgiServer:
    """Run the real server (daphne, thread-pool ingest, local media folder) on the test database."""
    return start_asgi_server("local")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the end of every running server's log to a failed test's report."""
    report = yield
    if report.failed:
        for server in running_servers():
            report.sections.append((f"daphne {server.name} log", server.log_tail()))
    return report
