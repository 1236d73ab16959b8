"""Human output: rich on stderr, a live bar when interactive, plain periodic lines when not.

Machine output (--json) is printed by the CLI on stdout alone, so everything
here goes to stderr.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

err = Console(stderr=True)
SHORT = {"loss_d_sup": "D-sup", "loss_d_unsup": "D-uns", "loss_g": "G", "acc_labeled": "acc"}
"""Metric names as the live bar shows them, to fit an 80-column terminal."""


def info(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)  # messages carry paths, which may hold [ ]


class TrainingProgress:
    """Shows training progress: a rich bar on a terminal, else one line per log interval."""

    def __init__(self, total: int, start: int = 0, console: Console = err, enabled: bool = True):
        self.enabled = enabled  # off on torchrun processes other than rank 0
        self.total = total
        self.start = start
        self.console = console
        self.started = time.perf_counter()
        self._bar: Progress | None = None
        if enabled and console.is_interactive:  # a real terminal that is not TERM=dumb
            self._bar = Progress(
                BarColumn(bar_width=16),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[losses]}"),
                console=console,
                transient=False,
            )
            self._task = self._bar.add_task("train", total=total, completed=start, rate="", losses="")
            self._bar.start()

    def step(self, iteration: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=iteration)

    def report(self, iteration: int, metrics: dict[str, float], measured: dict[str, float] | None = None) -> None:
        """Called at each log interval with the averaged metrics, and the --eval-every accuracies when measured."""
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        rate = (iteration - self.start) / elapsed if elapsed > 0 else 0.0
        losses = " ".join(f"{k}={v:.3f}" for k, v in metrics.items())
        accuracies = "  ".join(f"{k} accuracy {v:.4f}" for k, v in (measured or {}).items())
        if self._bar is not None:
            short = " ".join(f"{SHORT.get(k, k)} {v:.3f}" for k, v in metrics.items())
            self._bar.update(self._task, completed=iteration, rate=f"{rate:.1f} it/s", losses=short)
            if accuracies:  # printed above the bar, so each measurement stays on the screen
                self.console.print(f"iter {iteration}/{self.total}  {accuracies}", highlight=False, soft_wrap=True)
        else:
            line = f"iter {iteration}/{self.total}  {rate:.2f} it/s  {losses}"
            self.console.print(line + (f"  {accuracies}" if accuracies else ""), highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
