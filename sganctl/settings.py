"""What each training setting may hold: one set of rules for flags, config files, plugin recipes and the library.

Click checks the flags before anything else runs, but a config file, a plugin's
recipe or a ``TrainConfig`` built in Python reach training without click; these
rules give all of them the same one-line answer instead of a traceback from
deep inside torch (or, worse, a run that trains on nonsense such as an average
with decay 1.5).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .api import GENERATOR_LOSSES, UNSUPERVISED_OBJECTIVES

PRECISION_NAMES = ("32", "tf32", "bf16", "fp16")
"""--precision's values; training maps each to its arithmetic."""

MAY_BE_UNSET = frozenset({"num_labeled", "labeled_rate", "data_dir", "labeled_batch_size"})
"""Settings whose None means something (no count given, the default data folder, the unlabelled batch size)."""


def _integer(minimum: int | None) -> Callable[[object], str | None]:
    wanted = "an integer" if minimum is None else "a positive integer" if minimum == 1 else f"an integer >= {minimum}"

    def check(value: object) -> str | None:
        good = isinstance(value, int) and not isinstance(value, bool) and (minimum is None or value >= minimum)
        return None if good else f"must be {wanted}"
    return check


def _number(low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = False) -> Callable:
    if high == math.inf:
        wanted = "positive" if low_open else "0 or positive"
    else:
        wanted = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"must be a finite number, {wanted}"
        inside = (low < value if low_open else low <= value) and (value < high if high_open else value <= high)
        return None if inside else f"must be {wanted}"
    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[object], str | None]:
    return lambda value: None if value in choices and isinstance(value, str) else f"must be one of {', '.join(choices)}"


def _text(value: object) -> str | None:
    return None if isinstance(value, str) and value else "must be a non-empty string"


def _flag(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


_UNDER_ONE = _number(0, 1, high_open=True)
"""A decay: an average's (ema_decay) or each of Adam's two."""


def _betas(value: object) -> str | None:
    pair = isinstance(value, (tuple, list)) and len(value) == 2
    inside = pair and all(_UNDER_ONE(beta) is None for beta in value)
    return None if inside else "must be two numbers in [0, 1) (Adam's beta1, beta2)"


RULES: dict[str, Callable[[object], str | None]] = {
    "arch": _text,
    "dataset": _text,
    "num_labeled": _integer(1),
    "labeled_rate": _number(0, 1, low_open=True),
    "seed": _integer(None),
    "device": _text,
    "out": _text,
    "data_dir": _text,
    "checkpoint_every": _integer(1),
    "log_every": _integer(1),
    "eval_every": _integer(0),
    "holdout": _integer(0),
    "precision": _one_of(PRECISION_NAMES),
    "compile": _flag,
    "supervised_only": _flag,
    "z_dim": _integer(1),
    "batch_size": _integer(1),
    "labeled_batch_size": _integer(1),
    "iterations": _integer(1),
    "lr_d": _number(0, low_open=True),
    "lr_g": _number(0, low_open=True),
    "betas_d": _betas,
    "betas_g": _betas,
    "unsupervised": _one_of(UNSUPERVISED_OBJECTIVES),
    "generator_loss": _one_of(GENERATOR_LOSSES),
    "ema_decay": _UNDER_ONE,
    "lr_decay_start": _number(0, 1),
    "consistency": _number(0),
    "consistency_rampup": _number(0, 1),
    "unsupervised_weight": _number(0),
}


def problem(name: str, value: object) -> str | None:
    """Why ``value`` cannot be setting ``name`` ("must be ..., got ..."), or None when it can."""
    if value is None and name in MAY_BE_UNSET:
        return None
    wrong = RULES[name](value)
    return f"{wrong}, got {value!r}" if wrong else None


def flag(name: str) -> str:
    """The command-line spelling of a setting, as messages name it."""
    return "--" + name.replace("_", "-")
