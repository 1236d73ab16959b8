"""Learning curves from runs' metrics.jsonl: losses and accuracies over iterations (matplotlib, Agg)."""

from __future__ import annotations

import json
from pathlib import Path

from matplotlib.figure import Figure

from .errors import SganctlError
from .files import atomic_path
from .metrics_log import METRICS_NAME, read_records
from .runs import RESULT_NAME

LOSSES = ("loss_d_sup", "loss_d_unsup", "loss_g")
MEASUREMENTS = (("test_accuracy", "-.", "test (monitoring)"), ("holdout_accuracy", ":", "held out"))
"""metrics.jsonl keys of the --eval-every measurements: (key, line style, legend)."""


def read_metrics(run_dir: Path) -> list:
    if not (Path(run_dir) / METRICS_NAME).is_file():
        raise SganctlError(f"{run_dir}: no {METRICS_NAME}; is it a run directory?")
    return read_records(run_dir)


def final_test_accuracy(run_dir: Path) -> tuple | None:
    path = Path(run_dir) / RESULT_NAME
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    return result.get("iterations"), result.get("accuracy")


def plot_runs(run_dirs: list, out: Path, labels: list | None = None) -> Path:
    """One figure: losses (left) and labelled-batch / test accuracy (right), one colour per run.

    ``labels`` name the runs in the legend (default: their directory names).
    """
    figure = Figure(figsize=(11, 4.2), dpi=110)
    loss_ax, acc_ax = figure.subplots(1, 2)
    styles = {"loss_d_sup": "-", "loss_d_unsup": "--", "loss_g": ":"}
    for index, run in enumerate(run_dirs):
        records = read_metrics(run)
        colour = f"C{index}"
        name = labels[index] if labels else Path(run).name
        iterations = [r["iteration"] for r in records]
        for key in LOSSES:
            loss_ax.plot(iterations, [r[key] for r in records], styles[key], color=colour, label=f"{name} {key}")
        acc_ax.plot(iterations, [r["acc_labeled"] for r in records], "-", color=colour, alpha=0.6,
                    label=f"{name} labelled batch")
        for key, style, what in MEASUREMENTS:  # lines of runs made with --eval-every (and --holdout)
            measured = [r for r in records if key in r]
            if measured:
                acc_ax.plot([r["iteration"] for r in measured], [r[key] for r in measured], style, color=colour,
                            label=f"{name} {what}")
        final = final_test_accuracy(run)
        if final and final[1] is not None:
            acc_ax.plot([final[0]], [final[1]], "o", color=colour, label=f"{name} test {final[1]:.4f}")
    loss_ax.set(title="losses", xlabel="iteration")
    acc_ax.set(title="accuracy", xlabel="iteration", ylim=(0, 1.02))
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    figure.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        figure.savefig(tmp, format="png")
    return out
