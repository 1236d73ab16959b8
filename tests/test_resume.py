"""Resume: a run stopped at iteration k and resumed ends with the same weights as one never stopped."""

import json
import os
import re
import signal

import pytest
import torch
from conftest import assert_same_tensors, weights

from sganctl import checkpoint
from sganctl.config import TrainConfig
from sganctl.console import TrainingProgress
from sganctl.errors import SganctlError, TrainingInterrupted
from sganctl.training import resume, train


def quiet(_message):
    pass


def settings(tmp_path, data_dir, **extra):
    base = {"arch": "compact", "num_labeled": 20, "batch_size": 4, "labeled_batch_size": 4, "seed": 3,
                "device": "cpu", "data_dir": str(data_dir), "out": str(tmp_path / "runs"), "log_every": 1}
    return TrainConfig(**{**base, **extra})


def signal_at(monkeypatch, iteration):
    """Send this process SIGTERM just after `iteration` is reported, as `kill` would mid-run."""
    report = TrainingProgress.report

    def report_then_signal(self, at, metrics, measured=None):
        report(self, at, metrics, measured)
        if at == iteration:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(TrainingProgress, "report", report_then_signal)


def test_interrupted_then_resumed_equals_uninterrupted_bit_for_bit(tmp_path, data_dir, isolated_env):
    # Extending a 3-iteration run to 6: constant learning rates, since a decay follows the run's length.
    whole = train(settings(tmp_path, data_dir, iterations=6, checkpoint_every=3, lr_decay_start=1.0), log=quiet)
    part = train(settings(tmp_path, data_dir, iterations=3, checkpoint_every=3, lr_decay_start=1.0), log=quiet)
    resumed = resume(part.run_dir, {"iterations": 6}, log=quiet)
    assert resumed.run_dir == part.run_dir
    assert_same_tensors(weights(whole.run_dir), weights(resumed.run_dir))
    lines = (part.run_dir / "metrics.jsonl").read_text().splitlines()
    assert [int(line.split('"iteration": ')[1].split(",")[0]) for line in lines] == [1, 2, 3, 4, 5, 6]


def test_a_resume_after_a_crash_moves_the_lines_logged_past_its_checkpoint_aside(tmp_path, data_dir, isolated_env):
    part = train(settings(tmp_path, data_dir, iterations=3, checkpoint_every=3, lr_decay_start=1.0), log=quiet)
    metrics = part.run_dir / "metrics.jsonl"
    # as if the run had gone on to iteration 5 and been killed there mid-write, its checkpoint still at 3
    later = [json.dumps({**json.loads(metrics.read_text().splitlines()[-1]), "iteration": i}) for i in (4, 5)]
    with open(metrics, "a") as log:
        log.write("\n".join(later) + '\n{"iteration": 6, "loss_d')
    said = []
    resume(part.run_dir, {"iterations": 6}, log=said.append)
    assert [json.loads(line)["iteration"] for line in metrics.read_text().splitlines()] == [1, 2, 3, 4, 5, 6]
    aside = (part.run_dir / "metrics-set-aside.jsonl").read_text().splitlines()
    assert aside == [*later, '{"iteration": 6, "loss_d']
    assert any("moved 3 lines of metrics.jsonl logged after the checkpoint's iteration 3" in m for m in said)


def test_training_a_finished_run_further_keeps_its_classifier_and_result(tmp_path, data_dir, isolated_env, sganctl,
                                                                       monkeypatch):
    done = train(settings(tmp_path, data_dir, iterations=3, checkpoint_every=3, lr_decay_start=1.0), log=quiet)
    finished = weights(done.run_dir)
    result = (done.run_dir / "result.json").read_text()
    said = []
    signal_at(monkeypatch, 5)
    with pytest.raises(TrainingInterrupted):  # stopped at 5, unfinished: the next resume keeps nothing more
        resume(done.run_dir, {"iterations": 8, "checkpoint_every": 100}, log=said.append)
    monkeypatch.undo()
    resume(done.run_dir, {"iterations": 8}, log=said.append)
    assert sum("kept the finished run's checkpoint.safetensors and result.json as "
               "checkpoint-000003.safetensors and result-000003.json" in m for m in said) == 1
    assert_same_tensors(finished, checkpoint.load(done.run_dir / "checkpoint-000003.safetensors").tensors)
    assert (done.run_dir / "result-000003.json").read_text() == result
    assert json.loads((done.run_dir / "result.json").read_text())["iterations"] == 8
    evaluated = sganctl.json("eval", done.run_dir / "checkpoint-000003.safetensors", "--data-dir", data_dir)
    assert evaluated["accuracy"] == json.loads(result)["accuracy"]
    assert not list(done.run_dir.glob("*-000005*")) and not list(done.run_dir.glob("*-000008*"))


