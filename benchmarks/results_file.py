"""The benchmarks' JSON result files: rows measured again replace their old selves, the rest stay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def read_rows(path: Path) -> list:
    """The rows of the JSON list at ``path``; none before its first write."""
    return json.loads(path.read_text()) if path.is_file() else []


def merge_rows(path: Path, rows: list, replaces: Callable[[dict, dict], bool]) -> None:
    """Write ``rows`` into the JSON list at ``path``, after the old rows that none of them ``replaces(new, old)``."""
    old = read_rows(path)
    kept = [r for r in old if not any(replaces(new, r) for new in rows)]
    path.write_text(json.dumps(kept + rows, indent=2) + "\n")


def same_key(key: Callable[[dict], object]) -> Callable[[dict, dict], bool]:
    """``replaces`` for rows that a new row replaces when their ``key`` is the same."""
    return lambda new, old: key(new) == key(old)
