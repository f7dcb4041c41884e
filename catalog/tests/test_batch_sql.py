"""insert_in_bulk and update_in_bulk write what bulk_create and bulk_update would."""

from datetime import UTC, datetime

import pytest
from django.forms.models import model_to_dict

from catalog.batch import insert_in_bulk, insert_rows, rows_among, update_in_bulk, update_rows
from catalog.models import Artist, Song, StoredObject
from catalog.tests.factories import AlbumFactory, ArtistFactory

pytestmark = pytest.mark.django_db


def _song(key: str, **values) -> Song:
    artist = values.pop("artist", None) or ArtistFactory()
    fields = {
        "title": 'It\'s "quoted" – ünïcode; DROP TABLE',
        "duration": 187.25,
        "codec": "flac",
        "mime_type": "audio/flac",
        "file_size": 2**40 + 3,
        "replay_gain_track": -7.5,
        "hidden": False,
        **values,
    }
    return Song(storage_key=key, artist=artist, **fields)


def _saved(song: Song) -> dict:
    fresh = Song.objects.get(pk=song.pk)
    return {k: v for k, v in model_to_dict(fresh).items() if k not in ("id", "artists", "genres")}


def test_inserted_rows_get_their_keys_and_read_back_as_bulk_create_writes_them():
    album = AlbumFactory()
    ours = [_song(f"ours/{n}.flac", album=album, track_number=n, bpm=None) for n in range(3)]
    theirs = [_song(f"theirs/{n}.flac", album=album, track_number=n, bpm=None) for n in range(3)]
    for mine, other in zip(ours, theirs, strict=True):
        other.artist = mine.artist

    insert_in_bulk(Song, ours)
    Song.objects.bulk_create(theirs)

    assert all(song.pk and not song._state.adding for song in ours)
    for mine, other in zip(ours, theirs, strict=True):
        mine_saved, other_saved = _saved(mine), _saved(other)
        assert mine_saved.pop("storage_key") != other_saved.pop("storage_key")
        assert mine_saved == other_saved
    assert Song.objects.get(pk=ours[0].pk).created_at is not None  # auto_now_add applied


MOMENT = datetime(2026, 12, 5, 17, 0, 1, 123456, tzinfo=UTC)


def _songs_and_their_objects(count: int) -> tuple[list[Song], list[StoredObject]]:
    songs = [_song(f"music/{n}.mp3", album=AlbumFactory()) for n in range(count)]
    insert_in_bulk(Song, songs)
    objects = [StoredObject(bucket="b", key=song.storage_key, song=song) for song in songs]
    insert_in_bulk(StoredObject, objects)
    return songs, objects


def test_updated_fields_read_back_as_saved_including_nulls_and_foreign_keys():
    songs, objects = _songs_and_their_objects(4)
    moment = MOMENT
    songs[0].album, songs[0].title, songs[0].bpm = None, "O'Brien", 128
    songs[1].duration, songs[1].replay_gain_track = 0.5, None
    objects[2].song, objects[2].sequencer, objects[2].updated_at = None, "00AF", moment

    assert update_in_bulk(Song, songs[:2], ["album", "title", "bpm", "duration"]) == 2
    assert update_in_bulk(Song, songs[1:2], ["replay_gain_track"]) == 1
    assert update_in_bulk(StoredObject, objects, ["song", "sequencer", "updated_at"]) == 4

    first, second = Song.objects.get(pk=songs[0].pk), Song.objects.get(pk=songs[1].pk)
    assert (first.album_id, first.title, first.bpm) == (None, "O'Brien", 128)
    assert (second.duration, second.replay_gain_track) == (0.5, None)
    third = StoredObject.objects.get(pk=objects[2].pk)
    assert (third.song_id, third.sequencer, third.updated_at) == (None, "00AF", moment)
    assert StoredObject.objects.get(pk=objects[3].pk).song_id == songs[3].pk


def test_many_rows_are_cut_into_statements_the_database_takes():
    artist = ArtistFactory()
    songs = [_song(f"many/{n}.mp3", artist=artist) for n in range(1200)]
    insert_in_bulk(Song, songs)
    for song in songs:
        song.title = f"renamed {song.pk}"

    assert update_in_bulk(Song, songs, ["title", "duration"]) == 1200
    assert Song.objects.filter(title__startswith="renamed").count() == 1200
    assert len({song.pk for song in songs}) == 1200


