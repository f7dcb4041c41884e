"""The site's pages: browse, artist, album, search and upload, rendered by the server."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog import rows
from catalog.models import Album, Artist, Song
from catalog.queries import ListedSong, listed_songs, song_list
from catalog.tests.factories import SongFactory
from demo.audio_samples import SampleTags, make_cover
from library.tests.factories import LikeFactory, PlayFactory, RatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def album_songs(put_song, post_events, created):
    """Ingest a two-disc album out of order and one song by another artist."""
    cover = make_cover()
    tracks = [(2, 1, "Second Light"), (1, 2, "Other Disc Opener"), (1, 1, "First Light")]
    for number, (track, disc, title) in enumerate(tracks):
        key, size = put_song(
            f"music/harbour/{number}.mp3",
            SampleTags(title=title, track=track, disc=disc, cover=cover, genres=("Synthpop",)),
        )
        post_events(created(key, size))
    key, size = put_song(
        "music/other/1.ogg",
        SampleTags(title="Lone <b>Song</b>", artists=("Nova",), album="Solo", year=1999),
    )
    post_events(created(key, size))
    return Album.objects.get(title="Harbour Lights")


def test_browse_lists_every_song_with_sortable_headers(client, album_songs):
    response = client.get("/browse/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="song-row"') == 4
    assert 'href="?sort=title&amp;dir=asc"' in body
    assert "Lone &lt;b&gt;Song&lt;/b&gt;" in body


def test_browse_sorts_by_title_both_ways(client, album_songs):
    ascending = [song.title for song in client.get("/browse/?sort=title").context["songs"]]
    descending = [
        song.title for song in client.get("/browse/?sort=title&dir=desc").context["songs"]
    ]

    assert ascending == sorted(ascending, key=str.lower)
    assert descending == list(reversed(ascending))


def test_browse_filters_by_year_and_artist(client, album_songs):
    by_year = client.get("/browse/?year=1999").context["songs"]
    by_artist = client.get("/browse/?artist=nova").context["songs"]

    assert [song.title for song in by_year] == ["Lone <b>Song</b>"]
    assert [song.title for song in by_artist] == ["Lone <b>Song</b>"]


def test_browse_finds_an_artist_or_album_by_part_of_its_name(client, album_songs):
    by_artist = client.get("/browse/?artist=NOV").context["songs"]
    by_album = client.get("/browse/?album=harbour").context["songs"]

    assert [song.title for song in by_artist] == ["Lone <b>Song</b>"]
    assert len(by_album) == 3


def test_browse_says_when_from_year_is_after_to_year_and_offers_to_swap(client, album_songs):
    body = client.get("/browse/?year_min=2025&year_max=1990").content.decode()

    assert "“From year” is after “To year”" in body
    assert 'href="?year_min=1990&amp;year_max=2025">Swap the years</a>' in body


def test_a_search_from_the_browse_form_ranks_unless_a_sort_was_chosen(client, album_songs):
    plain = client.get("/browse/").content.decode()
    by_title = client.get("/browse/?sort=title").content.decode()

    # The form resubmits its hidden sort: the default (newest first) is not kept.
    assert 'name="sort"' not in plain
    assert '<input type="hidden" name="sort" value="title">' in by_title
    ranked = client.get("/browse/?search=first+light").context["songs"]
    assert [song.title for song in ranked][:1] == ["First Light"]


def test_browse_says_what_to_do_when_filters_match_nothing(client, album_songs):
    response = client.get("/browse/?year=1850")

    assert response.status_code == 200
    assert "No songs match these filters" in response.content.decode()


def test_browse_query_count_does_not_grow_with_songs(
    client, album_songs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get("/browse/")


def test_album_page_lists_tracks_in_disc_and_track_order(
    client, album_songs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(f"/albums/{album_songs.pk}/")

    assert response.status_code == 200
    titles = [song.title for song in response.context["songs"]]
    assert titles == ["First Light", "Second Light", "Other Disc Opener"]
    body = response.content.decode()
    assert "Play all" in body
    assert "Disc 2" in body
    assert f'src="{album_songs.cover.url}"' in body


def test_album_page_of_unknown_album_is_404(client):
    assert client.get("/albums/999999/").status_code == 404


def test_artist_page_shows_albums_and_songs(client, album_songs, django_assert_max_num_queries):
    artist = Artist.objects.get(name="The Tidelines")

    with django_assert_max_num_queries(8):
        response = client.get(f"/artists/{artist.pk}/")

    assert response.status_code == 200
    assert len(response.context["songs"]) == 3
    assert [album.title for album in response.context["albums"]] == ["Harbour Lights"]


def test_search_finds_songs_artists_and_albums(client, album_songs, django_assert_max_num_queries):
    # Near spellings, songs (title starts, then the ranked rest: on PostgreSQL a title pool
    # too when the full text finds few; the page, credits, genres), artists and albums (the
    # album artists named, ids, which have published songs, the page), and the session:
    # fixed, whatever the matches.
    with django_assert_max_num_queries(13):
        response = client.get("/search/?q=light")

    matches = response.context["matches"]
    # Title matches first, then the song that only its album ("Harbour Lights") brings in.
    found = [song.title for song in matches.songs]
    assert set(found[:2]) == {"First Light", "Second Light"}
    assert found[2:] == ["Other Disc Opener"]
    assert [album.title for album in matches.albums] == ["Harbour Lights"]
    assert client.get("/search/?q=nova").context["matches"].artists[0].name == "Nova"


def test_search_with_no_match_says_what_to_do(client, album_songs):
    body = client.get("/search/?q=zzzz").content.decode()

    assert "Nothing found" in body
    assert "/browse/" in body


def test_song_rows_carry_what_the_player_needs(client, album_songs):
    song = Song.objects.get(title="First Light")
    body = client.get(f"/albums/{album_songs.pk}/").content.decode()

    assert f'data-stream-url="{song.stream_url}"' in body
    assert f'data-cover-url="{song.cover.url}"' in body
    assert 'data-title="First Light"' in body
    assert f'data-album-url="/albums/{album_songs.pk}/"' in body


def test_upload_page_is_for_curators_only(client):
    listener = get_user_model().objects.create_user("listener", password="pw-12345-long")
    curator = get_user_model().objects.create_user("curator", password="pw-12345-long")
    curator.user_permissions.add(Permission.objects.get(codename="add_song"))

    assert client.get("/upload/").status_code == 302
    client.force_login(listener)
    assert client.get("/upload/").status_code == 403
    client.force_login(curator)
    response = client.get("/upload/")
    assert response.status_code == 200
    assert 'data-uploads-url="/api/v1/uploads/"' in response.content.decode()
    # A curator who is not staff still follows each file's outcome on /ws/ingest/.
    assert 'data-live="true"' in response.content.decode()


def test_browse_answers_an_id_no_row_can_have_without_failing(client, album_songs):
    response = client.get("/browse/?genre_id=99999999999999999999&search=light")

    # As for any filter the form cannot read, it is left out; the search still applies.
    assert response.status_code == 200
    titles = [song.title for song in response.context["songs"]]
    searched = [song.title for song in client.get("/browse/?search=light").context["songs"]]
    assert titles == searched and "First Light" in titles


def test_head_of_the_home_page_answers_like_get(client):
    """Stores probe a webhook's host with HEAD before delivering; a 405 would read as down."""
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.redirect_chain[-1][1] == 301
    assert response.status_code == 200
    assert b"<svg" in b"".join(response.streaming_content)


