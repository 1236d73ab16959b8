"""Accuracy benchmark: named setups over several split seeds, each beside its supervised-only baseline.

    python benchmarks/accuracy.py --data-dir ../shared/data [--setups compact-100,mlp-1000]
        [--seeds 0,1,2] [--iterations N] [--generator-loss LOSS] [--batch-size N] [--eval-every 500]
        [--device auto] [--precision 32] [--jobs 1] [--runs-dir DIR [--checkpoint-every 100]]
        [--out benchmarks/results.json]
    python benchmarks/accuracy.py --data-dir ../shared/data --table     # the markdown tables of the results

For every setup and seed it trains the semi-supervised run and the same
discriminator on the labelled images alone (`--supervised-only`), measures
test accuracy, and writes `benchmarks/results.json` (per-seed and mean±std
accuracy, iterations, wall seconds, device, sganctl version, and each run's
test accuracy every --eval-every iterations with its wall time: the
time/accuracy trade-off) plus one PNG of learning curves per setup and
iteration count, `curves/SETUP-ITERATIONS[-LOSS][-batchN][-cuda][-PRECISION][-2].png` beside the results file
(losses and those test accuracies; monitoring only; numbered where an earlier
recipe's row of the same key keeps its own; each entry names its file). A setup measured again
at the same iteration count (and with the same generator loss and batch size
overrides) replaces its old entry in the results file, unless the plugin's
recipe or networks have changed since: each entry records the recipe its
runs resolved and its networks' weight counts, and an entry of an earlier
recipe or earlier networks stays, named in the table by the settings (or
counts) that differ from what the installed plugin would train now. The
others stay.
`--iterations` overrides the recipes' iteration counts (the table then says so);
`--generator-loss` overrides the semi-supervised runs' generator objective, so
that a recipe's past default stays measurable beside its present one (the
baseline has no generator; the table names the override). `--batch-size`
does the same for the batch sizes, labelled and unlabelled alike, in both
runs. A row's device (cpu, cuda) and `--precision` are part of what it is:
a GPU row sits beside the CPU row of the same setup and length, and the
table names them. `--jobs N` trains up to N of a setup's runs at once, each
in its own process: a GPU left mostly idle by one small-batch run takes
several; each run's wall seconds then include the sharing (the row records
how many ran at once, and the table says so). `--runs-dir DIR` keeps the runs
with checkpoints (kept_runs.py), so that a row of runs longer than one sitting
is measured by running the same command again until it writes the row.
`--add-seeds` adds the seeds it measures to the row the results file keeps
for the setup (same iteration count, overrides, device, precision, recipe,
networks, --eval-every and runs at once) instead of replacing it: a row whose
seeds take longer than one machine's life is measured a seed at a time.
The row then records which seeds each command added, with their own curves.
Model selection never looks at the test set: the final weights are measured.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import nullcontext
from pathlib import Path

import torch
from kept_runs import as_run, device_kind, place_for, train_or_continue
from results_file import merge_rows, read_rows

from sganctl import __version__
from sganctl.api import GENERATOR_LOSSES
from sganctl.config import RECIPE_FIELDS, TrainConfig
from sganctl.contract import layer_digests, parameter_counts
from sganctl.devices import resolve_device
from sganctl.errors import SganctlError, TrainingInterrupted
from sganctl.plots import plot_runs
from sganctl.plugins import Registry
from sganctl.preprocess import image_spec_for
from sganctl.stop_signals import stop_requests
from sganctl.training import PRECISIONS, train

SETUPS = {
    "compact-100": {"arch": "compact", "num_labeled": 100},
    "mlp-1000": {"arch": "mlp", "num_labeled": 1000},
    "dcgan-20pct": {"arch": "dcgan", "labeled_rate": 0.2},
    "mlp-100": {"arch": "mlp", "num_labeled": 100},
    "dcgan-100": {"arch": "dcgan", "num_labeled": 100},
}


def command_for(setup: dict, seed: int, iterations: int | None, supervised: bool,
                generator_loss: str | None = None, batch_size: int | None = None,
                device: str = "cpu", precision: str | None = None) -> str:
    labels = f"--num-labeled {setup['num_labeled']}" if "num_labeled" in setup else f"--labeled-rate {setup['labeled_rate']}"
    extra = (f" --iterations {iterations}" if iterations else "") + (" --supervised-only" if supervised else "")
    extra += f" --generator-loss {generator_loss}" if generator_loss else ""
    extra += f" --batch-size {batch_size} --labeled-batch-size {batch_size}" if batch_size else ""
    extra += f" --device {device_kind(device)}" if device_kind(device) != "cpu" else ""
    extra += f" --precision {precision}" if precision else ""
    return f"sganctl train --arch {setup['arch']} {labels} --seed {seed}{extra} --data-dir ../shared/data"


def run_one(name: str, seed: int, args, out: str, supervised: bool) -> dict:
    setup = SETUPS[name]
    config = TrainConfig(**setup, seed=seed, iterations=args.iterations, device=args.device, data_dir=args.data_dir,
                         out=out, supervised_only=supervised, log_every=100, checkpoint_every=10**9,
                         eval_every=args.eval_every, generator_loss=None if supervised else args.generator_loss,
                         batch_size=args.batch_size, labeled_batch_size=args.batch_size,
                         precision=args.precision or TrainConfig.precision)
    if args.runs_dir:
        # kept across invocations: the seconds are the run's own clock, which goes on over its resumes
        config.checkpoint_every = args.checkpoint_every
        run_dir, resolved, done = train_or_continue(config, place_for(Path(out), name, seed, supervised))
        accuracy, iterations, seconds = done["accuracy"], done["iterations"], done["seconds"]
    else:
        started = time.perf_counter()
        result = train(config, log=lambda message: None)
        run_dir, resolved = result.run_dir, result.config
        accuracy, iterations, seconds = result.evaluation.accuracy, result.iterations, time.perf_counter() - started
    row = {"seed": seed, "accuracy": accuracy, "iterations": iterations,
           "seconds": round(seconds, 1), "run_dir": str(run_dir),
           "generator_loss": resolved.generator_loss,  # as the run resolved it, recipe or override
           # every recipe setting as resolved (plugin default or override), in JSON's types: tuples become lists
           "recipe": recipe_record(resolved),
           "test_accuracy_curve": accuracy_curve(run_dir / "metrics.jsonl")}
    kind = "supervised-only" if supervised else "semi-supervised"
    print(f"{setup['arch']} seed {seed} {kind}: {100 * row['accuracy']:.2f}% in {row['seconds']:.0f} s", flush=True)
    return row


def accuracy_curve(metrics_path: Path) -> list:
    """[iteration, seconds, test accuracy] at each --eval-every point: the time/accuracy trade-off, in numbers.

    A run resumed from a checkpoint older than its last records measures those iterations again: the later
    record of an iteration stands.
    """
    records = (json.loads(line) for line in metrics_path.read_text().splitlines())
    points = {r["iteration"]: [r["iteration"], r["seconds"], r["test_accuracy"]] for r in records
              if "test_accuracy" in r}
    return [points[i] for i in sorted(points)]


def seed_summaries(ssl: list, base: list) -> dict:
    """A row's figures over its seeds: each part's per-seed rows, mean and spread, and the gain of one over the other."""
    parts = {"semi_supervised": summary(ssl), "supervised_only": summary(base)}
    return {**parts, "gain": parts["semi_supervised"]["mean"] - parts["supervised_only"]["mean"]}


def summary(rows: list) -> dict:
    accuracies = [r["accuracy"] for r in rows]
    return {"per_seed": rows, "mean": statistics.mean(accuracies),
            "std": statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--generator-loss", choices=GENERATOR_LOSSES, default=None,
                        help="Override the recipes' generator loss in the semi-supervised runs.")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="Override the recipes' batch sizes (labelled and unlabelled) in both runs.")
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", choices=list(PRECISIONS), default=None,
                        help="Train every run at this precision (default: sganctl's, strict fp32).")
    parser.add_argument("--jobs", type=int, default=1,
                        help="Train up to this many of a setup's runs at once, each in its own process.")
    parser.add_argument("--runs-dir", default=None,
                        help="Keep the runs here, with checkpoints, and run again to go on: finished runs are "
                             "reused, stopped ones resumed (default: a temporary directory, removed at the end).")
    parser.add_argument("--checkpoint-every", type=int, default=None,
                        help="With --runs-dir: each run's checkpoint interval in iterations (default: 100).")
    parser.add_argument("--add-seeds", action="store_true",
                        help="Add the seeds measured to the row --out keeps for the setup instead of replacing it.")
    parser.add_argument("--out", default="benchmarks/results.json")
    parser.add_argument("--table", action="store_true", help="Print the markdown table of --out and exit.")
    args = parser.parse_args()
    if args.table:
        print_tables(json.loads(Path(args.out).read_text()))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.checkpoint_every is not None and not args.runs_dir:
        parser.error("--checkpoint-every needs --runs-dir: without it the runs, checkpoints and all, are removed")
    args.checkpoint_every = 100 if args.checkpoint_every is None else args.checkpoint_every
    if args.checkpoint_every < 1:
        parser.error(f"--checkpoint-every must be at least 1, got {args.checkpoint_every}")
    try:
        measure(args, seeds)
    except TrainingInterrupted as exc:
        again = " (the same command goes on from there)" if args.runs_dir else ""
        print(f"{exc}{again}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except SganctlError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


def measure(args, seeds: list) -> None:
    """Train every setup's runs (or go on with those kept in --runs-dir) and write each setup's row and curves."""
    # the resolved device, so that runs kept in --runs-dir compare with it whatever --device said (auto, say)
    args.device = device = str(resolve_device(args.device))
    if args.add_seeds:  # before hours of training, not after them
        rows = read_rows(Path(args.out))
        for name in args.setups.split(","):
            row_to_join(planned_entry(name, seeds, device, args), rows)
    with (nullcontext(args.runs_dir) if args.runs_dir else tempfile.TemporaryDirectory()) as runs:
        for name in args.setups.split(","):
            ssl, base = run_setup(name, seeds, args, runs, device)
            run_dirs = [r["run_dir"] for r in ssl + base]  # before the row takes them out of its runs
            labels = [f"seed {r['seed']} SSL" for r in ssl] + [f"seed {r['seed']} supervised" for r in base]
            entry = results_entry(name, seeds, device, args, ssl, base)
            print(json.dumps({k: entry[k] for k in ("setup", "iterations", "gain", "wall_seconds")}), flush=True)
            # after each setup, so that a long run keeps what it finished; the curves are named under the file's lock
            write = join_kept_row if args.add_seeds else draw_curves
            merge_rows(Path(args.out), [entry], measured_again,
                       before_write=functools.partial(write, entry, run_dirs, labels, Path(args.out)))


def draw_curves(entry: dict, run_dirs: list, labels: list, out: Path, old_rows: list) -> None:
    """Plot a row's runs into curves/ beside the results file ``out`` and record the picture in the row.

    Its name depends on the rows ``out`` keeps (:func:`curves_name`), so it is
    chosen under the file's lock (``merge_rows``' ``before_write``): two
    harnesses writing one file cannot both take a name that each saw as free.
    """
    picture = out.parent / "curves" / curves_name(entry, old_rows)
    plot_runs(run_dirs, picture, labels)
    entry["curves"] = str(picture.relative_to(out.parent))


def join_kept_row(entry: dict, run_dirs: list, labels: list, out: Path, old_rows: list) -> None:
    """--add-seeds: turn ``entry`` into the kept row it measures again with its seeds added, their runs plotted
    in a picture of their own beside the row's (whose runs are gone)."""
    kept = row_to_join(entry, old_rows)
    stem = Path(kept.get("curves") or curves_name(kept, [])).stem
    picture = out.parent / "curves" / f"{stem}-seeds-{'-'.join(map(str, entry['seeds']))}.png"
    plot_runs(run_dirs, picture, labels)
    joined = {**kept, "seeds": sorted(kept["seeds"] + entry["seeds"]),
              "wall_seconds": kept["wall_seconds"] + entry["wall_seconds"],
              "seeds_added": kept.get("seeds_added", []) + [
                  {"seeds": entry["seeds"], "sganctl": entry["sganctl"],
                   "curves": str(picture.relative_to(out.parent))}]}

    def every_seed(part: str) -> list:
        """The part's per-seed rows, the kept row's and the added ones, in seed order."""
        return sorted(kept[part]["per_seed"] + entry[part]["per_seed"], key=lambda r: r["seed"])

    joined.update(seed_summaries(every_seed("semi_supervised"), every_seed("supervised_only")))
    entry.clear()
    entry.update(joined)


