"""Training progress: what each log interval prints, on a terminal (a live bar) and in a log file (plain lines)."""

import io

from rich.console import Console

from sganctl.console import TrainingProgress

LOSSES = {"loss_d_sup": 0.5, "loss_d_unsup": 1.25, "loss_g": 0.75, "acc_labeled": 0.9}


def _progress(interactive: bool) -> tuple[TrainingProgress, io.StringIO]:
    text = io.StringIO()
    console = Console(file=text, force_terminal=interactive, force_interactive=interactive, width=200)
    return TrainingProgress(10, console=console), text


def test_plain_lines_carry_the_losses_and_any_measured_accuracy():
    progress, text = _progress(interactive=False)
    progress.report(5, LOSSES)
    progress.report(10, LOSSES, {"test": 0.91234, "held-out": 0.9})
    progress.close()
    first, second = text.getvalue().splitlines()
    assert first.startswith("iter 5/10 ") and "loss_d_unsup=1.250" in first and "accuracy" not in first
    assert second.endswith("loss_g=0.750 acc_labeled=0.900  test accuracy 0.9123  held-out accuracy 0.9000")


def test_on_a_terminal_each_measurement_is_printed_above_the_bar():
    progress, text = _progress(interactive=True)
    progress.report(5, LOSSES)
    assert "accuracy" not in text.getvalue()
    progress.report(10, LOSSES, {"test": 0.5})
    progress.close()
    assert "iter 10/10  test accuracy 0.5000" in text.getvalue()
