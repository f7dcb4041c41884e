"""The playlist pages: your playlists, a playlist's tracks, and the owner's edits by form."""

import re
from dataclasses import dataclass

import pytest

from catalog.models import Cover, SongArtist
from catalog.tests.factories import ArtistFactory, GenreFactory, SongFactory
from playlists.models import Playlist, PlaylistItem
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(client, listener):
    client.force_login(listener)
    return client


def _playlist_of(owner, titles: list[str], **kwargs) -> Playlist:
    playlist = PlaylistFactory(owner=owner, **kwargs)
    for title in titles:
        PlaylistItemFactory(playlist=playlist, song=SongFactory(title=title))
    return playlist


def _order(playlist: Playlist) -> list[str]:
    return [item.song.title for item in playlist.items.order_by("position")]


# --- the list of playlists --------------------------------------------------------------------


def test_index_lists_my_playlists_and_others_public_ones_only(ada, listener, other):
    _playlist_of(listener, ["a"], name="Mine, private")
    _playlist_of(other, ["b"], name="Bob's public", is_public=True)
    _playlist_of(other, ["c"], name="Bob's secret")

    response = ada.get("/playlists/")

    assert response.status_code == 200
    assert [p.name for p in response.context["playlists"]] == ["Mine, private"]
    assert [p.name for p in response.context["public_playlists"]] == ["Bob's public"]
    assert "Bob&#x27;s secret" not in response.content.decode()


def test_index_says_what_to_do_when_there_are_no_playlists(ada):
    body = ada.get("/playlists/").content.decode()

    assert "You have no playlists yet" in body
    assert "No one else has shared a playlist yet" in body


def test_index_does_not_promise_your_own_public_playlist_among_the_public_ones(ada, listener):
    _playlist_of(listener, ["a"], name="Mine, public", is_public=True)

    response = ada.get("/playlists/")

    assert response.context["public_playlists"] == []
    body = response.content.decode()
    assert "it shows up here" not in body
    assert "No one else has shared a playlist yet" in body


def test_index_for_anonymous_shows_public_playlists_and_asks_to_sign_in(client, other):
    _playlist_of(other, ["b"], name="Shared", is_public=True)

    response = client.get("/playlists/")

    assert response.status_code == 200
    assert [p.name for p in response.context["public_playlists"]] == ["Shared"]
    assert "to make your own playlists" in response.content.decode()


def test_index_cover_is_a_mosaic_of_the_first_four_album_covers(ada, listener):
    playlist = PlaylistFactory(owner=listener)
    for number in range(5):
        song = SongFactory()
        song.album.cover = Cover.objects.create(
            sha256=f"{number:064x}", image=f"covers/{number}.jpg", mime_type="image/jpeg"
        )
        song.album.save()
        PlaylistItemFactory(playlist=playlist, song=song)

    body = ada.get("/playlists/").content.decode()

    mosaic = body.split('<span class="mosaic"', 1)[1].split("</span>", 1)[0]
    assert mosaic.count("<img") == 4


def test_index_query_count_does_not_grow_with_playlists(
    ada, listener, django_assert_max_num_queries
):
    for _ in range(5):
        _playlist_of(listener, ["x", "y"])

    with django_assert_max_num_queries(8):
        ada.get("/playlists/")


def test_create_makes_a_private_playlist_and_opens_it(ada, listener):
    response = ada.post("/playlists/new/", {"name": "  Night drive  "})

    playlist = Playlist.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/playlists/{playlist.pk}/"
    assert (playlist.name, playlist.is_public, playlist.owner) == ("Night drive", False, listener)


def test_create_without_a_name_is_400_with_the_reason(ada):
    response = ada.post("/playlists/new/", {"name": "   "})

    assert response.status_code == 400
    assert "Give the playlist a name." in response.content.decode()
    assert not Playlist.objects.exists()