def row_to_join(entry: dict, rows: list) -> dict:
    """The row of ``rows`` that ``entry`` adds its seeds to: one it measures again, measured with the same
    --eval-every (the trade-off table lines its seeds' points up) and as many runs at once (its seconds add up),
    holding none of its seeds."""
    what = f"{entry['setup']} at {entry['iterations']} iterations"
    kept = [r for r in rows if measured_again(entry, r)]
    if not kept:
        raise SganctlError(f"--add-seeds: the results file has no row of {what} with this recipe, networks and "
                           "device to add seeds to; measure the row first without --add-seeds")
    [row] = kept  # a new row replaces the rows it measures again, so a file keeps at most one
    if row.get("eval_every") != entry["eval_every"]:
        raise SganctlError(f"--add-seeds: the row of {what} was evaluated every {row.get('eval_every')} "
                           f"iterations; use --eval-every {row.get('eval_every')}")
    if row.get("runs_at_once", 1) != entry.get("runs_at_once", 1):
        raise SganctlError(f"--add-seeds: the row of {what} trained its runs {row.get('runs_at_once', 1)} at a time "
                           f"and this command would train {entry.get('runs_at_once', 1)}, so their seconds would not "
                           "add up; use --jobs to match")
    if both := sorted(set(row["seeds"]) & set(entry["seeds"])):
        raise SganctlError(f"--add-seeds: the row of {what} already has seed {', '.join(map(str, both))}; leave "
                           "it out of --seeds, or measure the whole row again without --add-seeds")
    return row


