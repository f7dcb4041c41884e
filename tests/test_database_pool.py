"""DATABASE_POOL=1: on PostgreSQL, connections go back to psycopg's pool and are used again,
instead of one opened and closed per request; the settings refuse it anywhere else."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from conftest import require

ROOT = Path(__file__).resolve().parents[1]
# Six "requests": each runs a query and closes the connection, as Django does at the end of
# one; the server's process ids say how many connections served them.
REQUESTS = """
import json, django
django.setup()
from django.db import connection
pids = []
for _ in range(6):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
    connection.close()
print(json.dumps({"pooled": connection.pool is not None, "pids": pids}))
"""


def _run(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spotify.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _this_database_url() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or 5432
    return f"postgres://{database['USER']}{password}@{host}:{port}/{database['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("pool", "connections"), [("1", {1, 2}), ("0", {6})])
def test_a_pooled_connection_serves_request_after_request(pool, connections):
    require(connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")

    ran = _run(REQUESTS, DATABASE_URL=_this_database_url(), DATABASE_POOL=pool)

    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout.strip().splitlines()[-1])
    assert answer["pooled"] is (pool == "1")
    # The pool may open a second connection while its first is still connecting.
    assert len(set(answer["pids"])) in connections


def test_a_pool_without_postgresql_is_refused(tmp_path):
    ran = _run(
        "import django; django.setup()",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_POOL="1",
    )

    assert ran.returncode != 0
    assert "DATABASE_POOL needs PostgreSQL" in ran.stderr