def test_a_resumed_run_counts_its_training_time_from_the_checkpoint_on(tmp_path, data_dir, isolated_env):
    from safetensors.torch import save_file

    part = train(settings(tmp_path, data_dir, iterations=3, checkpoint_every=3), log=quiet)
    path = part.run_dir / "checkpoint.safetensors"
    stored = checkpoint.load(path)
    assert 0 < stored.meta["seconds"] < 1000
    # as if the first part had trained for 1,000 s (the tensors, and their digest, unchanged)
    save_file(stored.tensors, str(path), metadata={checkpoint.METADATA_KEY: json.dumps({**stored.meta, "seconds": 1000.0})})
    resumed = resume(part.run_dir, {"iterations": 5}, log=quiet)
    records = [json.loads(line) for line in (part.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["seconds"] < 1000 for r in records] == [True, True, True, False, False]
    assert resumed.seconds >= 1000
    assert json.loads((part.run_dir / "result.json").read_text())["seconds"] == resumed.seconds
    assert checkpoint.load(path).meta["seconds"] >= 1000


def test_a_stop_signal_landing_after_the_checkpoint_decision_stops_at_the_next_iteration_with_a_checkpoint(
        tmp_path, data_dir, isolated_env, monkeypatch):
    # the signal arrives while iteration 2 is being logged, after that iteration decided not to checkpoint
    signal_at(monkeypatch, 2)
    with pytest.raises(TrainingInterrupted) as stopped:
        train(settings(tmp_path, data_dir, iterations=6, checkpoint_every=100), log=quiet)
    said = int(re.search(r"interrupted by SIGTERM at iteration (\d+); checkpoint saved", str(stopped.value)).group(1))
    run_dir = next((tmp_path / "runs").iterdir())
    assert said == 3
    assert checkpoint.load(run_dir / "checkpoint.safetensors").meta["iteration"] == said


@pytest.mark.parametrize("consistency", [0.0, 5.0])
def test_stopped_by_a_signal_with_ema_and_lr_decay_resumes_bit_for_bit(tmp_path, data_dir, isolated_env,
                                                                       monkeypatch, consistency):
    """A 6-iteration run stopped at 3 keeps its schedule (relative to 6) and its moving average.

    With the mean-teacher loss the average also draws random numbers (its shift and dropout) every step.
    """
    from sganctl import training

    recipe = {"iterations": 6, "checkpoint_every": 6, "ema_decay": 0.9, "lr_decay_start": 0.3,
              "consistency": consistency}
    whole = train(settings(tmp_path, data_dir, **recipe), log=quiet)
    step = training.TrainingProgress.step

    def stop_after_third(progress, iteration):
        step(progress, iteration)
        if iteration == 3:
            signal.raise_signal(signal.SIGINT)  # caught by the loop's handler, as a user's Ctrl-C would be

    monkeypatch.setattr(training.TrainingProgress, "step", stop_after_third)
    with pytest.raises(TrainingInterrupted, match="at iteration 3"):
        train(settings(tmp_path, data_dir, **recipe), log=quiet)
    monkeypatch.undo()
    part = max((tmp_path / "runs").iterdir())
    assert checkpoint.load(part / "checkpoint.safetensors").meta["iteration"] == 3
    resume(part, {}, log=quiet)
    assert_same_tensors(weights(whole.run_dir), weights(part))


def test_resume_refuses_conflicting_settings(tmp_path, data_dir, isolated_env):
    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=2), log=quiet).run_dir
    for overrides, flag in (({"arch": "mlp"}, "--arch mlp"), ({"num_labeled": 50}, "--num-labeled 50"),
                            ({"dataset": "fashion"}, "--dataset fashion")):
        with pytest.raises(SganctlError, match=f"cannot resume .* with {flag}: the run used"):
            resume(run, {**overrides, "iterations": 4}, log=quiet)
    with pytest.raises(SganctlError, match="it has trained all 2 of its iterations; pass --iterations N with N > 2"):
        resume(run, {}, log=quiet)
    with pytest.raises(SganctlError, match="--iterations 1 is not more than the 2 it has trained; pass --iterations N"):
        resume(run, {"iterations": 1}, log=quiet)
    resume(run, {"iterations": 3, "device": "cpu", "log_every": 5}, log=quiet)
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 3


