"""Broken plugins installed for real with pip: each fault is reported and isolated."""

import subprocess
import sys

import pytest
from conftest import REPO, Runner

pytestmark = pytest.mark.e2e

FIXTURE = REPO / "tests" / "fixtures" / "broken-plugins"


def pip(*args):
    proc = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def broken_installed():
    pip("install", "--quiet", "--no-deps", str(FIXTURE))
    yield
    pip("uninstall", "--yes", "sganctl-broken-fixtures")


@pytest.fixture
def cli(broken_installed, sganctl) -> Runner:
    return sganctl


def test_archs_reports_each_fault_and_exits_0(cli):
    rows = {row["name"]: row for row in cli.json("archs")}
    origin = "sganctl-broken-fixtures 6.6.6"
    status = {name: rows[name]["status"] for name in ("ghost", "raiser", "future", "compact")}
    assert status["ghost"].startswith("error:") and "failed to import (ModuleNotFoundError" in status["ghost"]
    assert "factory exploded" in status["raiser"]
    assert "targets plugin API version 99" in status["future"]
    assert "several packages" in status["compact"] and "sganctl 0.1.0" in status["compact"]
    for name in ("ghost", "raiser", "future", "compact"):
        assert origin in status[name].replace("_", "-"), status[name]
    assert rows["mlp"]["status"] == "ok" and rows["dcgan"]["status"] == "ok"
    assert rows["badshape"]["status"] == "ok", "shapes are only known once the networks run"
    table = cli("archs").stdout
    assert "factory exploded" in table and "mlp" in table


def test_archs_check_fails_on_wrong_shapes(cli):
    proc = cli("archs", "check", "badshape", expect=1)
    assert "FAIL" in proc.stdout and "logits have shape (4, 15), expected (4, 10)" in proc.stdout
    proc = cli("archs", "check", "badshape", "--json", expect=1)
    assert '"passed": false' in proc.stdout


def test_training_refuses_a_broken_plugin_and_others_still_train(cli, data_dir):
    for name, message in (
        ("badshape", "logits have shape (2, 15), expected (2, 10)"),
        ("ghost", "failed to import"),
        ("compact", "uninstall all but one"),
    ):
        proc = cli("train", "--arch", name, "--num-labeled", "10", "--iterations", "1",
                   "--data-dir", data_dir, expect=2)
        assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert "sganctl-broken-fixtures 6.6.6" in proc.stderr.replace("_", "-")
    assert not (cli.cwd / "runs").exists(), "a refused plugin must not leave a run directory"
    cli("train", "--arch", "mlp", "--num-labeled", "10", "--iterations", "1", "--batch-size", "4",
        "--data-dir", data_dir)


def test_sganctl_plugins_limits_and_disambiguates(cli, data_dir):
    cli.env["SGANCTL_PLUGINS"] = "compact@sganctl,mlp"
    rows = {row["name"]: row for row in cli.json("archs")}
    assert set(rows) == {"compact", "mlp"} and rows["compact"]["status"] == "ok"
    cli("train", "--arch", "compact", "--num-labeled", "10", "--iterations", "1", "--batch-size", "4",
        "--data-dir", data_dir)
    proc = cli("train", "--arch", "dcgan", "--data-dir", data_dir, expect=2)
    assert "limited by SGANCTL_PLUGINS" in proc.stderr
