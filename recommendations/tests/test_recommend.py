"""recommend_for_user, similar_songs and radio on small planted communities."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import SongFactory
from library.tests.factories import LikeFactory, PlayFactory, RatingFactory
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory
from recommendations.queries import radio, recommend_for_user, similar_songs
from recommendations.scoring import Candidate, diversify
from recommendations.services import refresh_recommendations
from recommendations.tests.factories import fans, songs_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio():
    """Neon Rain, Low Tide and Glass Harbour: three artists' songs that fans like together."""
    neon = SongFactory(title="Neon Rain")
    tide = SongFactory(title="Low Tide")
    harbour = SongFactory(title="Glass Harbour")
    fans([neon, tide, harbour], 4)
    # Background: listeners of unrelated songs, so co-occurrence is not everything at once.
    for index in range(3):
        other = SongFactory(title=f"Elsewhere {index}")
        fans([other, SongFactory(title=f"Nowhere {index}")], 2, prefix=f"bg{index}-")
    return neon, tide, harbour


def test_listener_who_likes_two_songs_gets_the_third_their_fans_like(listener, trio):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    LikeFactory(user=listener, song=tide)
    refresh_recommendations(full=True)

    picks = recommend_for_user(listener, limit=5)

    assert picks[0].song == harbour
    assert picks[0].reason in ("Because you liked Neon Rain", "Because you liked Low Tide")
    assert picks[0].score > picks[-1].score


def test_liked_and_recently_played_songs_are_never_recommended(listener, trio):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    PlayFactory(user=listener, song=harbour)
    refresh_recommendations(full=True)

    offered = {pick.song for pick in recommend_for_user(listener, limit=20)}

    assert tide in offered
    assert neon not in offered
    assert harbour not in offered


def test_rated_and_playlist_songs_are_never_recommended(listener, trio):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    RatingFactory(user=listener, song=tide, stars=5)
    PlaylistItemFactory(playlist=PlaylistFactory(owner=listener), song=harbour, position=0)
    refresh_recommendations(full=True)

    offered = {pick.song for pick in recommend_for_user(listener, limit=20)}

    assert offered
    assert not offered & {neon, tide, harbour}


def test_recommendations_cost_the_same_queries_however_long_the_history(
    listener, trio, django_assert_num_queries
):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    refresh_recommendations(full=True)
    with django_assert_num_queries(6):
        assert recommend_for_user(listener, limit=5)

    others = [SongFactory() for _ in range(12)]
    for song in others[:4]:
        LikeFactory(user=listener, song=song)
        RatingFactory(user=listener, song=song, stars=4)
    for song in others[4:8]:
        PlayFactory.create_batch(3, user=listener, song=song)
    playlist = PlaylistFactory(owner=listener)
    for position, song in enumerate(others[8:]):
        PlaylistItemFactory(playlist=playlist, song=song, position=position)
    fans([tide, *others], 2, prefix="more")
    refresh_recommendations(full=True)

    with django_assert_num_queries(6):
        picks = recommend_for_user(listener, limit=5)

    assert harbour in {pick.song for pick in picks}
    assert not {pick.song for pick in picks} & {neon, *others}


def test_hidden_songs_are_never_recommended(listener, trio):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    refresh_recommendations(full=True)
    harbour.hidden = True
    harbour.save()

    offered = {pick.song for pick in recommend_for_user(listener, limit=20)}

    assert tide in offered
    assert harbour not in offered


def test_one_artist_gets_at_most_two_songs_in_ten(listener):
    seed = SongFactory(title="Seed")
    prolific = songs_of("The Tidelines", 8)
    others = [SongFactory(title=f"Other {index}") for index in range(8)]
    fans([seed, *prolific, *others[:4]], 3)
    fans([seed, *others], 1, prefix="few")
    LikeFactory(user=listener, song=seed)
    refresh_recommendations(full=True)

    picks = recommend_for_user(listener, limit=10)

    assert len(picks) == 10
    by_tidelines = [pick for pick in picks if pick.song.artist.name == "The Tidelines"]
    assert len(by_tidelines) == 2


def test_diversify_moves_capped_songs_to_the_next_window():
    ranked = [
        Candidate(song_id=n, artist_id=1 if n < 5 else n, collaborative=10 - n) for n in range(8)
    ]

    chosen = diversify(ranked, limit=8, per_artist=2, window=4)

    assert [c.song_id for c in chosen] == [0, 1, 5, 6, 2, 3, 7, 4]


def test_low_rating_pushes_its_neighbours_down(listener, other, trio):
    neon, tide, harbour = trio
    LikeFactory(user=listener, song=neon)
    LikeFactory(user=other, song=neon)
    RatingFactory(user=other, song=tide, stars=1)
    refresh_recommendations(full=True)

    scores = {pick.song: pick.score for pick in recommend_for_user(listener, limit=20)}
    disliked = {pick.song: pick.score for pick in recommend_for_user(other, limit=20)}

    assert disliked.get(harbour, -1.0) < scores[harbour]


