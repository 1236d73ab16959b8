"""Pictures of what the generator makes: a grid of images as a PNG."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image
from torch import nn

from .files import atomic_path
from .preprocess import to_pixels

PADDING = 2


@torch.no_grad()
def generate(generator: nn.Module, count: int, z_dim: int, seed: int, device: torch.device) -> torch.Tensor:
    """``count`` images as uint8 [N, C, H, W]; z is drawn on the CPU so a seed gives the same picture anywhere.

    On the CPU the generator runs on one thread: with several, a convolution's sums can be added in another order
    from one process to the next, and a pixel on a rounding edge then comes out one level apart (seen with two
    threads: two pixels of a 4x4 grid in two of eight runs). A grid is a few images, so one thread costs little.
    """
    z = torch.randn(count, z_dim, generator=torch.Generator().manual_seed(seed))
    was_training, threads = generator.training, torch.get_num_threads()
    generator.eval()
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        return to_pixels(generator(z.to(device)).float()).cpu()
    finally:
        torch.set_num_threads(threads)
        generator.train(was_training)


def grid_image(pixels: torch.Tensor, rows: int, cols: int) -> Image.Image:
    """Tile uint8 [N, C, H, W] images (N = rows * cols) into one picture with a thin border."""
    n, channels, height, width = pixels.shape
    assert n == rows * cols, (n, rows, cols)
    canvas = torch.zeros(
        channels, rows * (height + PADDING) + PADDING, cols * (width + PADDING) + PADDING, dtype=torch.uint8
    )
    for i in range(n):
        top, left = PADDING + (i // cols) * (height + PADDING), PADDING + (i % cols) * (width + PADDING)
        canvas[:, top : top + height, left : left + width] = pixels[i]
    array = canvas.permute(1, 2, 0).numpy()
    return Image.fromarray(array[:, :, 0] if channels == 1 else array)  # mode L or RGB from the shape


def save_grid(pixels: torch.Tensor, rows: int, cols: int, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        grid_image(pixels, rows, cols).save(tmp, format="PNG")
    return path
