"""The benchmark scripts' own logic: result files, the accuracy table, and the arithmetic each loop does."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from conftest import REPO, assert_same_tensors, weights

import sganctl

sys.path.insert(0, str(REPO / "benchmarks"))
import accuracy
import results_file
import throughput


def _entry(setup: str, iterations: int, accuracy_: float) -> dict:
    part = {"per_seed": [{"seed": 0, "accuracy": accuracy_}], "mean": accuracy_, "std": 0.0}
    return {"setup": setup, "iterations": iterations, "seeds": [0], "semi_supervised": part,
            "supervised_only": {**part, "mean": accuracy_ - 0.1}, "gain": 0.1, "wall_seconds": 12.0}


def test_merge_rows_creates_the_file_then_replaces_only_rows_measured_again(tmp_path):
    path = tmp_path / "results.json"
    results_file.merge_rows(path, [_entry("a", 100, 0.5), _entry("b", 100, 0.6)], accuracy.measured_again)
    results_file.merge_rows(path, [_entry("a", 100, 0.9)], accuracy.measured_again)
    rows = json.loads(path.read_text())
    assert [(r["setup"], r["semi_supervised"]["mean"]) for r in rows] == [("b", 0.6), ("a", 0.9)]


def _merge_setups(path: str, prefix: str, count: int) -> None:
    for i in range(count):
        results_file.merge_rows(Path(path), [_entry(f"{prefix}-{i}", 100, 0.5)], accuracy.measured_again)


def _exit_codes_at_once(target, argument_lists: list) -> list:
    """Run ``target`` in one spawned process per argument tuple, all at once; their exit codes."""
    processes = [multiprocessing.get_context("spawn").Process(target=target, args=args) for args in argument_lists]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    return [process.exitcode for process in processes]


def test_merge_rows_from_processes_at_once_keeps_every_row(tmp_path):
    path = tmp_path / "results.json"
    assert _exit_codes_at_once(_merge_setups, [(str(path), f"p{n}", 40) for n in range(4)]) == [0, 0, 0, 0]
    rows = json.loads(path.read_text())
    assert sorted(r["setup"] for r in rows) == sorted(f"p{n}-{i}" for n in range(4) for i in range(40))
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []  # no temporary file left behind


def _merge_recipes_naming_curves(path: str, process: int, count: int) -> None:
    for i in range(count):
        # the same key, another recipe each time: no row replaces another, so each takes the next free name
        entry = {**_entry("compact-100", 8000, 0.99), "recipe": {"consistency": float(100 * process + i)}}

        def name_curves(old_rows: list, entry: dict = entry) -> None:
            entry["curves"] = accuracy.curves_name(entry, old_rows)
            time.sleep(0.01)  # as plotting takes a while: another process reading the rows now would see the name free

        results_file.merge_rows(Path(path), [entry], accuracy.measured_again, before_write=name_curves)


def test_curves_named_by_harnesses_writing_one_file_at_once_are_all_distinct(tmp_path):
    path = tmp_path / "results.json"
    assert _exit_codes_at_once(_merge_recipes_naming_curves, [(str(path), n, 10) for n in range(3)]) == [0, 0, 0]
    names = [r["curves"] for r in json.loads(path.read_text())]
    assert sorted(names) == sorted(["compact-100-8000.png"] + [f"compact-100-8000-{n}.png" for n in range(2, 31)])


def test_a_setup_measured_at_another_iteration_count_keeps_both_rows(tmp_path):
    path = tmp_path / "results.json"
    results_file.merge_rows(path, [_entry("compact-100", 2000, 0.92)], accuracy.measured_again)
    results_file.merge_rows(path, [_entry("compact-100", 8000, 0.95)], accuracy.measured_again)
    table = accuracy.markdown_table(json.loads(path.read_text())).splitlines()
    assert len(table) == 4
    assert table[2].startswith("| compact-100 | 2000 | 0 | 92.00% | 82.00% | +10.00 |")
    assert table[3].startswith("| compact-100 | 8000 |")


def test_a_row_with_an_overridden_generator_loss_keeps_the_default_row_and_is_named_in_the_table(tmp_path):
    path = tmp_path / "results.json"
    results_file.merge_rows(path, [_entry("mlp-1000", 40000, 0.984)], accuracy.measured_again)
    overridden = {**_entry("mlp-1000", 40000, 0.986), "generator_loss": "feature-matching"}
    results_file.merge_rows(path, [overridden], accuracy.measured_again)
    results_file.merge_rows(path, [_entry("mlp-1000", 40000, 0.985)], accuracy.measured_again)
    table = accuracy.markdown_table(json.loads(path.read_text())).splitlines()
    assert [line.split(" | ")[:4] for line in table[2:]] == [
        ["| mlp-1000 (`--generator-loss feature-matching`)", "40000", "0", "98.60%"],
        ["| mlp-1000", "40000", "0", "98.50%"]]


def test_a_row_with_overridden_batch_sizes_keeps_the_default_row_and_is_named_in_the_table(tmp_path):
    path = tmp_path / "results.json"
    results_file.merge_rows(path, [{**_entry("compact-100", 2000, 0.958), "batch_size": 50}], accuracy.measured_again)
    results_file.merge_rows(path, [_entry("compact-100", 2000, 0.962)], accuracy.measured_again)
    both = {**_entry("compact-100", 2000, 0.95), "batch_size": 50, "generator_loss": "feature-matching"}
    results_file.merge_rows(path, [both], accuracy.measured_again)
    table = accuracy.markdown_table(json.loads(path.read_text())).splitlines()
    assert [line.split(" | ")[:4] for line in table[2:]] == [
        ["| compact-100 (`--batch-size 50`)", "2000", "0", "95.80%"],
        ["| compact-100", "2000", "0", "96.20%"],
        ["| compact-100 (`--generator-loss feature-matching`, `--batch-size 50`)", "2000", "0", "95.00%"]]


def test_both_commands_carry_an_overridden_batch_size_for_both_batches():
    setup = accuracy.SETUPS["compact-100"]
    for supervised in (False, True):
        command = accuracy.command_for(setup, 2, 4000, supervised=supervised, batch_size=50)
        assert "--iterations 4000" in command and " --batch-size 50 --labeled-batch-size 50 " in command
    assert "--batch-size" not in accuracy.command_for(setup, 2, None, supervised=False)


def test_a_row_of_several_seeds_shows_mean_spread_and_seeds_while_a_single_seed_row_shows_its_accuracy_alone():
    two = _entry("mlp-100", 15000, 0.97)
    two["semi_supervised"] = {"per_seed": [{"accuracy": 0.9721}, {"accuracy": 0.9760}], "mean": 0.97405, "std": 0.0028}
    one = _entry("dcgan-100", 1000, 0.8279)
    [_, _, first, second] = accuracy.markdown_table([two, one]).splitlines()
    assert first.split(" | ")[3] == "97.41% ± 0.28 (97.21, 97.60)"
    assert second.split(" | ")[3:5] == ["82.79%", "72.79%"]


def test_only_the_semi_supervised_command_carries_the_generator_loss():
    setup = accuracy.SETUPS["mlp-1000"]
    assert accuracy.command_for(setup, 1, 40000, supervised=False, generator_loss="feature-matching") == (
        "sganctl train --arch mlp --num-labeled 1000 --seed 1 --iterations 40000 --generator-loss feature-matching"
        " --data-dir ../shared/data")
    assert "--generator-loss" not in accuracy.command_for(setup, 1, 40000, supervised=True)


def test_a_row_spells_out_the_recipes_iteration_count_so_its_commands_survive_a_new_default():
    args = argparse.Namespace(iterations=None, generator_loss=None, batch_size=None, eval_every=500, precision=None,
                              jobs=1)

    def run(seed, accuracy_):
        return {"seed": seed, "accuracy": accuracy_, "iterations": 40000, "seconds": 10.0, "run_dir": "runs/x",
                "generator_loss": "non-saturating", "test_accuracy_curve": [],
                "recipe": {"generator_loss": "non-saturating", "consistency": 0.0 if seed else 0.5}}

    entry = accuracy.results_entry("mlp-100", [0, 1], "cpu", args, [run(0, 0.98), run(1, 0.97)],
                                   [run(0, 0.75), run(1, 0.73)])
    assert " --iterations 40000 " in entry["command"] and " --iterations 40000 " in entry["baseline_command"]
    assert entry["baseline_command"].endswith("--supervised-only --data-dir ../shared/data")
    assert entry["gain"] == pytest.approx(0.235)
    assert not {"generator_loss", "batch_size", "precision", "runs_at_once"} & set(entry)
    assert all("run_dir" not in r and "recipe" not in r
               for r in entry["semi_supervised"]["per_seed"] + entry["supervised_only"]["per_seed"])
    assert entry["recipe"] == {"generator_loss": "non-saturating", "consistency": 0.5}, "the first SSL run's"
    assert entry["networks"] == accuracy.plugin_networks("mlp")


def test_a_setup_whose_recipe_changed_keeps_its_earlier_row_named_by_what_differed(tmp_path):
    path = tmp_path / "results.json"
    recipe = {"lr_d": 8e-4, "consistency": 0.0, "betas_d": [0.5, 0.999]}
    legacy = _entry("compact-100", 4000, 0.955)  # written before entries recorded their recipe
    results_file.merge_rows(path, [legacy], accuracy.measured_again)
    results_file.merge_rows(path, [{**_entry("compact-100", 4000, 0.9668), "recipe": recipe}], accuracy.measured_again)
    assert [r["semi_supervised"]["mean"] for r in json.loads(path.read_text())] == [0.9668], "legacy rows replaced"
    taught = {**recipe, "consistency": 10.0}
    results_file.merge_rows(path, [{**_entry("compact-100", 4000, 0.9761), "recipe": taught}], accuracy.measured_again)
    results_file.merge_rows(path, [{**_entry("compact-100", 4000, 0.9770), "recipe": taught}], accuracy.measured_again)
    rows = json.loads(path.read_text())
    assert [r["semi_supervised"]["mean"] for r in rows] == [0.9668, 0.9770], "the same recipe again replaces its row"
    table = accuracy.markdown_table(rows, current=lambda entry: taught).splitlines()
    assert [line.split(" | ")[:4] for line in table[2:]] == [
        ["| compact-100 (earlier recipe: consistency 0.0)", "4000", "0", "96.68%"],
        ["| compact-100", "4000", "0", "97.70%"]]


def test_a_setup_whose_networks_changed_keeps_its_earlier_row_named_by_their_weight_counts(tmp_path):
    path, recipe = tmp_path / "results.json", {"consistency": 10.0}
    shallow, deep = {"discriminator": 316938, "generator": 7}, {"discriminator": 612106, "generator": 7}
    results_file.merge_rows(path, [{**_entry("compact-100", 8000, 0.9837), "recipe": recipe, "networks": shallow}],
                            accuracy.measured_again)
    results_file.merge_rows(path, [{**_entry("compact-100", 8000, 0.9870), "recipe": recipe, "networks": deep}],
                            accuracy.measured_again)
    results_file.merge_rows(path, [{**_entry("compact-100", 8000, 0.9880), "recipe": recipe, "networks": deep}],
                            accuracy.measured_again)
    rows = json.loads(path.read_text())
    assert [r["semi_supervised"]["mean"] for r in rows] == [0.9837, 0.9880], "the same networks replace their row"
    table = accuracy.markdown_table(rows, current=lambda entry: recipe, networks=lambda entry: deep).splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == [
        "| compact-100 (earlier networks: discriminator of 316,938 weights)", "| compact-100"]
    assert accuracy.curves_name(rows[1], rows) == "compact-100-8000-2.png"  # the earlier row keeps its picture


def test_a_change_of_layers_without_weights_keeps_the_earlier_row_and_names_it(tmp_path):
    path, recipe = tmp_path / "results.json", {"consistency": 10.0}
    counts = {"discriminator": 612106, "generator": 7}
    unshifted, shifted = {**counts, "discriminator layers": "aaa"}, {**counts, "discriminator layers": "bbb"}
    for accuracy_, networks in ((0.90, counts), (0.91, unshifted), (0.97, shifted)):
        results_file.merge_rows(path, [{**_entry("dcgan-100", 4700, accuracy_), "recipe": recipe,
                                        "networks": networks}], accuracy.measured_again)
    rows = json.loads(path.read_text())
    # counts alone (rows before the digests) are replaced by the same counts; the digest tells the shift apart
    assert [r["semi_supervised"]["mean"] for r in rows] == [0.91, 0.97]
    table = accuracy.markdown_table(rows, current=lambda entry: recipe, networks=lambda entry: shifted).splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == [
        "| dcgan-100 (earlier networks: other discriminator layers)", "| dcgan-100"]


def test_the_layer_digest_sees_a_setting_that_has_no_weights():
    from sganctl_dcgan import DCGANDiscriminator

    from sganctl.api import ImageSpec
    from sganctl.contract import layers_digest as digest
    image = ImageSpec(1, 64, 64)
    assert digest(DCGANDiscriminator(10, image)) == digest(DCGANDiscriminator(10, image))
    assert digest(DCGANDiscriminator(10, image)) != digest(DCGANDiscriminator(10, image, shift=0))
    assert digest(DCGANDiscriminator(10, image)) != digest(DCGANDiscriminator(10, image, dropout=0.5))
    networks = accuracy.plugin_networks("dcgan")
    assert set(networks) == {"discriminator", "generator", "discriminator layers", "generator layers"}


def test_the_installed_plugins_networks_are_counted_as_built_for_mnist():
    from sganctl_compact import Compact, CompactDiscriminator

    from sganctl.api import ImageSpec
    three = CompactDiscriminator(10, ImageSpec(1, 28, 28), deepen_after=())
    counted = accuracy.plugin_networks("compact")
    assert counted["discriminator"] == sum(p.numel() for p in three.parameters()) + 2 * (128 * 128 * 9 + 128)
    generator = Compact().build_generator(Compact.recipe.z_dim, ImageSpec(1, 28, 28))
    assert counted["generator"] == sum(p.numel() for p in generator.parameters())


def test_the_table_compares_a_rows_recipe_with_the_installed_plugins_under_the_rows_overrides():
    now = accuracy.current_recipe({"setup": "compact-100", "iterations": 2000, "batch_size": 100})
    from sganctl_compact import Compact
    assert now == {**json.loads(json.dumps(asdict(Compact.recipe))), "iterations": 2000, "batch_size": 100,
                   "labeled_batch_size": 100}
    legacy, earlier = _entry("compact-100", 2000, 0.95), {**_entry("compact-100", 2000, 0.96), "batch_size": 100}
    earlier["recipe"] = {**now, "consistency": 0.0}
    assert accuracy.row_labels([legacy, earlier]) == [
        "compact-100", "compact-100 (`--batch-size 100`) (earlier recipe: consistency 0.0)"]


@pytest.mark.parametrize("arch", ["mlp", "compact"])
def test_sganctl_loop_does_less_arithmetic_per_iteration_than_the_plain_loop(arch, data_dir):
    """What the loop shares (one generator forward, no weight gradients for the frozen D) shows in FLOPs."""
    args = argparse.Namespace(data_dir=str(data_dir), precision="32", compile=False, warmup=1, iterations=1)
    device = torch.device("cpu")
    ours = throughput.sganctl_flops(arch, args, device)
    plain = throughput.flops_of(throughput.plain_step(arch, args, device))
    assert 0 < ours < plain


def test_the_trade_off_table_averages_each_evaluation_point_over_seeds(tmp_path):
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text("\n".join(json.dumps(r) for r in [
        {"iteration": 250, "seconds": 9.0}, {"iteration": 500, "seconds": 20.0, "test_accuracy": 0.90},
        {"iteration": 1000, "seconds": 41.0, "test_accuracy": 0.95}]) + "\n")
    curve = accuracy.accuracy_curve(metrics)
    assert curve == [[500, 20.0, 0.90], [1000, 41.0, 0.95]]
    entry = _entry("compact-100", 1000, 0.95)
    entry["semi_supervised"]["per_seed"] = [{"test_accuracy_curve": curve},
                                            {"test_accuracy_curve": [[500, 22.0, 0.92], [1000, 43.0, 0.97]]}]
    assert accuracy.trade_off_table(entry).splitlines()[2:] == [
        "| 500 | 21 | 91.00% ± 1.41 |", "| 1000 | 42 | 96.00% ± 1.41 |"]


def test_the_accuracy_harness_end_to_end_writes_results_curves_and_its_table(tmp_path, data_dir, isolated_env):
    """Two seeds of a tiny setup: every field the issue asks of a row, the curves PNG, and the printed table."""
    out = tmp_path / "results.json"
    common = [sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", str(data_dir), "--out", str(out)]
    # two runs at once, each in a spawned process: the rows still come back in seed order
    subprocess.run(common + ["--setups", "mlp-100", "--seeds", "0,1", "--iterations", "20", "--eval-every", "10",
                             "--device", "cpu", "--jobs", "2"], check=True, capture_output=True, text=True,
                   env=isolated_env)
    [row] = json.loads(out.read_text())
    assert row["runs_at_once"] == 2 and "precision" not in row
    assert (row["setup"], row["arch"], row["dataset"], row["num_labeled"]) == ("mlp-100", "mlp", "mnist", 100)
    assert (row["seeds"], row["iterations"], row["device"], row["sganctl"]) == ([0, 1], 20, "cpu", sganctl.__version__)
    for part in ("semi_supervised", "supervised_only"):
        accuracies = [r["accuracy"] for r in row[part]["per_seed"]]
        assert [r["seed"] for r in row[part]["per_seed"]] == [0, 1] and all(0 < a <= 1 for a in accuracies)
        assert row[part]["mean"] == pytest.approx(statistics.mean(accuracies))
        assert row[part]["std"] == pytest.approx(statistics.stdev(accuracies))
    assert [p[0] for p in row["semi_supervised"]["per_seed"][0]["test_accuracy_curve"]] == [10, 20]
    assert row["wall_seconds"] > 0 and row["command"].startswith("sganctl train --arch mlp --num-labeled 100 --seed 0")
    assert (tmp_path / "curves" / "mlp-100-20.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert row["curves"] == "curves/mlp-100-20.png"
    from sganctl_mlp import MLP
    assert row["recipe"] == {**json.loads(json.dumps(asdict(MLP.recipe))), "iterations": 20,
                             "labeled_batch_size": MLP.recipe.labeled_batch_size or MLP.recipe.batch_size}
    table = subprocess.run(common + ["--table"], check=True, capture_output=True, text=True, env=isolated_env).stdout
    assert table.splitlines()[2].startswith("| mlp-100 (2 runs at once) | 20 | 0, 1 |")
    assert "mlp-100 (2 runs at once), 20 iterations:" in table
    # the same setup with the generator loss overridden: a row of its own, the runs trained with that loss
    subprocess.run(common + ["--setups", "mlp-100", "--seeds", "0", "--iterations", "20", "--eval-every", "10",
                             "--device", "cpu", "--generator-loss", "feature-matching"],
                   check=True, capture_output=True, text=True, env=isolated_env)
    default, overridden = json.loads(out.read_text())
    assert "runs_at_once" not in overridden  # one run at a time, in the harness's own process
    assert "generator_loss" not in default and overridden["generator_loss"] == "feature-matching"
    assert overridden["recipe"] == {**default["recipe"], "generator_loss": "feature-matching"}
    assert overridden["command"].endswith("--iterations 20 --generator-loss feature-matching --data-dir ../shared/data")
    assert "--generator-loss" not in overridden["baseline_command"]
    assert (tmp_path / "curves" / "mlp-100-20-feature-matching.png").is_file()


def test_a_gpu_row_sits_beside_the_cpu_row_and_the_table_names_its_device_precision_and_runs_at_once(tmp_path):
    path = tmp_path / "results.json"
    cpu = {**_entry("compact-100", 7500, 0.99), "device": "cpu"}
    gpu = {**_entry("compact-100", 7500, 0.98), "device": "cuda:0", "precision": "tf32", "runs_at_once": 6}
    results_file.merge_rows(path, [cpu], accuracy.measured_again)
    results_file.merge_rows(path, [gpu], accuracy.measured_again)
    results_file.merge_rows(path, [{**gpu, "device": "cuda:1"}], accuracy.measured_again)  # another GPU: again
    rows = json.loads(path.read_text())
    assert [r["device"] for r in rows] == ["cpu", "cuda:1"]
    assert [line.split(" | ")[0] for line in accuracy.markdown_table(rows).splitlines()[2:]] == [
        "| compact-100", "| compact-100 (cuda, `--precision tf32`, 6 runs at once)"]
    assert accuracy.curves_name(gpu, rows) == "compact-100-7500-cuda-tf32.png"
    assert accuracy.curves_name(cpu, rows) == "compact-100-7500.png"


def test_commands_of_a_gpu_row_name_its_device_and_precision_and_a_cpu_rows_do_not():
    setup = accuracy.SETUPS["dcgan-20pct"]
    assert accuracy.command_for(setup, 0, 4700, False, device="cuda:0", precision="tf32").endswith(
        "--iterations 4700 --device cuda --precision tf32 --data-dir ../shared/data")
    assert accuracy.command_for(setup, 0, 4700, True, device="cpu") == (
        "sganctl train --arch dcgan --labeled-rate 0.2 --seed 0 --iterations 4700 --supervised-only "
        "--data-dir ../shared/data")


def test_runs_at_once_on_the_cpu_share_its_cores_and_on_a_gpu_keep_torchs_default():
    before = torch.get_num_threads()
    try:
        accuracy.share_cpu(None)
        assert torch.get_num_threads() == before
        accuracy.share_cpu(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_the_harness_refuses_fewer_than_one_job(isolated_env):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", "x", "--jobs", "0"],
                          check=False, capture_output=True, text=True, env=isolated_env)
    assert done.returncode == 2 and "--jobs must be at least 1, got 0" in done.stderr


def test_the_table_ends_quietly_when_its_reader_stops_early(tmp_path):
    """`accuracy.py --table | head` must not end in a BrokenPipeError traceback."""
    results = tmp_path / "results.json"
    results.write_text(json.dumps([_entry(f"setup-{n}", 1000, 0.9) for n in range(3000)]))  # more than a pipe holds
    reader = subprocess.Popen([sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", str(tmp_path),
                               "--out", str(results), "--table"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout.readline().startswith(b"| setup |")
    reader.stdout.close()  # what `head -1` does after its line
    assert reader.wait(timeout=60) == 0
    assert reader.stderr.read() == b""


def test_curves_of_a_new_recipe_get_a_numbered_name_beside_a_kept_earlier_recipes_row():
    recipe = {"consistency": 10.0}
    new = {**_entry("compact-100", 8000, 0.98), "recipe": recipe}
    assert accuracy.curves_name(new, []) == "compact-100-8000.png"
    legacy = _entry("compact-100", 8000, 0.96)  # replaced, and so is its picture
    same = {**_entry("compact-100", 8000, 0.97), "recipe": recipe}
    assert accuracy.curves_name(new, [legacy]) == accuracy.curves_name(new, [same]) == "compact-100-8000.png"
    earlier = {**_entry("compact-100", 8000, 0.96), "recipe": {"consistency": 0.0}}
    other = {**_entry("compact-100", 4000, 0.96), "recipe": {"consistency": 0.0}}
    assert accuracy.curves_name(new, [earlier, other, same]) == "compact-100-8000-2.png"
    assert accuracy.curves_name({**new, "batch_size": 100}, [earlier]) == "compact-100-8000-batch100.png"


def test_a_kept_run_differs_only_by_what_changes_what_it_trains():
    import kept_runs
    from sganctl_dcgan import DCGAN

    from sganctl.config import TrainConfig
    wanted = TrainConfig(arch="dcgan", labeled_rate=0.2, seed=0, device="cpu", out="elsewhere",
                         eval_every=500).with_recipe(DCGAN.recipe)
    # as a run stores it: num_labeled resolved from the rate, lists for tuples, its own out, eval_every and device
    stored = {**json.loads(json.dumps(wanted.to_dict())), "num_labeled": 12000, "out": "runs", "eval_every": 1000,
              "checkpoint_every": 100, "data_dir": "/data"}
    assert kept_runs.differences(stored, wanted) == []
    assert kept_runs.differences({**stored, "device": "cuda:0"}, wanted) == ["device: kept cuda:0, wanted cpu"]
    assert kept_runs.differences({**stored, "iterations": 1000, "seed": 1}, wanted) == [
        "seed: kept 1, wanted 0", "iterations: kept 1000, wanted 4700"]
    # a run from before a recipe setting existed trained with the contract's default, not today's recipe
    assert kept_runs.differences({k: v for k, v in stored.items() if k != "consistency"}, wanted) == [
        f"consistency: kept 0.0, wanted {DCGAN.recipe.consistency}"]


def test_a_kept_baseline_differs_only_by_what_a_supervised_only_run_reads():
    import kept_runs
    from sganctl_dcgan import DCGAN

    from sganctl.config import TrainConfig
    wanted = TrainConfig(arch="dcgan", labeled_rate=0.2, seed=0, device="cpu", supervised_only=True).with_recipe(
        DCGAN.recipe)
    stored = {**json.loads(json.dumps(wanted.to_dict())), "num_labeled": 12000, "consistency": 10.0,
              "generator_loss": "non-saturating", "lr_g": 1e-3, "betas_g": [0.9, 0.99]}
    assert kept_runs.differences(stored, wanted) == []
    assert kept_runs.differences({**stored, "lr_d": 1e-3}, wanted) == [f"lr_d: kept 0.001, wanted {wanted.lr_d}"]
    # the semi-supervised run reads them all, and a baseline is never taken for it
    ssl = TrainConfig(**{**wanted.to_dict(), "supervised_only": False})
    assert sorted(d.split(":")[0] for d in kept_runs.differences(stored, ssl)) == [
        "betas_g", "consistency", "generator_loss", "lr_g", "supervised_only"]


def test_a_supervised_only_run_trains_the_same_whatever_the_settings_it_is_said_not_to_read(tmp_path, data_dir,
                                                                                           isolated_env):
    """What lets the harness reuse a kept baseline across such settings: the same weights, bit for bit."""
    import kept_runs

    from sganctl.config import TrainConfig
    from sganctl.training import train

    def baseline(name: str, **unread) -> dict:
        config = TrainConfig(arch="mlp", num_labeled=20, batch_size=4, labeled_batch_size=4, seed=3, iterations=6,
                             checkpoint_every=6, ema_decay=0.5, lr_decay_start=0.5, supervised_only=True,
                             device="cpu", data_dir=str(data_dir), out=str(tmp_path / name), **unread)
        return weights(train(config, log=lambda message: None).run_dir)

    others = {"consistency": 5.0, "consistency_rampup": 0.5, "unsupervised_weight": 0.3,
              "generator_loss": "feature-matching", "lr_g": 1e-2, "betas_g": (0.9, 0.99)}
    assert set(others) == set(kept_runs.BASELINE_IGNORES)
    assert_same_tensors(baseline("a"), baseline("b", **others))


def test_the_harness_keeps_its_runs_resumes_a_stopped_one_and_refuses_a_run_of_other_settings(tmp_path, data_dir,
                                                                                               isolated_env):
    """--runs-dir: stopped by SIGTERM after a checkpoint, the same command ends with the uninterrupted figures;
    run again, it reuses the finished runs; a run there of another length is refused, not replaced. Two runs at
    once, so the signal must reach the harness's worker processes and their interruption come back from them."""
    def harness(runs: str, out: str, iterations: int = 120) -> list:
        return [sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", str(data_dir),
                "--setups", "mlp-100", "--seeds", "0", "--iterations", str(iterations), "--eval-every", "40",
                "--device", "cpu", "--runs-dir", str(tmp_path / runs), "--checkpoint-every", "20",
                "--jobs", "2", "--out", str(tmp_path / out)]

    stopped = subprocess.Popen(harness("kept", "kept.json"), env=isolated_env, stderr=subprocess.PIPE, text=True,
                               stdout=subprocess.DEVNULL)
    place = tmp_path / "kept" / "mlp-100-seed0-ssl"
    while not list(place.glob("*/checkpoint.safetensors")) and stopped.poll() is None:
        time.sleep(0.05)
    stopped.send_signal(signal.SIGTERM)
    assert stopped.wait(timeout=120) == 128 + signal.SIGTERM
    assert "the same command goes on from there" in stopped.stderr.read()
    assert not (tmp_path / "kept.json").exists()
    [run_dir] = place.iterdir()
    assert json.loads((run_dir / "status.json").read_text())["state"] == "interrupted"

    subprocess.run(harness("kept", "kept.json"), env=isolated_env, check=True, capture_output=True)
    subprocess.run(harness("fresh", "fresh.json"), env=isolated_env, check=True, capture_output=True)
    [resumed], [uninterrupted] = json.loads((tmp_path / "kept.json").read_text()), json.loads(
        (tmp_path / "fresh.json").read_text())
    for part in ("semi_supervised", "supervised_only"):
        assert resumed[part]["mean"] == uninterrupted[part]["mean"]
        assert [p[0] for p in resumed[part]["per_seed"][0]["test_accuracy_curve"]] == [40, 80, 120]

    checkpoint = run_dir / "checkpoint.safetensors"
    before = checkpoint.stat().st_mtime_ns
    subprocess.run(harness("kept", "kept.json"), env=isolated_env, check=True, capture_output=True)
    assert checkpoint.stat().st_mtime_ns == before  # reused, not trained again
    assert json.loads((tmp_path / "kept.json").read_text()) == [resumed]

    refused = subprocess.run(harness("kept", "kept.json", iterations=140), env=isolated_env, capture_output=True, check=False,
                             text=True)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "is a run of other settings (iterations: kept 120, wanted 140); pass another --runs-dir" in refused.stderr
    assert checkpoint.stat().st_mtime_ns == before


