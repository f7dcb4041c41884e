"""The neighbour job: full and incremental runs, watermarks, the command and the task."""

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from catalog.tests.factories import SongFactory
from library.models import Rating
from library.services import song_unlike, song_unrate
from library.tests.factories import LikeFactory, PlayFactory, RatingFactory
from playlists.services import playlist_delete, playlist_remove_item
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory
from recommendations import services
from recommendations.models import PopularSong, RefreshState, SongNeighbor, SongStats
from recommendations.refresh import changes, neighbours
from recommendations.tests.factories import fans

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    """Two groups of fans, each liking its own three songs."""
    first = [SongFactory(title=f"First {n}") for n in range(3)]
    second = [SongFactory(title=f"Second {n}") for n in range(3)]
    fans(first, 3, prefix="a")
    fans(second, 3, prefix="b")
    return first, second


def _neighbors(song) -> dict[int, float]:
    return dict(SongNeighbor.objects.filter(song=song).values_list("neighbor_id", "score"))


def test_full_refresh_links_songs_liked_together(community):
    first, second = community

    result = services.refresh_recommendations(full=True)

    assert result.full
    assert result.songs == 6
    assert set(_neighbors(first[0])) == {first[1].pk, first[2].pk}
    assert set(_neighbors(second[0])) == {second[1].pk, second[2].pk}
    assert PopularSong.objects.filter(genre__isnull=True).count() == 6


def test_incremental_refresh_recomputes_only_songs_with_new_interactions(community):
    first, second = community
    services.refresh_recommendations(full=True)
    untouched_rows = set(
        SongNeighbor.objects.exclude(song=first[0]).values_list("pk", "song_id", "score")
    )
    stamps = dict(SongStats.objects.values_list("song_id", "updated_at"))
    crossover = UserFactory(username="crossover")
    LikeFactory(user=crossover, song=first[0])
    LikeFactory(user=crossover, song=second[0])

    result = services.refresh_recommendations()

    assert not result.full
    assert result.songs == 2
    assert second[0].pk in _neighbors(first[0])
    assert first[0].pk in _neighbors(second[0])
    changed = {
        song_id
        for song_id, updated_at in SongStats.objects.values_list("song_id", "updated_at")
        if updated_at != stamps[song_id]
    }
    assert changed == {first[0].pk, second[0].pk}
    rows_now = set(SongNeighbor.objects.values_list("pk", "song_id", "score"))
    assert {row for row in untouched_rows if row[1] != second[0].pk} <= rows_now


def test_refresh_without_new_interactions_recomputes_nothing(community):
    services.refresh_recommendations(full=True)
    rows = set(SongNeighbor.objects.values_list("pk", "score"))

    result = services.refresh_recommendations()

    assert result.songs == 0
    assert set(SongNeighbor.objects.values_list("pk", "score")) == rows


def test_changed_rating_and_new_play_make_their_songs_dirty(community, listener):
    first, second = community
    RatingFactory(user=listener, song=first[1], stars=2)
    services.refresh_recommendations(full=True)
    Rating.objects.filter(user=listener, song=first[1]).update(stars=5)
    rating = Rating.objects.get(user=listener, song=first[1])
    rating.save()  # a new updated_at, as the rating service does
    PlayFactory(user=listener, song=second[2])

    assert services.songs_dirty_since_refresh() == 2
    result = services.refresh_recommendations()

    assert result.songs == 2
    assert services.songs_dirty_since_refresh() == 0
    assert RefreshState.objects.get().play_id > 0


def test_small_batches_give_the_same_neighbours_as_one_batch(community, monkeypatch):
    first, second = community
    fans([first[0], second[1]], 2, prefix="mixed")
    services.refresh_recommendations(full=True)
    whole = set(SongNeighbor.objects.values_list("song_id", "neighbor_id", "score"))
    monkeypatch.setattr(neighbours, "PAIRS_PER_BATCH", 3)

    services.refresh_recommendations(full=True)

    assert set(SongNeighbor.objects.values_list("song_id", "neighbor_id", "score")) == whole


def test_neighbours_are_capped_per_song(monkeypatch):
    songs = [SongFactory() for _ in range(6)]
    fans(songs, 2)
    monkeypatch.setattr(neighbours, "NEIGHBORS", 3)

    services.refresh_recommendations(full=True)

    assert SongNeighbor.objects.filter(song=songs[0]).count() == 3


def test_command_runs_a_full_refresh(community):
    from io import StringIO

    out = StringIO()
    call_command("refresh_recommendations", "--full", stdout=out)

    assert out.getvalue().startswith("full refresh: 6 songs")
    assert RefreshState.objects.get().full_refresh_at is not None


def test_command_can_queue_the_refresh_as_a_task(community):
    from io import StringIO

    out = StringIO()
    call_command("refresh_recommendations", "--enqueue", stdout=out)

    assert out.getvalue().startswith("queued refresh task")
    assert SongNeighbor.objects.exists()  # the tests' task backend runs tasks at once


def test_incremental_refresh_samples_the_listeners_of_songs_everyone_plays(community, monkeypatch):
    first, second = community
    services.refresh_recommendations(full=True)
    crossover = UserFactory(username="crossover")
    LikeFactory(user=crossover, song=first[0])
    LikeFactory(user=crossover, song=second[0])
    monkeypatch.setattr(changes, "MAX_BASKETS", 3)

    result = services.refresh_recommendations()

    assert result.songs == 2
    scores = _neighbors(first[0])
    assert scores
    assert all(0 < score <= 1 for score in scores.values())


def _bridge(kind: str, first, second):
    """Link first and second through one listener's likes, ratings or playlist; return undo."""
    bridge = UserFactory(username="bridge")
    if kind in ("unlike", "unrate"):
        for song in (first, second):
            if kind == "unlike":
                LikeFactory(user=bridge, song=song)
            else:
                RatingFactory(user=bridge, song=song, stars=5)
        remove = song_unlike if kind == "unlike" else song_unrate
        return lambda: remove(bridge, second)
    playlist = PlaylistFactory(owner=bridge)
    PlaylistItemFactory(playlist=playlist, song=first, position=0)
    entry = PlaylistItemFactory(playlist=playlist, song=second, position=1)
    if kind == "remove entry":
        return lambda: playlist_remove_item(playlist, entry)
    return lambda: playlist_delete(playlist)


@pytest.mark.parametrize(
    ("kind", "dirty"),
    [("unlike", 1), ("unrate", 1), ("remove entry", 1), ("delete playlist", 2)],
)
def test_a_removal_makes_its_songs_dirty_for_the_incremental_refresh(community, kind, dirty):
    first, second = community
    undo = _bridge(kind, first[0], second[0])
    services.refresh_recommendations(full=True)
    assert first[0].pk in _neighbors(second[0])

    undo()

    assert services.songs_dirty_since_refresh() == dirty
    result = services.refresh_recommendations()
    assert result.songs == dirty
    assert first[0].pk not in _neighbors(second[0])
    assert set(_neighbors(second[0])) == {second[1].pk, second[2].pk}
    assert services.songs_dirty_since_refresh() == 0
