"""The ``sganctl`` command line: parsing and presentation only; the work lives elsewhere."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from . import __version__

UNBOUNDED = 100_000
"""Columns to measure a table in when nothing bounds its width."""
out = Console()  # stdout: results for humans; --json output bypasses rich entirely


def say(line: str) -> None:
    """One line for a person on stdout, never folded: a path in it stays whole in a log or a pipe (80 columns)."""
    out.print(line, highlight=False, soft_wrap=True)


def show(table: Table) -> None:
    """A table for a person on stdout. A terminal (or COLUMNS) sets its width; in a log or a pipe rich would
    assume 80 columns and cut the run and plugin names people type, so there it is as wide as its cells."""
    if out.is_terminal or os.environ.get("COLUMNS"):
        out.print(table)
        return
    natural = Measurement.get(out, out.options.update_width(UNBOUNDED), table).maximum
    Console(width=max(natural, out.width)).print(table)


def _emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2))


def _parse_grid(ctx, param, value: str):
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", value or "")
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise click.BadParameter(f"'{value}' is not ROWSxCOLS with both at least 1, e.g. 4x4")
    return int(match.group(1)), int(match.group(2))


DEVICE_HELP = "auto (CUDA if available, else CPU), cpu, cuda or cuda:N."
DATA_DIR_HELP = "Folder holding one folder per dataset (e.g. DIR/mnist/); also SGANCTL_DATA_DIR."


def _plugin_rows(registry, blank: dict, describe) -> list:
    """One row per registered plugin: name, package, version, status ('ok' or the error), and
    ``describe(plugin)``; a plugin that fails to load keeps the ``blank`` values."""
    from .errors import PluginError

    rows = []
    for name in registry.names():
        entry = registry.entries[name]
        row = {"name": name, "package": entry.package, "version": entry.version, "status": "ok", **blank}
        try:
            row.update(describe(registry.get(name)))
        except PluginError as exc:
            row["status"] = f"error: {exc}"
        rows.append(row)
    return rows


class _Group(click.Group):
    """Turns user-fixable errors into one line and exit status 2, without a traceback."""

    def invoke(self, ctx):
        from .errors import SganctlError, TrainingDiverged, TrainingInterrupted

        try:
            return super().invoke(ctx)
        except SganctlError as exc:
            rank = _torchrun_rank()
            if rank and isinstance(exc, (TrainingDiverged, TrainingInterrupted)):
                ctx.exit(exc.exit_code)  # every process stops alike; rank 0 tells the user
            prefix = "" if isinstance(exc, TrainingInterrupted) else "Error: "
            where = f"[rank {rank}] " if rank else ""
            click.echo(f"{where}{prefix}{exc}", err=True)
            ctx.exit(exc.exit_code)


def _torchrun_rank() -> int:
    """This process's rank under torchrun (0 when not launched by it)."""
    value = os.environ.get("RANK", "0")
    return int(value) if value.isdigit() else 0


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sganctl")
def main():
    """Train semi-supervised GANs that classify images from a handful of labels.

    \b
    sganctl archs                                       # installed architectures
    sganctl train --arch compact --num-labeled 100      # train on MNIST
    sganctl eval                                        # accuracy of the latest run
    sganctl sample --grid 4x4                           # what the generator makes
    """


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_context
def archs(ctx, as_json):
    """List the installed architecture plugins and whether each loads.

    \b
    sganctl archs --json           # the list, as JSON
    sganctl archs show compact     # one architecture in detail
    sganctl archs check compact    # run the plugin contract checks
    """
    if ctx.invoked_subcommand is not None:
        return
    from .plugins import Registry

    rows = _plugin_rows(
        Registry(), {"api_version": None, "description": ""},
        lambda arch: {"api_version": arch.api_version, "description": arch.description},
    )
    if as_json:
        _emit_json(rows)
        return
    if not rows:
        say("No architecture plugins are installed (or SGANCTL_PLUGINS names none); reinstall sganctl.")
        return
    table = Table(title="Architectures")
    for column in ("name", "package", "version", "API", "status", "description"):
        table.add_column(column, overflow="fold", no_wrap=column == "name")  # the name is typed: keep it whole
    for row in rows:
        status = "[green]ok[/]" if row["status"] == "ok" else f"[red]{escape(row['status'])}[/]"
        table.add_row(row["name"], row["package"], row["version"], str(row["api_version"] or "-"),
                      status, row["description"])
    show(table)


