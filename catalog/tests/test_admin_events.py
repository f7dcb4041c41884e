"""Curators' edits in the admin reach open browsers like every other change of the catalogue."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from accounts.tests.factories import CuratorFactory
from catalog.events import SONGS_GROUP, frame_of
from catalog.models import Album, Song, SongArtist
from catalog.tests.factories import GenreFactory, SongFactory
from demo.audio_samples import SampleTags

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client):
    client.force_login(CuratorFactory())
    return client


@pytest.fixture
def browser():
    """A channel in the songs group, as an open page has; call it for the next message."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(SONGS_GROUP, channel)

    async def next_message() -> dict:
        # The bound only keeps a missing message from hanging the suite.
        return frame_of(await asyncio.wait_for(layer.receive(channel), timeout=30))

    yield async_to_sync(next_message)
    async_to_sync(layer.group_discard)(SONGS_GROUP, channel)


def _change_form(song: Song, **changes) -> dict:
    credit = SongArtist.objects.get(song=song)
    data = {
        "title": song.title,
        "artist": song.artist_id,
        "album": song.album_id or "",
        "cover": "",
        "track_number": song.track_number or "",
        "disc_number": "",
        "year": song.year or "",
        "lyrics": "",
        "songartist_set-TOTAL_FORMS": "1",
        "songartist_set-INITIAL_FORMS": "1",
        "songartist_set-MIN_NUM_FORMS": "0",
        "songartist_set-MAX_NUM_FORMS": "1000",
        "songartist_set-0-id": credit.pk,
        "songartist_set-0-song": song.pk,
        "songartist_set-0-artist": credit.artist_id,
        "songartist_set-0-position": credit.position,
        "_save": "Save",
    }
    if song.hidden:
        data["hidden"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _save(client, song: Song, capture, **changes):
    with capture(execute=True):
        response = client.post(
            f"/admin/catalog/song/{song.pk}/change/", _change_form(song, **changes)
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_saving_a_song_in_the_admin_pushes_song_updated(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory(title="Tpyo")

    _save(curator_client, song, django_capture_on_commit_callbacks, title="Typo Fixed")

    message = browser()
    assert message["type"] == "song.updated"
    assert message["song"]["id"] == song.pk
    assert message["song"]["title"] == "Typo Fixed"
    assert "Typo Fixed" in message["html"]


def test_hiding_a_song_in_its_form_pushes_song_removed(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory()

    _save(curator_client, song, django_capture_on_commit_callbacks, hidden="on")

    assert browser() == {"type": "song.removed", "song": {"id": song.pk}}


def test_publishing_a_song_in_its_form_pushes_song_added(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory(hidden=True)

    _save(curator_client, song, django_capture_on_commit_callbacks, hidden=None)

    message = browser()
    assert (message["type"], message["song"]["id"]) == ("song.added", song.pk)


def test_deleting_a_song_in_the_admin_pushes_song_removed_and_prunes_its_album(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(f"/admin/catalog/song/{song.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert browser() == {"type": "song.removed", "song": {"id": song.pk}}
    assert not Album.objects.filter(pk=song.album_id).exists()


def test_bulk_delete_pushes_one_songs_removed_frame(
    curator_client, browser, django_capture_on_commit_callbacks
):
    songs = SongFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            "/admin/catalog/song/",
            {
                "action": "delete_selected",
                "_selected_action": [song.pk for song in songs],
                "post": "yes",
            },
        )

    message = browser()
    assert message["type"] == "songs.removed"
    assert sorted(song["id"] for song in message["songs"]) == sorted(song.pk for song in songs)
    assert not Song.objects.exists()


@pytest.mark.parametrize(
    ("action", "hidden", "kind"), [("hide", False, "song.removed"), ("publish", True, "song.added")]
)
def test_hide_and_publish_actions_push_their_events(
    curator_client, browser, django_capture_on_commit_callbacks, action, hidden, kind
):
    song = SongFactory(hidden=hidden)

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            "/admin/catalog/song/", {"action": action, "_selected_action": [song.pk]}
        )

    message = browser()
    assert (message["type"], message["song"]["id"]) == (kind, song.pk)


def test_reread_action_pushes_song_updated(
    curator_client, browser, put_song, post_events, created, django_capture_on_commit_callbacks
):
    key, size = put_song("music/reread.mp3", SampleTags(title="From The File"))
    post_events(created(key, size))
    assert browser()["type"] == "song.added"
    Song.objects.update(title="Typo")

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            "/admin/catalog/song/",
            {"action": "reread_metadata", "_selected_action": [Song.objects.get().pk]},
        )

    message = browser()
    assert (message["type"], message["song"]["title"]) == ("song.updated", "From The File")


def _rename(client, capture, model: str, pk: int, data: dict) -> None:
    with capture(execute=True):
        response = client.post(f"/admin/catalog/{model}/{pk}/change/", {**data, "_save": "Save"})
    assert response.status_code == 302, response.context["adminform"].form.errors


def _updates(browser, count: int) -> dict[int, dict]:
    messages = [browser() for _ in range(count)]
    assert {message["type"] for message in messages} == {"song.updated"}
    return {message["song"]["id"]: message for message in messages}


def test_renaming_an_artist_pushes_their_songs_updated_in_one_frame(
    curator_client, browser, django_capture_on_commit_callbacks
):
    first = SongFactory(artist__name="Teh Band", title="One")
    second = SongFactory(artist=first.artist, album=first.album, title="Two")
    SongFactory(artist=first.artist, hidden=True)  # nobody sees it: no message

    _rename(
        curator_client,
        django_capture_on_commit_callbacks,
        "artist",
        first.artist_id,
        {"name": "The Band"},
    )

    message = browser()
    assert (message["type"], message["count"]) == ("songs.updated", 2)
    assert {song["id"] for song in message["songs"]} == {first.pk, second.pk}
    assert all("The Band" in row for row in message["html"])


def test_renaming_an_album_pushes_song_updated_for_its_tracks(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory(album__title="Frist Album")
    album = song.album
    tracks = {
        "songs-TOTAL_FORMS": "1",
        "songs-INITIAL_FORMS": "1",
        "songs-MIN_NUM_FORMS": "0",
        "songs-MAX_NUM_FORMS": "1000",
        "songs-0-id": song.pk,
        "songs-0-album": album.pk,
    }

    _rename(
        curator_client,
        django_capture_on_commit_callbacks,
        "album",
        album.pk,
        {"title": "First Album", "album_artist": album.album_artist_id, "year": "", **tracks},
    )

    (message,) = _updates(browser, 1).values()
    assert message["song"]["id"] == song.pk
    assert "First Album" in message["html"]


def test_renaming_a_genre_pushes_song_updated_for_its_songs(
    curator_client, browser, django_capture_on_commit_callbacks
):
    song = SongFactory(genres=[GenreFactory(name="Shoegazing")])

    _rename(
        curator_client,
        django_capture_on_commit_callbacks,
        "genre",
        song.genres.get().pk,
        {"name": "Shoegaze"},
    )

    (message,) = _updates(browser, 1).values()
    assert message["song"]["id"] == song.pk
    assert "Shoegaze" in str(message["song"])


def test_saving_an_artist_unchanged_pushes_nothing(
    curator_client, django_capture_on_commit_callbacks
):
    song = SongFactory(artist__name="Same")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        curator_client.post(
            f"/admin/catalog/artist/{song.artist_id}/change/", {"name": "Same", "_save": "Save"}
        )

    assert callbacks == []
