"""Sample grids captioned with the discriminator's predicted class and confidence."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont

from .files import atomic_path

CELL_MIN = 64  # small images are enlarged so that a caption fits under each
CAPTION = 14
PADDING = 4


def annotated_grid(pixels: torch.Tensor, rows: int, cols: int, probabilities: torch.Tensor, class_names: list,
                   path: Path) -> Path:
    n, channels, height, width = pixels.shape
    scale = max(1, -(-CELL_MIN // width))
    cell_w, cell_h = width * scale, height * scale + CAPTION
    canvas = Image.new("RGB", (cols * (cell_w + PADDING) + PADDING, rows * (cell_h + PADDING) + PADDING))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    best = probabilities.argmax(dim=1)
    for i in range(n):
        array = pixels[i].permute(1, 2, 0).numpy()
        tile = Image.fromarray(array[:, :, 0] if channels == 1 else array).convert("RGB")
        tile = tile.resize((cell_w, height * scale), Image.Resampling.NEAREST)
        left = PADDING + (i % cols) * (cell_w + PADDING)
        top = PADDING + (i // cols) * (cell_h + PADDING)
        canvas.paste(tile, (left, top))
        label = f"{class_names[int(best[i])]} {float(probabilities[i, best[i]]):.0%}"
        draw.text((left + 1, top + height * scale + 1), label, fill=(255, 255, 255), font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        canvas.save(tmp, format="PNG")
    return path