@archs.command(name="show", short_help="One architecture: description, image spec, recipe, parameter counts.")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def archs_show(name, as_json):
    """Description, package, image spec, recipe defaults and parameter counts of one architecture.

    NAME is a registered name or package.module:attribute.

    Example: sganctl archs show dcgan
    """
    from dataclasses import asdict

    from .contract import PROBE_CLASSES, parameter_counts, probe_spec
    from .plugins import Registry

    registry = Registry()
    arch = registry.get(name)
    entry = registry.entries[name]
    spec = probe_spec(arch, channels=1)
    counts = parameter_counts(
        registry.build_generator(name, arch.recipe.z_dim, spec),
        registry.build_discriminator(name, PROBE_CLASSES, spec),
    )
    info = {
        "name": name, "description": arch.description, "package": entry.package, "version": entry.version,
        "api_version": arch.api_version, "target": entry.target,
        "image_size": arch.image_size if arch.image_size == "any" else list(arch.image_size),
        "channels": arch.channels or "dataset's",
        "recipe": asdict(arch.recipe),
        "parameters": {**counts, "for": f"{PROBE_CLASSES} classes, {spec.channels}x{spec.height}x{spec.width}"},
    }
    if as_json:
        _emit_json(info)
        return
    table = Table(title=f"Architecture {name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key in ("description", "package", "version", "api_version", "target", "image_size", "channels"):
        table.add_row(key, str(info[key]))
    for key, value in info["recipe"].items():
        table.add_row(f"recipe.{key}", str(value))
    table.add_row("generator parameters", f"{counts['generator']:,}")
    table.add_row("discriminator parameters", f"{counts['discriminator']:,} ({info['parameters']['for']})")
    show(table)


@archs.command(name="check", short_help="Check an architecture against the plugin contract (exit 1 if not).")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def archs_check(name, as_json):
    """Check an architecture against the plugin contract on the CPU; exit 1 if a check fails.

    Builds both networks, runs a forward and backward pass on a small batch and
    checks shapes, the generator's range, finite values and gradients, for grey
    and (when the plugin takes the dataset's channels) RGB images.

    Example: sganctl archs check compact   (or: sganctl archs check mypkg.arch:MyArch)
    """
    from .contract import run_checks
    from .plugins import Registry

    registry = Registry()
    arch = registry.get(name)
    entry = registry.entries[name]
    checks = []
    for channels in (1, 3) if arch.channels is None else (arch.channels,):
        checks += run_checks(
            arch,
            lambda z, spec: registry.build_generator(name, z, spec),
            lambda k, spec: registry.build_discriminator(name, k, spec),
            channels,
        )
    passed = all(c.passed for c in checks)
    if as_json:
        _emit_json({"name": name, "package": entry.package, "version": entry.version, "passed": passed,
                    "checks": [c.to_dict() for c in checks]})
    else:
        table = Table(title=f"Contract checks: {name} ({entry.origin})")
        for column in ("image", "check", "result"):
            table.add_column(column)
        table.add_column("detail", overflow="fold")
        for c in checks:
            table.add_row(c.image, escape(c.name), "[green]pass[/]" if c.passed else "[red]FAIL[/]", escape(c.detail))
        show(table)
        say("[green]all checks passed[/]" if passed else "[red]some checks failed[/]")
    sys.exit(0 if passed else 1)


@main.command()
@click.option("--arch", help="Architecture plugin (see 'sganctl archs'), or package.module:attribute.")
@click.option("--dataset", default="mnist", show_default=True, help="Dataset to train on (see 'sganctl datasets').")
@click.option("--num-labeled", type=click.IntRange(min=1),
              help="Number of labelled images, class-balanced [100 for MNIST-like data, all for folder].")
@click.option("--labeled-rate", type=click.FloatRange(0, 1, min_open=True),
              help="Fraction of the training set that keeps its labels, in (0, 1].")
@click.option("--data-dir", type=click.Path(file_okay=False), help=DATA_DIR_HELP)
@click.option("--iterations", type=click.IntRange(min=1), help="Training iterations [recipe default].")
@click.option("--batch-size", type=click.IntRange(min=1), help="Unlabelled and generated batch size [recipe].")
@click.option("--labeled-batch-size", type=click.IntRange(min=1), help="Labelled batch size [recipe].")
@click.option("--lr-d", type=click.FloatRange(min=0, min_open=True), help="Discriminator learning rate.")
@click.option("--lr-g", type=click.FloatRange(min=0, min_open=True), help="Generator learning rate.")
# sganctl.api.GENERATOR_LOSSES, spelled out because api imports torch (tests/test_plugins.py ties the two)
@click.option("--generator-loss", type=click.Choice(["non-saturating", "feature-matching",
                                                    "non-saturating+feature-matching"]),
              help="Generator objective [recipe].")
@click.option("--ema-decay", type=click.FloatRange(0, 1, max_open=True),
              help="Evaluate an exponential moving average of D's weights with this decay, warming up as "
                   "min(decay, (1+n)/(10+n)) after n steps; 0 turns it off [recipe].")
@click.option("--lr-decay-start", type=click.FloatRange(0, 1),
              help="Fraction of the iterations after which learning rates decay linearly to 0; 1 keeps them [recipe].")
@click.option("--consistency", type=click.FloatRange(0),
              help="Weight of the mean-teacher loss on unlabelled images (needs --ema-decay > 0); 0 turns it off "
                   "[recipe].")
@click.option("--consistency-rampup", type=click.FloatRange(0, 1),
              help="Fraction of the iterations over which the mean-teacher weight rises to its value; 0 gives it "
                   "in full from the start [recipe].")
@click.option("--unsupervised-weight", type=click.FloatRange(0),
              help="Weight of D's real/fake loss on unlabelled and generated images against its supervised loss; "
                   "1 is the usual SGAN [recipe].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split, weights and batches.")
@click.option("--device", default="auto", show_default=True, help=DEVICE_HELP)
@click.option("--out", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder that gets a new numbered run directory.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Write a checkpoint (and a sample grid) every N iterations; at most N are lost to a crash.")
@click.option("--log-every", type=click.IntRange(min=1), default=100, show_default=True,
              help="Average the losses over N iterations into one metrics.jsonl line (and one printed "
                   "line when stderr is not a terminal; on one, the bar's losses).")
@click.option("--eval-every", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also measure test (and --holdout) accuracy every N iterations (each a metrics line of its "
                   "own), for learning curves; 0: only at the end.")
@click.option("--holdout", type=click.IntRange(min=0), default=0, show_default=True,
              help="Set N training images aside (class-balanced, the same for every seed; never trained on) and "
                   "report accuracy on them: choose recipes and iteration counts on these, not on the test set.")
@click.option("--precision", type=click.Choice(["32", "tf32", "bf16", "fp16"]), default="32", show_default=True,
              help="Training precision: strict fp32, fp32 with TF32 tensor cores (CUDA), or autocast to "
                   "bf16 / fp16 (fp16 with gradient scaling).")
@click.option("--compile", "compile", is_flag=True, help="torch.compile the generator and discriminator.")
@click.option("--supervised-only", is_flag=True,
              help="Baseline: train the same discriminator on the labelled images alone (no GAN).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue RUN_DIR from its checkpoint (only --iterations, --device and intervals may change).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="TOML file (or a run's config.json) setting any option; flags override it.")
@click.option("--dry-run", is_flag=True, help="Print the resolved configuration and its sources; train nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (with run_dir) on stdout.")
@click.pass_context
def train(ctx, as_json, resume_dir, config_file, dry_run, **options):
    """Train an SGAN; the discriminator becomes the classifier.

    Flags not given take the architecture's recipe defaults. Ctrl-C (or SIGTERM)
    finishes the current step, writes a checkpoint and says how to resume.

    \b
    Example: sganctl train --arch compact --num-labeled 100 --data-dir ../shared/data
    Resume:  sganctl train --resume runs/00000-compact-mnist-100 --iterations 20000
    """
    from .config import TrainConfig, read_config_file
    from .training import resume
    from .training import train as run_training

    given = {k: v for k, v in options.items()
             if ctx.get_parameter_source(k) is not click.core.ParameterSource.DEFAULT}
    if given.get("num_labeled") is not None and given.get("labeled_rate") is not None:
        raise click.UsageError("pass either --num-labeled or --labeled-rate, not both")
    if resume_dir is not None:
        result = resume(resume_dir, given)
    else:
        from_file = read_config_file(config_file) if config_file else {}
        if "num_labeled" in given or "labeled_rate" in given:  # a flag replaces the file's choice of labels
            from_file.pop("num_labeled", None)
            from_file.pop("labeled_rate", None)
        merged = {**options, **from_file, **given}
        if merged["arch"] is None:
            raise click.UsageError("pass --arch NAME (see 'sganctl archs'), --config FILE or --resume RUN_DIR")
        config = TrainConfig(**merged)
        if dry_run:
            _print_dry_run(config, from_file, given, as_json)
            return
        result = run_training(config)
    if result.rank:  # under torchrun, rank 0 alone reports
        return
    if as_json:
        _emit_json(result.to_dict())
        return
    run_dir = escape(str(result.run_dir))
    say(f"run directory: [bold]{run_dir}[/]")
    say(f"test accuracy: [bold]{result.evaluation.accuracy:.4f}[/] on {result.evaluation.num_test} images "
        f"after {result.iterations} iterations ({result.seconds:.1f} s)")
    if result.holdout:
        say(f"held-out accuracy: [bold]{result.holdout.accuracy:.4f}[/] on {result.holdout.num_test} "
            "training images set aside by --holdout")
    say(f"next: sganctl eval {run_dir} ; sganctl sample {run_dir} --grid 4x4")


def _print_dry_run(config, from_file: dict, given: dict, as_json: bool) -> None:
    """The resolved configuration and where each value came from; nothing is written."""
    from .config import sources
    from .data import split_run
    from .plugins import DatasetRegistry, Registry
    from .preprocess import load_size
    from .training import validate

    arch = Registry().get(config.arch)
    resolved = config.with_recipe(arch.recipe)
    validate(resolved)  # a dry run refuses what the run would refuse
    dataset = DatasetRegistry().get(resolved.dataset)
    data_location = dataset.locate(resolved.data_dir)  # a dry run reads data already here, never downloads
    if data_location is not None:  # the label and hold-out counts, against the images' classes and number
        train_set = dataset.load(resolved.data_dir, load_size(arch), resolved.seed, lambda message: None).train
        split_run(train_set, resolved.num_labeled, resolved.labeled_rate, resolved.holdout,
                  dataset.default_num_labeled, resolved.seed)
    origin = sources(config, from_file, given)
    if resolved.num_labeled is None and resolved.labeled_rate is None:
        default = dataset.default_num_labeled
        resolved.num_labeled = default if default is not None else "all labelled images"
        origin["num_labeled"] = "dataset default"
    values = resolved.to_dict()
    if as_json:
        _emit_json({"config": values, "sources": origin, "data_checked": data_location})
        return
    table = Table(title="Resolved configuration (dry run: nothing trained, nothing written)")
    for column in ("setting", "value", "from"):
        table.add_column(column)
    for key, value in values.items():
        table.add_row(key, str(value), origin[key])
    show(table)
    if data_location is None:
        say(f"{escape(resolved.dataset)} data are not here yet: the label and hold-out counts are checked when the "
            "run reads them (after a download)")
    else:
        say(f"label and hold-out counts checked against the data in {escape(str(data_location))}")


@main.command(name="eval")
@click.argument("run", required=False)
@click.option("--data-dir", type=click.Path(file_okay=False), help=DATA_DIR_HELP)
@click.option("--device", default="auto", show_default=True, help=DEVICE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def eval_command(run, data_dir, device, as_json):
    """Test accuracy, per-class accuracy and confusion matrix of a run.

    A run trained with --holdout also gets its accuracy on those held-out images.

    RUN is a run directory or checkpoint file; the default is the newest run under ./runs.

    Example: sganctl eval runs/00000-compact-mnist-100 --json
    """
    from .library import evaluate

    result = evaluate(run, data_dir, device)
    if as_json:
        _emit_json(result.to_dict())
        return
    say(f"checkpoint: {escape(str(result.checkpoint))} (iteration {result.iteration})")
    say(f"test accuracy: [bold]{result.accuracy:.4f}[/] ({result.num_test} images)")
    if result.holdout:
        say(f"held-out accuracy: [bold]{result.holdout.accuracy:.4f}[/] ({result.holdout.num_test} training "
            "images set aside by --holdout; choose settings on this, not on the test set)")
    per_class = Table(title="Per-class accuracy")
    per_class.add_column("class")
    per_class.add_column("accuracy", justify="right")
    per_class.add_column("images", justify="right")
    for name, acc, row in zip(result.class_names, result.per_class, result.confusion):
        per_class.add_row(escape(name), f"{acc:.4f}", str(sum(row)))
    show(per_class)
    confusion = Table(title="Confusion matrix (rows: true, columns: predicted)")
    confusion.add_column("")
    for name in result.class_names:
        confusion.add_column(escape(name), justify="right")
    for i, (name, row) in enumerate(zip(result.class_names, result.confusion)):
        confusion.add_row(escape(name), *[f"[bold]{v}[/]" if i == j else str(v) for j, v in enumerate(row)])
    show(confusion)


@main.command(name="runs", short_help="List the runs in a folder: how far each got, what it measured.")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a list of objects on stdout.")
def runs_command(folder, as_json):
    """List the runs under FOLDER (default ./runs, where train puts them), oldest first.

    Test and held-out accuracy are the newest measured: the finished run's
    (result.json), or a later --eval-every one (metrics.jsonl); "*" marks figures
    measured before the last iteration the run asks for (a run still training,
    stopped, or resumed to train more); --json says at which iteration.
    Kind "baseline" is a --supervised-only run. A running run says when it last
    checkpointed; one whose process is gone from this machine shows as killed.
    Either goes on from its last checkpoint with sganctl train --resume RUN.

    Example: sganctl runs --json
    """
    from .run_list import age, list_runs
    from .runs import DEFAULT_OUT

    if folder is None and not DEFAULT_OUT.is_dir():
        summaries = []
    else:
        summaries = list_runs(folder or DEFAULT_OUT)
    if as_json:
        _emit_json([summary.to_dict() for summary in summaries])
        return
    if not summaries:
        say(f"no runs under {escape(str(folder or DEFAULT_OUT))}/ yet; train one with 'sganctl train --arch NAME'")
        return

    def count(value) -> str:
        return "-" if value is None else f"{value:,}"

    def accuracy(value, summary) -> str:
        return "-" if value is None else f"{value:.2%}" + ("*" if summary.measured_earlier else "")

    table = Table(title=f"Runs in {folder or DEFAULT_OUT}/", box=box.SIMPLE_HEAD, pad_edge=False,
                  show_edge=False, collapse_padding=True)
    table.add_column("run", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("trained", justify="right", no_wrap=True)
    table.add_column("state", min_width=11)  # "running" above "(5 min ago)" in an 80-column terminal
    table.add_column("test", justify="right", no_wrap=True)
    table.add_column("held out", justify="right", no_wrap=True)
    for summary in summaries:
        state = summary.state or "not started"
        if summary.alive is False:
            state = "killed (process gone)"
        elif summary.state == "running":  # status.json is rewritten at every checkpoint
            state = f"running ({age(summary.updated)})"
        table.add_row(escape(Path(summary.run_dir).name), "baseline" if summary.supervised_only else "SSL",
                      f"{count(summary.iteration)}/{count(summary.iterations)}", state,
                      *(accuracy(value, summary) for value in summary.latest[1:]))
    if any(summary.measured_earlier for summary in summaries):
        table.caption = "*: measured before the run's last iteration (--json: at which)"
    if Measurement.get(out, out.options.update_width(UNBOUNDED), table).minimum > out.width:  # a name too long:
        table.columns[0].no_wrap, table.columns[0].overflow = False, "fold"  # folded over lines rather than cut
    show(table)


@main.group(invoke_without_command=True, short_help="List the installed datasets and whether their data are here.")
@click.option("--data-dir", type=click.Path(file_okay=False), help=DATA_DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_context
def datasets(ctx, data_dir, as_json):
    """List the installed datasets and whether their data are present locally.

    \b
    sganctl datasets --data-dir ../shared/data
    sganctl datasets fetch fashion-mnist      # download and verify ahead of time
    """
    if ctx.invoked_subcommand is not None:
        return
    from .plugins import DatasetRegistry

    rows = _plugin_rows(
        DatasetRegistry(), {"classes": None, "image_shape": None, "location": None, "description": ""},
        lambda dataset: {
            "classes": list(dataset.classes) if dataset.classes else None,
            "image_shape": list(dataset.image_shape) if dataset.image_shape else None,
            "location": dataset.locate(data_dir), "description": dataset.description,
        },
    )
    if as_json:
        _emit_json(rows)
        return
    table = Table(title="Datasets")
    for column in ("name", "package", "version", "classes", "image shape", "present locally"):
        table.add_column(column, overflow="fold", no_wrap=column == "name")  # the name is typed: keep it whole
    for row in rows:
        names = row["classes"] or []
        classes = f"{len(names)} ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})" if names else "folders"
        shape = "x".join(map(str, row["image_shape"])) if row["image_shape"] else "any"
        where = escape(row["location"] or "no") if row["status"] == "ok" else f"[red]{escape(row['status'])}[/]"
        table.add_row(row["name"], row["package"], row["version"], escape(classes), shape, where)
    show(table)


@datasets.command(name="fetch")
@click.argument("name")
def datasets_fetch(name):
    """Download a dataset into the cache and verify it, ahead of training.

    Example: sganctl datasets fetch mnist
    """
    from .console import info
    from .plugins import DatasetRegistry

    click.echo(DatasetRegistry().get(name).fetch(info))


@main.command()
@click.argument("run")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--device", default="auto", show_default=True, help=DEVICE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a list of objects on stdout.")
def predict(run, images, device, as_json):
    """Classify image files with a run's discriminator.

    RUN is a run directory or checkpoint file. Images are read with Pillow and
    prepared exactly as in training.

    Example: sganctl predict runs/00000-compact-folder-40 cat.png dog.jpg
    """
    from .predict import predict_files

    predictions = predict_files(run, [Path(p) for p in images], device)
    if as_json:
        _emit_json(predictions)
        return
    table = Table(title="Predictions")
    for column in ("file", "class", "probability"):
        table.add_column(column, overflow="fold")
    for row in predictions:
        table.add_row(escape(row["file"]), escape(row["class"]), f"{row['probability']:.4f}")
    show(table)


@main.command()
@click.argument("run", required=False)
@click.option("--grid", default="4x4", show_default=True, callback=_parse_grid, help="ROWSxCOLS images.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="PNG to write [RUN/samples/...].")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same picture.")
@click.option("--device", default="auto", show_default=True, help=DEVICE_HELP)
@click.option("--annotate", is_flag=True, help="Caption each image with D's predicted class and confidence.")
@click.option("--show", is_flag=True, help="Also draw the grid in the terminal.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def sample(run, grid, out_path, seed, device, annotate, show, force, as_json):
    """Write a PNG grid of generated images and print its path.

    \b
    Example: sganctl sample --grid 4x4 --out grid.png
             sganctl sample --grid 2x8 --show --annotate
    """
    from PIL import Image

    from .errors import SganctlError
    from .library import sample as sample_grid
    from .terminal_image import render

    if out_path and Path(out_path).exists() and not force:
        raise SganctlError(f"{out_path} exists; pass --force to overwrite it or choose another --out")
    path = sample_grid(run, grid, seed, out_path, device, annotate)
    if show:
        console = Console(stderr=as_json)
        with Image.open(path) as image:
            for line in render(image, console):
                console.print(line, soft_wrap=True, no_wrap=True, overflow="ignore", crop=False)
    if as_json:
        _emit_json({"path": str(path), "rows": grid[0], "cols": grid[1], "seed": seed})
    else:
        click.echo(str(path))


@main.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="PNG to write.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def plot(runs, out_path, force):
    """Overlay the learning curves of several runs in one PNG.

    Example: sganctl plot runs/00000-compact-mnist-100 runs/00001-mlp-mnist-1000 --out compare.png
    """
    from .errors import SganctlError
    from .plots import plot_runs

    if Path(out_path).exists() and not force:
        raise SganctlError(f"{out_path} exists; pass --force to overwrite it or choose another --out")
    click.echo(str(plot_runs([Path(r) for r in runs], Path(out_path))))


@main.command(short_help="What to paste into a bug report: versions, devices, plugins.")
@click.option("--data-dir", type=click.Path(file_okay=False), help=DATA_DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def info(data_dir, as_json):
    """What to paste into a bug report: versions, devices, plugins, data folders.

    Example: sganctl info --json
    """
    from .report import system_report

    report = system_report(data_dir)
    if as_json:
        _emit_json(report)
        return
    table = Table(title="sganctl info", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    for key in ("sganctl", "python", "platform", "torch", "cuda"):
        table.add_row(key, str(report[key]))
    table.add_row("cudnn", "not in this torch build" if report["cudnn"] is None else str(report["cudnn"]))
    for device in report["devices"]:
        if device["type"] == "cpu":
            threads = device["threads"]
            detail = f"{device['cores']} cores, torch uses {threads} thread{'' if threads == 1 else 's'}"
        else:
            detail = f"{device['memory_gb']:.1f} GiB"
        table.add_row("device", f"{device['name']} ({device['type']}, {detail})")
    for kind in ("architectures", "datasets"):
        table.add_row(kind, ", ".join(f"{p['name']} ({p['package']} {p['version']})" for p in report[kind]))
    for key in ("data_dir", "cache"):
        table.add_row(key, str(report[key]))
    show(table)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
