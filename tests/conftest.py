"""Shared fixtures: where the real test data live, and how to run the installed command; and a run's saved tensors,
which several tests compare bit for bit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sganctl import checkpoint

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SGANCTL_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


def convolution_strides(discriminator) -> list:
    """The stride of each convolution in a discriminator's ``trunk``, in order: 2 for a stride-2 one, 1 for a refining one."""
    return [m.stride[0] for m in discriminator.trunk if isinstance(m, torch.nn.Conv2d)]


def weights(run_dir: Path) -> dict:
    """Every tensor a run's checkpoint holds: networks, their average and the optimisers' state."""
    return checkpoint.load(run_dir / "checkpoint.safetensors").tensors


def assert_same_tensors(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"tensors differ: {different[:5]}"


def _sganctl_exe() -> str:
    found = shutil.which("sganctl", path=str(Path(sys.executable).parent)) or shutil.which("sganctl")
    if not found:
        pytest.fail("the sganctl command is not installed; run: pip install -e '.[test]'")
    return found


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.fail(f"test data not found in {DATA_DIR}; set SGANCTL_TEST_DATA to a folder holding mnist/")
    return DATA_DIR


@pytest.fixture
def isolated_env(tmp_path, monkeypatch) -> dict:
    """An environment with an empty cache and a mirror that refuses connections: nothing downloads."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SGANCTL_CACHE", str(cache))
    monkeypatch.setenv("SGANCTL_MIRROR", "http://127.0.0.1:9")
    monkeypatch.delenv("SGANCTL_DATA_DIR", raising=False)
    env = dict(os.environ)
    env.update(NO_COLOR="1", COLUMNS="200")
    return env


class Runner:
    def __init__(self, cwd: Path, env: dict):
        self.cwd, self.env = cwd, env

    def __call__(self, *args, expect: int | None = 0, timeout: float = 600):
        proc = subprocess.run(
            [_sganctl_exe(), *map(str, args)], cwd=self.cwd, env=self.env,
            capture_output=True, text=True, check=False, timeout=timeout,
        )
        if expect is not None:
            assert proc.returncode == expect, (
                f"sganctl {' '.join(map(str, args))} exited {proc.returncode}, expected {expect}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def json(self, *args):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def sganctl(tmp_path, isolated_env) -> Runner:
    """Run the installed ``sganctl`` in a fresh working directory."""
    work = tmp_path / "work"
    work.mkdir()
    return Runner(work, isolated_env)
