"""Where dataset files are looked for: --data-dir, SGANCTL_DATA_DIR, the user cache, system folders."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "SGANCTL_DATA_DIR"
CACHE_ENV = "SGANCTL_CACHE"
SYSTEM_ROOTS = (Path("/usr/share/datasets"),)
"""Where distributions install datasets (Debian's dataset-fashion-mnist: /usr/share/datasets/fashion-mnist)."""


def cache_root() -> Path:
    """The user cache that downloads go to: SGANCTL_CACHE, else the platform's cache folder."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("sganctl"))


def search_roots(data_dir: str | None) -> list[Path]:
    """Roots to search, in order: --data-dir, SGANCTL_DATA_DIR, the cache, system dataset folders."""
    env = os.environ.get(DATA_DIR_ENV)
    explicit = [Path(d).expanduser() for d in (data_dir, env) if d]
    return [*explicit, cache_root(), *SYSTEM_ROOTS]


def find_folder(dataset: str, filenames: list[str], data_dir: str | None) -> Path | None:
    """The first folder holding every file, gzipped or not.

    A root may hold one folder per dataset (ROOT/mnist/...) or be that folder itself.
    """
    for root in search_roots(data_dir):
        for folder in (root / dataset, root):
            if all(find_file(folder, name) for name in filenames):
                return folder
    return None


def find_file(folder: Path, name: str) -> Path | None:
    """``name`` (raw IDX) or ``name.gz`` in ``folder``, whichever exists; gzipped first."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None
