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


class DiscriminatorOutput(NamedTuple):
    """What a discriminator's forward returns.

    logits: class logits, shape [B, K].
    features: the representation used for feature matching, shape [B, F].
    real_fake: for two-head discriminators only, the real/fake logit, shape [B].
    """

    logits: torch.Tensor
    features: torch.Tensor
    real_fake: torch.Tensor | None = None


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
    recipe: Recipe = Recipe()

    def build_generator(self, z_dim: int, image: ImageSpec) -> nn.Module:
        raise NotImplementedError

    def build_discriminator(self, num_classes: int, image: ImageSpec) -> nn.Module:
        raise NotImplementedError


__all__ = [
    "ANY_SIZE",
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "GENERATOR_LOSSES",
    "UNSUPERVISED_OBJECTIVES",
    "Architecture",
    "DiscriminatorOutput",
    "ImageSpec",
    "Recipe",
]
