"""torchrun on the CPU (Gloo): two processes train one run, rank 0 alone writes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sganctl import checkpoint


def _torchrun(*args, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    exe = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    assert exe, "torchrun is installed with torch"
    proc = subprocess.run([exe, "--nproc-per-node", "2", "--standalone", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"torchrun {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stderr}"
    return proc


@pytest.fixture
def two_process_run(sganctl, data_dir):
    out = sganctl.cwd / "runs"
    proc = _torchrun("-m", "sganctl", "train", "--arch", "mlp", "--num-labeled", "100", "--iterations", "6",
                     "--log-every", "2", "--checkpoint-every", "3", "--data-dir", data_dir, "--out", out, "--json",
                     cwd=sganctl.cwd, env=sganctl.env)
    return out, proc


def test_two_processes_write_one_run_that_evaluates(two_process_run, sganctl, data_dir):
    out, proc = two_process_run
    runs = sorted(out.iterdir())
    assert [r.name for r in runs] == ["00000-mlp-mnist-100"]  # rank 1 wrote nothing
    run = runs[0]
    summary = json.loads(proc.stdout)  # rank 0 alone printed its JSON
    assert summary["run_dir"] == str(run) and summary["iterations"] == 6
    assert json.loads((run / "config.json").read_text())["world_size"] == 2
    assert checkpoint.load(run / "checkpoint.safetensors").meta["world_size"] == 2
    assert [json.loads(line)["iteration"] for line in (run / "metrics.jsonl").read_text().splitlines()] == [2, 4, 6]
    assert "2 processes of batch 32" in proc.stderr
    assert proc.stderr.count("run directory:") == 1  # rank 1 logged nothing
    evaluation = sganctl.json("eval", run, "--data-dir", data_dir)
    assert evaluation["accuracy"] == pytest.approx(summary["test_accuracy"])


def test_console_script_under_torchrun_resumes_the_run(two_process_run, sganctl):
    out, _ = two_process_run
    run = out / "00000-mlp-mnist-100"
    _torchrun("--no-python", "sganctl", "train", "--resume", run, "--iterations", "8", cwd=sganctl.cwd, env=sganctl.env)
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 8
    assert sorted(p.name for p in out.iterdir()) == ["00000-mlp-mnist-100"]


def test_a_global_batch_that_does_not_split_is_refused(sganctl, data_dir):
    exe = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    proc = subprocess.run([exe, "--nproc-per-node", "2", "--standalone", "-m", "sganctl", "train",
                           "--arch", "mlp", "--batch-size", "7", "--iterations", "1", "--data-dir", str(data_dir)],
                          cwd=sganctl.cwd, env=sganctl.env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode != 0
    assert "Error: --batch-size 7 is the global batch and does not split evenly over 2 processes" in proc.stderr
    assert "sganctl/" not in proc.stderr.replace(str(data_dir), "")  # torchrun reports the failure; no frame of ours
    assert not (sganctl.cwd / "runs").exists()
