"""The Python API: everything the command line does, callable from a script or notebook.

    from sganctl import train, evaluate, sample, load_classifier
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import torch
from torch import nn

from . import checkpoint
from .api import ImageSet, ImageSpec
from .config import TrainConfig
from .console import info
from .data import hold_out
from .devices import resolve_device
from .errors import SganctlError
from .evaluation import Evaluation, predict_logits
from .evaluation import evaluate as evaluate_discriminator
from .plugins import DatasetRegistry, Registry
from .preprocess import to_model_input
from .run_list import list_runs  # noqa: F401  (the API's, re-exported)
from .runs import resolve_checkpoint
from .sampling import generate, save_grid
from .training import TrainResult
from .training import resume as resume_run
from .training import train as train_config


def train(arch: str, **options) -> TrainResult:
    """Train a new run; ``options`` are the ``sganctl train`` flags with underscores.

    Example: ``train("compact", num_labeled=100, iterations=2000, data_dir="../shared/data")``
    """
    return train_config(TrainConfig(arch=arch, **options))


def resume(run: str | Path, **options) -> TrainResult:
    """Continue a run from its checkpoint, as ``sganctl train --resume``; ``options`` may change what that
    command lets change (``iterations``, ``device``, ``data_dir``, the intervals).

    Example: ``resume("runs/00000-dcgan-mnist-12000", iterations=9400)``
    """
    unknown = sorted(set(options) - {field.name for field in fields(TrainConfig)})
    if unknown:  # as train() would say through TrainConfig, not as a flag the run "used as None"
        raise TypeError(f"resume() got unexpected keyword argument(s): {', '.join(unknown)}")
    return resume_run(run, options)


def evaluate(run: str | Path | None = None, data_dir: str | None = None, device: str = "auto",
             log=info) -> Evaluation:
    """Test accuracy, per-class accuracy and confusion matrix of a run (default: newest under ./runs), and the
    same on the images it held out when it ran with --holdout: what settings are chosen on."""
    ckpt = checkpoint.load(resolve_checkpoint(None if run is None else str(run)))
    torch_device = resolve_device(device)
    discriminator = checkpoint.rebuild(ckpt, "discriminator", Registry()).to(torch_device)
    config = ckpt.meta["config"]
    dataset = DatasetRegistry().get(ckpt.meta["dataset"])
    shape = ckpt.meta.get("data_shape")
    size = (shape[1], shape[2]) if shape else None
    splits = dataset.load(data_dir or config.get("data_dir"), size, config["seed"], log)
    test = splits.test
    if list(test.classes) != list(ckpt.class_names):
        raise SganctlError(f"the test data's classes {test.classes} differ from the checkpoint's "
                           f"{ckpt.class_names}; pass the --data-dir the run was trained on")

    def on(images: ImageSet) -> Evaluation:
        return evaluate_discriminator(discriminator, images.images, images.labels, ckpt.image_spec,
                                      ckpt.class_names, torch_device)

    result = on(test)
    if config.get("holdout"):  # the same images the run set aside: they depend on the count alone, not the seed
        held, _ = hold_out(splits.train.labels, config["holdout"], splits.train.num_classes)
        result.holdout = on(splits.train.subset(held))
    result.checkpoint, result.iteration = str(ckpt.path), ckpt.meta.get("iteration")
    return result


def sample(run: str | Path | None = None, grid: tuple = (4, 4), seed: int = 0, out: str | Path | None = None,
           device: str = "auto", annotate: bool = False) -> Path:
    """Write a PNG grid of generated images; return its path. The same seed gives the same picture."""
    from .annotate import annotated_grid

    rows, cols = grid
    ckpt = checkpoint.load(resolve_checkpoint(None if run is None else str(run)))
    if ckpt.meta["config"].get("supervised_only"):  # its generator is the untrained one it was built with: noise
        raise SganctlError(f"{ckpt.path} was trained with --supervised-only, so its generator never trained and "
                           "draws only noise; sample a run trained without --supervised-only")
    path = Path(out) if out else free_name(ckpt.path.parent / "samples" / f"sample-{rows}x{cols}-seed{seed}.png")
    torch_device = resolve_device(device)
    registry = Registry()
    generator = checkpoint.rebuild(ckpt, "generator", registry).to(torch_device)
    pixels = generate(generator, rows * cols, ckpt.meta["config"]["z_dim"], seed, torch_device)
    if not annotate:
        return save_grid(pixels, rows, cols, path)
    discriminator = checkpoint.rebuild(ckpt, "discriminator", registry).to(torch_device)
    probabilities = torch.softmax(predict_logits(discriminator, pixels, ckpt.image_spec, torch_device), dim=1)
    return annotated_grid(pixels, rows, cols, probabilities, ckpt.class_names, path)


def free_name(path: Path) -> Path:
    """``path`` if free, else the first of path-2, path-3, ... that is: never overwrite silently."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


class Classifier(nn.Module):
    """A trained discriminator as a classifier: uint8 images in, class logits out.

    ``class_names`` names the outputs; ``preprocess`` is the exact transform
    training used (scale to [-1, 1], resize, channel conversion), applied by
    ``forward`` to uint8 input. Float input is taken as already preprocessed.
    """

    def __init__(self, discriminator: nn.Module, image_spec: ImageSpec, class_names: list):
        super().__init__()
        self.discriminator = discriminator
        self.image_spec = image_spec
        self.class_names = list(class_names)

    def preprocess(self, pixels: torch.Tensor) -> torch.Tensor:
        return to_model_input(pixels, self.image_spec)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dtype == torch.uint8:
            images = self.preprocess(images)
        return self.discriminator(images).logits

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> list:
        """(class name, probability) per image."""
        probabilities = torch.softmax(self(images).float(), dim=1)
        best = probabilities.argmax(dim=1)
        return [(self.class_names[int(i)], float(p[i])) for i, p in zip(best, probabilities)]


def load_classifier(run: str | Path | None = None, device: str = "cpu") -> Classifier:
    """The discriminator of a run as an eval-mode torch module, ready for inference."""
    ckpt = checkpoint.load(resolve_checkpoint(None if run is None else str(run)))
    discriminator = checkpoint.rebuild(ckpt, "discriminator", Registry())
    return Classifier(discriminator, ckpt.image_spec, ckpt.class_names).to(resolve_device(device)).eval()