def planned_entry(name: str, seeds: list, device: str, args) -> dict:
    """What the row of ``name`` will be matched by before its runs are trained: the installed plugin's recipe
    under this command's overrides (the entry's recipe is then the one its runs resolved)."""
    setup = SETUPS[name]
    entry = {"setup": name, "seeds": seeds, "device": device, "eval_every": args.eval_every,
             "iterations": args.iterations or plugin_recipe(setup["arch"])["iterations"],
             "networks": plugin_networks(setup["arch"]), **row_overrides(args, seeds)}
    entry["recipe"] = current_recipe(entry)
    return entry


def row_overrides(args, seeds: list) -> dict:
    """What a row records of the command beyond its setup and length: the harness's overrides of the recipes
    and its precision, which key the row, and how many of its runs trained at once, which its seconds include."""
    overrides = {name: value for name, value in (("generator_loss", args.generator_loss),
                                                 ("batch_size", args.batch_size), ("precision", args.precision))
                 if value}
    if args.jobs > 1:
        overrides["runs_at_once"] = min(args.jobs, 2 * len(seeds))
    return overrides


def run_setup(name: str, seeds: list, args, runs: str, device: str) -> tuple[list, list]:
    """The semi-supervised and the supervised-only run of every seed: in this process one after another, or
    up to --jobs at once in fresh processes (spawned, as CUDA cannot be used in a forked child)."""
    plan = [(seed, supervised) for supervised in (False, True) for seed in seeds]
    if args.jobs == 1:
        rows = [run_one(name, seed, args, runs, supervised) for seed, supervised in plan]
    else:
        # on the CPU the runs share its cores instead of each taking them all
        threads = max(1, (os.cpu_count() or 1) // args.jobs) if device_kind(device) == "cpu" else None
        with stop_requests() as stop, ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                                          initializer=share_cpu, initargs=(threads,)) as pool:
            futures = [pool.submit(run_one, name, seed, args, runs, supervised) for seed, supervised in plan]
            while wait(futures, timeout=1).not_done:
                if stop.signal_number:
                    stop_runs(futures, stop.signal_number)
                    stop.signal_number = None
            rows = [future.result() for future in futures]
    return rows[:len(seeds)], rows[len(seeds):]


