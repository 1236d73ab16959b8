"""The experiment that chose `mlp`'s trunk (BENCHMARKS.md, "Recipe experiments"): unpackaged variants.

    python benchmarks/recipes/mlp_trunk.py --data-dir ../shared/data VARIANT [--iterations 5000] [--seed 0]
        [--lr 1e-3] [--batch 64] [--holdout 10000]

VARIANT is one of the names in VARIANTS; each trains `mlp` with 100 labels
through the Python API, with feature matching as the generator loss (the
recipe when these were measured; mlp_recipe.py holds the re-check that
replaced it), and prints the final accuracy on 10,000 held-out
training images (what variants are compared on) and on the test set, with
both curves (every 1,000 iterations).
"""

from __future__ import annotations

import math

from sganctl_mlp import MLP, GaussianNoise
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from variant_runner import main, recipe_variant

from sganctl.api import DiscriminatorOutput

PAPER_TRUNK = (1000, 500, 250, 250, 250)  # Salimans et al. 2016, MNIST
OURS_G = (128, 256, 512)
PAPER_G = (500, 500)


def leaky():
    return nn.LeakyReLU(0.2)


def variant(trunk, activation, input_noise, g_hidden, g_activation, hidden_noise=0.5, newer=True):
    """An `mlp` whose networks take these shapes; everything else is the plugin's recipe.

    ``newer``: noise between the matched features and the logits, and a
    weight-normalised generator output (False: the 512-256-128 `mlp` before).
    """

    class Discriminator(nn.Module):
        def __init__(self, num_classes, image):
            super().__init__()
            layers, width = [nn.Flatten(), GaussianNoise(input_noise)], math.prod(image.shape)
            for index, units in enumerate(trunk):
                if index:
                    layers.append(GaussianNoise(hidden_noise))
                layers += [weight_norm(nn.Linear(width, units)), activation()]
                width = units
            self.trunk = nn.Sequential(*layers)
            self.noise = GaussianNoise(hidden_noise) if newer else nn.Identity()
            self.classify = weight_norm(nn.Linear(width, num_classes))

        def forward(self, x):
            features = self.trunk(x)
            return DiscriminatorOutput(logits=self.classify(self.noise(features)), features=features)

    class Generator(nn.Module):
        def __init__(self, z_dim, image):
            super().__init__()
            self.shape = image.shape
            layers, width = [], z_dim
            for units in g_hidden:
                layers += [nn.Linear(width, units), nn.BatchNorm1d(units), g_activation()]
                width = units
            output = nn.Linear(width, math.prod(image.shape))
            self.net = nn.Sequential(*layers, weight_norm(output) if newer else output, nn.Tanh())

        def forward(self, z):
            return self.net(z).view(z.shape[0], *self.shape)

    class Variant(MLP):
        def build_generator(self, z_dim, image):
            return Generator(z_dim, image)

        def build_discriminator(self, num_classes, image):
            return Discriminator(num_classes, image)

    return recipe_variant(Variant, generator_loss="feature-matching")  # as when these were measured


VARIANTS = {
    "previous": variant((512, 256, 128), leaky, 0.3, OURS_G, leaky, newer=False),
    "paper": variant(PAPER_TRUNK, nn.ReLU, 0.6, PAPER_G, nn.Softplus),
    "paper_input_noise_03": variant(PAPER_TRUNK, nn.ReLU, 0.3, PAPER_G, nn.Softplus),
    "paper_trunk_leaky": variant(PAPER_TRUNK, leaky, 0.3, OURS_G, leaky),
    "paper_trunk_leaky_paper_g": variant(PAPER_TRUNK, leaky, 0.3, PAPER_G, nn.Softplus),
    "paper_trunk_leaky_input_noise_06": variant(PAPER_TRUNK, leaky, 0.6, OURS_G, leaky),  # the plugin's networks now
}
globals().update(VARIANTS)  # so that `mlp_trunk:NAME` resolves as an --arch


if __name__ == "__main__":
    main(__file__, VARIANTS, __doc__)
