"""A training run's configuration: what the user gave, filled in from the plugin's recipe."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import tomllib

from .api import Recipe
from .errors import SganctlError
from .settings import problem

RECIPE_FIELDS = tuple(f.name for f in fields(Recipe))


@dataclass
class TrainConfig:
    """Every setting a run used; stored as config.json in the run directory."""

    arch: str
    dataset: str = "mnist"
    num_labeled: int | None = None
    labeled_rate: float | None = None
    seed: int = 0
    device: str = "auto"
    out: str = "runs"
    data_dir: str | None = None
    checkpoint_every: int = 1000
    log_every: int = 100
    eval_every: int = 0  # > 0: log test accuracy every N iterations, for curves only (never used to choose a model)
    holdout: int = 0  # > 0: set this many training images aside (class-balanced) to choose recipes on, not the test
    precision: str = "32"  # 32, bf16 or fp16 (autocast; fp16 with gradient scaling)
    compile: bool = False  # torch.compile the generator and the discriminator
    supervised_only: bool = False  # the baseline: D on the labelled images alone, no generator, no unlabelled data
    # Recipe fields: None means "the plugin's default".
    z_dim: int | None = None
    batch_size: int | None = None
    labeled_batch_size: int | None = None
    iterations: int | None = None
    lr_d: float | None = None
    lr_g: float | None = None
    betas_d: tuple[float, float] | None = None
    betas_g: tuple[float, float] | None = None
    unsupervised: str | None = None
    generator_loss: str | None = None
    ema_decay: float | None = None
    lr_decay_start: float | None = None
    consistency: float | None = None
    consistency_rampup: float | None = None
    unsupervised_weight: float | None = None

    def with_recipe(self, recipe: Recipe) -> TrainConfig:
        """A copy where every recipe field the user left unset takes the plugin's value."""
        values = asdict(self)
        for name in RECIPE_FIELDS:
            if values[name] is None:
                values[name] = getattr(recipe, name)
        if values["labeled_batch_size"] is None:
            values["labeled_batch_size"] = values["batch_size"]
        values["betas_d"] = tuple(values["betas_d"])
        values["betas_g"] = tuple(values["betas_g"])
        return TrainConfig(**values)

    def to_dict(self) -> dict:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(TrainConfig))


def as_trained_then(stored: dict) -> dict:
    """A past run's stored config with the recipe settings added since it ran set to the contract's defaults.

    A run's config holds every recipe setting it resolved. One that it lacks did
    not exist yet, so the run trained without it: the contract's default, which
    for every setting is the behaviour from before it existed (a mean-teacher
    weight of 0, say), repeats that run, where the plugin's present recipe
    would not.
    """
    values = dict(stored)
    for name, value in asdict(Recipe()).items():
        if values.get(name) is None:
            values[name] = value
    return values


def read_config_file(path: str | Path) -> dict:
    """Training options from a TOML file, or from a run's config.json (which repeats that run).

    Keys may use dashes like the flags (``num-labeled``) or underscores.
    """
    path = Path(path)
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise SganctlError(f"{path}: cannot read this config file ({exc})") from None
    if not isinstance(data, dict):
        raise SganctlError(f"{path}: a config file holds option names and values, not a {type(data).__name__}; "
                           "see `sganctl train --help` for the names")
    run_config = isinstance(data.get("config"), dict)  # a run directory's config.json
    if run_config:
        data = data["config"]
    spelled = {}  # each setting's name as the file spells it, for the messages
    for key in data:
        name = key.replace("-", "_")
        if name in spelled:
            raise SganctlError(f"{path}: {spelled[name]} and {key} are the same option; keep one of them")
        spelled[name] = key
    values = {name: data[key] for name, key in spelled.items()}
    unknown = [key for name, key in spelled.items() if name not in FIELDS]
    if unknown:
        raise SganctlError(f"{path}: unknown option(s) {', '.join(sorted(unknown))}; valid: {', '.join(FIELDS)}")
    if run_config:
        values = as_trained_then(values)
    if type(values.get("precision")) is int:  # TOML reads `precision = 32` as a number; the flag's value is text
        values["precision"] = str(values["precision"])
    for key, value in values.items():
        wrong = None if value is None and key in RECIPE_FIELDS else problem(key, value)  # None: the plugin's value
        if wrong:
            raise SganctlError(f"{path}: {spelled.get(key, key)} {wrong}; correct it in the file")
    for key in ("betas_d", "betas_g"):
        if values.get(key) is not None:
            values[key] = tuple(values[key])
    return values


def sources(config: TrainConfig, from_file: dict, from_flags: dict) -> dict:
    """Where each setting of a resolved config came from: flag, config file, plugin recipe or default."""
    result = {}
    for name in FIELDS:
        if name in from_flags:
            result[name] = "flag"
        elif name in from_file:
            result[name] = "config file"
        elif name in RECIPE_FIELDS:
            result[name] = "plugin recipe"
        else:
            result[name] = "default"
    return result