def test_the_home_page_shows_the_last_songs_played_though_one_was_played_many_times(
    client, listener
):

    now = timezone.now()
    earlier = [SongFactory(title=f"Earlier {n}") for n in range(8)]
    for n, song in enumerate(earlier):
        PlayFactory(user=listener, song=song, played_at=now - timedelta(hours=1, minutes=n))
    loop = SongFactory(title="On Repeat")
    for n in range(40):  # more plays of one song than the page looked at before
        PlayFactory(user=listener, song=loop, played_at=now - timedelta(seconds=n))
    client.force_login(listener)

    shown = [song.title for song in client.get("/").context["recently_played"]]

    assert shown == ["On Repeat", *(f"Earlier {n}" for n in range(7))]


def test_home_and_browse_read_their_song_rows_as_plain_values(client, album_songs):
    # A page of Song instances with their prefetched credits cost twice the CPU of the page.
    home = client.get("/").context["songs"]
    browse = client.get("/browse/").context["songs"]

    assert len(home) == len(browse) == 4
    assert all(isinstance(song, ListedSong) for song in [*home, *browse])


def test_a_song_card_carries_what_the_player_reads_from_the_songs_row(album_songs):
    song = listed_songs(song_list().filter(title="Lone <b>Song</b>"))[0]

    card = rows.song_card(song, reason="Because you liked <Nova>")

    player_reads = re.search(r'data-song-id=".*?data-rating="\d?"', rows.song_row(song)).group()
    assert card.startswith(f'<li class="card song-card" {player_reads}>')
    assert '<span class="card-title">Lone &lt;b&gt;Song&lt;/b&gt;</span>' in card
    assert "Because you liked &lt;Nova&gt;" in card
    assert 'aria-label="Play Lone &lt;b&gt;Song&lt;/b&gt;"' in card
    assert "card-reason" not in rows.song_card(song)


def test_a_recently_played_card_says_the_listener_likes_the_song(client, listener):
    # The player shows a song's heart from the card it was started from.
    loved = SongFactory(title="Loved")
    PlayFactory(user=listener, song=loved, played_at=timezone.now())
    LikeFactory(user=listener, song=loved)
    client.force_login(listener)

    html = client.get("/").content.decode()

    start = html.index('id="recent-heading"')
    shelf = html[start : html.index("</section>", start)]
    assert f'data-song-id="{loved.pk}"' in shelf
    assert 'data-liked="true"' in shelf


def test_a_signed_in_pages_rows_carry_the_listeners_rating(client, listener):
    # The ⋯ menu's "Rate…" marks the listener's stars from the row it was opened from.
    rated, unrated = SongFactory(title="Rated"), SongFactory(title="Unrated")
    RatingFactory(user=listener, song=rated, stars=4)
    RatingFactory(user=UserFactory(username="bob"), song=unrated, stars=2)
    client.force_login(listener)

    for path in ("/", "/browse/"):
        html = client.get(path).content.decode()

        assert re.search(rf'<tr [^>]*id="song-{rated.pk}"[^>]* data-rating="4"', html), path
        assert re.search(rf'<tr [^>]*id="song-{unrated.pk}"[^>]* data-rating=""', html), path