def test_rows_a_unique_constraint_refuses_are_left_out_when_conflicts_are_ignored():
    StoredObject.objects.create(bucket="b", key="there.mp3", sequencer="0B", exists=True)
    rows = [StoredObject(bucket="b", key=key, exists=False) for key in ("new.mp3", "there.mp3")]

    insert_in_bulk(StoredObject, rows, ignore_conflicts=True)

    saved = dict(StoredObject.objects.values_list("key", "sequencer"))
    assert saved == {"new.mp3": "", "there.mp3": "0B"}  # the row already there is left as it was
    assert not StoredObject.objects.get(key="new.mp3").exists


def test_rows_inserted_from_values_read_back_as_bulk_create_writes_them():
    artist = ArtistFactory()
    theirs = _song("theirs.flac", artist=artist, track_number=2)
    Song.objects.bulk_create([theirs])
    fields = ["storage_key", "title", "artist_id", "duration", "codec", "mime_type"]
    values = [theirs.title, artist.pk, theirs.duration, theirs.codec, theirs.mime_type]
    more = ["track_number", "file_size", "replay_gain_track"]

    keys = insert_rows(
        Song,
        [*fields, *more],
        [("ours.flac", *values, 2, theirs.file_size, -7.5), ("two.flac", *values, 3, 1, None)],
    )

    assert keys == sorted(keys) and Song.objects.filter(pk__in=keys).count() == 2
    ours, theirs_saved = _saved(Song.objects.get(pk=keys[0])), _saved(theirs)
    assert ours.pop("storage_key") == "ours.flac" != theirs_saved.pop("storage_key")
    assert ours == theirs_saved  # every column not given took its default
    second = Song.objects.get(pk=keys[1])
    assert (second.track_number, second.replay_gain_track, second.lyrics) == (3, None, "")
    assert second.created_at is not None and second.updated_at is not None  # auto_now(_add)


def test_rows_updated_from_values_read_back_including_nulls_and_dates():
    songs, objects = _songs_and_their_objects(3)
    moment = MOMENT

    matched = update_rows(
        StoredObject,
        ["song_id", "sequencer", "exists", "updated_at"],
        [
            (objects[0].pk, None, "00AF", False, moment),
            (objects[1].pk, songs[1].pk, "01", True, moment),
        ],
    )

    assert matched == 2
    saved = StoredObject.objects.in_bulk([row.pk for row in objects])
    first, second, third = (saved[row.pk] for row in objects)
    assert (first.song_id, first.sequencer, first.exists, first.updated_at) == (
        None,
        "00AF",
        False,
        moment,
    )
    assert (second.song_id, second.sequencer, second.updated_at) == (songs[1].pk, "01", moment)
    assert third.song_id == songs[2].pk and third.updated_at != moment  # not in the update


def test_rows_from_values_a_unique_constraint_refuses_are_left_out_when_conflicts_are_ignored():
    there = ArtistFactory(name="There", sort_name="There, The")

    keys = insert_rows(
        Artist,
        ["name", "name_key"],
        [("New", "new"), ("THERE", there.name_key)],
        ignore_conflicts=True,
    )

    assert keys == []
    saved = {artist.name_key: artist for artist in Artist.objects.all()}
    assert saved[there.name_key].name == "There" and saved[there.name_key].sort_name == "There, The"
    assert saved["new"].name == "New" and saved["new"].sort_name == ""


def test_rows_among_reads_the_matching_rows_converted_as_values_list_reads_them():
    _, objects = _songs_and_their_objects(3)
    StoredObject.objects.filter(pk=objects[1].pk).update(exists=False, updated_at=MOMENT)
    keys = [objects[2].key, objects[1].key, "not/there.mp3"]

    rows = rows_among(
        StoredObject, ["key", "pk", "exists", "updated_at"], bucket=["b"], key=keys, order_by="key"
    )

    expected = StoredObject.objects.filter(bucket="b", key__in=keys).order_by("key")
    assert rows == list(expected.values_list("key", "pk", "exists", "updated_at"))
    assert [type(exists) for _, _, exists, _ in rows] == [bool, bool]
    assert rows[0][2:] == (False, MOMENT)
    assert rows_among(StoredObject, ["pk"], bucket=["b"], key=[]) == []