def stop_runs(futures: list, signal_number: int) -> None:
    """A stop signal to the harness reaches its runs: those not started are dropped, the others get it and,
    like `sganctl train`, finish their step and write a checkpoint (kept with --runs-dir) before they end."""
    for future in futures:
        future.cancel()
    for child in multiprocessing.active_children():
        os.kill(child.pid, signal_number)


def share_cpu(threads: int | None) -> None:
    """A pool process's torch threads: its share of the cores when the runs train on the CPU."""
    if threads:
        torch.set_num_threads(threads)


def results_entry(name: str, seeds: list, device: str, args, ssl: list, base: list) -> dict:
    """One setup's row of the results file, from its semi-supervised and supervised-only runs."""
    setup, iterations = SETUPS[name], ssl[0]["iterations"]
    entry = {
        "setup": name, **setup, "dataset": "mnist", "seeds": seeds, "device": device,
        "sganctl": __version__, "iterations": iterations,
        **seed_summaries(ssl, base),
        "wall_seconds": sum(r["seconds"] for r in ssl), "eval_every": args.eval_every,
        # the iteration count spelt out, so that the commands still reproduce the row after the recipe's changes
        "command": command_for(setup, seeds[0], iterations, supervised=False, generator_loss=args.generator_loss,
                               batch_size=args.batch_size, device=device, precision=args.precision),
        "baseline_command": command_for(setup, seeds[0], iterations, supervised=True, batch_size=args.batch_size,
                                        device=device, precision=args.precision),
    }
    entry.update(row_overrides(args, seeds))
    entry["recipe"] = ssl[0]["recipe"]  # the semi-supervised runs'; the baseline ignores the generator's settings
    entry["networks"] = plugin_networks(setup["arch"])  # the plugin this process imported, so the one that trained
    for part in ("semi_supervised", "supervised_only"):
        for row in entry[part]["per_seed"]:
            row.pop("run_dir")
            row.pop("generator_loss")
            row.pop("recipe")
    return entry


