"""A catalogue rebuilt from the bucket alone holds the same songs (docs/deployment.md, Backups).

The bucket is the source of truth for songs: with every catalogue and ingest row gone, as in a
freshly migrated database, `manage.py resync` brings back each song with its title, artists,
album, genres and cover. Song, album, artist and genre ids are database keys and are assigned
afresh; what stays is each song's object key and its cover's content-addressed file.
"""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from catalog.models import (
    Album,
    Artist,
    CatalogueChange,
    Cover,
    Genre,
    SearchWord,
    Song,
    StoredObject,
)
from demo import audio_samples
from demo.audio_samples import SampleTags
from ingest.models import IngestJob
from ingest.tests.conftest import BUCKET, s3  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

SONGS = {
    "music/tidelines/01 Neon Rain.mp3": SampleTags(
        title="Neon Rain",
        artists=("The Tidelines", "Mara Sol"),
        album="Harbour Lights",
        album_artist="The Tidelines",
        track=1,
        year=2021,
        genres=("Synthpop", "Dream Pop"),
    ),
    "music/tidelines/02 Low Tide.flac": SampleTags(
        title="Low Tide",
        artists=("The Tidelines",),
        album="Harbour Lights",
        album_artist="The Tidelines",
        track=2,
        year=2021,
        genres=("Synthpop",),
    ),
    "music/quiet/Golden Harbour.ogg": SampleTags(
        title="Golden Harbour",
        artists=("Quiet Hurricane",),
        album="Weather Reports",
        track=5,
        year=1998,
        genres=("Ambient",),
    ),
    "music/loose/untagged single.mp3": SampleTags(
        title=None, artists=(), album=None, track=None, year=None, genres=()
    ),
}
COVERS = {"Harbour Lights": (20, 90, 160), "Weather Reports": (200, 140, 40)}


@pytest.fixture
def bucket_of_songs(s3, tmp_path, post_events, created):  # noqa: F811 - the fixture
    """Put real tagged songs with covers in the bucket and ingest them through their events."""
    records = []
    for key, tags in SONGS.items():
        if tags.album in COVERS:
            cover = audio_samples.make_cover(COVERS[tags.album], size=64, text=tags.album)
            tags = SampleTags(**{**tags.__dict__, "cover": cover})
        fmt = key.rsplit(".", 1)[1]
        path = tmp_path / f"song.{fmt}"
        audio_samples.write_sample(path, fmt, tags, seconds=1.0)
        etag = s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())["ETag"]
        records.append(created(key, path.stat().st_size, etag=etag.strip('"')))
    assert post_events(*records).status_code == 202
    return s3


def _catalogue() -> dict[str, dict]:
    """Return every song as the bucket can tell it, by object key; no database ids."""
    songs = Song.objects.select_related("album__album_artist", "album__cover", "cover")
    return {
        song.storage_key: {
            "title": song.title,
            "artists": [artist.name for artist in song.artists.order_by("songartist__position")],
            "album": song.album and (song.album.title, song.album.album_artist.name),
            "album_cover": song.album and song.album.cover and song.album.cover.image.name,
            "genres": sorted(genre.name for genre in song.genres.all()),
            "cover": song.cover and (song.cover.sha256, song.cover.image.name),
            "track": (song.track_number, song.disc_number),
            "year": song.year,
            "file": (song.codec, song.mime_type, song.file_size, song.etag),
        }
        for song in songs
    }


def _empty_the_database() -> None:
    """Delete every row of the catalogue and the ingest, the change stamp too (made again by
    the next change): an empty catalogue, as a fresh `migrate` leaves it."""
    for model in (
        IngestJob,
        StoredObject,
        Song,
        Album,
        Artist,
        Genre,
        Cover,
        SearchWord,
        CatalogueChange,
    ):
        model.objects.all().delete()
    left = {
        model._meta.label: model.objects.count()
        for app in ("catalog", "ingest")
        for model in apps.get_app_config(app).get_models()
    }
    assert not any(left.values()), f"rows left: {left}"


def test_a_catalogue_rebuilt_from_the_bucket_alone_holds_the_same_songs(bucket_of_songs):
    before = _catalogue()
    _empty_the_database()

    out = io.StringIO()
    call_command("resync", stdout=out)

    assert _catalogue() == before
    assert set(before) == set(SONGS)
    assert before["music/tidelines/01 Neon Rain.mp3"]["artists"] == ["The Tidelines", "Mara Sol"]
    assert before["music/loose/untagged single.mp3"]["title"] == "untagged single"
    assert before["music/quiet/Golden Harbour.ogg"]["cover"] is not None
    assert f"{len(SONGS)} added" in out.getvalue()
