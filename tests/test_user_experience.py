"""What a user sees: config files and dry runs, curves, terminal previews, info, the Python API."""

import json
import os

import pytest
import torch
from PIL import Image

import sganctl
from sganctl.errors import SganctlError

pytestmark = pytest.mark.e2e


def test_config_precedence_plugin_file_flag_and_dry_run_writes_nothing(sganctl, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('arch = "compact"\nnum-labeled = 200\niterations = 500\nlr_d = 0.0003\n')
    report = sganctl.json("train", "--config", config, "--iterations", "7", "--dry-run")
    values, sources = report["config"], report["sources"]
    assert (values["iterations"], sources["iterations"]) == (7, "flag")
    assert (values["lr_d"], sources["lr_d"]) == (0.0003, "config file")
    assert (values["num_labeled"], sources["num_labeled"]) == (200, "config file")
    assert (values["lr_g"], sources["lr_g"]) == (0.0008, "plugin recipe")
    assert (values["batch_size"], sources["batch_size"]) == (50, "plugin recipe")
    assert report["data_checked"] is None, "no data here: a dry run does not download them to check the counts"
    assert not (sganctl.cwd / "runs").exists(), "a dry run must write nothing"
    bad = tmp_path / "bad.toml"
    bad.write_text('arch = "compact"\nlearning_rate = 1\n')
    assert "unknown option(s) learning_rate" in sganctl("train", "--config", bad, "--dry-run", expect=2).stderr
    wild = tmp_path / "wild.toml"
    wild.write_text('arch = "compact"\nema-decay = 1.5\n')  # once trained on, silently, as an average that grew
    for dry_run in (["--dry-run"], []):
        refused = sganctl("train", "--config", wild, *dry_run, expect=2).stderr
        assert refused.strip() == f"Error: {wild}: ema-decay must be in [0, 1), got 1.5; correct it in the file"
    teacherless = sganctl("train", "--arch", "compact", "--consistency", "1", "--ema-decay", "0", "--dry-run", expect=2)
    assert "--consistency needs a weight average" in teacherless.stderr, "a dry run refuses what the run would"
    assert not (sganctl.cwd / "runs").exists()


@pytest.mark.parametrize("counts, message", [
    (["--num-labeled", "5"], "Error: --num-labeled 5 is fewer than one per class (10 classes); ask for at least 10"),
    (["--num-labeled", "100", "--holdout", "60000"], "Error: class 0 has 5923 training images, fewer than the 6000"),
])
def test_a_dry_run_with_the_data_here_refuses_the_label_counts_the_run_would(sganctl, data_dir, counts, message):
    command = ["train", "--arch", "compact", *counts, "--iterations", "1", "--data-dir", data_dir]
    for dry_run in (["--dry-run"], []):
        assert sganctl(*command, *dry_run, expect=2).stderr.startswith(message)
    checked = sganctl.json("train", "--arch", "compact", "--holdout", "10000", "--dry-run", "--data-dir", data_dir)
    assert checked["data_checked"] == str(data_dir / "mnist")
    assert not (sganctl.cwd / "runs").exists()


def test_run_config_json_repeats_the_run_and_curves_are_drawn(sganctl, data_dir):
    first = sganctl.json("train", "--arch", "mlp", "--num-labeled", "20", "--iterations", "3",
                         "--batch-size", "4", "--seed", "5", "--log-every", "1", "--data-dir", data_dir)
    run = sganctl.cwd / first["run_dir"]
    with Image.open(run / "curves.png") as image:
        assert image.format == "PNG" and image.size[0] > 300
    second = sganctl.json("train", "--config", run / "config.json")
    assert second["run_dir"] != first["run_dir"], "repeating a run makes a new run directory"
    assert second["test_accuracy"] == first["test_accuracy"]
    out = sganctl.cwd / "both.png"
    sganctl("plot", run, sganctl.cwd / second["run_dir"], "--out", out)
    assert Image.open(out).format == "PNG"


def test_sample_show_and_annotate(sganctl, data_dir):
    run = sganctl.cwd / sganctl.json("train", "--arch", "mlp", "--num-labeled", "20", "--iterations", "2",
                                     "--batch-size", "4", "--data-dir", data_dir)["run_dir"]
    proc = sganctl("sample", run, "--grid", "2x3", "--show", "--out", sganctl.cwd / "g.png")
    rows = [line for line in proc.stdout.splitlines() if line.strip() or line.startswith(" ")]
    # NO_COLOR is set by the test environment: the ASCII fallback, one text row per two pixel rows.
    assert len(proc.stdout.splitlines()) == (2 * 30 + 2 + 1) // 2 + 1, proc.stdout
    assert rows[-1].endswith("g.png")
    annotated = sganctl("sample", run, "--grid", "2x2", "--annotate", "--out", sganctl.cwd / "a.png")
    with Image.open(annotated.stdout.strip()) as image:
        assert image.size[0] >= 2 * 64


def test_paths_are_printed_whole_even_long_and_holding_brackets(sganctl, data_dir):
    sganctl.env["COLUMNS"] = "80"  # what rich assumes when the output is a log or a pipe
    out = sganctl.cwd / ("runs [kept] for the comparison of a long and carefully named experiment " + "x" * 40)
    proc = sganctl("train", "--arch", "mlp", "--num-labeled", "20", "--iterations", "2", "--batch-size", "4",
                   "--data-dir", data_dir, "--out", out)
    run = next(out.iterdir())
    assert f"run directory: {run}" in proc.stdout.splitlines(), proc.stdout  # not folded, brackets kept
    assert f"next: sganctl eval {run} ; sganctl sample {run} --grid 4x4" in proc.stdout.splitlines()
    assert f"run directory: {run}" in proc.stderr.splitlines(), proc.stderr  # the log line when training starts
    evaluated = sganctl("eval", run, "--data-dir", data_dir).stdout.splitlines()
    assert f"checkpoint: {run / 'checkpoint.safetensors'} (iteration 2)" in evaluated


def test_the_command_list_says_each_commands_job_whole_in_an_80_column_terminal(sganctl):
    sganctl.env["COLUMNS"] = "80"
    listing = sganctl("--help").stdout.split("Commands:")[1]
    lines = [line for line in listing.splitlines() if line.strip()]
    assert {line.split()[0] for line in lines} >= {"archs", "datasets", "eval", "info", "predict", "sample", "train"}
    assert not [line for line in lines if line.rstrip().endswith("...")]
    for group in ("archs", "datasets"):
        assert "..." not in sganctl(group, "--help").stdout.split("Commands:")[1]


def test_info_json(sganctl):
    report = sganctl.json("info")
    assert report["sganctl"] == sganctl_version() and report["torch"] == torch.__version__
    assert {a["name"] for a in report["architectures"]} >= {"mlp", "dcgan", "compact"}
    assert {d["name"] for d in report["datasets"]} >= {"mnist", "fashion-mnist", "folder"}
    assert report["devices"][0]["type"] == "cpu"


def test_info_says_how_many_cores_and_threads_and_what_a_missing_cudnn_means(sganctl):
    sganctl.env["OMP_NUM_THREADS"] = "1"
    cpu = sganctl.json("info")["devices"][0]
    assert cpu["cores"] == os.cpu_count() and cpu["threads"] == 1, "torch reads OMP_NUM_THREADS"
    table = sganctl("info").stdout
    assert f"{os.cpu_count()} cores, torch uses 1 thread)" in table
    if torch.backends.cudnn.version() is None:  # a CPU-only build, as in CI
        assert "not in this torch build" in table and "None" not in table


def sganctl_version():
    return sganctl.__version__


def test_python_api_trains_evaluates_samples_and_loads_a_classifier(tmp_path, data_dir, isolated_env,
                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sganctl.train("compact", num_labeled=20, iterations=3, batch_size=4, data_dir=str(data_dir))
    evaluation = sganctl.evaluate(result.run_dir)
    assert evaluation.accuracy == pytest.approx(result.evaluation.accuracy)
    picture = sganctl.sample(result.run_dir, grid=(2, 2), seed=1)
    assert picture.is_file()
    classifier = sganctl.load_classifier(result.run_dir)
    assert classifier.class_names == [str(d) for d in range(10)] and not classifier.training
    pixels = torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8)
    assert classifier(pixels).shape == (3, 10)
    assert classifier.predict(pixels)[0][0] in classifier.class_names
    assert json.loads((result.run_dir / "status.json").read_text())["state"] == "completed"
    longer = sganctl.resume(result.run_dir, iterations=4)
    assert longer.run_dir == result.run_dir and longer.iterations == 4
    [summary] = sganctl.list_runs()
    assert (summary.state, summary.iteration, summary.test_accuracy) == ("completed", 4, longer.evaluation.accuracy)
    with pytest.raises(SganctlError, match="cannot resume .* with --seed 9: the run used"):
        sganctl.resume(result.run_dir, iterations=5, seed=9)
    with pytest.raises(TypeError, match="unexpected keyword argument.*: iterationz"):
        sganctl.resume(result.run_dir, iterationz=5)
