"""Show a picture in the terminal: two pixels per character cell with the upper-half block.

With colour off (NO_COLOR, TERM=dumb, a pipe) it falls back to an ASCII
brightness ramp, so a user on a remote machine still sees the shapes.
"""

from __future__ import annotations

from PIL import Image
from rich.console import Console
from rich.style import Style
from rich.text import Text

RAMP = " .:-=+*#%@"


def fit(image: Image.Image, max_width: int) -> Image.Image:
    if image.width <= max_width:
        return image
    height = max(1, round(image.height * max_width / image.width))
    return image.resize((max_width, height), Image.Resampling.BILINEAR)


def render(image: Image.Image, console: Console) -> list[Text]:
    """One Text per terminal row: ceil(height / 2) rows."""
    image = fit(image.convert("RGB"), max(8, console.width))
    width, height = image.size
    pixels = image.load()
    lines = []
    for y in range(0, height, 2):
        line = Text()
        for x in range(width):
            top = pixels[x, y]
            bottom = pixels[x, y + 1] if y + 1 < height else (0, 0, 0)
            if console.color_system is None:
                level = (sum(top) + sum(bottom)) / (6 * 255)
                line.append(RAMP[min(len(RAMP) - 1, int(level * len(RAMP)))])
            else:
                line.append("▀", Style(color=f"rgb({top[0]},{top[1]},{top[2]})",
                                       bgcolor=f"rgb({bottom[0]},{bottom[1]},{bottom[2]})"))
        lines.append(line)
    return lines
