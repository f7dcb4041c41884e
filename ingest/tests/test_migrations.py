"""Upgrading a database where the catalogue owned IngestJob: rows and permissions carry over."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.tests.factories import CuratorFactory
from ingest.models import IngestJob

BEFORE = [("catalog", "0006_song_genre_by_genre"), ("ingest", None)]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_upgrade_keeps_the_jobs_rows_and_the_curators_permissions(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _migrate(BEFORE)
    old_apps = MigrationExecutor(connection).loader.project_state(BEFORE[0], at_end=True).apps
    OldJob = old_apps.get_model("catalog", "IngestJob")
    OldJob.objects.create(
        bucket="local",
        key="music/kept.mp3",
        action="created",
        event_name="ObjectCreated:Put",
        dedup_key="k" * 64,
        status="failed",
        reason="kept across the upgrade",
    )
    # What accounts.0002 granted the Curators while the catalogue owned the jobs.
    curators, _ = Group.objects.get_or_create(name="Curators")
    curators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalog", codename__endswith="_ingestjob"
        )
    )
    assert curators.permissions.filter(
        content_type__app_label="catalog", codename="change_ingestjob"
    ).exists()
    assert not ContentType.objects.filter(app_label="ingest").exists()

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    job = IngestJob.objects.get()
    assert (job.key, job.reason) == ("music/kept.mp3", "kept across the upgrade")
    assert not ContentType.objects.filter(app_label="catalog", model="ingestjob").exists()
    assert set(
        curators.permissions.filter(content_type__app_label="ingest").values_list(
            "codename", flat=True
        )
    ) == {"add_ingestjob", "change_ingestjob", "delete_ingestjob", "view_ingestjob"}
    client.force_login(CuratorFactory())
    page = client.get("/admin/ingest/ingestjob/")
    assert page.status_code == 200
    assert b"music/kept.mp3" in page.content
