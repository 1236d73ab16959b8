"""End to end: the installed ``sganctl`` command on real MNIST with tiny iteration counts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

TRAIN_SETUPS = {
    "compact": ["--num-labeled", "100"],
    "mlp": ["--num-labeled", "1000"],
    "dcgan": ["--labeled-rate", "0.2"],
}


@pytest.mark.parametrize("arch", sorted(TRAIN_SETUPS))
def test_train_eval_sample(arch, sganctl, data_dir):
    summary = sganctl.json(
        "train", "--arch", arch, *TRAIN_SETUPS[arch], "--iterations", "3", "--batch-size", "8",
        "--labeled-batch-size", "8", "--data-dir", data_dir, "--log-every", "1",
    )
    run = Path(summary["run_dir"])
    if not run.is_absolute():
        run = sganctl.cwd / run
    assert summary["iterations"] == 3 and 0.0 <= summary["test_accuracy"] <= 1.0
    assert (run / "checkpoint.safetensors").is_file()
    config = json.loads((run / "config.json").read_text())
    assert config["arch"] == arch and config["config"]["iterations"] == 3
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["iteration"] for m in metrics] == [1, 2, 3]
    assert {"loss_d_sup", "loss_d_unsup", "loss_g", "acc_labeled", "seconds"} <= set(metrics[0])
    assert list((run / "samples").glob("iter-*.png"))

    report = sganctl.json("eval", run, "--data-dir", data_dir)
    assert report["num_test"] == 10000
    assert len(report["per_class"]) == 10 and len(report["confusion"]) == 10
    assert sum(map(sum, report["confusion"])) == 10000
    assert report["accuracy"] == pytest.approx(summary["test_accuracy"])

    grid = sganctl.cwd / f"{arch}.png"
    printed = sganctl("sample", run, "--grid", "2x3", "--out", grid).stdout.strip()
    assert Path(printed) == grid
    size = 28 if arch != "dcgan" else 64
    with Image.open(grid) as image:
        assert image.format == "PNG"
        assert image.size == (3 * (size + 2) + 2, 2 * (size + 2) + 2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir):
    """One small compact run, in a working directory whose ./runs is the default."""
    import os

    work = tmp_path_factory.mktemp("work")
    env = dict(os.environ, SGANCTL_CACHE=str(work / "cache"), SGANCTL_MIRROR="http://127.0.0.1:9", NO_COLOR="1")
    from conftest import Runner

    runner = Runner(work, env)
    runner("train", "--arch", "compact", "--num-labeled", "20", "--iterations", "2", "--batch-size", "4",
           "--data-dir", data_dir)
    return runner


def test_eval_and_sample_default_to_latest_run(trained, data_dir):
    proc = trained("eval", "--data-dir", data_dir)
    assert "test accuracy" in proc.stdout and "Confusion matrix" in proc.stdout
    first = trained("sample", "--grid", "4x4").stdout.strip()
    second = trained("sample", "--grid", "4x4").stdout.strip()
    assert first != second, "a second sample must not overwrite the first"
    assert Path(trained.cwd / first).read_bytes() == Path(trained.cwd / second).read_bytes(), "same seed, same picture"
    with Image.open(trained.cwd / first) as image:
        assert image.size == (4 * 30 + 2, 4 * 30 + 2)


def test_sample_refuses_to_overwrite_without_force(trained):
    target = trained.cwd / "g.png"
    trained("sample", "--out", target)
    proc = trained("sample", "--out", target, expect=2)
    assert "exists; pass --force" in proc.stderr
    trained("sample", "--out", target, "--force", "--seed", "3")


def test_runs_are_numbered_and_never_reused(trained, data_dir):
    trained("train", "--arch", "mlp", "--num-labeled", "10", "--iterations", "1", "--batch-size", "2",
            "--data-dir", data_dir)
    names = sorted(p.name for p in (trained.cwd / "runs").iterdir())
    assert names[0].startswith("00000-compact") and names[-1].startswith("00001-mlp")
    listed = trained.json("runs")
    assert [Path(row["run_dir"]).name for row in listed] == names
    for row in listed:
        result = json.loads((trained.cwd / row["run_dir"] / "result.json").read_text())
        assert row["state"] == "completed" and row["iteration"] == row["iterations"] == result["iterations"]
        assert row["test_accuracy"] == result["accuracy"] and not row["supervised_only"]
    assert names[-1] in trained("runs").stdout


def test_python_dash_m_and_archs(sganctl):
    proc = subprocess.run([sys.executable, "-m", "sganctl", "archs", "--json"], capture_output=True, check=False,
                          text=True, cwd=sganctl.cwd, env=sganctl.env)
    rows = {row["name"]: row for row in json.loads(proc.stdout)}
    assert proc.returncode == 0
    assert {"mlp", "dcgan", "compact"} <= set(rows) and all(rows[n]["status"] == "ok" for n in TRAIN_SETUPS)
    assert "compact" in sganctl("archs").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--arch", "compcat"], "did you mean compact"),
        (["train", "--arch", "compact", "--device", "cuda:7"], "cuda:7"),
        (["train", "--arch", "compact", "--iterations", "-1"], "--iterations"),
        (["train", "--arch", "compact", "--labeled-rate", "1.5"], "--labeled-rate"),
        (["train", "--arch", "compact", "--num-labeled", "5"], "fewer than one per class"),
        (["train", "--arch", "mlp", "--holdout", "70000"], "--holdout 70000 is more than the 60000"),
        (["sample", "--grid", "4by4"], "is not ROWSxCOLS"),
        (["eval"], "no run with a checkpoint under runs/"),
        (["eval", "missing.safetensors"], "no such checkpoint"),
    ],
)
def test_user_errors_exit_2_with_one_line(sganctl, data_dir, args, message):
    if args[0] == "train":
        args = [*args, "--data-dir", data_dir]
        if "--iterations" not in args:
            args += ["--iterations", "1"]
    proc = sganctl(*args, expect=2)
    assert message in proc.stderr and "Traceback" not in proc.stderr
    if args[0] == "train":
        assert not (sganctl.cwd / "runs").exists(), "a failed start must not leave a run directory"


def test_missing_data_names_the_files_and_the_fix(sganctl, tmp_path):
    proc = sganctl("train", "--arch", "compact", "--data-dir", tmp_path / "empty", expect=2)
    assert "train-images-idx3-ubyte.gz" in proc.stderr and "SGANCTL_DATA_DIR" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_corrupt_checkpoint_exit_2(sganctl, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    proc = sganctl("eval", bad, expect=2)
    assert "truncated or corrupt" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_unpackaged_plugin_trains_and_evaluates(sganctl, data_dir, tmp_path):
    from fake_plugins import GOOD_ARCH

    (tmp_path / "devplugin.py").write_text(GOOD_ARCH.format(name="dev", api_version=1))
    sganctl.env["PYTHONPATH"] = str(tmp_path)
    assert sganctl.json("archs", "show", "devplugin:Tiny")["name"] == "devplugin:Tiny"
    sganctl("archs", "check", "devplugin:Tiny")
    summary = sganctl.json("train", "--arch", "devplugin:Tiny", "--num-labeled", "10", "--iterations", "2",
                           "--data-dir", data_dir)
    assert "devplugin_Tiny" in summary["run_dir"]
    assert sganctl.json("eval", "--data-dir", data_dir)["num_test"] == 10000


def test_two_head_plugin_trains_with_its_real_fake_head(sganctl, data_dir, tmp_path):
    from fake_plugins import TWO_HEAD_ARCH

    (tmp_path / "twohead.py").write_text(TWO_HEAD_ARCH)
    sganctl.env["PYTHONPATH"] = str(tmp_path)
    sganctl("archs", "check", "twohead:TwoHead")
    summary = sganctl.json("train", "--arch", "twohead:TwoHead", "--num-labeled", "10", "--iterations", "3",
                           "--log-every", "1", "--data-dir", data_dir)
    run = sganctl.cwd / summary["run_dir"]
    losses = [json.loads(line)["loss_d_unsup"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert len(losses) == 3 and all(0 < loss < 10 for loss in losses)
    assert sganctl.json("eval", run, "--data-dir", data_dir)["accuracy"] == summary["test_accuracy"]


def test_holdout_accuracy_is_printed_and_in_the_json(sganctl, data_dir):
    common = ["train", "--arch", "mlp", "--num-labeled", "20", "--iterations", "2", "--holdout", "300",
              "--data-dir", data_dir]
    printed = sganctl(*common).stdout
    assert "held-out accuracy:" in printed and "on 300 training images set aside by --holdout" in printed
    summary = sganctl.json(*common)
    assert summary["num_holdout"] == 300 and 0.0 <= summary["holdout_accuracy"] <= 1.0


def test_archs_show_and_check_builtins(sganctl):
    shown = sganctl.json("archs", "show", "dcgan")
    assert shown["image_size"] == [64, 64] and shown["recipe"]["generator_loss"] == "non-saturating+feature-matching"
    assert shown["parameters"]["generator"] > 0 and shown["parameters"]["discriminator"] > 0
    report = sganctl.json("archs", "check", "compact")
    assert report["passed"] and len(report["checks"]) == 16
