"""The curators' admin: who sees what, and each bulk action."""

import pytest
from django.core.cache import cache

from accounts.tests.factories import CuratorFactory, UserFactory
from catalog import search
from catalog.admin import CODECS_CACHE_KEY
from catalog.tests.factories import AlbumFactory, ArtistFactory, SongFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator_client(client):
    client.force_login(CuratorFactory())
    return client


def _act(client, model: str, action: str, objects, capture=None):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    url = f"/admin/catalog/{model}/"
    if capture is None:
        return client.post(url, data, follow=True)
    with capture(execute=True):
        return client.post(url, data, follow=True)


# --- who sees what --------------------------------------------------------------------------


def test_curator_can_change_songs_in_the_admin(curator_client):
    song = SongFactory()

    assert curator_client.get(f"/admin/catalog/song/{song.pk}/change/").status_code == 200


def test_a_songs_title_links_to_its_change_page_in_the_song_list(curator_client):
    song = SongFactory(title="Glacier Hum")

    html = curator_client.get("/admin/catalog/song/").content.decode()

    assert f'<a href="/admin/catalog/song/{song.pk}/change/">Glacier Hum</a>' in html


def test_the_admin_names_the_site(curator_client):
    html = curator_client.get("/admin/").content.decode()

    assert "<title>Site administration | Tidal Pool admin</title>" in html
    assert ">Tidal Pool administration</a>" in html


def test_curator_cannot_see_users(curator_client):
    assert curator_client.get("/admin/auth/user/").status_code == 403
    assert b"/admin/auth/user/" not in curator_client.get("/admin/").content


def test_listener_cannot_enter_the_admin(client):
    client.force_login(UserFactory())

    response = client.get("/admin/catalog/song/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ["song", "album", "artist", "genre", "cover"])
def test_curator_sees_each_catalogue_list(curator_client, model):
    SongFactory()

    assert curator_client.get(f"/admin/catalog/{model}/").status_code == 200


def test_song_list_searches_and_filters(curator_client):
    SongFactory(title="Neon Rain", hidden=True)
    search.refresh_search_text()

    response = curator_client.get("/admin/catalog/song/?q=neon&hidden__exact=1&codec=mp3")

    assert b"Neon Rain" in response.content


def test_song_list_filters_by_the_codecs_the_songs_have(curator_client):
    cache.delete(CODECS_CACHE_KEY)  # kept a few minutes: another test's songs may be in it
    SongFactory(title="Lossy", codec="mp3")
    SongFactory(title="Lossless", codec="flac")

    page = curator_client.get("/admin/catalog/song/")
    flac = curator_client.get("/admin/catalog/song/", {"codec": "flac"})

    codecs = next(spec for spec in page.context["cl"].filter_specs if spec.title == "codec")
    assert [value for value, _ in codecs.lookup_choices] == ["flac", "mp3"]
    assert [song.title for song in flac.context["cl"].result_list] == ["Lossless"]
    assert b"flac (1)" in curator_client.get("/admin/catalog/song/", {"_facets": "1"}).content


def test_the_song_list_reads_no_choices_from_the_whole_table_on_each_page(curator_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SongFactory(codec="mp3")
    curator_client.get("/admin/catalog/song/")  # the codecs, read once for a few minutes

    with CaptureQueriesContext(connection) as queries:
        page = curator_client.get("/admin/catalog/song/")

    assert page.status_code == 200
    song_reads = [query["sql"] for query in queries if '"catalog_song"' in query["sql"]]
    assert not [sql for sql in song_reads if "DISTINCT" in sql or "MIN(" in sql]


def _found(client, term: str) -> set[str]:
    response = client.get("/admin/catalog/song/", {"q": term})
    assert response.status_code == 200
    return {song.title for song in response.context["cl"].result_list}


def test_song_search_finds_every_word_in_any_name_as_the_site_reads_them(curator_client):
    tide = ArtistFactory(name="Kōri Collective")
    SongFactory(title="Glacier Hum", artist=tide, album=AlbumFactory(title="Ice Archive"))
    SongFactory(title="Meltwater", artist=tide, hidden=True)
    SongFactory(title="Harbour Lights", storage_key="music/The Tidelines/02 Harbour.flac")
    search.refresh_search_text()

    assert _found(curator_client, "kori") == {"Glacier Hum", "Meltwater"}
    assert _found(curator_client, "GLAC ice") == {"Glacier Hum"}
    assert _found(curator_client, "hum archive kōri") == {"Glacier Hum"}
    assert _found(curator_client, "glacier harbour") == set()
    assert _found(curator_client, "Tidelines/02") == {"Harbour Lights"}
    assert _found(curator_client, "  ") == {"Glacier Hum", "Meltwater", "Harbour Lights"}


def test_album_page_shows_its_tracks_inline(curator_client):
    song = SongFactory(title="Track In Album")

    response = curator_client.get(f"/admin/catalog/album/{song.album_id}/change/")

    assert b"Track In Album" in response.content


def test_artist_autocomplete_answers(curator_client):
    ArtistFactory(name="The Tidelines")

    response = curator_client.get(
        "/admin/autocomplete/",
        {"term": "tide", "app_label": "catalog", "model_name": "song", "field_name": "artist"},
    )

    assert [row["text"] for row in response.json()["results"]] == ["The Tidelines"]


# --- actions --------------------------------------------------------------------------------


def test_hide_action_takes_songs_out_of_the_public_list(
    curator_client, client, django_capture_on_commit_callbacks
):
    song = SongFactory()

    _act(curator_client, "song", "hide", [song], django_capture_on_commit_callbacks)

    song.refresh_from_db()
    assert song.hidden
    assert client.get(f"/api/v1/songs/{song.pk}/").status_code == 404


def test_publish_action_brings_songs_back(curator_client, django_capture_on_commit_callbacks):
    song = SongFactory(hidden=True)

    _act(curator_client, "song", "publish", [song], django_capture_on_commit_callbacks)

    song.refresh_from_db()
    assert not song.hidden


def test_a_searched_song_list_counts_only_the_songs_it_shows(curator_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    SongFactory(title="Neon Rain")
    SongFactory(title="Glacier Hum")
    search.refresh_search_text()

    with CaptureQueriesContext(connection) as queries:
        page = curator_client.get("/admin/catalog/song/", {"q": "neon"})

    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"]]
    assert [song.title for song in page.context["cl"].result_list] == ["Neon Rain"]
    assert len(counts) == 1
