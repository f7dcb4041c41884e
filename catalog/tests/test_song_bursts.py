"""One transaction's songs reach open pages together, and only what it committed."""

import asyncio
import re
import threading

import pytest
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import set_script_prefix

from catalog import events, services
from catalog.models import Song, SongArtist
from catalog.queries import catalogue_changed_at, song_list
from catalog.rows import song_row
from catalog.tests.factories import GenreFactory, SongFactory
from demo.audio_samples import SampleTags, make_cover

pytestmark = pytest.mark.django_db


@pytest.fixture
def frames():
    """A channel in the songs group, as an open page has; call it for the frames since the last
    call. It receives on one event loop of its own, as a page's consumer does: the Redis layer
    binds a channel's buffer to the loop that first receives."""
    layer = get_channel_layer()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)

    channel = run(layer.new_channel())
    run(layer.group_add(events.SONGS_GROUP, channel))

    async def receive_all() -> list[dict]:
        received = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.3)
                received.append(events.frame_of(message))
            except TimeoutError:
                return received

    yield lambda: run(receive_all())
    run(layer.group_discard(events.SONGS_GROUP, channel))
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


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


# Names a row must escape, in every place a row writes them (text, attributes, links).
ODD = 'Tom & Jerry\'s <Night> "Live"'


@pytest.fixture
def varied_songs(put_song, post_events, created):
    """Ingest songs with and without album, cover, genres, with several artists, odd names.

    Return their ids and the id of one hidden afterwards (without an event, as a curator's
    edit in another transaction would leave it).
    """
    tags = [
        SampleTags(
            title=ODD,
            artists=("A & B", "C <D>"),
            album=f"{ODD} (Deluxe)",
            genres=("Jazz & Blues", "Rock"),
            cover=make_cover(),
        ),
        SampleTags(title="No Album", album=None, genres=(), track=None, year=None),
        SampleTags(title="Été — 東京", artists=("Ünïcode",), cover=make_cover((10, 120, 90))),
        SampleTags(title="Hidden Away"),
    ]
    for number, song_tags in enumerate(tags):
        post_events(created(*put_song(f"music/{number}.mp3", song_tags)))
    # A song whose credits a curator emptied: its row names its lead artist alone.
    uncredited = SongFactory(title=f"Uncredited {ODD}", album=None)
    SongArtist.objects.filter(song=uncredited).delete()
    hidden = Song.objects.get(title="Hidden Away")
    Song.objects.filter(pk=hidden.pk).update(hidden=True)
    return list(Song.objects.values_list("pk", flat=True)), hidden.pk


PAGE_ROW = re.compile(r'<tr class="song-row" id="song-(\d+)".*?</tr>', re.DOTALL)


def _page_rows(client) -> dict[int, str]:
    """Return the rows of the home page's song list by song id, as the server rendered them."""
    return {int(row[1]): row[0] for row in PAGE_ROW.finditer(client.get("/").content.decode())}


@pytest.mark.parametrize("kind", [events.ADDED, events.UPDATED])
def test_a_frames_songs_and_rows_are_the_apis_songs_and_the_pages_rows(
    client, frames, django_capture_on_commit_callbacks, varied_songs, kind
):
    song_ids, hidden_id = varied_songs
    frames()  # the ingest's own frames
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for song_id in song_ids:
            events.announce_song(kind, song_id)

    (message,) = frames()
    api_songs = {song["id"]: song for song in client.get("/api/v1/songs/").json()["results"]}
    page_rows = _page_rows(client)
    shown = [song["id"] for song in message["songs"]]
    assert message["type"] == events.BURST_TYPES[kind]
    assert sorted(shown) == sorted(api_songs) == sorted(page_rows)
    assert hidden_id not in shown and message["count"] == len(song_ids) - 1
    assert message["songs"] == [api_songs[song_id] for song_id in shown]
    assert message["html"] == [page_rows[song_id] for song_id in shown]
    odd_row = message["html"][shown.index(Song.objects.get(title=ODD).pk)]
    assert "Tom &amp; Jerry&#x27;s &lt;Night&gt; &quot;Live&quot;" in odd_row
    assert ">A &amp; B</a>, <a " in odd_row and "C &lt;D&gt;" in odd_row


def test_songs_added_come_newest_first_as_the_page_lists_them(
    client, frames, django_capture_on_commit_callbacks, varied_songs
):
    song_ids, _ = varied_songs
    frames()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for song_id in sorted(song_ids):
            events.announce_song(events.ADDED, song_id)

    (message,) = frames()
    assert [song["id"] for song in message["songs"]] == list(_page_rows(client))


def test_a_frame_costs_two_queries_however_many_songs_it_carries(
    django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(events, "SONGS_PER_MESSAGE", 4)
    genres = [GenreFactory(), GenreFactory()]
    songs = SongFactory.create_batch(4, genres=genres) + SongFactory.create_batch(4, album=None)
    burst = events.SongBurst()
    for song in songs:
        burst.add(events.UPDATED, song.pk)

    # Each frame of four: the songs (with artist, album and cover), their credits and genres.
    with django_assert_num_queries(4):
        first, second = burst.messages()

    assert (first["count"], second["count"]) == (4, 4)
    assert all(len(song["genres"]) == 2 for song in first["songs"])
    assert all(song["album"] is None for song in second["songs"])


def test_rows_link_under_the_script_prefix_they_are_rendered_under(varied_songs):
    song = song_list().get(title=ODD)
    set_script_prefix("/music/")  # what a request served under /music/ sets
    try:
        prefixed = song_row(song)
    finally:
        set_script_prefix("/")

    assert 'href="/music/artists/' in prefixed and 'data-album-url="/music/albums/' in prefixed
    assert 'href="/artists/' in song_row(song) and "/music/" not in song_row(song)


def test_every_announced_commit_moves_the_catalogue_change_stamp_forward(
    db, django_capture_on_commit_callbacks
):
    song = SongFactory()
    stamps = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            events.announce_song(events.UPDATED, song.pk)
        stamps.append(catalogue_changed_at())

    assert stamps == sorted(set(stamps))
