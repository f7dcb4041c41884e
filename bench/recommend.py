"""Offline evaluation of the recommender on a synthetic community with planted tastes.

Listeners each favour one or two "scenes" (a genre, its artists and songs, some more popular
than others) and wander outside them now and then. Their likes, ratings, plays (spread over
months) and playlists go into the database through the ORM; a fifth of each listener's songs
is held out. The job computes neighbours, then recall@10 asks how many held-out songs the top
ten recommendations find, beside two baselines over the same training data: the most popular
songs the listener does not know, and random songs they do not know.

Also timed here: a full against an incremental refresh, and per-request latency on this
database (`recommendation_latency` serves the scale bench on PostgreSQL too).
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from bench.measures import Measure, ScaleContext, percentile, time_calls
from bench.report import Row, progress, verdict

RECALL_TARGET = "Recommendations recall@10 (held-out songs)"
REFRESH_TARGET = "Recommendations: incremental refresh"
LATENCY_TARGET = "Recommendations latency (recommend_for_user)"
HOLD_OUT = 0.2
TOP = 10
BEAT_POPULARITY = 1.5  # "clearly beat": at least this many times the popularity baseline


@dataclass(frozen=True)
class Size:
    scenes: int
    artists_per_scene: int
    songs_per_artist: int
    listeners: int
    history: tuple[int, int]  # songs per listener, min and max


FULL = Size(scenes=16, artists_per_scene=6, songs_per_artist=12, listeners=1000, history=(20, 60))
QUICK = Size(scenes=10, artists_per_scene=5, songs_per_artist=10, listeners=300, history=(20, 50))


@dataclass
class Community:
    listeners: list[int]
    songs: list[int]
    known: dict[int, set[int]] = field(default_factory=dict)  # in the training data
    held_out: dict[int, set[int]] = field(default_factory=dict)


def _zipf_pick(rng: random.Random, items: list[int], exponent: float = 1.0) -> int:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
    return rng.choices(items, weights=weights)[0]


def plant_community(size: Size, seed: int = 5) -> Community:
    """Write a catalogue and a community with planted tastes; hold out part of each history."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import Album, Artist, Genre, Song, SongArtist, name_key
    from library.models import Like, Play, Rating
    from playlists.models import Playlist, PlaylistItem

    rng = random.Random(seed)
    scene_songs: list[list[int]] = []
    song_rows, credits, genre_links = [], [], []
    for scene in range(size.scenes):
        genre = Genre.objects.create(name=f"Scene {scene}", name_key=f"scene {scene}")
        songs_here = []
        for number in range(size.artists_per_scene):
            name = f"Artist {scene}-{number}"
            artist = Artist.objects.create(name=name, name_key=name_key(name))
            album = Album.objects.create(
                title=f"Album of {name}",
                title_key=name_key(f"Album of {name}"),
                album_artist=artist,
                year=1990 + scene,
            )
            for track in range(size.songs_per_artist):
                song_rows.append(
                    Song(
                        title=f"Song {scene}-{number}-{track}",
                        artist=artist,
                        album=album,
                        track_number=track + 1,
                        year=1990 + scene,
                        duration=200.0,
                        codec="mp3",
                        mime_type="audio/mpeg",
                        file_size=4_000_000,
                        storage_key=f"bench/recommend/{scene}/{number}/{track}.mp3",
                    )
                )
                songs_here.append((len(song_rows) - 1, artist, genre))
        scene_songs.append(songs_here)
    created = Song.objects.bulk_create(song_rows, batch_size=1000)
    by_scene: list[list[int]] = []
    for songs_here in scene_songs:
        ids = []
        for index, artist, genre in songs_here:
            song = created[index]
            credits.append(SongArtist(song=song, artist=artist, position=0))
            genre_links.append(Song.genres.through(song_id=song.pk, genre_id=genre.pk))
            ids.append(song.pk)
        rng.shuffle(ids)  # the order of a scene's list is its popularity: rank 0 is its hit
        by_scene.append(ids)
    SongArtist.objects.bulk_create(credits, batch_size=1000)
    Song.genres.through.objects.bulk_create(genre_links, batch_size=1000)
    everything = [song for scene in by_scene for song in scene]
    overall = list(everything)
    rng.shuffle(overall)

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-listener-{n}", password="!") for n in range(size.listeners)],
        batch_size=1000,
    )
    community = Community(listeners=[user.pk for user in users], songs=everything)
    now = timezone.now()
    likes, ratings, plays, playlists, playlist_songs = [], [], [], [], []
    for user in users:
        scenes = rng.sample(range(size.scenes), 2 if rng.random() < 0.4 else 1)
        wanted = rng.randint(*size.history)
        history: list[tuple[int, bool]] = []  # (song, in taste)
        seen: set[int] = set()
        while len(history) < wanted:
            in_taste = rng.random() < 0.85
            pool = by_scene[rng.choice(scenes)] if in_taste else overall
            song = _zipf_pick(rng, pool, 0.8 if in_taste else 1.0)
            if song not in seen:
                seen.add(song)
                history.append((song, in_taste))
        rng.shuffle(history)
        cut = max(1, round(len(history) * HOLD_OUT))
        held, kept = history[:cut], history[cut:]
        community.held_out[user.pk] = {song for song, _ in held}
        community.known[user.pk] = {song for song, _ in kept}
        for song, in_taste in kept:
            if rng.random() < 0.5:
                likes.append(Like(user=user, song_id=song))
            if rng.random() < 0.2:
                stars = rng.choice((4, 5)) if in_taste else rng.choice((1, 2, 3))
                ratings.append(Rating(user=user, song_id=song, stars=stars))
            if rng.random() < 0.7:
                for _ in range(rng.randint(1, 5)):
                    played_at = now - timedelta(days=rng.uniform(0, 180))
                    plays.append(Play(user=user, song_id=song, played_at=played_at))
        if rng.random() < 0.3:
            playlist = Playlist(owner=user, name=f"Mix of {user.username}")
            playlists.append(playlist)
            playlist_songs.append([song for song, in_taste in kept if in_taste][:15])
    Like.objects.bulk_create(likes, batch_size=2000)
    Rating.objects.bulk_create(ratings, batch_size=2000)
    Play.objects.bulk_create(plays, batch_size=5000)
    Playlist.objects.bulk_create(playlists, batch_size=1000)
    PlaylistItem.objects.bulk_create(
        [
            PlaylistItem(playlist=playlist, song_id=song, position=position)
            for playlist, songs in zip(playlists, playlist_songs, strict=True)
            for position, song in enumerate(songs)
        ],
        batch_size=2000,
    )
    progress(
        f"  community: {len(everything)} songs in {size.scenes} scenes, {len(users)} listeners, "
        f"{len(likes)} likes, {len(ratings)} ratings, {len(plays)} plays, "
        f"{len(playlists)} playlists"
    )
    return community