def test_anonymous_create_goes_to_sign_in(client):
    response = client.post("/playlists/new/", {"name": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Playlist.objects.exists()


# --- one playlist -----------------------------------------------------------------------------


def test_detail_lists_tracks_in_order_with_the_total_length(ada, listener):
    playlist = _playlist_of(listener, ["One", "Two", "Three"])
    PlaylistItem.objects.filter(playlist=playlist, song__title="Three").update(position=0)
    PlaylistItem.objects.filter(playlist=playlist, song__title="One").update(position=2)

    response = ada.get(f"/playlists/{playlist.pk}/")

    assert response.status_code == 200
    assert [item.song.title for item in response.context["tracks"]] == ["Three", "Two", "One"]
    body = response.content.decode()
    assert "3 songs" in body and "9 min 0 s" in body
    assert "Play all" in body and "Edit details" in body


def test_same_song_twice_gets_two_rows(ada, listener):
    song = SongFactory(title="Again")
    playlist = PlaylistFactory(owner=listener)
    first = PlaylistItemFactory(playlist=playlist, song=song)
    second = PlaylistItemFactory(playlist=playlist, song=song)

    body = ada.get(f"/playlists/{playlist.pk}/").content.decode()

    assert f'id="item-{first.pk}"' in body and f'id="item-{second.pk}"' in body


@dataclass
class _Row:
    song_attrs: dict[str, str]
    cells: list[tuple[str, str]]  # (class, inner markup)


def _row(body: str, row_id: str) -> _Row:
    row = re.search(rf'<tr class="song-row" id="{row_id}" ([^>]*)>(.*?)</tr>', body)
    assert row, f"no row {row_id}"
    attrs = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', row[1]))
    song_attrs = {
        name: value
        for name, value in attrs.items()
        if name not in {"data-item-id", "data-position"}
    }
    return _Row(song_attrs, re.findall(r'<td class="([^"]*)">(.*?)</td>', row[2]))


def test_a_track_row_is_the_catalogue_song_row_without_genres_with_the_owners_controls(
    ada, listener
):
    song = SongFactory(title="Tom's <Song>", genres=[GenreFactory(name="Jazz")])
    SongArtist.objects.create(song=song, artist=ArtistFactory(name="Bee & Co"), position=1)
    playlist = PlaylistFactory(owner=listener)
    item = PlaylistItemFactory(playlist=playlist, song=song)

    home = _row(ada.get("/").content.decode(), f"song-{song.pk}")
    track = _row(ada.get(f"/playlists/{playlist.pk}/").content.decode(), f"item-{item.pk}")

    assert track.song_attrs == home.song_attrs
    home_cells = [cell for cell in home.cells if cell[0] != "genre"]
    assert len(home_cells) == len(home.cells) - 1
    assert track.cells[:-1] == home_cells[:-1]
    (_, home_actions), (_, track_actions) = home_cells[-1], track.cells[-1]
    assert track_actions.startswith('<form method="post"')
    assert track_actions.endswith(home_actions)


def test_detail_escapes_names_and_titles(ada, listener):
    playlist = _playlist_of(listener, ["<script>x</script>"], name="<b>Loud</b>")

    body = ada.get(f"/playlists/{playlist.pk}/").content.decode()

    assert "<script>x</script>" not in body and "<b>Loud</b>" not in body
    assert "&lt;b&gt;Loud&lt;/b&gt;" in body


def test_detail_of_an_empty_playlist_says_how_to_add_songs(ada, listener):
    playlist = PlaylistFactory(owner=listener)

    body = ada.get(f"/playlists/{playlist.pk}/").content.decode()

    assert "This playlist is empty. Add songs from any song’s ⋯ menu" in body


def test_someone_elses_public_playlist_is_read_only(client, other, listener):
    playlist = _playlist_of(other, ["Shared song"], is_public=True)
    client.force_login(listener)

    response = client.get(f"/playlists/{playlist.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Shared song" in body and "By bob" in body
    assert "Edit details" not in body and "track-form" not in body


def test_someone_elses_private_playlist_is_404(client, other, listener):
    playlist = _playlist_of(other, ["Secret"])

    client.force_login(listener)
    assert client.get(f"/playlists/{playlist.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/playlists/{playlist.pk}/").status_code == 404


def test_detail_query_count_does_not_grow_with_tracks(ada, listener, django_assert_max_num_queries):
    playlist = _playlist_of(listener, [f"Song {n}" for n in range(10)])

    with django_assert_max_num_queries(12):
        ada.get(f"/playlists/{playlist.pk}/")


# --- the owner's edits ------------------------------------------------------------------------


def test_owner_renames_describes_and_publishes(ada, listener):
    playlist = PlaylistFactory(owner=listener, name="Old")

    response = ada.post(
        f"/playlists/{playlist.pk}/edit/",
        {"name": "New", "description": "Late nights", "is_public": "on"},
    )

    assert response.status_code == 302
    playlist.refresh_from_db()
    assert (playlist.name, playlist.description, playlist.is_public) == (
        "New",
        "Late nights",
        True,
    )


def test_edit_with_an_empty_name_is_400_and_changes_nothing(ada, listener):
    playlist = PlaylistFactory(owner=listener, name="Keep")

    response = ada.post(f"/playlists/{playlist.pk}/edit/", {"name": ""})

    assert response.status_code == 400
    assert "Give the playlist a name." in response.content.decode()
    playlist.refresh_from_db()
    assert playlist.name == "Keep"


def test_others_cannot_edit_delete_or_reorder_a_public_playlist(client, other, listener):
    playlist = _playlist_of(other, ["a", "b"], name="Bob's", is_public=True)
    item = playlist.items.first()
    client.force_login(listener)

    edits = [
        client.post(f"/playlists/{playlist.pk}/edit/", {"name": "Mine now"}),
        client.post(f"/playlists/{playlist.pk}/delete/"),
        client.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/remove/"),
        client.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "down"}),
    ]

    assert [response.status_code for response in edits] == [403, 403, 403, 403]
    assert _order(playlist) == ["a", "b"]
    assert Playlist.objects.get(pk=playlist.pk).name == "Bob's"


def test_owner_deletes_the_playlist(ada, listener):
    playlist = _playlist_of(listener, ["a"])

    response = ada.post(f"/playlists/{playlist.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == "/playlists/"
    assert not Playlist.objects.exists()


def test_owner_removes_one_track(ada, listener):
    playlist = _playlist_of(listener, ["a", "b", "c"])
    item = playlist.items.get(song__title="b")

    ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/remove/")

    assert _order(playlist) == ["a", "c"]
    assert list(playlist.items.values_list("position", flat=True)) == [0, 1]


def test_owner_moves_a_track_down_and_up(ada, listener):
    playlist = _playlist_of(listener, ["a", "b", "c"])
    item = playlist.items.get(song__title="a")

    response = ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "down"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{item.pk}")
    assert _order(playlist) == ["b", "a", "c"]

    ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "up"})
    assert _order(playlist) == ["a", "b", "c"]


