"""Write fake installed distributions (a .dist-info folder and modules) for plugin tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

TINY_GENERATOR = '''
class TinyG(nn.Module):
    """z -> one linear layer -> tanh image: the smallest generator the contract accepts."""
    def __init__(self, z, image):
        super().__init__()
        self.shape = image.shape
        self.n = nn.Linear(z, image.channels * image.height * image.width)
    def forward(self, z):
        return self.n(z).tanh().view(-1, *self.shape)
'''
"""Source of a generator class, pasted into the plugin modules the tests write (they need torch.nn as nn)."""

GOOD_ARCH = '''
from torch import nn
from sganctl.api import Architecture, DiscriminatorOutput, Recipe

class TinyD(nn.Module):
    def __init__(self, k, image):
        super().__init__()
        self.f = nn.Sequential(nn.Flatten(), nn.Linear(image.channels * image.height * image.width, 16))
        self.c = nn.Linear(16, k)
    def forward(self, x):
        h = self.f(x)
        return DiscriminatorOutput(self.c(h), h)

''' + TINY_GENERATOR + '''
class Tiny(Architecture):
    name = "{name}"
    description = "tiny test network"
    api_version = {api_version}
    image_size = (28, 28)
    recipe = Recipe(z_dim=8, batch_size=8, iterations=2)
    def build_generator(self, z_dim, image):
        return TinyG(z_dim, image)
    def build_discriminator(self, num_classes, image):
        return TinyD(num_classes, image)
'''

TWO_HEAD_ARCH = """
from torch import nn
from sganctl.api import Architecture, DiscriminatorOutput, Recipe

class TwoHeadD(nn.Module):
    def __init__(self, k, image):
        super().__init__()
        self.f = nn.Sequential(nn.Flatten(), nn.Linear(image.channels * image.height * image.width, 16), nn.ReLU())
        self.c = nn.Linear(16, k)
        self.rf = nn.Linear(16, 1)
    def forward(self, x):
        h = self.f(x)
        return DiscriminatorOutput(self.c(h), h, self.rf(h).squeeze(1))

""" + TINY_GENERATOR + """
class TwoHead(Architecture):
    name = "twohead"
    description = "class head and separate real/fake head"
    image_size = (28, 28)
    recipe = Recipe(z_dim=8, batch_size=8, iterations=2, unsupervised="two-head",
                    generator_loss="non-saturating+feature-matching", ema_decay=0.9)
    def build_generator(self, z_dim, image):
        return TinyG(z_dim, image)
    def build_discriminator(self, num_classes, image):
        return TwoHeadD(num_classes, image)
"""


def write_distribution(site: Path, package: str, version: str, entry_points: dict, modules: dict) -> None:
    """``entry_points``: name -> 'module:attr'; ``modules``: module name -> source."""
    info = site / f"{package}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[sganctl.architectures]\n{lines}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


def write_broken_plugins(site: Path) -> None:
    """One good plugin and one of each kind of breakage the registry must report."""
    write_distribution(site, "good_plugin", "1.0", {"tiny": "good_mod:Tiny"},
                       {"good_mod": GOOD_ARCH.format(name="tiny", api_version=1)})
    write_distribution(site, "missing_plugin", "0.1", {"ghost": "no_such_module:Arch"}, {})
    write_distribution(site, "raising_plugin", "0.2", {"raiser": "raising_mod:make"},
                       {"raising_mod": "def make():\n    raise RuntimeError('factory exploded')\n"})
    write_distribution(site, "future_plugin", "3.0", {"future": "future_mod:Tiny"},
                       {"future_mod": GOOD_ARCH.format(name="future", api_version=99)})
    write_distribution(site, "wrongtype_plugin", "0.3", {"notarch": "wrongtype_mod:thing"},
                       {"wrongtype_mod": "thing = 42\n"})
    write_distribution(site, "clash_plugin", "0.4", {"compact": "clash_mod:Tiny"},
                       {"clash_mod": GOOD_ARCH.format(name="compact", api_version=1)})
