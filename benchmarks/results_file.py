"""The benchmarks' JSON result files: rows measured again replace their old selves, the rest stay."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path


def merge_rows(path: Path, rows: list, key: Callable[[dict], object]) -> None:
    """Write ``rows`` into the JSON list at ``path``, dropping old rows with the same ``key``."""
    old = json.loads(path.read_text()) if path.is_file() else []
    fresh = {key(r) for r in rows}
    path.write_text(json.dumps([r for r in old if key(r) not in fresh] + rows, indent=2) + "\n")
