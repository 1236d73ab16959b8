"""The architecture plugin contract, API version 1.

This module is everything a plugin author imports from sganctl. A plugin
provides networks and the recipe that trains them well; the core owns data,
devices, checkpoints and the training loop. Keep this module free of imports
from the rest of sganctl so that plugins depend on nothing else.

An architecture is registered as an entry point in the group
``sganctl.architectures`` whose name is the architecture's name. The entry
point names either an :class:`Architecture` instance or a zero-argument
callable (for example the class itself) that returns one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import torch
from torch import nn

API_VERSION = 1
"""The contract version this sganctl implements; plugins declare the one they target."""

ENTRY_POINT_GROUP = "sganctl.architectures"
DATASET_ENTRY_POINT_GROUP = "sganctl.datasets"

ANY_SIZE = "any"
"""Value of :attr:`Architecture.image_size` for networks that accept the data's own size."""

UnsupervisedObjective = Literal["logsumexp", "two-head"]
GeneratorLoss = Literal["non-saturating", "feature-matching", "non-saturating+feature-matching"]

UNSUPERVISED_OBJECTIVES = ("logsumexp", "two-head")
GENERATOR_LOSSES = ("non-saturating", "feature-matching", "non-saturating+feature-matching")


@dataclass(frozen=True)
class ImageSpec:
    """The shape of the images a network pair is built for: channels, height, width."""

    channels: int
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)


@dataclass(frozen=True)
class Recipe:
    """Training hyper-parameters that the architecture was tuned with.

    Every field is a default: the user can override it from the command line.

    ``unsupervised`` picks how the discriminator tells real from generated:

    - ``"logsumexp"``: from the class logits alone, D(x) = Z/(Z+1) with
      Z = sum(exp(logits)); the same objective as a K+1-way softmax whose
      fake logit is fixed at 0 (Salimans et al. 2016).
    - ``"two-head"``: from a separate real/fake logit that the discriminator
      returns as ``DiscriminatorOutput.real_fake``.

    ``generator_loss`` is ``"non-saturating"`` (-log D(G(z))),
    ``"feature-matching"`` (squared distance between the mean features of a
    real and a generated batch) or the sum of both.

    ``ema_decay`` > 0 keeps an exponential moving average of the
    discriminator's weights; that average is the classifier evaluated and
    shipped in checkpoints (GAN training makes the raw weights noisy).
    ``lr_decay_start`` is the fraction of the iterations after which both
    learning rates decay linearly to zero (1.0: constant rates).

    ``unsupervised_weight`` scales the discriminator's real/fake loss on the
    unlabelled and generated images (the GAN's part of its loss) against its
    supervised loss: 1 is the usual SGAN; under 1 lets the labels weigh more,
    for when there are many of them.

    ``consistency`` > 0 (needs ``ema_decay`` > 0) adds that weight times a
    mean-teacher loss on the unlabelled batch (Tarvainen & Valpola 2017): the
    squared distance between the discriminator's class probabilities and the
    weight average's, each computed in training mode, so the two see the
    image through their own random augmentation, dropout or noise.
    ``consistency_rampup`` is the fraction of the iterations over which that
    weight rises from near 0 to its value along exp(-5 (1 - t)^2) (Laine &
    Aila 2017), so that the classifier is not held to an average that has not
    yet learnt anything (0: the full weight from the start).
    """

    z_dim: int = 100
    batch_size: int = 64
    labeled_batch_size: int | None = None  # None: same as batch_size
    iterations: int = 10_000
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas_d: tuple[float, float] = (0.5, 0.999)
    betas_g: tuple[float, float] = (0.5, 0.999)
    unsupervised: UnsupervisedObjective = "logsumexp"
    generator_loss: GeneratorLoss = "non-saturating"
    ema_decay: float = 0.0
    lr_decay_start: float = 1.0
    consistency: float = 0.0
    consistency_rampup: float = 0.0
    unsupervised_weight: float = 1.0


class DiscriminatorOutput(NamedTuple):
    """What a discriminator's forward returns.

    logits: class logits, shape [B, K].
    features: the representation used for feature matching, shape [B, F].
    real_fake: for two-head discriminators only, the real/fake logit, shape [B].
    """

    logits: torch.Tensor
    features: torch.Tensor
    real_fake: torch.Tensor | None = None


