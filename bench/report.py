"""Results of a bench run: one row per target, printed as a table, saved as JSON and Markdown."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

PASS, MISS, NOT_RUN = "PASS", "MISS", "N/A"


@dataclass
class Row:
    """One measured target: ours, the peer or limit timed in the same run, and the verdict."""

    target: str  # what is measured, as DESIGN.md names it
    ours: str
    peer: str
    ratio: str
    goal: str
    verdict: str
    notes: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # the raw numbers, for JSON


def verdict(passed: bool | None) -> str:
    return NOT_RUN if passed is None else PASS if passed else MISS


COLUMNS = ("target", "ours", "peer / limit (same run)", "ratio", "goal", "result")


def _cells(row: Row) -> tuple[str, ...]:
    return (row.target, row.ours, row.peer, row.ratio, row.goal, row.verdict)


def text_table(rows: list[Row]) -> str:
    table = [COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    rule = "  ".join("-" * width for width in widths)
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, rule)
    notes = [f"  - {row.target}: {note}" for row in rows for note in row.notes]
    return "\n".join(lines + (["", "Notes:", *notes] if notes else []))


def markdown(rows: list[Row], context: dict) -> str:
    header = "| " + " | ".join(COLUMNS) + " |"
    rule = "|" + "|".join(" --- " for _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in _cells(row)) + " |" for row in rows
    ]
    notes = [f"- **{row.target}**: {note}" for row in rows for note in row.notes]
    setting = (
        f"Measured by `make bench` on {context['when'][:10]}: {context['machine']}, "
        f"Python {context['python']}, {context['mode']} run ({context['files']} files), "
        f"1-minute load average {context['load_average'][0]} at the start and "
        f"{context['load_average'][1]} at the end. "
        f"{context['setup']}"
    )
    return "\n".join([setting, "", header, rule, *body, *([""] + notes if notes else [])]) + "\n"


def context(mode: str, files: int, seconds: float, load_before: float) -> dict:
    import os

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "mode": mode,
        "files": files,
        "run_seconds": round(seconds, 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "setup": (
            "Servers: daphne with DEBUG off, SQLite (WAL) file, in-memory channel layer, "
            "ingest jobs on the in-process thread pool (TASKS_MODE=thread, 4 threads); "
            "moto's S3 server in its own process. Ratios compare figures timed in this run."
        ),
    }


def save(rows: list[Row], ctx: dict, stem: str = "latest") -> tuple[Path, Path]:
    RESULTS.mkdir(exist_ok=True)
    json_path, md_path = RESULTS / f"{stem}.json", RESULTS / f"{stem}.md"
    json_path.write_text(
        json.dumps({"context": ctx, "results": [asdict(row) for row in rows]}, indent=2) + "\n"
    )
    md_path.write_text(markdown(rows, ctx))
    return json_path, md_path


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def progress(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()
