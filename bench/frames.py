"""Time the live frames of one transaction's songs: `python -m bench.frames [--songs N]`.

After a batch of ingest jobs commits, catalog.events.SongBurst reads the committed songs and
builds songs.added / songs.updated frames: each song shaped as the REST API shapes it and its
row rendered as the page renders it. This times that step alone, in this process, on a
temporary SQLite database: CPU per song (time.process_time) and the queries it asks, for half
the songs added and half updated, as a batch of ingest jobs that overwrites some files does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

from bench.report import out, progress
from bench.workspace import Workspace, raise_on_interrupt, setup_django


def _setup_django(workspace: Workspace) -> None:
    setup_django(workspace, "frames", "media")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_songs(count: int) -> list[int]:
    """Create songs as a batch of ingested albums has them: ten songs an album, each album by
    its own artist with its own cover, a featured artist on every fourth song, zero to two
    genres, and every fifth song a single (no album, no cover)."""
    from catalog.models import Cover, SongArtist
    from catalog.tests.factories import AlbumFactory, ArtistFactory, GenreFactory, SongFactory

    genres = [GenreFactory(name=name) for name in ("Rock", "Jazz", "Ambient", "Drum & Bass")]
    featured = ArtistFactory(name="Guest <Star> & Co")
    song_ids = []
    for n in range(count):
        if n % 10 == 0:
            artist = ArtistFactory()
            cover = Cover.objects.create(
                sha256=f"{n:064x}", image=f"covers/{n}.jpg", mime_type="image/jpeg"
            )
            album = AlbumFactory(album_artist=artist, cover=cover)
        single = n % 5 == 4
        song = SongFactory(
            title=f'Song <{n}> & "friends" — l\'été',
            artist=artist,
            album=None if single else album,
            cover=None if single else cover,
            genres=genres[: n % 3],
        )
        if n % 4 == 0:
            SongArtist.objects.create(song=song, artist=featured, position=1)
        song_ids.append(song.pk)
    return song_ids


def _build(song_ids: list[int]) -> list[dict]:
    """Build the frames of a transaction that added the first half and updated the rest."""
    from catalog.events import ADDED, UPDATED, SongBurst

    burst = SongBurst()
    half = len(song_ids) // 2
    for song_id in song_ids[:half]:
        burst.add(ADDED, song_id)
    for song_id in song_ids[half:]:
        burst.add(UPDATED, song_id)
    return burst.messages()


def measure(song_count: int, rounds: int, profile: bool) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    song_ids = _create_songs(song_count)
    _build(song_ids)  # warm: templates compiled, serializer built, statements prepared
    with CaptureQueriesContext(connection) as queries:
        frames = _build(song_ids)
    shipped = sum(len(frame.get("songs", [frame.get("song")])) for frame in frames)
    cpu = []
    for _ in range(rounds):
        started = time.process_time()
        _build(song_ids)
        cpu.append(time.process_time() - started)
    per_song_ms = [seconds * 1000 / shipped for seconds in cpu]
    out(
        f"{shipped} songs in {len(frames)} frames, {len(queries)} queries a build; "
        f"CPU per song: min {min(per_song_ms):.3f} ms, median "
        f"{statistics.median(per_song_ms):.3f} ms, max {max(per_song_ms):.3f} ms "
        f"({rounds} builds)"
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            _build(song_ids)
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)
        out(report.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frames", description=__doc__)
    parser.add_argument("--songs", type=int, default=100, help="songs in the transaction")
    parser.add_argument("--rounds", type=int, default=50, help="builds timed")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the builds")
    args = parser.parse_args(argv)
    raise_on_interrupt()
    load = os.getloadavg()
    with Workspace() as workspace:
        progress(f"working in {workspace.root} (removed at the end)")
        _setup_django(workspace)
        measure(args.songs, args.rounds, args.profile)
    out(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
