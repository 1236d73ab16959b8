"""Fetch dataset files from mirrors, verified before they take their final name."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from ..errors import SganctlError
from .idx import read_bytes

MIRROR_ENV = "SGANCTL_MIRROR"
"""A base URL serving a data-dir layout (BASE/<dataset>/<file>), used instead of the public mirrors."""


def mirrors_for(dataset: str, public: Iterable[str]) -> list:
    """Base URLs to try in order: the user's own mirror alone when set, else the public ones."""
    override = os.environ.get(MIRROR_ENV)
    return [f"{override.rstrip('/')}/{dataset}/"] if override else list(public)


def fetch_verified(
    filename: str, sha256: str, folder: Path, mirrors: Iterable[str], log=None
) -> Path:
    """Download ``filename`` (.gz) into ``folder`` from the first mirror that serves it intact.

    The file is written under a temporary name and renamed only once the SHA-256
    of its decompressed content matches, so a failed or tampered download never
    looks like data.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{filename}.gz"
    partial = folder / f".{filename}.gz.part-{os.getpid()}"
    problems = []
    for base in mirrors:
        url = base + f"{filename}.gz"
        if log:
            log(f"downloading {url}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            digest = hashlib.sha256(read_bytes(partial)).hexdigest()
        except (urllib.error.URLError, OSError, SganctlError, ValueError) as exc:
            problems.append(f"{url}: {getattr(exc, 'reason', exc)}")
            partial.unlink(missing_ok=True)
            continue
        if digest != sha256:
            problems.append(f"{url}: checksum mismatch")
            partial.unlink(missing_ok=True)
            continue
        os.replace(partial, target)
        return target
    raise DownloadFailed(filename, problems)


class DownloadFailed(Exception):
    def __init__(self, filename: str, problems: list):
        self.filename = filename
        self.problems = problems
        super().__init__(f"{filename}: " + "; ".join(problems))