def test_resume_says_when_the_plugin_now_builds_other_layers(tmp_path, data_dir, isolated_env, monkeypatch):
    """A change without weights (here the random shift) loads strictly, so resume must say it, not hide it."""
    import sganctl_compact

    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=2), log=quiet).run_dir
    notes = []
    resume(run, {"iterations": 3}, log=notes.append)
    assert not [n for n in notes if "warning" in n]
    monkeypatch.setattr(sganctl_compact.Compact, "build_discriminator",
                        lambda self, k, image: sganctl_compact.CompactDiscriminator(k, image, shift=3))
    notes = []
    resume(run, {"iterations": 4}, log=notes.append)
    warnings = [n for n in notes if "warning" in n]
    assert len(warnings) == 1 and "compact's discriminator is not built as it was when this run started" in warnings[0]
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 4


@pytest.mark.skipif(os.name != "posix", reason="a process is probed with signal 0 on POSIX only")
def test_resume_refuses_a_run_its_process_is_still_training(tmp_path, data_dir, isolated_env, monkeypatch):
    import socket
    import subprocess
    import sys

    from sganctl.training import _refuse_if_still_training

    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=2), log=quiet).run_dir
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = {"state": "running", "iteration": 2, "time": "2026-11-28T10:00:00+0000",
                   "host": socket.gethostname(), "pid": live.pid}
        (run / "status.json").write_text(json.dumps(running))
        before = (run / "checkpoint.safetensors").read_bytes()
        with pytest.raises(SganctlError, match=f"process {live.pid} on this machine is still training it; wait for it"
                                               f" to finish, or stop it \\(Ctrl-C, or kill -TERM {live.pid}\\)"):
            resume(run, {"iterations": 3}, log=quiet)
        assert (run / "checkpoint.safetensors").read_bytes() == before
        monkeypatch.setenv("RANK", "1")  # torchrun's other ranks read the status rank 0 has just written: no check
        monkeypatch.setenv("WORLD_SIZE", "2")
        _refuse_if_still_training(run)
        monkeypatch.delenv("RANK")
        monkeypatch.delenv("WORLD_SIZE")
    finally:
        live.kill()
        live.wait()
    resume(run, {"iterations": 3}, log=quiet)  # its process is gone: killed unawares, the run goes on
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 3


def test_resume_needs_a_run_directory(tmp_path):
    with pytest.raises(SganctlError, match="holds no checkpoint.safetensors"):
        resume(tmp_path, {})


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_and_resumes(tmp_path, data_dir, isolated_env, precision):
    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=1, precision=precision), log=quiet)
    assert run.evaluation.num_test == 10000
    meta = checkpoint.load(run.run_dir / "checkpoint.safetensors").meta
    assert ("d" in meta["scalers"]) == (precision == "fp16"), "fp16 keeps its gradient scaler state"
    resumed = resume(run.run_dir, {"iterations": 3}, log=quiet)
    assert resumed.iterations == 3


def test_compiled_networks_train_and_save_plain_weights(tmp_path, data_dir, isolated_env):
    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=2, checkpoint_every=2, compile=True), log=quiet)
    keys = checkpoint.load(run.run_dir / "checkpoint.safetensors").tensors
    assert not any("_orig_mod" in key for key in keys), "weights are saved under their plain names"


def test_unknown_precision(tmp_path, data_dir):
    with pytest.raises(SganctlError, match="--precision must be one of 32, tf32, bf16, fp16"):
        train(settings(tmp_path, data_dir, iterations=1, precision="fp8"), log=quiet)
    with pytest.raises(SganctlError, match="tf32 is a mode of NVIDIA tensor cores .* use 32 on this device"):
        train(settings(tmp_path, data_dir, iterations=1, precision="tf32"), log=quiet)


