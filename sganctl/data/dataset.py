"""The in-memory form every dataset takes: uint8 images, int64 labels, class names."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ImageSet:
    """Images as uint8 [N, C, H, W] (scaled to [-1, 1] per batch, later) and labels [N]."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: list[str]

    def __post_init__(self):
        assert self.images.dtype == torch.uint8 and self.images.dim() == 4
        assert self.labels.shape == (self.images.shape[0],)

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self):
        return tuple(self.images.shape[1:])
