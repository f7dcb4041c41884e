"""Merging duplicate artists or albums in the admin: the curator picks the one to keep."""

import re

import pytest

from accounts.tests.factories import CuratorFactory
from catalog.models import Album, Artist, Cover, SongArtist
from catalog.tests.factories import AlbumFactory, ArtistFactory, SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator_client(client):
    client.force_login(CuratorFactory())
    return client


@pytest.fixture
def merge(curator_client, django_capture_on_commit_callbacks):
    """Run the merge action on `rows`, confirming with `keep` when one is given."""

    def run(model: str, rows, keep=None, **extra):
        data = {"action": "merge", "_selected_action": [row.pk for row in rows], **extra}
        if keep is not None:
            data |= {"merge_confirmed": "yes", "keep": keep.pk}
        with django_capture_on_commit_callbacks(execute=True):
            return curator_client.post(f"/admin/catalog/{model}/", data, follow=True)

    return run


def test_merge_first_asks_which_artist_to_keep_and_changes_nothing(merge):
    keep = ArtistFactory(name="The Tidelines")
    twin = ArtistFactory(name="Tidelines <i>")
    SongFactory.create_batch(2, artist=keep)

    response = merge("artist", [keep, twin])

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "admin/catalog/merge_picker.html"
    body = response.content.decode()
    assert "Which artist do you keep?" in body
    assert f'name="keep" id="keep-{keep.pk}" value="{keep.pk}" required' in body
    assert "2 songs, 2 albums" in body and "Tidelines &lt;i&gt;" in body
    assert " checked" not in body
    assert Artist.objects.count() == 2


def test_the_merge_pages_style_carries_the_nonce_the_policy_allows(merge):
    response = merge("artist", [ArtistFactory(name="Tidelines"), ArtistFactory(name="Tide")])

    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_merge_keeps_the_artist_the_curator_chose_even_with_fewer_songs(merge):
    many = ArtistFactory(name="Tidelines")
    chosen = ArtistFactory(name="The Tidelines")
    SongFactory.create_batch(3, artist=many)
    mine = SongFactory(artist=chosen)

    response = merge("artist", [many, chosen], keep=chosen)

    assert list(Artist.objects.values_list("name", flat=True)) == ["The Tidelines"]
    assert "Merged 1 artist into “The Tidelines”." in response.content.decode()
    assert chosen.lead_songs.count() == 4
    mine.refresh_from_db()
    assert mine.artist == chosen


def test_merge_artists_moves_songs_credits_and_albums(merge):
    keep = ArtistFactory(name="The Tidelines")
    twin = ArtistFactory(name="Tidelines")
    stray = SongFactory(artist=twin)

    merge("artist", [keep, twin], keep=keep)

    stray.refresh_from_db()
    assert stray.artist == keep
    assert SongArtist.objects.get(song=stray).artist == keep
    assert Album.objects.get(pk=stray.album_id).album_artist == keep


def test_merge_artists_fills_a_sort_name_and_musicbrainz_id_the_kept_one_lacks(merge):
    keep = ArtistFactory(name="The Tidelines", sort_name="Tidelines, The")
    twin = ArtistFactory(
        name="Tidelines",
        sort_name="Tidelines",
        musicbrainz_id="89ad4ac3-39f7-470e-963a-56509c546377",
    )

    merge("artist", [keep, twin], keep=keep)

    keep.refresh_from_db()
    assert keep.sort_name == "Tidelines, The"
    assert keep.musicbrainz_id == "89ad4ac3-39f7-470e-963a-56509c546377"


def test_merge_artists_folds_their_same_titled_albums(merge):
    keep = ArtistFactory(name="The Tidelines")
    twin = ArtistFactory(name="Tidelines")
    SongFactory.create_batch(2, artist=keep, album=AlbumFactory(title="Harbour", album_artist=keep))
    SongFactory(artist=twin, album=AlbumFactory(title="harbour", album_artist=twin))

    merge("artist", [keep, twin], keep=keep)

    assert Album.objects.get().songs.count() == 3


