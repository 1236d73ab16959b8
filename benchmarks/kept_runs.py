"""The harness's runs kept in a directory of their own, so that a row longer than a session can be measured.

`accuracy.py --runs-dir DIR` trains each seed's run in ``DIR/SETUP-seedN-KIND``
with checkpoints, instead of in a temporary directory. Run again with the same
directory, the harness reuses each finished run, resumes each unfinished one
from its last checkpoint (``sganctl train --resume``, bit for bit on the CPU)
and starts the rest. A run kept there must be the one the harness would train
now: one of other settings (another recipe, iteration count, seed, device) is
refused, never replaced, and the message says to pass another directory; a
baseline is compared only on the settings a supervised-only run reads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sganctl.config import TrainConfig, as_trained_then
from sganctl.errors import SganctlError
from sganctl.plugins import Registry
from sganctl.runs import CHECKPOINT_NAME
from sganctl.training import resume, train

MAY_DIFFER = ("out", "data_dir", "device", "checkpoint_every", "log_every", "eval_every", "compile")
"""Settings that do not change what a run trains (its device is compared by kind: cpu, cuda)."""

BASELINE_IGNORES = ("consistency", "consistency_rampup", "unsupervised_weight", "generator_loss", "lr_g", "betas_g")
"""Settings a --supervised-only run never reads (it sees no unlabelled image and never steps its generator), so a
kept baseline that differs only in them is the run the harness would train: a recipe change to the semi-supervised
part alone does not cost the baseline's retraining."""


def place_for(runs_dir: Path, setup_name: str, seed: int, supervised: bool) -> Path:
    """The directory that holds one seed's run of one setup; the run directory sganctl makes lies inside."""
    return runs_dir / f"{setup_name}-seed{seed}-{'supervised' if supervised else 'ssl'}"


def kept_run(place: Path) -> Path | None:
    """The run directory in ``place``, if one was started there (a run leaves its config.json first)."""
    runs = sorted(p.parent for p in place.glob("*/config.json")) if place.is_dir() else []
    if len(runs) > 1:
        raise SganctlError(f"{place} holds {len(runs)} runs where the harness keeps one; "
                           "move all but one elsewhere, or pass another --runs-dir")
    return runs[0] if runs else None


def as_run(stored: dict) -> dict:
    """Stored settings as the run had them, in JSON's types (tuples become lists): those added to the contract since
    it ran take the contract's defaults, the behaviour from before each existed."""
    return json.loads(json.dumps(as_trained_then(stored)))


def differences(stored: dict, wanted: TrainConfig) -> list[str]:
    """'name: kept VALUE, wanted VALUE' for each setting that makes the kept run another run than ``wanted``."""
    kept = as_run(stored)
    unread = MAY_DIFFER + (BASELINE_IGNORES if wanted.supervised_only else ())
    found = [f"{name}: kept {kept.get(name)}, wanted {value}"
             for name, value in json.loads(json.dumps(wanted.to_dict())).items()
             # unset: e.g. num_labeled, which a --labeled-rate run resolves
             if name not in unread and value is not None and kept.get(name) != value]
    if device_kind(kept.get("device", "cpu")) != device_kind(wanted.device):
        found.append(f"device: kept {kept.get('device')}, wanted {wanted.device}")
    return found


def device_kind(device: str) -> str:
    """cpu or cuda: which GPU of a machine ran a row or a run does not make it another measurement."""
    return str(device).split(":")[0]


def finished(run_dir: Path) -> dict | None:
    """The run's result.json, once it has completed."""
    path = run_dir / "result.json"
    return json.loads(path.read_text()) if path.is_file() else None


def train_or_continue(config: TrainConfig, place: Path, log=lambda message: None) -> tuple[Path, TrainConfig, dict]:
    """(run directory, its resolved config, its result.json): reused, resumed or trained anew in ``place``."""
    run_dir = kept_run(place)
    if run_dir is None:
        result = train(replace(config, out=str(place)), log=log)
        return result.run_dir, result.config, finished(result.run_dir)
    stored = json.loads((run_dir / "config.json").read_text())["config"]
    mismatch = differences(stored, config.with_recipe(Registry().get(config.arch).recipe))
    if mismatch:
        raise SganctlError(f"{run_dir} is a run of other settings ({'; '.join(mismatch)}); "
                           "pass another --runs-dir, or move it away to train the harness's run there")
    done = finished(run_dir)
    if done is not None:
        return run_dir, TrainConfig(**as_trained_then(stored)), done
    if not (run_dir / CHECKPOINT_NAME).is_file():
        raise SganctlError(f"{run_dir} stopped before its first checkpoint, so it cannot be resumed; "
                           "remove it and run the harness again")
    overrides = {name: getattr(config, name) for name in ("device", "data_dir", "checkpoint_every", "log_every",
                                                          "eval_every")}
    result = resume(run_dir, overrides, log=log)
    return result.run_dir, result.config, finished(result.run_dir)
