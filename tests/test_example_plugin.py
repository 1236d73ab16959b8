"""The example third-party plugin, installed for real with pip, used, then uninstalled."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "examples" / "sganctl-resnet"


def pip(*args):
    proc = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("editable", [False, True], ids=["wheel", "editable"])
def test_install_train_eval_sample_uninstall(editable, sganctl, data_dir):
    pip("install", "--quiet", "--no-deps", *(["-e"] if editable else []), str(EXAMPLE))
    try:
        rows = {row["name"]: row for row in sganctl.json("archs")}
        assert rows["resnet"]["status"] == "ok", rows["resnet"]
        assert rows["resnet"]["package"].replace("_", "-") == "sganctl-resnet"
        assert rows["resnet"]["version"] == "0.1.0"
        assert sganctl.json("archs", "check", "resnet")["passed"]
        summary = sganctl.json("train", "--arch", "resnet", "--num-labeled", "50", "--iterations", "3",
                               "--batch-size", "8", "--data-dir", data_dir)
        run = sganctl.cwd / summary["run_dir"]
        assert sganctl.json("eval", run, "--data-dir", data_dir)["num_test"] == 10000
        grid = Path(sganctl("sample", run, "--grid", "2x2").stdout.strip())
        assert (sganctl.cwd / grid).is_file()
    finally:
        pip("uninstall", "--yes", "sganctl-resnet")
    names = {row["name"] for row in sganctl.json("archs")}
    assert "resnet" not in names