def _recall(picks: dict[int, list[int]], community: Community) -> float:
    """Return mean recall@TOP: held-out songs found, over min(TOP, held out), per listener."""
    scores = []
    for user, held in community.held_out.items():
        found = len(set(picks.get(user, [])[:TOP]) & held)
        scores.append(found / min(TOP, len(held)))
    return statistics.fmean(scores)


def _popularity_picks(community: Community) -> dict[int, list[int]]:
    counts = Counter(song for songs in community.known.values() for song in songs)
    ranked = [song for song, _ in counts.most_common()]
    ranked += [song for song in community.songs if song not in counts]
    picks = {}
    for user, known in community.known.items():
        picks[user] = [song for song in ranked[: len(known) + TOP] if song not in known][:TOP]
    return picks


def _random_picks(community: Community, seed: int = 11) -> dict[int, list[int]]:
    rng = random.Random(seed)
    picks = {}
    for user, known in community.known.items():
        unknown = [song for song in community.songs if song not in known]
        picks[user] = rng.sample(unknown, TOP)
    return picks


def recommendation_latency(user_ids: list[int], samples: int, limit: int = 20) -> dict:
    """Time recommend_for_user for listeners taken in turn; return p50/p95 in ms."""
    from django.contrib.auth import get_user_model

    from recommendations.queries import recommend_for_user

    users = list(get_user_model().objects.filter(pk__in=user_ids[:samples]))
    if not users:
        return {"samples": 0}
    recommend_for_user(users[0], limit)  # warm the connection and the caches
    calls = [lambda user=user: recommend_for_user(user, limit) for user in users]
    timings = time_calls(calls, samples)
    return {
        "samples": samples,
        "p50_ms": round(percentile(timings, 0.5), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


def evaluate(quick: bool) -> list[Row]:
    """Plant a community in the configured (empty, migrated) database and measure."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from library.models import Like
    from recommendations.queries import recommend_for_user
    from recommendations.services import refresh_recommendations

    call_command("migrate", verbosity=0, interactive=False)
    size = QUICK if quick else FULL
    community = plant_community(size)
    full = refresh_recommendations(full=True)
    progress(f"  full refresh: {full.songs} songs, {full.neighbors} neighbours, {full.seconds} s")

    users = get_user_model().objects.in_bulk(community.listeners)
    ours = {
        user_id: [pick.song.pk for pick in recommend_for_user(users[user_id], TOP)]
        for user_id in community.listeners
    }
    recall = {
        "ours": _recall(ours, community),
        "popularity": _recall(_popularity_picks(community), community),
        "random": _recall(_random_picks(community), community),
    }
    reasons = Counter(
        pick.reason.split(" ", 2)[0] + " " + pick.reason.split(" ", 2)[1]
        for user_id in community.listeners[:50]
        for pick in recommend_for_user(users[user_id], TOP)
    )
    ratio = recall["ours"] / recall["popularity"] if recall["popularity"] else float("inf")
    rows = [
        Row(
            RECALL_TARGET,
            f"{recall['ours']:.3f}",
            f"popularity {recall['popularity']:.3f}, random {recall['random']:.3f}",
            f"{ratio:.1f}x popularity",
            f">= {BEAT_POPULARITY}x popularity",
            verdict(ratio >= BEAT_POPULARITY),
            notes=[
                f"{len(community.songs)} songs, {len(community.listeners)} listeners with "
                f"planted tastes; {HOLD_OUT:.0%} of each history held out; reasons given "
                f"(first 50 listeners): "
                + ", ".join(f"{reason}… {count}" for reason, count in reasons.most_common())
            ],
            data={"recall_at_10": recall, "size": size.__dict__},
        )
    ]

    # Incremental: a few listeners like a few new songs; only those songs are recomputed.
    rng = random.Random(3)
    new_likes = []
    for user_id in rng.sample(community.listeners, 20):
        unknown = [s for s in community.songs if s not in community.known[user_id]]
        for song in rng.sample(unknown, 2):
            new_likes.append(Like(user_id=user_id, song_id=song))
            community.known[user_id].add(song)
    Like.objects.bulk_create(new_likes, ignore_conflicts=True)
    dirty = len({like.song_id for like in new_likes})
    incremental = refresh_recommendations()
    rows.append(
        Row(
            REFRESH_TARGET,
            f"{incremental.seconds:.2f} s for {incremental.songs} songs",
            f"full refresh {full.seconds:.2f} s for {full.songs} songs",
            f"{incremental.seconds / full.seconds:.2f}x the full run" if full.seconds else "-",
            "recompute only changed songs",
            verdict(incremental.songs == dirty),
            notes=[f"{len(new_likes)} new likes touching {dirty} songs since the full run"],
            data={"full": full.__dict__, "incremental": incremental.__dict__},
        )
    )
    latency = recommendation_latency(community.listeners, 100 if quick else 300)
    rows.append(
        Row(
            LATENCY_TARGET,
            f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms",
            "-",
            "-",
            "info (SQLite, this community); the scale bench times PostgreSQL",
            verdict(None),
            data=latency,
        )
    )
    return rows


SCALE_GOAL_MS = 100


def _neighbour_plan(seed_ids: list[int]) -> str:
    """Return the first line of EXPLAIN ANALYZE for the neighbour read of a listener's seeds."""
    from django.db import connection

    from recommendations.models import SongNeighbor

    query = SongNeighbor.objects.filter(song_id__in=seed_ids).values_list(
        "song_id", "neighbor_id", "score"
    )
    sql, params = query.query.sql_with_params()
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        lines = [" ".join(str(cell) for cell in row) for row in cursor.fetchall()]
    scans = [line.strip() for line in lines if "Scan" in line or "SEARCH" in line]
    return scans[0] if scans else lines[0]


def measure_at_scale(samples: int = 300, label: str = "") -> list[Row]:
    """Time recommendations on the configured, seeded database (the scale bench's hook).

    Refreshes everything first when no full run has happened, then times recommend_for_user
    for active listeners, and an incremental refresh after a burst of new likes and plays.
    """
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from library.models import Like, Play
    from recommendations.models import RefreshState
    from recommendations.queries import listener_taste
    from recommendations.services import refresh_recommendations

    state = RefreshState.objects.filter(pk=1).first()
    full = None
    if state is None or state.full_refresh_at is None:
        progress("  full refresh of the recommender (first run on this database)")
        full = refresh_recommendations(full=True)
    active = list(
        Play.objects.values("user_id")
        .annotate(plays=Count("id"))
        .order_by("-plays", "user_id")
        .values_list("user_id", flat=True)[: samples * 3]
    )
    rng = random.Random(7)
    chosen = rng.sample(active, min(samples, len(active)))
    latency = recommendation_latency(chosen, samples)
    from django.contrib.auth import get_user_model

    seeds = [
        seed.song_id
        for seed in listener_taste(get_user_model().objects.get(pk=chosen[0])).strongest
    ]
    plan = _neighbour_plan(seeds)

    # A burst of activity: 200 listeners each like one song and play another. It is rolled
    # back once timed, so the seeded database keeps the sizes bench.scale recognises it by.
    songs = list(Play.objects.order_by("-id").values_list("song_id", flat=True)[:2000])
    now = timezone.now()
    with transaction.atomic():
        Like.objects.bulk_create(
            [Like(user_id=user, song_id=rng.choice(songs)) for user in chosen[:200]],
            ignore_conflicts=True,
        )
        Play.objects.bulk_create(
            [Play(user_id=user, song_id=rng.choice(songs), played_at=now) for user in chosen[:200]]
        )
        incremental = refresh_recommendations()
        transaction.set_rollback(True)
    where = f" at {label}" if label else ""
    rows = [
        Row(
            f"Recommendations p95{where}",
            f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms",
            f"goal {SCALE_GOAL_MS} ms",
            f"{latency['p95_ms'] / SCALE_GOAL_MS:.2f}x the goal",
            f"p95 < {SCALE_GOAL_MS} ms",
            verdict(latency["p95_ms"] < SCALE_GOAL_MS),
            notes=[
                f"{latency['samples']} calls of recommend_for_user(limit=20) for the most active "
                f"listeners, whole call (history, neighbours, scoring, songs with liked/rating); "
                f"neighbour read: {plan}"
            ],
            data={"latency": latency, "plan": plan},
        ),
        Row(
            f"Recommendations incremental refresh{where}",
            f"{incremental.seconds:.1f} s for {incremental.songs} songs",
            f"full refresh {full.seconds:.0f} s for {full.songs} songs" if full else "-",
            f"{incremental.seconds / full.seconds:.3f}x the full run" if full else "-",
            "recompute only changed songs",
            verdict(None),
            notes=["200 new likes and 200 new plays since the last run"],
            data={
                "incremental": incremental.__dict__,
                "full": full.__dict__ if full else None,
            },
        ),
    ]
    return rows


def recommendation_measures(context: ScaleContext) -> list[Measure]:
    """Recommendation measures for bench.scale (its MEASURES hook), on its seeded database.

    The first run on a database refreshes the neighbours fully (kept with the database for the
    next run); then recommend_for_user and similar_songs are timed for random listeners and
    songs they played, beside the EXPLAIN ANALYZE of the neighbour read.
    """
    from django.contrib.auth import get_user_model

    from library.models import Play
    from recommendations.models import RefreshState, SongNeighbor
    from recommendations.queries import listener_taste, recommend_for_user, similar_songs
    from recommendations.services import refresh_recommendations

    notes = []
    state = RefreshState.objects.filter(pk=1).first()
    if state is None or state.full_refresh_at is None:
        progress("  recommendations: full refresh of the neighbours (kept for later runs)")
        full = refresh_recommendations(full=True)
        notes.append(
            f"full refresh on this database: {full.songs:,} songs, {full.neighbors:,} "
            f"neighbours in {full.seconds:.0f} s"
        )
    user_ids = list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))
    users = list(
        get_user_model().objects.filter(
            pk__in=context.random.sample(user_ids, min(50, len(user_ids)))
        )
    )
    played = [
        Play.objects.filter(user=user).values_list("song_id", flat=True).first() for user in users
    ]
    played = [song for song in played if song is not None]
    seeds = [seed.song_id for seed in listener_taste(users[0]).strongest] if users else []
    explain = lambda: SongNeighbor.objects.filter(song_id__in=seeds).values_list(  # noqa: E731
        "song_id", "neighbor_id", "score"
    )
    return [
        Measure(
            "recommendations: 20 songs made for a listener",
            SCALE_GOAL_MS,
            [lambda user=user: recommend_for_user(user, 20) for user in users],
            explain=explain,
            notes=[
                f"{len(users)} random listeners; the whole call: history, neighbours of up to "
                "30 seed songs, scoring, 20 songs with liked/rating; EXPLAIN: the neighbour read",
                *notes,
            ],
        ),
        Measure(
            "recommendations: 20 songs similar to a song",
            SCALE_GOAL_MS,
            [lambda song=song: similar_songs(song, 20) for song in played],
            notes=[f"{len(played)} songs those listeners played"],
        ),
    ]


if __name__ == "__main__":
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m bench.recommend",
        description="Time the recommender on the database DATABASE_URL names (seeded with "
        "manage.py seed_catalog); refreshes it fully first when it never was.",
    )
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--label", default="")
    cli = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spotify.settings")
    import django

    django.setup()
    from bench.report import out, text_table

    out(text_table(measure_at_scale(cli.samples, cli.label)))
    sys.exit(0)
