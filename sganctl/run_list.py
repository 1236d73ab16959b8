"""What a folder of runs holds, read from each run's small JSON files: no torch, no checkpoint is opened.

A run's config.json says what it trains, status.json how far it got and how
it ended (rewritten at every checkpoint), result.json what the finished run
measured, metrics.jsonl what --eval-every measured along the way. A file
that is missing or cut short leaves its fields empty rather than hiding the
run.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from .errors import SganctlError
from .files import read_json_object
from .metrics_log import latest_measurement, read_records
from .runs import DEFAULT_OUT, RESULT_NAME, numbered_runs, trainer_alive


@dataclass
class RunSummary:
    run_dir: str
    arch: str | None = None
    dataset: str | None = None
    num_labeled: int | None = None
    supervised_only: bool = False
    holdout: int = 0
    iteration: int | None = None  # the last checkpoint's
    iterations: int | None = None  # what the run was asked to train (a resume with --iterations raises it)
    state: str | None = None  # running, completed, interrupted, diverged, failed; None before the first checkpoint
    updated: str | None = None  # when status.json was last written
    alive: bool | None = None  # a running run's process, where this machine can tell: False if killed unawares
    message: str | None = None  # why a run failed or diverged
    test_accuracy: float | None = None
    holdout_accuracy: float | None = None
    result_iterations: int | None = None  # the length result.json was measured at
    seconds: float | None = None
    eval_iteration: int | None = None  # the newest --eval-every measurement in metrics.jsonl
    eval_test_accuracy: float | None = None
    eval_holdout_accuracy: float | None = None

    @property
    def latest(self) -> tuple[int | None, float | None, float | None]:
        """(iteration, test, held out) of the newest measurement: result.json's, or a later --eval-every one
        (a run still training, stopped, or resumed to train more than its result measured)."""
        if self.eval_iteration is not None and (self.result_iterations is None
                                                or self.eval_iteration > self.result_iterations):
            return self.eval_iteration, self.eval_test_accuracy, self.eval_holdout_accuracy
        return self.result_iterations, self.test_accuracy, self.holdout_accuracy

    @property
    def measured_earlier(self) -> bool:
        """The newest figures come from before the last of the iterations the run now asks for."""
        return self.latest[0] not in (None, self.iterations)

    def to_dict(self) -> dict:
        return asdict(self)


def summarise(run_dir: Path) -> RunSummary:
    meta, status, result = (read_json_object(run_dir / name) for name in ("config.json", "status.json", RESULT_NAME))
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    holdout = result.get("holdout") if isinstance(result.get("holdout"), dict) else {}
    measured = latest_measurement(read_records(run_dir)) or {}
    return RunSummary(
        run_dir=str(run_dir),
        arch=config.get("arch"),
        dataset=config.get("dataset"),
        num_labeled=config.get("num_labeled"),
        supervised_only=bool(config.get("supervised_only")),
        holdout=config.get("holdout") or 0,
        iteration=status.get("iteration"),
        iterations=config.get("iterations"),
        state=status.get("state"),
        updated=status.get("time"),
        alive=trainer_alive(status),
        message=status.get("message"),
        test_accuracy=result.get("accuracy"),
        holdout_accuracy=holdout.get("accuracy"),
        result_iterations=result.get("iterations"),
        seconds=result.get("seconds"),
        eval_iteration=measured.get("iteration"),
        eval_test_accuracy=measured.get("test_accuracy"),
        eval_holdout_accuracy=measured.get("holdout_accuracy"),
    )


def list_runs(folder: str | Path = DEFAULT_OUT) -> list[RunSummary]:
    """The runs under ``folder`` (default ./runs; a folder of runs, as --out makes, or one run directory),
    oldest first, as ``sganctl runs`` lists them."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SganctlError(f"{folder}: no such folder; pass the --out folder your runs were written to")
    if (folder / "config.json").is_file():
        return [summarise(folder)]
    return [summarise(path) for path in numbered_runs(folder)]


def age(stamp: str | None, now: float | None = None) -> str | None:
    """'5 min ago' for a status.json time: a 'running' run whose last checkpoint is old may have been killed."""
    if not stamp:
        return None
    try:
        then = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return None
    minutes = max(0, int(((time.time() if now is None else now) - then) // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"
