"""Songs: typos, prefixes, accents, ranking, filters and pages of a search."""

import re

import pytest

from catalog.models import Song
from catalog.search import refresh_search_text, search_songs
from catalog.tests.factories import SongFactory
from catalog.tests.fixtures import titles

pytestmark = pytest.mark.django_db


def test_typo_finds_the_song(spelled_catalogue):
    assert titles(search_songs("neon rian"))[0] == "Neon Rain"


def test_prefix_finds_the_song_as_you_type(spelled_catalogue):
    assert set(titles(search_songs("neo"))) >= {"Neon Rain", "Neon Nights"}
    assert titles(search_songs("neon n"))[0] == "Neon Nights"


def test_accents_and_case_do_not_matter(spelled_catalogue):
    assert titles(search_songs("CAFE")) == ["Café del Mar"]
    assert set(titles(search_songs("beyonce"))) == {"Halo", "Café del Mar"}
    assert set(titles(search_songs("Beyoncé"))) == {"Halo", "Café del Mar"}


def test_title_matches_come_before_artist_matches(spelled_catalogue):
    found = titles(search_songs("neon rain"))
    assert found[0] == "Neon Rain"
    assert "Blue Hour" in found  # by "Neon Rain Collective"
    assert found.index("Neon Rain") < found.index("Blue Hour")


def test_album_and_genre_words_match(spelled_catalogue):
    assert set(titles(search_songs("harbour"))) == {"Neon Rain", "Neon Nights"}
    assert titles(search_songs("jazz")) == ["Halo"]


def test_unrelated_words_find_nothing(spelled_catalogue):
    assert titles(search_songs("zzzz qqqq")) == []


def test_hidden_songs_are_never_found(spelled_catalogue):
    Song.objects.filter(pk=spelled_catalogue["halo"].pk).update(hidden=True)
    assert titles(search_songs("halo")) == []


def test_blank_query_returns_the_songs_unchanged(spelled_catalogue):
    songs = Song.objects.filter(year=2019)
    assert search_songs("   ", songs) is songs


def test_search_narrows_a_given_queryset(spelled_catalogue):
    found = search_songs("neon", Song.objects.filter(year=2019, duration__lt=300))
    assert titles(found) == ["Neon Rain"]


def test_search_works_inside_a_subquery(spelled_catalogue):
    matches = search_songs("neon nihgts").values("pk")
    assert titles(Song.objects.filter(pk__in=matches)) == ["Neon Nights"]


def test_a_fragment_from_inside_a_word_finds_the_song(spelled_catalogue):
    assert titles(search_songs("eon"))[:2] == ["Neon Rain", "Neon Nights"]


@pytest.fixture
def many_neon_songs(spelled_catalogue):
    """Thirty more songs titled Neon, so a search has several pages."""
    for number in range(30):
        SongFactory(title=f"Neon Song {number:02d}", duration=100 + number)
    refresh_search_text()


def test_pages_of_a_search_follow_its_ranking(many_neon_songs):
    everything = titles(search_songs("neon"))
    found = search_songs("neon")
    assert titles(found[0:10]) + titles(found[10:20]) + titles(found[20:]) == everything
    assert len(everything) == 33 and found.count() == 33


def test_a_page_of_a_search_sorts_only_its_own_rows(many_neon_songs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = search_songs("neon")
    page_ids = found.ranking[5:8]
    with CaptureQueriesContext(connection) as queries:
        page = list(found[5:8])
    assert [song.pk for song in page] == page_ids
    where, ordering = queries.captured_queries[0]["sql"].split("ORDER BY")
    assert str(found.ranking[20]) in where  # the page is still one of the ranked songs
    assert {int(n) for n in re.findall(r"\b\d+\b", ordering)} - {0, 1, 2} <= set(page_ids)
    assert "LIMIT" not in ordering and "OFFSET" not in ordering  # sliced in Python


def test_a_filter_after_the_search_keeps_the_pages_right(many_neon_songs):
    long_enough = [song.title for song in search_songs("neon") if song.duration >= 120]
    found = search_songs("neon").filter(duration__gte=120)
    assert titles(found[:3]) == long_enough[:3]
    assert titles(found[3:6]) == long_enough[3:6]
    assert found.ranking is None


def test_a_reordered_search_pages_in_the_new_order(many_neon_songs):
    found = search_songs("neon").order_by("-duration", "pk")
    assert titles(found[:2]) == ["Neon Nights", "Neon Rain"]


def test_every_published_song_however_annotated_is_a_catalogue_search(spelled_catalogue):
    from django.contrib.auth.models import AnonymousUser

    from accounts.tests.factories import UserFactory
    from catalog.queries import song_list
    from catalog.search.ranking import _unless_catalogue
    from library.queries import listener_songs

    for whole in (song_list(), listener_songs(UserFactory()), listener_songs(AnonymousUser())):
        assert _unless_catalogue(whole.order_by("title")) is None
    for narrowed in (
        song_list().filter(year=2019),
        Song.objects.all(),  # hidden songs too
        song_list().exclude(title="Neon Rain"),
        song_list()[:5],
    ):
        assert _unless_catalogue(narrowed) is narrowed
    # Narrowed or not, a search finds what the songs given hold.
    of_2019 = titles(search_songs("neon", song_list().filter(year=2019)))
    assert "Blue Hour" in titles(search_songs("neon", song_list()))
    assert sorted(of_2019) == ["Neon Nights", "Neon Rain"]
