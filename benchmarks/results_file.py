"""The benchmarks' JSON result files: rows measured again replace their old selves, the rest stay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from sganctl.files import atomic_path


def read_rows(path: Path) -> list:
    """The rows of the JSON list at ``path``; none before its first write."""
    return json.loads(path.read_text()) if path.is_file() else []


def merge_rows(path: Path, rows: list, replaces: Callable[[dict, dict], bool],
               before_write: Callable[[list], None] = lambda old: None) -> None:
    """Write ``rows`` into the JSON list at ``path``, after the old rows that none of them ``replaces(new, old)``.

    Read and write happen under a lock beside the file, and the write replaces the file whole: commands run at the
    same time into one results file (one harness per setup on a GPU) each add their rows, none writes over another's
    or reads a half-written file. ``before_write(old)`` runs under the same lock with the rows found there, for what
    ``rows`` take from them (the harness names each row's curves after the rows it keeps beside it), so that two
    commands cannot both take what each saw as free.
    """
    with FileLock(f"{path}.lock"):
        old = read_rows(path)
        before_write(old)
        kept = [r for r in old if not any(replaces(new, r) for new in rows)]
        with atomic_path(path) as written:
            written.write_text(json.dumps(kept + rows, indent=2) + "\n")


def same_key(key: Callable[[dict], object]) -> Callable[[dict, dict], bool]:
    """``replaces`` for rows that a new row replaces when their ``key`` is the same."""
    return lambda new, old: key(new) == key(old)