class RandomShift(nn.Module):
    """Moves each image by up to ``pixels`` rows and columns while training (edges repeated); identity in eval.

    Meant as a discriminator's first step: it moves labelled, unlabelled and
    generated images alike (translation as in DiffAugment, Zhao et al. 2020),
    so a few labelled images can no longer be learnt pixel by pixel while the
    generator is still judged against real images moved the same way. It has
    no weights, so checkpoints are the same with or without it. The built-in
    `compact` (2 pixels at 28x28) and `dcgan` (4 at 64x64) use it
    (BENCHMARKS.md has the measurements).
    """

    def __init__(self, pixels: int):
        super().__init__()
        self.pixels = pixels

    def extra_repr(self) -> str:
        return f"pixels={self.pixels}"

    def forward(self, x):
        if not self.training or not self.pixels:
            return x
        n, _, height, width = x.shape
        padded = nn.functional.pad(x, (self.pixels,) * 4, mode="replicate")
        offsets = torch.randint(0, 2 * self.pixels + 1, (2, n, 1), device=x.device)
        rows = (offsets[0] + torch.arange(height, device=x.device))[:, :, None]
        cols = (offsets[1] + torch.arange(width, device=x.device))[:, None, :]
        batch = torch.arange(n, device=x.device)[:, None, None]
        # indexing with three tensors around a slice puts the channels last: [N, H, W, C]
        return padded[batch, :, rows, cols].permute(0, 3, 1, 2)


class Architecture:
    """Base class for architecture plugins.

    Subclasses set the class attributes and implement the two builders. The
    generator maps ``[B, z_dim]`` to images ``[B, C, H, W]`` in [-1, 1]; the
    discriminator maps such images to a :class:`DiscriminatorOutput`.
    """

    name: str = ""
    description: str = ""
    api_version: int = API_VERSION
    image_size: tuple[int, int] | str = ANY_SIZE
    """(height, width) the networks are built for (data are resized to it), or ANY_SIZE."""
    channels: int | None = None
    """Channels the networks are built for, or None to take the dataset's."""
    channels_last: bool = False
    """True if the networks are convolutional and written for the channels-last memory format
    (they reshape with .reshape/.flatten, never .view, after a convolution): the core then
    keeps weights and batches channels-last, which speeds up oneDNN (CPU) and cuDNN kernels."""
    recipe: Recipe = Recipe()

    def build_generator(self, z_dim: int, image: ImageSpec) -> nn.Module:
        raise NotImplementedError

    def build_discriminator(self, num_classes: int, image: ImageSpec) -> nn.Module:
        raise NotImplementedError


@dataclass
class ImageSet:
    """Images as uint8 [N, C, H, W] (scaled to [-1, 1] per batch, later), int64 labels [N], class names."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"images must be uint8 [N, C, H, W], got {self.images.dtype} {tuple(self.images.shape)}")
        if tuple(self.labels.shape) != (self.images.shape[0],):
            raise ValueError(f"{self.images.shape[0]} images but labels of shape {tuple(self.labels.shape)}")

    def __len__(self) -> int:
        return self.images.shape[0]

    def subset(self, indices: torch.Tensor) -> ImageSet:
        """These images at ``indices`` (e.g. one side of a held-out split), with the same classes."""
        return ImageSet(self.images[indices], self.labels[indices], self.classes)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])


@dataclass
class DataSplits:
    """What a dataset hands to training and evaluation.

    train: the images whose labels may be used; the labelled subset is drawn
        from them (class-balanced, seeded) and the rest join the unlabelled pool.
    test: the images accuracy is measured on; never trained on.
    unlabeled: extra images without labels, uint8 [M, C, H, W], or None.
    notes: lines worth telling the user (e.g. how many images were held out).
    """

    train: ImageSet
    test: ImageSet
    unlabeled: torch.Tensor | None = None
    notes: tuple[str, ...] = ()


class Dataset:
    """Base class for dataset plugins (entry-point group ``sganctl.datasets``).

    ``load`` returns uint8 images; ``size`` is the (height, width) the
    architecture wants, a hint that datasets of mixed image sizes must follow
    and fixed-size datasets may ignore (the core resizes per batch anyway).
    """

    name: str = ""
    description: str = ""
    api_version: int = API_VERSION
    classes: tuple[str, ...] | None = None
    """Class names, or None when the data decide them (e.g. folder names)."""
    image_shape: tuple[int, int, int] | None = None
    """(channels, height, width), or None when it depends on the data."""
    default_num_labeled: int | None = 100
    """Labels used when the user asks for none; None means every labelled image."""

    def locate(self, data_dir: str | None) -> str | None:
        """Where the data are found locally, or None if they are not."""
        raise NotImplementedError

    def load(self, data_dir: str | None, size: tuple[int, int] | None, seed: int, log) -> DataSplits:
        raise NotImplementedError

    def fetch(self, log) -> str:
        """Download and verify the data ahead of time; return where they are."""
        raise NotImplementedError(f"dataset '{self.name}' cannot be downloaded; point --data-dir at it")


__all__ = [
    "ANY_SIZE",
    "API_VERSION",
    "DATASET_ENTRY_POINT_GROUP",
    "ENTRY_POINT_GROUP",
    "GENERATOR_LOSSES",
    "UNSUPERVISED_OBJECTIVES",
    "Architecture",
    "DataSplits",
    "Dataset",
    "DiscriminatorOutput",
    "ImageSet",
    "ImageSpec",
    "RandomShift",
    "Recipe",
]
