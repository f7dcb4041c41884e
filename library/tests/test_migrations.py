"""The move of stars, the play queue and now playing from subsonic to library: state only."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from catalog.tests.factories import AlbumFactory, ArtistFactory, SongFactory
from library.models import NowPlaying, PlayQueue, PlayQueueEntry, StarredAlbum, StarredArtist

MOVED_MODELS = [StarredAlbum, StarredArtist, PlayQueue, PlayQueueEntry, NowPlaying]
MOVED = [model._meta.model_name for model in MOVED_MODELS]


def _named():
    return zip(MOVED, MOVED_MODELS, strict=True)


BEFORE = [("library", "0001_initial"), ("subsonic", "0001_initial")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _content_types(app_label: str) -> dict[str, int]:
    rows = ContentType.objects.filter(app_label=app_label, model__in=MOVED)
    return dict(rows.values_list("model", "pk"))


@pytest.mark.django_db(transaction=True)
def test_rows_saved_in_subsonic_tables_are_read_through_library_after_the_move(listener):
    album, artist, song = AlbumFactory(), ArtistFactory(), SongFactory()
    ContentType.objects.clear_cache()
    moved = {name: ContentType.objects.get_for_model(model).pk for name, model in _named()}
    _migrate(BEFORE)
    assert _content_types("subsonic") == moved
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subsonic_starredalbum (user_id, album_id, created_at) VALUES (%s, %s, %s)",
            [listener.pk, album.pk, now],
        )
        cursor.execute(
            "INSERT INTO subsonic_starredartist (user_id, artist_id, created_at) "
            "VALUES (%s, %s, %s)",
            [listener.pk, artist.pk, now],
        )
        cursor.execute(
            "INSERT INTO subsonic_playqueue (user_id, current_id, position_ms, changed_by, "
            "changed_at) VALUES (%s, %s, %s, %s, %s)",
            [listener.pk, song.pk, 1234, "app", now],
        )
        cursor.execute(
            "INSERT INTO subsonic_nowplaying (user_id, player, song_id, started_at) "
            "VALUES (%s, %s, %s, %s)",
            [listener.pk, "app", song.pk, now],
        )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert StarredAlbum.objects.get().album == album
    assert StarredArtist.objects.get().artist == artist
    assert (PlayQueue.objects.get().current, PlayQueue.objects.get().position_ms) == (song, 1234)
    assert NowPlaying.objects.get().song == song
    assert _content_types("library") == moved
    assert _content_types("subsonic") == {}