def test_a_baseline_trained_apart_with_the_rows_command_joins_the_row_without_training_again(tmp_path, data_dir,
                                                                                               sganctl):
    """A seed's supervised-only run trained on its own (another session, say) with the command the row records,
    into the folder --runs-dir keeps it in, is the harness's run: reused, its figure the row's baseline."""
    runs = tmp_path / "runs"
    sganctl("train", "--arch", "mlp", "--num-labeled", "100", "--seed", "0", "--iterations", "20", "--supervised-only",
            "--device", "cpu", "--data-dir", data_dir, "--out", runs / "mlp-100-seed0-supervised")
    [apart] = (runs / "mlp-100-seed0-supervised").iterdir()
    trained, figure = (apart / "checkpoint.safetensors").stat().st_mtime_ns, json.loads(
        (apart / "result.json").read_text())["accuracy"]
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", str(data_dir),
                    "--setups", "mlp-100", "--seeds", "0", "--iterations", "20", "--eval-every", "10", "--device", "cpu",
                    "--runs-dir", str(runs), "--out", str(tmp_path / "results.json")],
                   env=sganctl.env, check=True, capture_output=True)
    [row] = json.loads((tmp_path / "results.json").read_text())
    assert (apart / "checkpoint.safetensors").stat().st_mtime_ns == trained  # taken as it was, not trained again
    assert row["supervised_only"]["per_seed"][0]["accuracy"] == figure
    assert [p.name for p in (runs / "mlp-100-seed0-supervised").iterdir()] == [apart.name]


