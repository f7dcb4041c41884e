"""A batch of ingest jobs reaches open pages as one websocket frame, not one per song."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from catalog import events
from catalog.models import Song
from demo.audio_samples import SampleTags
from spotify.asgi import application

pytestmark = [
    pytest.mark.usefixtures("sync_thread_connections_closed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def one_batch(settings):
    """One task thread: a request's jobs are one batch (one transaction) with any number,
    and with one thread nothing else runs beside it."""
    settings.INGEST_THREADS = 1


@pytest.fixture
def ingest_songs(put_song, post_events, created):
    """Put songs titled `titles` in the store and post their events in one request."""

    def ingest(*titles: str):
        records = [
            created(*put_song(f"music/{title}.mp3", SampleTags(title=title))) for title in titles
        ]
        response = post_events(*records)
        assert response.status_code == 202, response.content

    return sync_to_async(ingest)


async def _songs_socket() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/songs/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def _newest_first() -> list[tuple[int, str]]:
    return list(Song.objects.values_list("pk", "title"))  # the model's order: newest first


@pytest.mark.asyncio
@pytest.mark.usefixtures("one_batch")
async def test_a_batch_of_new_songs_is_one_frame_newest_first(ingest_songs):
    page = await _songs_socket()
    titles = [f"Burst {number}" for number in range(5)]

    await ingest_songs(*titles)

    message = await page.receive_json_from(timeout=10)
    newest_first = await sync_to_async(_newest_first)()
    assert (message["type"], message["count"]) == ("songs.added", 5)
    assert [(song["id"], song["title"]) for song in message["songs"]] == newest_first
    assert [title for _, title in newest_first] == titles[::-1]
    for (pk, title), row in zip(newest_first, message["html"], strict=True):
        assert row.startswith(f'<tr class="song-row" id="song-{pk}"')
        assert title in row
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.asyncio
@pytest.mark.usefixtures("one_batch")
async def test_one_new_song_is_still_song_added(ingest_songs):
    page = await _songs_socket()

    await ingest_songs("Alone")

    message = await page.receive_json_from(timeout=10)
    assert set(message) == {"type", "song", "html"}
    assert (message["type"], message["song"]["title"]) == ("song.added", "Alone")
    assert 'id="song-' in message["html"]
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.asyncio
@pytest.mark.usefixtures("one_batch")
async def test_a_burst_past_the_bound_carries_the_newest_and_the_count(ingest_songs, monkeypatch):
    monkeypatch.setattr(events, "SONGS_PER_MESSAGE", 2)
    page = await _songs_socket()

    await ingest_songs("First", "Second", "Third")

    message = await page.receive_json_from(timeout=10)
    assert (message["type"], message["count"]) == ("songs.added", 3)
    assert [song["title"] for song in message["songs"]] == ["Third", "Second"]
    assert len(message["html"]) == 2
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.asyncio
async def test_a_request_is_one_batch_and_one_frame_whatever_the_task_threads(
    ingest_songs, settings
):
    settings.INGEST_THREADS = 4  # threads no longer split a request's jobs into batches
    page = await _songs_socket()

    await ingest_songs("North", "East", "South", "West")

    frame = await page.receive_json_from(timeout=10)
    assert (frame["type"], frame["count"]) == ("songs.added", 4)
    assert {song["title"] for song in frame["songs"]} == {"North", "East", "South", "West"}
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.asyncio
@pytest.mark.usefixtures("one_batch")
async def test_a_batch_of_removals_is_one_songs_removed_frame(ingest_songs, post_events, removed):
    await ingest_songs("Gone 1", "Gone 2", "Gone 3")
    song_ids = await sync_to_async(lambda: sorted(Song.objects.values_list("pk", flat=True)))()
    page = await _songs_socket()

    await sync_to_async(post_events)(*(removed(f"music/Gone {n}.mp3") for n in (1, 2, 3)))

    message = await page.receive_json_from(timeout=10)
    assert message["type"] == "songs.removed"
    assert sorted(song["id"] for song in message["songs"]) == song_ids
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()
