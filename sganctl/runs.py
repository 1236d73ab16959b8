"""Run directories: one new numbered folder per training run, never reused."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

from .errors import SganctlError
from .files import read_json_object

CHECKPOINT_NAME = "checkpoint.safetensors"
RESULT_NAME = "result.json"
DEFAULT_OUT = Path("runs")
_NUMBERED = re.compile(r"^(\d{5})-")


def _numbered(out: Path):
    if not out.is_dir():
        return []
    runs = [(int(m.group(1)), p) for p in out.iterdir() if (m := _NUMBERED.match(p.name)) and p.is_dir()]
    return sorted(runs)


def numbered_runs(out: Path) -> list[Path]:
    """The run directories under ``out`` (NNNNN-...), in the order they were made."""
    return [path for _, path in _numbered(Path(out))]


def create_run_dir(out: Path, label: str) -> Path:
    """Make ``out/NNNNN-label`` with the next free number; a racing run just takes the next one."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        existing = _numbered(out)
        number = existing[-1][0] + 1 if existing else 0
        while True:
            path = out / f"{number:05d}-{label}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                number += 1
    except PermissionError as exc:
        raise SganctlError(f"cannot create a run directory in {out}: permission denied; pass --out DIR") from exc
    except OSError as exc:
        raise SganctlError(f"cannot create a run directory in {out}: {exc.strerror or exc}") from exc


def latest_run(out: Path = DEFAULT_OUT) -> Path:
    """The newest run under ``out`` that has a checkpoint."""
    for _, path in reversed(_numbered(Path(out))):
        if (path / CHECKPOINT_NAME).is_file():
            return path
    raise SganctlError(
        f"no run with a checkpoint under {out}/; train one with 'sganctl train --arch NAME' "
        "or pass a run directory or checkpoint file"
    )


def resolve_checkpoint(target: str | None) -> Path:
    """A run directory, a checkpoint file, or (None) the newest run under ./runs, as a checkpoint path."""
    if target is None:
        return latest_run() / CHECKPOINT_NAME
    path = Path(target)
    if path.is_dir():
        if (path / CHECKPOINT_NAME).is_file():
            return path / CHECKPOINT_NAME
        if _numbered(path):  # a folder of runs, like ./runs
            return latest_run(path) / CHECKPOINT_NAME
        raise SganctlError(f"{path}: no {CHECKPOINT_NAME} in this directory; is it a run directory?")
    return path


def keep_finished(run_dir: Path, iteration: int) -> list[str]:
    """Before a finished run trains further, keep its classifier and figures under the iteration's names.

    The resume's own checkpoints and result replace checkpoint.safetensors and result.json; without this
    the finished run's classifier and what it measured would be gone. Both are kept by hard links (no
    copy: each is replaced by renaming a new file over it, so the link keeps the old one), copied where
    the file system has no links. Files kept by an earlier resume stay as they are.
    """
    run_dir = Path(run_dir)
    if read_json_object(run_dir / RESULT_NAME).get("iterations") != iteration:
        return []  # stopped before its end: there is no finished result to keep
    kept = []
    for name in (CHECKPOINT_NAME, RESULT_NAME):
        source = run_dir / name
        target = source.with_name(f"{source.stem}-{iteration:06d}{source.suffix}")
        if target.exists():
            continue
        try:
            try:
                os.link(source, target)
            except OSError:  # a file system without hard links
                shutil.copy2(source, target)
        except OSError as exc:
            raise SganctlError(f"cannot keep {source} as {target.name} before training on: "
                               f"{exc.strerror or exc}; free space, or copy the run and resume the copy") from exc
        kept.append(target.name)
    return kept


def trainer_alive(status: dict) -> bool | None:
    """Whether the process a running run's status.json names still runs; None for a run not running, or where
    that cannot be told (another machine, a run from before status.json named its process, or Windows, where
    os.kill would signal the process rather than probe it)."""
    pid = status.get("pid")
    if status.get("state") != "running" or os.name != "posix" or not isinstance(pid, int):
        return None
    if status.get("host") != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        pass
    started = status.get("started")
    return started is None or process_started(pid) in (None, started)  # a later process given the same pid: gone


def process_started(pid: int) -> int | None:
    """When a process started, in clock ticks since boot (Linux's /proc), so that a reused pid is not mistaken
    for the process that had it; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:  # the fields after the command name, which is in parentheses and may hold spaces
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None
