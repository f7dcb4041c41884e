"""Latency at catalogue scale on PostgreSQL: search, filtered browse (and more, see MEASURES).

`python -m bench.scale [--sizes 100000,1000000] [--samples 200]` seeds one database per size
(`bench_scale_<songs>` on BENCH_SCALE_URL, default postgres://postgres@127.0.0.1:5432/) with
`seed_catalog` (songs, users = songs/100, plays = 5 x songs, ...) and keeps it for the next run
when its sizes match, then times each measure in a child process configured for that database:
p50 and p95 over `samples` calls, each as a ratio against the DESIGN.md target, beside the
EXPLAIN ANALYZE of the same query (its execution time and the indexes it scans).

BENCH_SCALE_MEASURES=search_measures,browse_measures runs only the measures named.

Adding a measure (for example recommendations): append to MEASURES a function that takes the
`ScaleContext` and returns a list of `Measure` (both in bench.measures); it runs in the child,
with Django set up on the seeded database, and its rows join the same table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from itertools import cycle
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.measures import Measure, ScaleContext, percentile, sample_ids, time_calls, typo
from bench.recommend import recommendation_measures
from bench.report import NOT_RUN, Row, out, progress, text_table, verdict
from bench.subsonic import scale_measures as subsonic_measures

SERVER_URL = os.environ.get("BENCH_SCALE_URL", "postgres://postgres@127.0.0.1:5432/")
FULL_SIZES, QUICK_SIZES = (100_000, 1_000_000), (100_000,)
SEARCH_TARGET_MS, LIST_TARGET_MS = 30.0, 20.0
PAGE = 20  # songs a search or browse page fetches, with their artists, album and genres
ROOT = Path(__file__).resolve().parent.parent
INDEX_SCAN = re.compile(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)")


def community_sizes(songs: int) -> dict[str, int]:
    """Return the seed_catalog sizes of the community that goes with a catalogue size."""
    return {
        "songs": songs,
        "users": max(songs // 100, 10),
        "plays": songs * 5,
        "likes": songs // 2,
        "ratings": songs // 10,
        "playlists": max(songs // 50, 1),
    }


# --- the measures, run in the child process -----------------------------------------------------


def search_measures(context: ScaleContext) -> list[Measure]:
    """Search as the site and the API run it: a page of ranked songs with everything they show."""
    from catalog.api.filters import SongFilter
    from catalog.models import Artist, Genre, Song
    from catalog.queries import song_list
    from catalog.search import (
        forget_near_spellings,
        search_albums,
        search_artists,
        search_songs,
        song_ranking,
        song_ranking_query,
    )

    picked = list(
        Song.objects.filter(pk__in=sample_ids(context, Song, 20)).values_list("title", flat=True)
    )
    artists = list(
        Artist.objects.filter(pk__in=sample_ids(context, Artist, 10)).values_list("name", flat=True)
    )
    queries = [
        "neon rian",  # a typo
        "neo",  # the first keystrokes
        "ha",
        "golden harb",  # a prefix of the second word
        "midnight sun",
        "velvet tides",
        "cafe",  # no accent typed
        "lovr of the",
        *(typo(context.random, title) for title in picked[:10]),
        *(title[: max(3, len(title) // 2)] for title in picked[10:]),
        *(name.split()[-1][:4] for name in artists),
    ]

    # Each timed call looks its words' near spellings up afresh, as a new query does.
    def search_page(query: str) -> Callable[[], object]:
        return lambda: (forget_near_spellings(), list(search_songs(query)[:PAGE]))

    def ranking(query: str) -> Callable[[], object]:
        return lambda: (forget_near_spellings(), song_ranking(query, song_list()))

    genres = list(Genre.objects.order_by("pk").values_list("pk", flat=True)[:6])

    def filtered_search(query: str, genre: int) -> Callable[[], object]:
        def run():
            forget_near_spellings()
            songs = SongFilter({"search": query, "genre_id": str(genre)}, song_list()).qs
            return list(songs[:PAGE])

        return run

    def whole_search(query: str) -> Callable[[], object]:
        def run():
            forget_near_spellings()
            return (
                list(search_songs(query)[:10]),
                list(search_artists(query)[:10]),
                list(search_albums(query)[:10]),
            )

        return run

    return [
        Measure(
            "search: a page of songs (typos, prefixes)",
            SEARCH_TARGET_MS,
            [search_page(query) for query in queries],
            explain=lambda: song_ranking_query("neon rian", song_list()),
            notes=[f"{len(queries)} queries, e.g. {', '.join(repr(q) for q in queries[:9])}"],
        ),
        Measure(
            "search: the songs' ranking query alone",
            SEARCH_TARGET_MS,
            [ranking(query) for query in queries],
            explain=lambda: song_ranking_query("midnight sun", song_list()),
            notes=["the part of a search the indexes serve (what EXPLAIN shows)"],
        ),
        Measure(
            "search page: songs + artists + albums",
            SEARCH_TARGET_MS * 3,
            [whole_search(query) for query in queries],
            notes=["three searches, as /search/ and Subsonic search3 run them (goal 3 x 30 ms)"],
        ),
        Measure(
            "search within a filter: a page of one genre's songs",
            SEARCH_TARGET_MS,
            [filtered_search(query, genre) for query, genre in zip(queries, cycle(genres))],
            notes=[
                "the same queries, each with a genre filter (the API's ?search=&genre_id=): "
                "ranked over the filtered queryset, through the ORM"
            ],
        ),
    ]


def browse_measures(context: ScaleContext) -> list[Measure]:
    """The browse page and /api/v1/songs/ with filters: one page, newest first or sorted."""
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.test import APIRequestFactory

    from catalog.api.filters import SongFilter
    from catalog.models import Artist, Genre
    from catalog.pagination import BoundedCountPaginator
    from catalog.queries import EXACT_COUNT_LIMIT, song_list, sorted_songs
    from library.api.views import ListenerSongViewSet

    genres = list(Genre.objects.values_list("pk", flat=True))
    artist_ids = sample_ids(context, Artist, 10)
    filters = [
        {},
        *({"genre_id": str(genre)} for genre in genres[:6]),
        {"year_min": "1990", "year_max": "1999"},
        {"duration_min": "300", "duration_max": "600"},
        *({"artist_id": str(artist)} for artist in artist_ids[:5]),
        {"genre_id": str(genres[0]), "year_min": "2010"},
        {"genre_id": str(genres[1]), "duration_max": "180"},
    ]

    def page(params: dict, sort: str = "added") -> Callable[[], object]:
        def run():
            songs = SongFilter(params, queryset=song_list()).qs
            return list(sorted_songs(songs, sort, descending=True)[:PAGE])

        return run

    def bounded(params: dict) -> Callable[[], object]:
        return lambda: BoundedCountPaginator(SongFilter(params, song_list()).qs, PAGE).count

    api_list = ListenerSongViewSet.as_view({"get": "list"})
    factory = APIRequestFactory()

    def api_page(params: dict) -> Callable[[], object]:
        def run():
            request = factory.get(
                "/api/v1/songs/", {**params, "page_size": PAGE}, HTTP_HOST="localhost"
            )
            request.user = AnonymousUser()
            response = api_list(request)
            response.render()
            if response.status_code != 200:
                raise RuntimeError(f"/api/v1/songs/ answered {response.status_code}")
            return response

        return run

    return [
        Measure(
            "browse: a filtered page, newest first",
            LIST_TARGET_MS,
            [page(params) for params in filters],
            explain=lambda: sorted_songs(
                SongFilter({"genre_id": str(genres[0]), "year_min": "2010"}, song_list()).qs,
                "added",
                descending=True,
            )[:PAGE],
            notes=[f"{len(filters)} filter sets: none, genre, year and length ranges, artist"],
        ),
        Measure(
            "browse page and API: the same filters' count",
            LIST_TARGET_MS,
            [bounded(params) for params in filters],
            notes=[
                f"exact up to {EXACT_COUNT_LIMIT:,} songs, then PostgreSQL's estimate "
                "(count_exact false in the API)"
            ],
        ),
        Measure(
            "API list: a whole /api/v1/songs/ page of 20",
            LIST_TARGET_MS,
            [api_page(params) for params in filters],
            notes=["through the DRF view: filters, count, page, serializer, JSON"],
        ),
    ]


# Each function returns measures for a seeded catalogue; add yours here (see the docstring).
MEASURES: list[Callable[[ScaleContext], list[Measure]]] = [
    search_measures,
    browse_measures,
    recommendation_measures,
    subsonic_measures,
]


def _explain(queryset) -> tuple[float, list[str], str]:
    """Return the EXPLAIN ANALYZE execution time, the indexes scanned and the plan."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    executed = float(plan.rsplit("Execution Time:", 1)[1].split()[0])
    indexes = sorted(set(INDEX_SCAN.findall(plan)))
    return executed, indexes, plan


