"""The SGAN training loop.

Each iteration:
  1. D learns to classify a labelled batch (cross-entropy) and to tell an
     unlabelled real batch from a generated one (the plugin's unsupervised
     objective);
  2. G learns to fool D (non-saturating loss, feature matching, or both), on
     the same generated batch, so the generator runs forward once per step.

Data live on the training device as uint8 and batches are drawn by index
there; losses are summed on the device and read only at log time, so the loop
never waits on the host between steps.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import torch

from . import __version__, checkpoint
from . import objectives as obj
from .api import API_VERSION
from .config import TrainConfig
from .console import TrainingProgress, info
from .contract import verify_shapes
from .data import get_dataset, labeled_count, load_split, split_labeled
from .devices import resolve_device
from .errors import SganctlError
from .evaluate import Evaluation, evaluate
from .files import write_json
from .plugins import Registry
from .preprocess import NORMALISATION, image_spec_for, to_model_input
from .runs import CHECKPOINT_NAME, create_run_dir
from .sampling import generate, save_grid

METRICS = ("loss_d_sup", "loss_d_unsup", "loss_g", "acc_labeled")
SAMPLE_GRID = (8, 8)


@dataclass
class TrainResult:
    run_dir: Path
    checkpoint: Path
    config: TrainConfig
    iterations: int
    seconds: float
    evaluation: Evaluation

    def to_dict(self) -> dict:
        return {
            "run_dir": str(self.run_dir),
            "checkpoint": str(self.checkpoint),
            "arch": self.config.arch,
            "dataset": self.config.dataset,
            "num_labeled": self.config.num_labeled,
            "iterations": self.iterations,
            "seconds": round(self.seconds, 3),
            "test_accuracy": self.evaluation.accuracy,
            "num_test": self.evaluation.num_test,
        }


def _cycle_sampler(size: int, batch: int, device: torch.device, gen: torch.Generator) -> Callable:
    """Random indices into a pool of ``size``, drawn on the device."""
    return lambda: torch.randint(size, (batch,), device=device, generator=gen)


def train(config: TrainConfig, registry: Registry | None = None, log: Callable = info) -> TrainResult:
    registry = registry or Registry()
    arch = registry.get(config.arch)
    cfg = config.with_recipe(arch.recipe)
    _validate(cfg)
    device = resolve_device(cfg.device)
    spec_of_dataset = get_dataset(cfg.dataset)

    # Data: the labelled subset is fixed by the seed; every other training image is unlabelled.
    train_set = load_split(spec_of_dataset, "train", cfg.data_dir, log)
    test_set = load_split(spec_of_dataset, "test", cfg.data_dir, log)
    cfg.num_labeled = labeled_count(len(train_set), cfg.num_labeled, cfg.labeled_rate)
    labeled_idx, unlabeled_idx = split_labeled(train_set.labels, cfg.num_labeled, train_set.num_classes, cfg.seed)
    if len(unlabeled_idx) == 0:  # every image labelled: the real batch for the GAN comes from them
        unlabeled_idx = labeled_idx
    spec = image_spec_for(arch, train_set.image_shape)
    labeled_x = train_set.images[labeled_idx].to(device)
    labeled_y = train_set.labels[labeled_idx].to(device)
    unlabeled_x = train_set.images[unlabeled_idx].to(device)

    # Networks and optimisers.
    torch.manual_seed(cfg.seed)
    generator = registry.build_generator(cfg.arch, cfg.z_dim, spec).to(device)
    discriminator = registry.build_discriminator(cfg.arch, train_set.num_classes, spec).to(device)
    verify_shapes(
        f"architecture '{cfg.arch}' from {registry.entries[cfg.arch].origin}", generator, discriminator,
        cfg.z_dim, train_set.num_classes, spec, cfg.unsupervised == "two-head", device,
    )
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=cfg.lr_d, betas=cfg.betas_d)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.lr_g, betas=cfg.betas_g)

    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{cfg.arch}-{cfg.dataset}-{cfg.num_labeled}")
    run_dir = create_run_dir(Path(cfg.out), label)
    entry = registry.entries[cfg.arch]
    meta = {
        "sganctl_version": __version__,
        "arch": cfg.arch,
        "plugin": {"name": cfg.arch, "package": entry.package, "version": entry.version, "api_version": API_VERSION},
        "dataset": cfg.dataset,
        "num_classes": train_set.num_classes,
        "class_names": train_set.classes,
        "image_spec": {"channels": spec.channels, "height": spec.height, "width": spec.width},
        "normalisation": NORMALISATION,
        "config": cfg.to_dict(),
        "device": str(device),
    }
    write_json(run_dir / "config.json", meta)
    log(f"run directory: {run_dir}")
    log(
        f"{cfg.arch} on {cfg.dataset}: {len(labeled_idx)} labelled, {len(unlabeled_idx)} unlabelled, "
        f"{cfg.iterations} iterations, batch {cfg.batch_size}, device {device}"
    )

    batch_gen = torch.Generator(device=device).manual_seed(cfg.seed)
    next_labeled = _cycle_sampler(len(labeled_x), cfg.labeled_batch_size, device, batch_gen)
    next_unlabeled = _cycle_sampler(len(unlabeled_x), cfg.batch_size, device, batch_gen)
    metric_sums = torch.zeros(len(METRICS), device=device)
    steps_in_sum = 0
    started = time.perf_counter()

    def save_checkpoint(iteration: int) -> Path:
        path = run_dir / CHECKPOINT_NAME
        checkpoint.save(path, {"generator": generator, "discriminator": discriminator},
                        {**meta, "iteration": iteration})
        rows, cols = SAMPLE_GRID
        pixels = generate(generator, rows * cols, cfg.z_dim, cfg.seed, device)
        save_grid(pixels, rows, cols, run_dir / "samples" / f"iter-{iteration:06d}.png")
        return path

    with (
        open(run_dir / "metrics.jsonl", "a", buffering=1) as metrics_file,
        closing(TrainingProgress(cfg.iterations)) as progress,
    ):
        for iteration in range(1, cfg.iterations + 1):
            idx = next_labeled()
            x_lab, y_lab = to_model_input(labeled_x[idx], spec), labeled_y[idx]
            x_unl = to_model_input(unlabeled_x[next_unlabeled()], spec)
            z = torch.randn(cfg.batch_size, cfg.z_dim, device=device, generator=batch_gen)
            fake = generator(z)

            # 1. Discriminator: supervised + unsupervised.
            out_lab = discriminator(x_lab)
            out_unl = discriminator(x_unl)
            out_fake = discriminator(fake.detach())
            loss_sup = obj.supervised_loss(out_lab, y_lab)
            loss_unsup = obj.discriminator_unsupervised_loss(out_unl, out_fake, cfg.unsupervised)
            opt_d.zero_grad(set_to_none=True)
            (loss_sup + loss_unsup).backward()
            opt_d.step()

            # 2. Generator, through a discriminator whose weights need no gradients.
            discriminator.requires_grad_(False)
            out_gen = discriminator(fake)
            loss_g = obj.generator_loss(out_gen, out_unl.features, cfg.unsupervised, cfg.generator_loss)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            discriminator.requires_grad_(True)

            with torch.no_grad():
                acc = (out_lab.logits.argmax(1) == y_lab).float().mean()
                metric_sums += torch.stack([loss_sup.detach(), loss_unsup.detach(), loss_g.detach(), acc])
            steps_in_sum += 1
            progress.step(iteration)

            last = iteration == cfg.iterations
            if iteration % cfg.log_every == 0 or last:
                means = dict(zip(METRICS, (metric_sums / steps_in_sum).tolist()))
                _check_finite(means, iteration)
                record = {"iteration": iteration, **means, "seconds": round(time.perf_counter() - started, 3)}
                metrics_file.write(json.dumps(record) + "\n")
                progress.report(iteration, means)
                metric_sums.zero_()
                steps_in_sum = 0
            if iteration % cfg.checkpoint_every == 0 or last:
                save_checkpoint(iteration)

    seconds = time.perf_counter() - started
    result = evaluate(discriminator, test_set.images, test_set.labels, spec, test_set.classes, device)
    write_json(run_dir / "result.json", {"iterations": cfg.iterations, "seconds": seconds, **result.to_dict()})
    return TrainResult(run_dir, run_dir / CHECKPOINT_NAME, cfg, cfg.iterations, seconds, result)


def _check_finite(means: dict, iteration: int) -> None:
    bad = [k for k, v in means.items() if not math.isfinite(v)]
    if bad:
        raise SganctlError(
            f"training diverged by iteration {iteration} ({', '.join(bad)} not finite); "
            "the last checkpoint is kept; try lower learning rates"
        )


def _validate(cfg: TrainConfig) -> None:
    """Range checks on the resolved settings (plugin defaults included)."""
    positive = ("iterations", "batch_size", "labeled_batch_size", "z_dim", "checkpoint_every", "log_every")
    for name in positive:
        value = getattr(cfg, name)
        if not isinstance(value, int) or value < 1:
            raise SganctlError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    for name in ("lr_d", "lr_g"):
        if not getattr(cfg, name) > 0:
            raise SganctlError(f"--{name.replace('_', '-')} must be positive, got {getattr(cfg, name)}")
    if cfg.num_labeled is not None and cfg.labeled_rate is not None:
        raise SganctlError("pass either --num-labeled or --labeled-rate, not both")
    if cfg.num_labeled is None and cfg.labeled_rate is None:
        raise SganctlError("pass --num-labeled N (e.g. 100) or --labeled-rate R (e.g. 0.2)")
    if cfg.num_labeled is not None and cfg.num_labeled < 1:
        raise SganctlError(f"--num-labeled must be a positive integer, got {cfg.num_labeled}")
    if cfg.labeled_rate is not None and not 0 < cfg.labeled_rate <= 1:
        raise SganctlError(f"--labeled-rate must be in (0, 1], got {cfg.labeled_rate}")