def test_supervised_only_baseline_trains_the_discriminator_alone(tmp_path, data_dir, isolated_env):
    # Every step sees all 20 labels: mlp's input and hidden noise make batches of 4 too slow to learn from.
    result = train(settings(tmp_path, data_dir, arch="mlp", iterations=60, checkpoint_every=60, batch_size=20,
                            labeled_batch_size=20, supervised_only=True), log=quiet)
    assert result.evaluation.accuracy > 0.3, "60 steps on 20 labels should beat chance (10%) by far"
    assert not (result.run_dir / "samples").exists(), "no generator, no sample grids"
    records = (result.run_dir / "metrics.jsonl").read_text().splitlines()
    assert '"loss_g": 0.0' in records[-1] and '"loss_d_unsup": 0.0' in records[-1]
    from sganctl.library import sample

    with pytest.raises(SganctlError, match="trained with --supervised-only, so its generator never trained"):
        sample(result.run_dir, grid=(2, 2), out=tmp_path / "noise.png", device="cpu")
    assert not (tmp_path / "noise.png").exists()


def test_ema_is_the_shipped_classifier_and_learning_rates_decay_to_the_end(tmp_path, data_dir, isolated_env):
    from sganctl.library import evaluate

    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=6, checkpoint_every=6, ema_decay=0.5,
                         lr_decay_start=0.5, lr_d=1e-3, lr_g=4e-4), log=quiet)
    ckpt = checkpoint.load(run.run_dir / "checkpoint.safetensors")
    shipped, raw = ckpt.state("discriminator"), ckpt.state("state.discriminator")
    assert shipped.keys() == raw.keys()
    assert any(not torch.equal(shipped[k], raw[k]) for k in shipped), "the average differs from the last weights"
    assert evaluate(run.run_dir, data_dir=str(data_dir)).accuracy == run.evaluation.accuracy
    # constant for iterations 1-3, then (6 - i + 1) / (6 - 3 + 1): a quarter of the rate at iteration 6
    groups = ckpt.meta["optimizers"]
    assert groups["d"]["param_groups"][0]["lr"] == pytest.approx(1e-3 / 4)
    assert groups["g"]["param_groups"][0]["lr"] == pytest.approx(4e-4 / 4)


def test_eval_every_logs_test_accuracy_for_the_curves_only(tmp_path, data_dir, isolated_env):
    import json

    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=4, checkpoint_every=4, log_every=1,
                         eval_every=2), log=quiet)
    records = [json.loads(line) for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records if "test_accuracy" in r] == [2, 4]
    assert records[-1]["test_accuracy"] == run.evaluation.accuracy  # the same classifier, measured the same way
    assert (run.run_dir / "curves.png").stat().st_size > 0


def test_eval_every_measures_between_log_steps_too(tmp_path, data_dir, isolated_env):
    import json

    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=6, checkpoint_every=6, log_every=4,
                         eval_every=3), log=quiet)
    records = [json.loads(line) for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(r["iteration"], "test_accuracy" in r) for r in records] == [(3, True), (4, False), (6, True)]


def test_compile_without_a_compiler_is_explained(tmp_path, data_dir, isolated_env, monkeypatch):
    import shutil

    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SganctlError, match="--compile on cpu needs a C\\+\\+ compiler .* or drop --compile"):
        train(settings(tmp_path, data_dir, arch="mlp", iterations=1, compile=True), log=quiet)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_keeping_a_finished_run_copies_where_hard_links_fail_and_skips_unfinished_runs(tmp_path, monkeypatch):
    from sganctl import runs

    (tmp_path / "checkpoint.safetensors").write_bytes(b"weights at 7")
    (tmp_path / "result.json").write_text('{"iterations": 5}')
    assert runs.keep_finished(tmp_path, 7) == [], "the checkpoint is past the result: the run was not finished"
    (tmp_path / "result.json").write_text('{"iterations": 7}')

    def no_links(source, target):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(runs.os, "link", no_links)
    assert runs.keep_finished(tmp_path, 7) == ["checkpoint-000007.safetensors", "result-000007.json"]
    assert (tmp_path / "checkpoint-000007.safetensors").read_bytes() == b"weights at 7"
    (tmp_path / "checkpoint.safetensors").write_bytes(b"weights at 9")
    assert runs.keep_finished(tmp_path, 7) == [], "what an earlier resume kept stays as it is"
    assert (tmp_path / "checkpoint-000007.safetensors").read_bytes() == b"weights at 7"