def test_a_recipe_setting_added_since_a_row_was_measured_does_not_make_it_another_recipe(tmp_path):
    """Rows recorded before `unsupervised_weight` existed trained with its default, 1.0: measured again under the
    same recipe they are replaced; under another weight they stay."""
    path = tmp_path / "results.json"
    recipe = {"lr_d": 8e-4, "consistency": 10.0}
    results_file.merge_rows(path, [{**_entry("compact-100", 7500, 0.99), "recipe": recipe}], accuracy.measured_again)
    now = {**recipe, "unsupervised_weight": 1.0}
    results_file.merge_rows(path, [{**_entry("compact-100", 7500, 0.991), "recipe": now}], accuracy.measured_again)
    assert [r["semi_supervised"]["mean"] for r in json.loads(path.read_text())] == [0.991]
    lighter = {**recipe, "unsupervised_weight": 0.5}
    results_file.merge_rows(path, [{**_entry("compact-100", 7500, 0.992), "recipe": lighter}], accuracy.measured_again)
    assert [r["semi_supervised"]["mean"] for r in json.loads(path.read_text())] == [0.991, 0.992]


def test_add_seeds_joins_a_rows_later_seeds_to_it_and_refuses_what_would_not_add_up(tmp_path, data_dir, isolated_env):
    """A row measured a seed at a time: --add-seeds checks before training that the row is there to join, then
    writes one row over every seed, keeping the first command's curves and giving the added seeds their own."""
    out = tmp_path / "results.json"

    def harness(seeds: str, *extra: str, eval_every: int = 10) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--data-dir", str(data_dir),
                               "--setups", "mlp-100", "--seeds", seeds, "--iterations", "20",
                               "--eval-every", str(eval_every), "--device", "cpu", "--out", str(out), *extra],
                              env=isolated_env, capture_output=True, text=True, check=False)

    nothing_yet = harness("1", "--add-seeds")
    assert nothing_yet.returncode == 2 and "Traceback" not in nothing_yet.stderr and not out.exists()
    assert "no row of mlp-100 at 20 iterations" in nothing_yet.stderr

    assert harness("0").returncode == 0
    [first] = json.loads(out.read_text())
    picture = tmp_path / "curves" / "mlp-100-20.png"
    drawn = picture.read_bytes()
    assert harness("1,2", "--add-seeds").returncode == 0
    [row] = json.loads(out.read_text())
    assert row["seeds"] == [0, 1, 2] and row["curves"] == first["curves"] and picture.read_bytes() == drawn
    assert row["seeds_added"] == [{"seeds": [1, 2], "sganctl": sganctl.__version__,
                                   "curves": "curves/mlp-100-20-seeds-1-2.png"}]
    assert (tmp_path / "curves" / "mlp-100-20-seeds-1-2.png").read_bytes()[:4] == b"\x89PNG"
    for part in ("semi_supervised", "supervised_only"):
        assert row[part]["per_seed"][0] == first[part]["per_seed"][0]
        accuracies = [r["accuracy"] for r in row[part]["per_seed"]]
        assert [r["seed"] for r in row[part]["per_seed"]] == [0, 1, 2]
        assert row[part]["mean"] == pytest.approx(statistics.mean(accuracies))
        assert row[part]["std"] == pytest.approx(statistics.stdev(accuracies))
    assert row["gain"] == pytest.approx(row["semi_supervised"]["mean"] - row["supervised_only"]["mean"])
    assert row["wall_seconds"] == pytest.approx(sum(r["seconds"] for r in row["semi_supervised"]["per_seed"]))
    assert accuracy.markdown_table([row], lambda e: e["recipe"], lambda e: e["networks"]).splitlines()[2].startswith(
        "| mlp-100 (seeds 1, 2 added later) | 20 | 0, 1, 2 |")

    for refused, message in ((harness("2,3", "--add-seeds"), "already has seed 2; leave it out of --seeds"),
                             (harness("3", "--add-seeds", eval_every=5),
                              "was evaluated every 10 iterations; use --eval-every 10"),
                             (harness("3", "--add-seeds", "--jobs", "2"),
                              "trained its runs 1 at a time and this command would train 2")):
        assert refused.returncode == 2 and "Traceback" not in refused.stderr and message in refused.stderr
        assert json.loads(out.read_text()) == [row]