def measure_here(songs: int, samples: int) -> list[dict]:
    """Time every measure on the database Django is set up with; return rows as dicts."""
    from django.db import connection

    context = ScaleContext(songs, samples, random.Random(songs))
    rows = []
    wanted = os.environ.get("BENCH_SCALE_MEASURES", "")
    for make in MEASURES:
        if wanted and make.__name__ not in wanted.split(","):
            continue
        for measure in make(context):
            for call in measure.calls:  # warm the caches and the connection
                call()
            timings = time_calls(measure.calls, samples)
            p50, p95 = statistics.median(timings), percentile(timings, 0.95)
            peer, notes, data = "-", list(measure.notes), {"timings_ms": timings}
            if measure.explain is not None:
                executed, indexes, plan = _explain(measure.explain())
                seq_scan = "Seq Scan on catalog_song " in plan
                peer = f"EXPLAIN ANALYZE {executed:.1f} ms"
                notes.append(
                    f"plan scans {', '.join(indexes) or 'no index'}"
                    + ("; a sequential scan of catalog_song!" if seq_scan else "")
                )
                data.update(explain_ms=executed, indexes=indexes, plan=plan)
            passed = p95 < measure.goal_ms
            rows.append(
                asdict(
                    Row(
                        f"{measure.target} @ {songs:,} songs",
                        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                        peer,
                        f"{p95 / measure.goal_ms:.2f}x of the goal",
                        f"p95 < {measure.goal_ms:g} ms",
                        verdict(passed),
                        notes,
                        {**data, "p50_ms": p50, "p95_ms": p95, "samples": samples},
                    )
                )
            )
            progress(f"  {rows[-1]['target']}: {rows[-1]['ours']}")
    connection.close()
    return rows


