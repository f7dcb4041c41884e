"""Prepared read queries: the rows the queryset would give, compiled once (PostgreSQL, SQLite)."""

import pytest
from django.db import connection
from django.db.models import Count, Value

from catalog.models import Song
from catalog.prepared import PreparedQuery, Slot, contains, one_of, starts_with
from catalog.tests.factories import ArtistFactory, SongFactory

pytestmark = pytest.mark.django_db


def test_a_prepared_query_answers_each_run_with_its_own_values():
    kept = [SongFactory(title=f"Song {n}") for n in range(4)]
    SongFactory(title="Hidden", hidden=True)
    titles = PreparedQuery(
        lambda ids, hidden: (
            Song.objects.filter(one_of("pk", ids), hidden=hidden)
            .order_by("pk")
            .values_list("pk", "title", "created_at")
        )
    )

    first = titles.rows(ids=[kept[0].pk, kept[2].pk], hidden=False)
    second = titles.rows(ids=[song.pk for song in kept[1:]], hidden=False)

    expected = Song.objects.order_by("pk").values_list("pk", "title", "created_at")
    assert first == list(expected.filter(pk__in=[kept[0].pk, kept[2].pk]))
    assert second == list(expected.filter(pk__in=[song.pk for song in kept[1:]]))
    assert titles.rows(ids=[kept[3].pk], hidden=True) == []


def test_a_prepared_union_takes_the_same_slot_in_each_part():
    artist = ArtistFactory()
    songs = [SongFactory(artist=artist) for _ in range(3)]
    other = SongFactory()

    def counted(ids, artist):
        by_artist = (
            Song.objects.filter(one_of("pk", ids), artist_id=artist)
            .annotate(kind=Value(0))
            .values_list("kind", "pk")
        )
        others = (
            Song.objects.filter(one_of("pk", ids))
            .exclude(artist_id=artist)
            .annotate(kind=Value(1))
            .values_list("kind", "pk")
        )
        return by_artist.order_by().union(others.order_by(), all=True).order_by()

    rows = PreparedQuery(counted).rows(ids=[songs[0].pk, other.pk], artist=artist.pk)

    assert sorted(rows) == [(0, songs[0].pk), (1, other.pk)]


def test_a_prepared_query_is_built_once_and_sends_the_ids_as_one_parameter():
    # PostgreSQL takes them as an array, SQLite as a JSON array (json_each).
    songs = [SongFactory() for _ in range(30)]
    builds = []

    def build(ids):
        builds.append(ids)
        return (
            Song.objects.filter(one_of("pk", ids))
            .values("artist_id")
            .annotate(n=Count("pk"))
            .order_by("artist_id")
            .values_list("artist_id", "n")
        )

    counts = PreparedQuery(build)
    runs = [[song.pk for song in songs[:n]] for n in (1, 12, 30)]
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        answers = [counts.rows(ids=ids) for ids in runs]

    assert len(builds) == 1 and isinstance(builds[0], Slot)
    assert [len(params) for _, params in sent] == [1, 1, 1]
    assert len({sql for sql, _ in sent}) == 1
    for ids, answer in zip(runs, answers, strict=True):
        expected = Song.objects.filter(pk__in=ids).values("artist_id").annotate(n=Count("pk"))
        assert answer == list(expected.order_by("artist_id").values_list("artist_id", "n"))


def test_a_prepared_pattern_matches_percent_underscore_and_backslash_literally():
    titles = ["100% Pure", "1000 Pure", "snake_case", "snakeXcase", "back\\slash", "backslash"]
    for title in titles:
        SongFactory(title=title)
    starting = PreparedQuery(
        lambda start: (
            Song.objects.filter(starts_with("title", start)).order_by("title").values_list("title")
        )
    )
    holding = PreparedQuery(
        lambda part: (
            Song.objects.filter(contains("title", part)).order_by("title").values_list("title")
        )
    )

    assert starting.rows(start="100%") == [("100% Pure",)]
    assert holding.rows(part="e_c") == [("snake_case",)]
    assert holding.rows(part="k\\s") == [("back\\slash",)]
    assert starting.rows(start="1000") == [("1000 Pure",)]
