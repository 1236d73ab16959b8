"""Classify a user's image files with a trained discriminator, prepared exactly as in training."""

from __future__ import annotations

from pathlib import Path

import torch

from . import checkpoint
from .data.images import read_images, to_tensor_layout
from .devices import resolve_device
from .evaluation import predict_logits
from .plugins import Registry
from .runs import resolve_checkpoint


def predict_files(run: str | None, paths: list, device: str = "auto") -> list:
    """One {file, class, index, probability} per image, in the order given."""
    ckpt = checkpoint.load(resolve_checkpoint(run))
    torch_device = resolve_device(device)
    discriminator = checkpoint.rebuild(ckpt, "discriminator", Registry()).to(torch_device)
    # The training data's stored shape: images are read at that size and channel count, then
    # go through the same per-batch preprocessing (scaling, resizing, channel conversion).
    channels, height, width = ckpt.meta.get("data_shape") or ckpt.image_spec.shape
    pixels, _ = read_images([Path(p) for p in paths], (height, width))
    logits = predict_logits(discriminator, to_tensor_layout(pixels, channels), ckpt.image_spec, torch_device)
    probabilities = torch.softmax(logits, dim=1)
    best = probabilities.argmax(dim=1)
    return [
        {"file": str(path), "class": ckpt.class_names[int(i)], "index": int(i), "probability": float(p[i])}
        for path, i, p in zip(paths, best, probabilities)
    ]