# --- the parent: databases, seeding, one child per size -----------------------------------------


def database_url(songs: int) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/bench_scale_{songs}"))


def child_env(songs: int) -> dict[str, str]:
    env = dict(os.environ)
    for key in [key for key in env if key.startswith("AWS_") or key == "REDIS_URL"]:
        del env[key]
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "spotify.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production",
            "INGEST_SECRET": "bench-ingest-secret",
            "DJANGO_LOG_LEVEL": "WARNING",
            "TASKS_MODE": "immediate",
            "DATABASE_URL": database_url(songs),
            "DATABASE_CONN_MAX_AGE": "600",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _psql_admin(sql: str) -> str:
    """Run one statement on the server's postgres database; return its first cell or ''."""
    import psycopg

    parts = urlsplit(SERVER_URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        cursor = db.execute(sql)
        row = cursor.fetchone() if cursor.description else None
        return str(row[0]) if row else ""


def prepare_database(songs: int) -> None:
    """Create, migrate and seed bench_scale_<songs> unless a run already seeded these sizes."""
    name = f"bench_scale_{songs}"
    if not _psql_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        _psql_admin(f'CREATE DATABASE "{name}"')
    env = child_env(songs)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    sizes = community_sizes(songs)
    check = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--seeded-sizes"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    if json.loads(check.stdout) == sizes:
        progress(f"{name}: already seeded with {sizes}; refreshing planner statistics")
        # A kept database may have lost its statistics (a restore, a stats reset); without them
        # the planner guesses thousands of songs per album and scans instead of using indexes.
        import psycopg

        url = urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("ANALYZE")
        return
    progress(f"{name}: seeding {sizes} (a few minutes at a million songs)")
    subprocess.run(
        [*manage, "flush", "--noinput"], env=env, check=True, cwd=ROOT, capture_output=True
    )
    arguments = [f"--{key}={value}" for key, value in sizes.items()]
    subprocess.run([*manage, "seed_catalog", *arguments], env=env, check=True, cwd=ROOT)


def seeded_sizes() -> dict[str, int]:
    """Return the sizes the current database holds, in community_sizes' terms."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from catalog.models import Song
    from library.models import Play

    songs = Song.objects.count()
    expected = community_sizes(songs)
    # Likes and ratings are de-duplicated by the seeder; plays and the rest are exact.
    users, plays = get_user_model().objects.count(), Play.objects.count()
    same = users == expected["users"] and plays == expected["plays"]
    return expected if same and songs else {"songs": songs, "users": users, "plays": plays}


def run(sizes: tuple[int, ...], samples: int) -> list[Row]:
    """Measure each size in its own child process; return the rows."""
    rows: list[Row] = []
    for songs in sizes:
        progress(f"scale: {songs:,} songs on {database_url(songs)}")
        prepare_database(songs)
        with tempfile.NamedTemporaryFile(suffix=".json") as result:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.scale",
                    "--measure",
                    str(songs),
                    "--samples",
                    str(samples),
                    "--json",
                    result.name,
                ],
                env=child_env(songs),
                cwd=ROOT,
                check=True,
            )
            rows.extend(Row(**row) for row in json.loads(Path(result.name).read_text()))
    return rows


TARGET = "Search and browse at 100k and 1M songs (PostgreSQL)"


def measure(quick: bool = False) -> list[Row]:
    """Run the scale measures for `make bench` (100k songs only with --quick)."""
    if not postgres_available():
        return [Row(TARGET, "-", "-", "-", "-", NOT_RUN, notes=[f"no PostgreSQL at {SERVER_URL}"])]
    return run(QUICK_SIZES if quick else FULL_SIZES, 100 if quick else 200)


def postgres_available() -> bool:
    try:
        return _psql_admin("SELECT 1") == "1"
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sizes", help="comma-separated song counts (default 100000,1000000)")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per measure")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--seeded-sizes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seeded_sizes:
        out(json.dumps(seeded_sizes()))
        return 0
    if args.measure:
        import django

        django.setup()
        Path(args.json).write_text(json.dumps(measure_here(args.measure, args.samples)))
        return 0
    sizes = tuple(int(size) for size in args.sizes.split(",")) if args.sizes else FULL_SIZES
    rows = run(sizes, args.samples)
    out(text_table(rows))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.json").write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
    return 0 if all(row.verdict != "ERROR" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