def print_tables(results: list) -> None:
    """The results table and each row's trade-off table; a reader that stops early (`| head`) ends it quietly."""
    parts = [markdown_table(results)] + [
        f"\n{label}, {entry['iterations']} iterations:\n\n{trade_off_table(entry)}"
        for entry, label in zip(results, row_labels(results))
        if all(r.get("test_accuracy_curve") for r in entry["semi_supervised"]["per_seed"])]
    try:
        print("\n".join(parts), flush=True)
    except BrokenPipeError:
        # stdout is closed; point it at devnull so that the interpreter's own flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def result_key(entry: dict) -> tuple:
    """Rows of one setup at other iteration counts are other points of its time/accuracy trade-off;
    rows with an overridden generator loss or batch size are another recipe; rows on another kind of device
    or at another precision are other measurements of it."""
    return (entry["setup"], entry["iterations"], entry.get("generator_loss"), entry.get("batch_size"),
            device_kind(entry.get("device", "cpu")), entry.get("precision"))


def curves_name(entry: dict, old_rows: list) -> str:
    """SETUP-ITERATIONS[-LOSS][-batchN][-cuda][-PRECISION].png, numbered -2, -3... beside the rows of earlier recipes that the
    results file keeps under the same key, so that their pictures are never overwritten."""
    kind = device_kind(entry.get("device", "cpu"))
    name = f"{entry['setup']}-{entry['iterations']}" + (
        f"-{entry['generator_loss']}" if entry.get("generator_loss") else "") + (
        f"-batch{entry['batch_size']}" if entry.get("batch_size") else "") + (
        f"-{kind}" if kind != "cpu" else "") + (f"-{entry['precision']}" if entry.get("precision") else "")
    kept = [r for r in old_rows if result_key(r) == result_key(entry) and not measured_again(entry, r)]
    return f"{name}-{len(kept) + 1}.png" if kept else f"{name}.png"


def measured_again(new: dict, old: dict) -> bool:
    """Whether ``new`` replaces ``old`` in the results file: the same key, and the same recipe and networks where
    ``old`` recorded them (entries written before they were recorded are replaced as they always were; of the
    networks, only what ``old`` recorded is compared, as the layer digests came after the weight counts)."""
    return (result_key(new) == result_key(old)
            # a recipe setting added since ``old`` was measured does not make it another recipe: it ran at the default
            and (old.get("recipe") is None or as_run(old["recipe"]) == as_run(new.get("recipe") or {}))
            and all(new.get("networks", {}).get(name) == value for name, value in old.get("networks", {}).items()))


def setup_label(entry: dict) -> str:
    """The table's name for a row: the setup, the generator loss and batch size where the harness overrode them,
    and the device, precision and runs at once where they were not one CPU run at a time."""
    overrides = [f"`--generator-loss {entry['generator_loss']}`"] if entry.get("generator_loss") else []
    overrides += [f"`--batch-size {entry['batch_size']}`"] if entry.get("batch_size") else []
    kind = device_kind(entry.get("device", "cpu"))
    overrides += [kind] if kind != "cpu" else []
    overrides += [f"`--precision {entry['precision']}`"] if entry.get("precision") else []
    overrides += [f"{entry['runs_at_once']} runs at once"] if entry.get("runs_at_once") else []
    overrides += [f"seed{'s' * (len(added['seeds']) > 1)} {', '.join(map(str, added['seeds']))} added later"
                  for added in entry.get("seeds_added", [])]
    return f"{entry['setup']} ({', '.join(overrides)})" if overrides else entry["setup"]


def recipe_record(config: TrainConfig) -> dict:
    """A resolved config's recipe settings in the results file's terms: JSON types (tuples become lists)."""
    return json.loads(json.dumps({name: getattr(config, name) for name in RECIPE_FIELDS}))


