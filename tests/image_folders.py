"""Write small image-folder datasets with Pillow: dark images vs light ones, in several sizes and formats."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image

SIZES = [(20, 20), (40, 30), (28, 28), (33, 50)]


def write_image(path: Path, light: bool, rgb: bool, size, rng: random.Random) -> None:
    base = 200 if light else 40
    mode = "RGB" if rgb else "L"
    image = Image.new(mode, size)
    pixels = [
        tuple(min(255, max(0, base + rng.randint(-30, 30))) for _ in range(3)) if rgb
        else min(255, max(0, base + rng.randint(-30, 30)))
        for _ in range(size[0] * size[1])
    ]
    image.putdata(pixels)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def make_folder(root: Path, per_class: int = 10, rgb: bool = False, formats=("png",), unlabeled: int = 0,
                test: int = 0, seed: int = 0) -> Path:
    rng = random.Random(seed)
    for part, count in (("labeled", per_class), ("test", test)):
        for cls in ("dark", "light"):
            for i in range(count):
                fmt = formats[i % len(formats)]
                write_image(root / part / cls / f"{i}.{fmt}", cls == "light", rgb, SIZES[i % len(SIZES)], rng)
    for i in range(unlabeled):
        write_image(root / "unlabeled" / f"u{i}.{formats[i % len(formats)]}", i % 2 == 0, rgb,
                    SIZES[i % len(SIZES)], rng)
    return root
