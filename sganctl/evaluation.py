"""Test accuracy, per-class accuracy and the confusion matrix of a discriminator."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .api import ImageSpec
from .preprocess import to_model_input


@dataclass
class Evaluation:
    accuracy: float
    per_class: list[float]
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    num_test: int
    class_names: list[str]
    checkpoint: str | None = None
    iteration: int | None = None
    holdout: Evaluation | None = None  # the same on the images the run set aside with --holdout, if it did

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "per_class": self.per_class,
            "confusion": self.confusion,
            "num_test": self.num_test,
            "class_names": self.class_names,
            **({"checkpoint": self.checkpoint, "iteration": self.iteration} if self.checkpoint else {}),
            **({"holdout": self.holdout.to_dict()} if self.holdout else {}),
        }


@torch.no_grad()
def predict_logits(
    discriminator: nn.Module, pixels: torch.Tensor, spec: ImageSpec, device: torch.device, batch: int = 500
) -> torch.Tensor:
    """Class logits for uint8 images, computed in eval mode, returned on the CPU."""
    was_training = discriminator.training
    discriminator.eval()
    try:
        chunks = [
            discriminator(to_model_input(pixels[i : i + batch].to(device), spec)).logits.float().cpu()
            for i in range(0, len(pixels), batch)
        ]
    finally:
        discriminator.train(was_training)
    return torch.cat(chunks) if chunks else torch.empty(0)


def evaluate(
    discriminator: nn.Module,
    pixels: torch.Tensor,
    labels: torch.Tensor,
    spec: ImageSpec,
    class_names: list[str],
    device: torch.device,
) -> Evaluation:
    predicted = predict_logits(discriminator, pixels, spec, device).argmax(dim=1)
    k = len(class_names)
    confusion = torch.bincount(labels.cpu() * k + predicted, minlength=k * k).reshape(k, k)
    totals = confusion.sum(dim=1).clamp(min=1)
    return Evaluation(
        accuracy=int(confusion.diag().sum()) / max(len(labels), 1),
        per_class=(confusion.diag() / totals).tolist(),
        confusion=confusion.tolist(),
        num_test=len(labels),
        class_names=list(class_names),
    )
