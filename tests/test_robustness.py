"""Never lose a run: signals, SIGKILL, divergence, a full disk, and no pickle anywhere."""

import errno
import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO, _sganctl_exe
from fake_plugins import TINY_GENERATOR

from sganctl import checkpoint
from sganctl.config import TrainConfig
from sganctl.errors import SganctlError
from sganctl.training import train

pytestmark = pytest.mark.e2e

LONG_MLP = ["train", "--arch", "mlp", "--num-labeled", "100", "--iterations", "100000", "--batch-size", "8",
            "--log-every", "1"]


def start(sganctl, *args):
    return subprocess.Popen([_sganctl_exe(), *map(str, args)], cwd=sganctl.cwd, env=sganctl.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def run_dir_of(sganctl) -> Path:
    runs = sorted((sganctl.cwd / "runs").iterdir()) if (sganctl.cwd / "runs").exists() else []
    return runs[-1] if runs else None


def metric_lines(run):
    path = run / "metrics.jsonl"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_checkpoints_then_resume_continues(sganctl, data_dir, sig, code):
    proc = start(sganctl, *LONG_MLP, "--checkpoint-every", "1000000", "--data-dir", data_dir)
    wait_for(lambda: run_dir_of(sganctl) and len(metric_lines(run_dir_of(sganctl))) >= 3)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    run = run_dir_of(sganctl)
    match = re.search(rf"interrupted by {sig.name} at iteration (\d+); checkpoint saved; "
                      rf"resume with: sganctl train --resume (\S+)", stderr)
    assert match and "Traceback" not in stderr, stderr
    stopped = int(match.group(1))
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == stopped
    assert json.loads((run / "status.json").read_text())["state"] == "interrupted"
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "curves.png after an interruption"

    summary = sganctl.json("train", "--resume", match.group(2), "--iterations", stopped + 2,
                           "--data-dir", data_dir)
    assert summary["iterations"] == stopped + 2
    iterations = [json.loads(line)["iteration"] for line in metric_lines(run)]
    assert iterations[-3:] == [stopped, stopped + 1, stopped + 2]
    assert json.loads((run / "status.json").read_text())["state"] == "completed"


def test_sigkill_leaves_a_loadable_checkpoint(sganctl, data_dir):
    proc = start(sganctl, *LONG_MLP, "--checkpoint-every", "2", "--data-dir", data_dir)
    wait_for(lambda: run_dir_of(sganctl) and (run_dir_of(sganctl) / "checkpoint.safetensors").exists())
    time.sleep(random.uniform(0, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    run = run_dir_of(sganctl)
    reached = max(json.loads(line)["iteration"] for line in metric_lines(run))
    saved = checkpoint.load(run / "checkpoint.safetensors").meta["iteration"]
    assert reached - saved <= 2, "at most --checkpoint-every iterations may be lost"
    assert sganctl.json("eval", run, "--data-dir", data_dir)["num_test"] == 10000
    sganctl("train", "--resume", run, "--iterations", saved + 1, "--data-dir", data_dir)


NAN_PLUGIN = '''
import torch
from torch import nn
from sganctl.api import Architecture, DiscriminatorOutput, Recipe

CALLS = [0]

class D(nn.Module):
    def __init__(self, k, image):
        super().__init__()
        self.f = nn.Sequential(nn.Flatten(), nn.Linear(image.channels * image.height * image.width, k))
    def forward(self, x):
        CALLS[0] += 1
        logits = self.f(x)
        if CALLS[0] > 8:  # the shape probe is call 1; each iteration makes 2 (one joint D forward, one for G)
            logits = logits * float("nan")
        return DiscriminatorOutput(logits, logits)

''' + TINY_GENERATOR + '''
class Blowup(Architecture):
    name = "blowup"
    description = "turns NaN after a few iterations"
    image_size = (28, 28)
    recipe = Recipe(z_dim=8, batch_size=4, iterations=10)
    def build_generator(self, z_dim, image):
        return TinyG(z_dim, image)
    def build_discriminator(self, num_classes, image):
        return D(num_classes, image)
'''


def test_divergence_stops_and_keeps_the_last_good_checkpoint(sganctl, data_dir, tmp_path):
    (tmp_path / "blowup.py").write_text(NAN_PLUGIN)
    sganctl.env["PYTHONPATH"] = str(tmp_path)
    proc = sganctl("train", "--arch", "blowup:Blowup", "--num-labeled", "10", "--checkpoint-every", "2",
                   "--log-every", "10", "--data-dir", data_dir, expect=1)
    assert "training diverged: non-finite losses at iteration 4" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    run = run_dir_of(sganctl)
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "diverged" and status["iteration"] == 4
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 2


def test_full_disk_while_checkpointing(tmp_path, data_dir, isolated_env, monkeypatch):
    real_write = Path.write_bytes
    writes = []

    def filling_disk(self, data):
        if self.name.startswith(".checkpoint"):
            writes.append(self)
            if len(writes) > 1:
                real_write(self, data[: len(data) // 3])  # part of it lands, then the disk is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", filling_disk)
    config = TrainConfig(arch="mlp", num_labeled=10, iterations=6, batch_size=4, checkpoint_every=2,
                         device="cpu", data_dir=str(data_dir), out=str(tmp_path / "runs"))
    with pytest.raises(SganctlError, match="cannot write .*checkpoint.safetensors: No space left on device"):
        train(config, log=lambda m: None)
    run = next((tmp_path / "runs").iterdir())
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 2
    assert not [p.name for p in run.iterdir() if ".tmp-" in p.name], "temporary files left behind"
    assert json.loads((run / "status.json").read_text())["state"] == "failed"


def test_a_plotting_library_that_fails_to_import_costs_the_curves_not_the_run(tmp_path, data_dir, isolated_env,
                                                                            monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "sganctl.plots", raising=False)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as a broken or half-upgraded install would
    config = TrainConfig(arch="mlp", num_labeled=10, iterations=2, batch_size=4, device="cpu",
                         data_dir=str(data_dir), out=str(tmp_path / "runs"))
    said = []
    result = train(config, log=said.append)
    assert json.loads((result.run_dir / "status.json").read_text())["state"] == "completed"
    assert (result.run_dir / "result.json").is_file() and not (result.run_dir / "curves.png").exists()
    assert any(m.startswith(f"could not draw {result.run_dir / 'curves.png'}") for m in said)


def test_no_pickle_in_the_source_tree():
    forbidden = re.compile(r"(?<![\w.])torch\.load\(|\bimport pickle\b|\bpickle\.loads?\(|allow_pickle\s*=\s*True|cPickle")
    offenders = []
    for folder in ("sganctl", "plugins", "examples"):
        for path in (REPO / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if forbidden.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, offenders


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--arch", "compact", "--batch-size", "0"], "--batch-size"),
        (["train", "--arch", "mlp", "--consistency", "1", "--ema-decay", "0"], "--consistency needs a weight average"),
        (["train", "--arch", "compact", "--out", "{file}"], "cannot create a run directory"),
        (["train", "--resume", "{empty}"], "holds no checkpoint.safetensors"),
        (["eval", "{foreign}"], "not an sganctl checkpoint"),
    ],
)
def test_more_bad_input(sganctl, data_dir, tmp_path, args, message):
    import safetensors.torch
    import torch

    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "empty").mkdir()
    safetensors.torch.save_file({"w": torch.zeros(3)}, str(tmp_path / "foreign.safetensors"))
    places = {"{file}": str(tmp_path / "a-file" / "runs"), "{empty}": str(tmp_path / "empty"),
              "{foreign}": str(tmp_path / "foreign.safetensors")}
    args = [places.get(a, a) for a in args] + (["--data-dir", str(data_dir)] if args[0] == "train" else [])
    proc = sganctl(*args, expect=2)
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 or proc.stderr.startswith("Usage:"), proc.stderr