def test_moving_up_steps_over_a_hidden_song_to_the_listed_neighbour(ada, listener):
    playlist = _playlist_of(listener, ["a", "hidden", "c"])
    playlist.items.filter(song__title="hidden").update(
        song=SongFactory(title="hidden now", hidden=True)
    )
    item = playlist.items.get(song__title="c")

    ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "up"})

    assert _order(playlist) == ["c", "a", "hidden now"]


def test_moving_the_top_track_up_changes_nothing(ada, listener):
    playlist = _playlist_of(listener, ["a", "b"])
    item = playlist.items.get(song__title="a")

    response = ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "up"})

    assert response.status_code == 302
    assert _order(playlist) == ["a", "b"]


def test_move_to_a_position_outside_the_playlist_is_400(ada, listener):
    playlist = _playlist_of(listener, ["a", "b"])
    item = playlist.items.get(song__title="a")

    response = ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"position": 7})

    assert response.status_code == 400
    assert "position must be from 0 to 1" in response.content.decode()


def test_move_without_a_direction_or_position_is_400(ada, listener):
    playlist = _playlist_of(listener, ["a", "b"])
    item = playlist.items.get(song__title="a")

    response = ada.post(f"/playlists/{playlist.pk}/tracks/{item.pk}/move/", {"direction": "left"})

    assert response.status_code == 400
    assert _order(playlist) == ["a", "b"]


def test_nav_links_to_playlists_liked_and_recent_when_signed_in(ada, client):
    body = ada.get("/playlists/").content.decode()

    assert 'href="/playlists/"' in body
    assert 'href="/liked/"' in body and 'href="/recent/"' in body