@functools.cache
def plugin_recipe(arch: str) -> dict:
    """The installed plugin's recipe as a run without overrides resolves it (the labelled batch size included)."""
    return recipe_record(TrainConfig(arch=arch).with_recipe(Registry().get(arch).recipe))


@functools.cache
def plugin_networks(arch: str) -> dict:
    """The installed plugin's networks for MNIST as weight counts and layer digests: a plugin can change its layers
    without changing a recipe setting; the count shows a change of weights, the digest one without (a shift's
    pixels, a dropout rate)."""
    registry = Registry()
    architecture = registry.get(arch)
    image = image_spec_for(architecture, (1, 28, 28))
    built = {"discriminator": registry.build_discriminator(arch, 10, image),
             "generator": registry.build_generator(arch, architecture.recipe.z_dim, image)}
    counts, digests = parameter_counts(**built), layer_digests(**built)
    return {**{name: counts[name] for name in built}, **{f"{name} layers": digests[name] for name in built}}


def current_networks(entry: dict) -> dict:
    """The networks the harness would train this entry's setup with now."""
    return plugin_networks(SETUPS[entry["setup"]]["arch"])


def current_recipe(entry: dict) -> dict:
    """What the harness would train this entry's setup with now: the plugin's recipe under the entry's overrides."""
    recipe = {**plugin_recipe(SETUPS[entry["setup"]]["arch"]), "iterations": entry["iterations"]}
    if entry.get("batch_size"):
        recipe["batch_size"] = recipe["labeled_batch_size"] = entry["batch_size"]
    if entry.get("generator_loss"):
        recipe["generator_loss"] = entry["generator_loss"]
    return recipe


def row_labels(results: list, current: Callable[[dict], dict] = current_recipe,
               networks: Callable[[dict], dict] = current_networks) -> list:
    """Each row's name; a row measured with a recipe the plugin has since changed says which settings it used,
    and one measured with other networks, their weight counts or that their layers were other."""
    labels = []
    for entry in results:
        label = setup_label(entry)
        if entry.get("recipe"):  # rows written before entries recorded their recipe cannot say
            now = current(entry)
            earlier = [f"{name} {json.dumps(value)}" for name, value in entry["recipe"].items()
                       if now.get(name) != value]
            label += f" (earlier recipe: {', '.join(earlier)})" if earlier else ""
        if entry.get("networks"):  # nor can rows written before entries recorded their networks
            now = networks(entry)
            earlier = [f"{name} of {value:,} weights" if isinstance(value, int) else f"other {name}"
                       for name, value in entry["networks"].items() if now.get(name) != value]
            label += f" (earlier networks: {', '.join(earlier)})" if earlier else ""
        labels.append(label)
    return labels


def markdown_table(results: list, current: Callable[[dict], dict] = current_recipe,
                   networks: Callable[[dict], dict] = current_networks) -> str:
    """The BENCHMARKS.md table of a results file."""
    lines = ["| setup | iterations | seeds | semi-supervised | supervised only | gain | wall s (SSL, all seeds) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for e, label in zip(results, row_labels(results, current, networks)):
        ssl, base = e["semi_supervised"], e["supervised_only"]

        def cell(part):
            if len(part["per_seed"]) == 1:  # one seed has no spread to show
                return f"{100 * part['mean']:.2f}%"
            seeds = ", ".join(f"{100 * r['accuracy']:.2f}" for r in part["per_seed"])
            return f"{100 * part['mean']:.2f}% ± {100 * part['std']:.2f} ({seeds})"

        lines.append(f"| {label} | {e['iterations']} | {', '.join(map(str, e['seeds']))} | {cell(ssl)} | "
                     f"{cell(base)} | {100 * e['gain']:+.2f} | {e['wall_seconds']:.0f} |")
    return "\n".join(lines)


def trade_off_table(entry: dict) -> str:
    """Test accuracy against iterations and wall time along the semi-supervised runs (mean over seeds)."""
    curves = [r["test_accuracy_curve"] for r in entry["semi_supervised"]["per_seed"]]
    lines = ["| iterations | wall s (mean) | test accuracy (mean ± std over seeds) |", "| --- | --- | --- |"]
    for points in zip(*curves):
        accuracies = [100 * p[2] for p in points]
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        lines.append(f"| {points[0][0]} | {statistics.mean(p[1] for p in points):.0f} | "
                     f"{statistics.mean(accuracies):.2f}% ± {spread:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
