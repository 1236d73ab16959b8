"""Read a user's image files with Pillow into uint8 arrays of one size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import SganctlError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
GREY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def image_files(folder: Path) -> list:
    """Image files directly in ``folder`` or below it, sorted so that order never depends on the file system."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_image(path: Path, size: tuple) -> tuple:
    """(RGB array [H, W, 3] resized to size=(height, width), whether the file was greyscale)."""
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            grey = image.mode in GREY_MODES
            rgb = image.convert("RGB")
            if rgb.size != (size[1], size[0]):
                rgb = rgb.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8), grey
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise SganctlError(f"{path}: cannot read this image ({exc}); remove or replace the file") from None


def read_images(paths: list, size: tuple) -> tuple:
    """(uint8 array [N, H, W, 3], whether every file was greyscale)."""
    arrays, all_grey = [], True
    for path in paths:
        array, grey = read_image(path, size)
        arrays.append(array)
        all_grey &= grey
    stacked = np.stack(arrays) if arrays else np.zeros((0, size[0], size[1], 3), dtype=np.uint8)
    return stacked, all_grey


def to_tensor_layout(array: np.ndarray, channels: int):
    """[N, H, W, 3] -> torch uint8 [N, channels, H, W]; greyscale keeps one channel (all three are equal)."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2)
    return (tensor[:, :1] if channels == 1 else tensor).contiguous()
