"""One transaction's songs reach open pages together, and only what it committed."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

from catalog import events, services
from catalog.queries import song_list
from catalog.tests.factories import SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def frames():
    """A channel in the songs group, as an open page has; call it for every frame so far."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.SONGS_GROUP, channel)

    async def receive_all() -> list[dict]:
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(channel), timeout=0.3))
            except TimeoutError:
                return received

    yield async_to_sync(receive_all)
    async_to_sync(layer.group_discard)(events.SONGS_GROUP, channel)


class Rollback(Exception):
    pass


def test_a_song_of_a_savepoint_rolled_back_is_never_announced(
    frames, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # The first song announced is the one rolled back: the burst must outlive it.
        with pytest.raises(Rollback), transaction.atomic():
            lost = SongFactory(title="Rolled Back")
            events.announce_song(events.ADDED, lost.pk)
            raise Rollback
        with transaction.atomic():
            kept = SongFactory(title="Kept")
            events.announce_song(events.ADDED, kept.pk)

    (message,) = frames()
    assert (message["type"], message["song"]["id"]) == ("song.added", kept.pk)


def test_a_removal_rolled_back_is_never_announced(frames, django_capture_on_commit_callbacks):
    staying, going = SongFactory.create_batch(2)
    going_id = going.pk

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(Rollback), transaction.atomic():
            services.song_remove(staying)
            raise Rollback
        services.song_remove(going)

    assert frames() == [{"type": "song.removed", "song": {"id": going_id}}]


def test_a_song_added_then_updated_is_added_once(frames, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        song = SongFactory()
        events.announce_song(events.ADDED, song.pk)
        events.announce_song(events.UPDATED, song.pk)

    (message,) = frames()
    assert (message["type"], message["song"]["id"]) == ("song.added", song.pk)


def test_publishing_and_hiding_together_is_a_frame_per_kind(
    frames, django_capture_on_commit_callbacks
):
    published = SongFactory.create_batch(2, hidden=True)
    hidden = SongFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.songs_set_hidden(published, False)
        services.songs_set_hidden(hidden, True)

    removed, added = frames()
    assert removed["type"] == "songs.removed"
    assert sorted(song["id"] for song in removed["songs"]) == sorted(s.pk for s in hidden)
    assert (added["type"], added["count"]) == ("songs.added", 2)
    assert sorted(song["id"] for song in added["songs"]) == sorted(s.pk for s in published)


def test_updates_go_in_frames_of_a_bounded_size(
    frames, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(events, "SONGS_PER_MESSAGE", 2)
    songs = SongFactory.create_batch(3)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for song in songs:
            events.announce_song(events.UPDATED, song.pk)

    first, second = frames()
    assert (first["type"], first["count"], len(first["html"])) == ("songs.updated", 2, 2)
    assert [song["id"] for song in first["songs"]] == [songs[0].pk, songs[1].pk]
    assert (second["type"], second["song"]["id"]) == ("song.updated", songs[2].pk)


def test_two_transactions_are_two_bursts(frames, django_capture_on_commit_callbacks):
    first, second = SongFactory.create_batch(2)

    for song in (first, second):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            events.announce_song(events.ADDED, song.pk)

    assert [message["song"]["id"] for message in frames()] == [first.pk, second.pk]


def test_a_bursts_rows_are_the_rows_the_page_renders(frames, django_capture_on_commit_callbacks):
    songs = [SongFactory(title=f"Row <{n}> & co") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for song in songs:
            events.announce_song(events.ADDED, song.pk)

    (message,) = frames()
    listed = list(song_list().filter(pk__in=[song.pk for song in songs]))
    assert message["html"] == [
        render_to_string("catalog/_song_row.html", {"song": song}) for song in listed
    ]
    assert "Row &lt;2&gt; &amp; co" in message["html"][0]
