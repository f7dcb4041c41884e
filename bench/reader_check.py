"""Tell whether the tag reader still reads every file as it did: save its results, compare later.

A change made for speed must leave every result as it was. This reads a varied set of files
through ``ingest.reading._read_file`` (what a reader process runs): the bench corpus, every
format the demo writes with full tags, with none and with odd ones, cut-off and garbage files,
and the same again under a tight byte budget. ``save`` writes the files into a folder (their
encoders are not deterministic, so both runs must read the same ones) with the results beside
them; ``compare`` reads them again and names every result that changed.

    .venv/bin/python -m bench.reader_check save /tmp/reader-check     # on the old code
    .venv/bin/python -m bench.reader_check compare /tmp/reader-check  # on the new code
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from pathlib import Path

ODD_TAGS = {
    "title": "  Padded\x00Title  ",
    "artists": ("A; B", "C\x00D", "a"),
    "album": "x" * 300,
    "album_artist": "Various Artists",
    "track": 3,
    "track_total": 12,
    "disc": 2,
    "disc_total": 2,
    "genres": ("(17)Rock", "Jazz/Funk", "17", "RX"),
    "lyrics": "line one\r\nline two\rthree",
    "title_sort": "Title, The",
    "artist_sorts": ("B, A", "D, C", "a"),
    "album_artist_sort": "Various",
    "album_sort": "Album, An",
    "bpm": 128,
    "comment": "A comment",
    "isrcs": ("GB-AYE-00-00001", "bad"),
    "musicbrainz_track_id": "0a1b2c3d-0000-4000-8000-00000000000a",
    "musicbrainz_album_id": "0a1b2c3d-0000-4000-8000-00000000000b",
    "musicbrainz_artist_ids": (
        "0a1b2c3d-0000-4000-8000-00000000000c",
        "0a1b2c3d-0000-4000-8000-00000000000d",
        "0a1b2c3d-0000-4000-8000-00000000000e",
    ),
    "musicbrainz_album_artist_id": "89ad4ac3-39f7-470e-963a-56509c546377",
    "compilation": True,
    "release_date": "2019-05-17",
    "original_date": "1999-00-00",
    "labels": ("Label One", "Label Two"),
    "release_types": ("album", "live"),
    "track_gain": -6.5,
    "track_peak": 0.98,
    "album_gain": -7.25,
    "album_peak": 1.0,
}


def _write_files(folder: Path) -> list[Path]:
    from bench.corpus import write_corpus
    from demo.audio_samples import (
        EXTRA_FORMATS,
        FORMATS,
        SUFFIXES,
        SampleTags,
        make_cover,
        write_sample,
    )

    paths = [file.path for file in write_corpus(folder, 90, prefix="corpus")]
    cover = make_cover((10, 200, 90), size=64, text="C")
    tag_sets = {
        "plain": SampleTags(),
        "none": None,
        "odd": SampleTags(**ODD_TAGS, cover=cover),
        "empty": SampleTags(title=None, artists=(), album=None, track=None, year=None, genres=()),
    }
    for fmt in FORMATS + EXTRA_FORMATS:
        suffix = SUFFIXES.get(fmt, fmt)
        for name, tags in tag_sets.items():
            paths.append(write_sample(folder / "formats" / f"{name}-{fmt}.{suffix}", fmt, tags))
    damaged = folder / "damaged"
    damaged.mkdir()
    for path in list(paths[90:]):
        data = path.read_bytes()
        stem = f"{path.parent.name}-{path.stem}"
        for label, cut in (("half", data[: len(data) // 2]), ("head", data[:700])):
            (damaged / f"{stem}-{label}{path.suffix}").write_bytes(cut)
        (damaged / f"{stem}-renamed.bin").write_bytes(data)
        (damaged / f"{stem}-as-mp3.mp3").write_bytes(data)
    for name, data in (
        ("empty.mp3", b""),
        ("text.flac", b"hello, this is not a song\n" * 20),
        ("zeros.ogg", bytes(5000)),
        ("id3-only.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(16)),
        ("fLaC-only.flac", b"fLaC"),
        ("OggS-only.ogg", b"OggS" + bytes(60)),
    ):
        (damaged / name).write_bytes(data)
    paths.extend(sorted(damaged.iterdir()))
    return paths


def _comparable(result) -> object:
    """Return what must not change of a result: all of it but a crash's traceback."""
    from ingest.reading import Crash, TagsRead

    if isinstance(result, Crash):
        return ("crash", result.kind)
    if isinstance(result, TagsRead):
        cover = result.metadata.cover
        return (
            dataclasses.astuple(result),
            None if cover is None else (cover.sha256, cover.mime_type, len(cover.data)),
        )
    return dataclasses.astuple(result)


def read_all(folder: Path, paths: list[Path]) -> dict[str, object]:
    """Return every file's comparable result, under each budget, by name."""
    from ingest.reading import ObjectToRead, ReadLimits, _read_file

    budgets = {
        "default": ReadLimits(10**9, 2**20, 30),
        "tight": ReadLimits(10**9, 40_000, 30),
        "tighter": ReadLimits(10**9, 8_000, 30),
    }
    results = {}
    for budget, limits in budgets.items():
        for index, path in enumerate(paths):
            key = str(path.relative_to(folder))
            item = ObjectToRead(index, key, path.stat().st_size, path=str(path))
            results[f"{budget}:{key}"] = _comparable(_read_file(item, limits))
    return results


def main(argv: list[str]) -> int:
    command, folder = argv[0], Path(argv[1])
    files, saved = folder / "files", folder / "results.pickle"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.workspace import Workspace, setup_django

    with Workspace() as workspace:
        setup_django(workspace, "bench", "media")
        if command == "save":
            paths = _write_files(files)
        else:
            paths = sorted(path for path in files.rglob("*") if path.is_file())
        results = read_all(files, paths)
    if command == "save":
        saved.write_bytes(pickle.dumps(results))
        sys.stdout.write(f"saved {len(results)} results to {saved}\n")
        return 0
    before = pickle.loads(saved.read_bytes())
    differ = sorted(
        name for name in before.keys() | results.keys() if before.get(name) != results.get(name)
    )
    for name in differ:
        sys.stdout.write(f"{name}\n  before: {before.get(name)!r}\n  now: {results.get(name)!r}\n")
    sys.stdout.write(f"{len(results)} results, {len(differ)} differ\n")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