def test_songs_closer_to_a_low_rating_than_to_a_like_are_left_out(listener, trio):
    neon, tide, harbour = trio
    RatingFactory(user=listener, song=tide, stars=1)
    PlayFactory(user=listener, song=SongFactory(title="Unrelated"))
    refresh_recommendations(full=True)

    offered = {pick.song for pick in recommend_for_user(listener, limit=20)}

    assert neon not in offered
    assert harbour not in offered


def test_playlist_comembership_links_songs(listener, other):
    first, second, unrelated = SongFactory(title="First"), SongFactory(), SongFactory()
    for index in range(3):
        playlist = PlaylistFactory(name=f"Mix {index}")
        PlaylistItemFactory(playlist=playlist, song=first, position=0)
        PlaylistItemFactory(playlist=playlist, song=second, position=1)
    fans([unrelated], 2)
    LikeFactory(user=listener, song=first)
    refresh_recommendations(full=True)

    picks = recommend_for_user(listener, limit=3)

    assert picks[0].song == second
    assert picks[0].reason == "Because you liked First"


def test_old_plays_count_less_than_recent_ones(listener):
    recent, old = SongFactory(title="Recent"), SongFactory(title="Old")
    recent_kin, old_kin = SongFactory(), SongFactory()
    fans([recent, recent_kin], 2, prefix="r")
    fans([old, old_kin], 2, prefix="o")
    now = timezone.now()
    for _ in range(3):
        PlayFactory(user=listener, song=recent, played_at=now - timedelta(days=1))
        PlayFactory(user=listener, song=old, played_at=now - timedelta(days=300))
    refresh_recommendations(full=True)

    picks = recommend_for_user(listener, limit=2)

    assert [pick.song for pick in picks] == [recent_kin, old_kin]
    assert picks[0].reason == "Because you played Recent"


def test_new_listener_gets_popular_songs_with_that_reason(listener):
    synth = songs_of("Night Drive", 2, genre_name="Synthwave")
    fans(synth, 3)
    refresh_recommendations(full=True)

    picks = recommend_for_user(listener, limit=5)

    assert {pick.song for pick in picks} == set(synth)
    assert {pick.reason for pick in picks} == {"Popular right now"}


def test_listener_of_a_genre_hears_its_popular_songs(listener):
    synth = songs_of("Night Drive", 3, genre_name="Synthwave")
    more_synth = songs_of("Chrome", 1, genre_name="Synthwave")
    fans([*synth[1:], *more_synth], 3)
    LikeFactory(user=listener, song=synth[0])
    refresh_recommendations(full=True)

    reasons = {pick.song: pick.reason for pick in recommend_for_user(listener, limit=5)}

    assert reasons[synth[1]] == "More from Night Drive"
    assert reasons[more_synth[0]] == "Popular in Synthwave"


def test_before_any_refresh_a_listener_gets_new_songs(listener):
    newest = SongFactory(title="Fresh")

    picks = recommend_for_user(listener, limit=5)

    assert [pick.song for pick in picks] == [newest]
    assert picks[0].reason == "New on Tidal Pool"


def test_a_recording_in_several_files_is_recommended_once_and_its_place_filled(listener):
    older = SongFactory.create_batch(3)
    first = SongFactory(title="Meltwater")
    SongFactory(title="meltwater", artist=first.artist)  # the same file, uploaded again
    other = SongFactory(title="Meltwater")  # another artist's song of that name

    picks = recommend_for_user(listener, limit=4)

    titles = [(pick.song.title.lower(), pick.song.artist_id) for pick in picks]
    assert titles.count(("meltwater", first.artist_id)) == 1
    assert ("meltwater", other.artist_id) in titles
    assert len(picks) == 4 and sum(pick.song in older for pick in picks) == 2


def test_similar_songs_puts_co_liked_songs_first_then_the_same_artist(trio):
    neon, tide, harbour = trio
    same_artist = SongFactory(artist=neon.artist, album=neon.album, title="Neon B-side")
    refresh_recommendations(full=True)

    similar = similar_songs(neon.pk, limit=10)

    assert similar[:2] in ([tide, harbour], [harbour, tide])
    assert same_artist in similar
    assert neon not in similar


def test_radio_from_a_song_opens_with_it(trio, listener):
    neon, tide, harbour = trio
    refresh_recommendations(full=True)

    queue = radio(song_id=neon.pk, user=listener, limit=10)

    assert queue[0] == neon
    assert set(queue[1:3]) == {tide, harbour}


def test_radio_from_an_artist_starts_with_their_most_popular_song(listener):
    hits = songs_of("The Tidelines", 2)
    kin = SongFactory(title="Kin")
    fans([hits[1], kin], 3)
    fans([hits[0]], 1, prefix="one")
    refresh_recommendations(full=True)

    queue = radio(artist_id=hits[0].artist_id, user=listener, limit=10)

    assert queue[0] == hits[1]
    assert kin in queue
