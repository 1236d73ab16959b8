"""A run's metrics.jsonl: one JSON object per logged iteration, appended as training goes.

Training appends to it; plots and ``sganctl runs`` read it. A crash can leave
a last line cut short, and lines logged after the last checkpoint that a
resume trains again; both are handled here, in one place.
"""

from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_path

METRICS_NAME = "metrics.jsonl"
SET_ASIDE_NAME = "metrics-set-aside.jsonl"
"""Lines a resume took out of metrics.jsonl: logged after the checkpoint it went back to."""


def _record(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def read_records(run_dir: Path) -> list[dict]:
    """Every whole line of the run's metrics.jsonl, in order; [] when there is none."""
    try:
        text = (Path(run_dir) / METRICS_NAME).read_text()
    except OSError:
        return []
    return [record for record in map(_record, text.splitlines()) if record is not None]


def latest_measurement(records: list[dict]) -> dict | None:
    """The newest --eval-every line: the figures of a run still training, before its result.json."""
    return next((record for record in reversed(records)
                 if "test_accuracy" in record and isinstance(record.get("iteration"), int)), None)


def set_aside_after(run_dir: Path, iteration: int) -> int:
    """Move the lines logged after ``iteration`` (and any line a crash cut short) to metrics-set-aside.jsonl.

    A resume goes back to its checkpoint's iteration and logs those iterations again; left in place, the
    old lines would repeat them (curves would zigzag) and a cut-short line would swallow the next one.
    Returns how many lines were moved.
    """
    path = Path(run_dir) / METRICS_NAME
    try:
        lines = path.read_text().splitlines(keepends=True)
    except OSError:
        return 0
    keep, moved = [], []
    for line in lines:
        record = _record(line)
        whole = line.endswith("\n") and record is not None
        later = whole and isinstance(record.get("iteration"), int) and record["iteration"] > iteration
        (keep if whole and not later else moved).append(line)
    if not moved:
        return 0
    with open(path.with_name(SET_ASIDE_NAME), "a") as aside:
        aside.writelines(line if line.endswith("\n") else line + "\n" for line in moved)
    with atomic_path(path) as tmp:
        tmp.write_text("".join(keep))
    return len(moved)
