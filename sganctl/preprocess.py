"""From stored uint8 pixels to what a network sees, identically in training, eval and sampling."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .api import ANY_SIZE, Architecture, ImageSpec

NORMALISATION = {
    "input": "uint8 [N, C, H, W]",
    "scale": "x / 127.5 - 1 (pixels in [-1, 1])",
    "resize": "bilinear, antialiased when shrinking, to the architecture's image size",
    "channels": "grey repeated to RGB, or RGB to grey by ITU-R 601 luma, as the architecture asks",
}
"""Recorded in checkpoints so that a classifier can be used without sganctl's code."""

_LUMA = (0.299, 0.587, 0.114)


def load_size(arch: Architecture) -> tuple[int, int] | None:
    """The (height, width) a dataset is asked to load its images at: the plugin's, or None for their own."""
    return None if arch.image_size == ANY_SIZE else tuple(arch.image_size)


def image_spec_for(arch: Architecture, data_shape: tuple[int, int, int]) -> ImageSpec:
    """The image spec the networks are built for: the plugin's size and channels, else the data's."""
    channels, height, width = data_shape
    if arch.image_size != ANY_SIZE:
        height, width = arch.image_size
    return ImageSpec(channels=arch.channels or channels, height=height, width=width)


def to_model_input(pixels: torch.Tensor, spec: ImageSpec) -> torch.Tensor:
    """uint8 [B, C, H, W] -> float [B, spec.channels, spec.height, spec.width] in [-1, 1]."""
    x = pixels.float().div_(127.5).sub_(1.0)
    if x.shape[1] != spec.channels:
        if x.shape[1] == 1:
            x = x.expand(-1, spec.channels, -1, -1)
        elif x.shape[1] == 3 and spec.channels == 1:
            weights = torch.tensor(_LUMA, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
            x = (x * weights).sum(dim=1, keepdim=True)
        else:
            raise ValueError(f"cannot convert {x.shape[1]} channels to {spec.channels}")
    if tuple(x.shape[2:]) != (spec.height, spec.width):
        shrinking = x.shape[2] > spec.height or x.shape[3] > spec.width
        x = F.interpolate(
            x, size=(spec.height, spec.width), mode="bilinear", align_corners=False, antialias=shrinking
        )
    return x.contiguous()


def to_pixels(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8, for pictures."""
    return images.detach().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