def test_merge_artists_keeps_one_credit_when_both_were_credited(merge):
    keep = ArtistFactory()
    twin = ArtistFactory()
    song = SongFactory(artist=keep)
    SongArtist.objects.create(song=song, artist=twin, position=1)

    merge("artist", [keep, twin], keep=keep)

    assert list(SongArtist.objects.filter(song=song).values_list("artist", flat=True)) == [keep.pk]


def test_merge_albums_into_the_chosen_one_which_takes_a_missing_cover(merge):
    artist = ArtistFactory()
    cover = Cover.objects.create(sha256="ab" * 32, image="covers/x.jpg", mime_type="image/jpeg")
    bigger = AlbumFactory(album_artist=artist, title="Harbour Lights", cover=cover)
    chosen = AlbumFactory(album_artist=artist, title="Harbour Lights (Deluxe)", cover=None)
    SongFactory.create_batch(2, artist=artist, album=bigger)
    SongFactory(artist=artist, album=chosen)

    picker = merge("album", [bigger, chosen]).content.decode()
    merge("album", [bigger, chosen], keep=chosen)

    assert cover.url in picker and "2 songs" in picker and "1 song" in picker
    assert list(Album.objects.all()) == [chosen]
    chosen.refresh_from_db()
    assert chosen.songs.count() == 3 and chosen.cover == cover


def test_merge_albums_fills_what_the_kept_one_lacks_and_keeps_what_it_has(merge):
    artist = ArtistFactory()
    chosen = AlbumFactory(
        album_artist=artist, title="Tide", year=2001, record_labels="Kept Label", cover=None
    )
    other = AlbumFactory(
        album_artist=artist,
        title="Tide (Remaster)",
        year=2019,
        record_labels="Other Label",
        release_date="2019-05-17",
        release_types="album; remaster",
        musicbrainz_id="0a1b2c3d-0000-4000-8000-00000000000b",
        is_compilation=True,
        sort_title="Tide, The",
    )
    SongFactory(artist=artist, album=other)

    merge("album", [chosen, other], keep=chosen)

    chosen.refresh_from_db()
    assert (chosen.year, chosen.record_labels) == (2001, "Kept Label")
    assert chosen.release_date == "2019-05-17"
    assert chosen.release_types == "album; remaster"
    assert chosen.musicbrainz_id == "0a1b2c3d-0000-4000-8000-00000000000b"
    assert chosen.is_compilation and chosen.sort_title == "Tide, The"
    assert chosen.songs.count() == 1 and not Album.objects.filter(pk=other.pk).exists()


def test_confirming_without_a_choice_asks_again(merge):
    keep, twin = ArtistFactory(), ArtistFactory()

    response = merge("artist", [keep, twin], merge_confirmed="yes")

    assert response.status_code == 400
    assert "Choose the artist to keep." in response.content.decode()
    assert Artist.objects.count() == 2


def test_keeping_a_row_that_was_not_selected_merges_nothing(merge):
    keep, twin, outsider = ArtistFactory(), ArtistFactory(), ArtistFactory()

    response = merge("artist", [keep, twin], keep=outsider)

    assert response.status_code == 400
    assert Artist.objects.count() == 3


def test_merge_needs_two_rows(merge):
    artist = SongFactory().artist

    response = merge("artist", [artist])

    assert b"Select at least two artists to merge." in response.content
    assert Artist.objects.filter(pk=artist.pk).exists()


def test_listeners_cannot_merge(client, merge):
    keep, twin = ArtistFactory(), ArtistFactory()
    client.logout()

    response = client.post(
        "/admin/catalog/artist/",
        {
            "action": "merge",
            "_selected_action": [keep.pk, twin.pk],
            "merge_confirmed": "yes",
            "keep": keep.pk,
        },
    )

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Artist.objects.count() == 2
