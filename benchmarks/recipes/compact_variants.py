"""Recipe experiments for `compact` (BENCHMARKS.md, "Recipe experiments"): unpackaged variants.

    python benchmarks/recipes/compact_variants.py --data-dir ../shared/data VARIANT [--iterations 2000] [--seed 0]
        [--holdout 10000] [--lr RATE]

Most variants keep the networks `compact` had until its deeper
discriminator (:class:`ThreeConvolutions`: three stride-2 convolutions of
128, a dense layer of K logits; the same generator) and change the
regularisers of the discriminator and the recipe: the random shift of the
input (the plugin's default since it was measured here), a blanked square
(cutout), a small random turn and zoom (affine), and what made `mlp` work:
Gaussian noise on the input and hidden layers, weight normalisation,
feature matching, Adam 1e-3. The `consistency_*` variants are that plugin
with the core's mean-teacher loss at weight W (`Recipe.consistency`), some
with its ramp-up, a faster or slower average, more augmentation or dropout,
a teacher that sees clean images, more unlabelled images per step, Adam's
usual first-moment decay or a longer learning-rate decay; the
`consistency_10_deeper_*` and `consistency_10_width_192` ones change the
discriminator's convolutions instead (:class:`DeeperDiscriminator`), and
`default_deeper_14x14` adds one to the plugin as shipped.
Except those and `default` (the plugin as installed), variants start from
the recipe before the shift and the mean teacher: Adam 2e-4, batches of 50,
no shift. Trains with 100
labels and prints the final accuracy on 10,000 held-out training images (what
variants are compared on) and on the test set, with both curves (every 1,000
iterations).
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from sganctl_compact import Compact, CompactDiscriminator, refining_layers
from sganctl_mlp import GaussianNoise
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from variant_runner import main, recipe_variant

from sganctl.api import DiscriminatorOutput


class ThreeConvolutions(Compact):
    """`compact` before its deeper discriminator: the tutorial's three stride-2 convolutions, 8,000 iterations.

    Every variant here except ``default`` and the ``deeper``/``width`` ones
    was measured on these networks, so they are built on this class and keep
    the figures BENCHMARKS.md gives them whatever the plugin becomes.
    """

    recipe = replace(Compact.recipe, iterations=8_000)

    def build_discriminator(self, num_classes, image):
        return CompactDiscriminator(num_classes, image, deepen_after=())


class Cutout(nn.Module):
    """Blanks a ``size`` x ``size`` square at a random place in each image while training (DiffAugment's cutout).

    Like the shift it runs first in the discriminator, on real and generated
    images alike; the square is set to 0, mid-grey in the [-1, 1] range, and
    may hang over the border.
    """

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, x):
        if not self.training or not self.size:
            return x
        n, _, height, width = x.shape
        half = self.size // 2
        top = torch.randint(0, height, (n, 1), device=x.device) - half
        left = torch.randint(0, width, (n, 1), device=x.device) - half
        rows, cols = torch.arange(height, device=x.device), torch.arange(width, device=x.device)
        in_rows = (rows >= top) & (rows < top + self.size)
        in_cols = (cols >= left) & (cols < left + self.size)
        kept = ~(in_rows[:, :, None] & in_cols[:, None, :])
        return x * kept[:, None].to(x.dtype)


class RandomAffine(nn.Module):
    """Turns each image by up to ``degrees`` and zooms it by up to ``zoom`` (a fraction) either way while training.

    Handwriting varies in slant and size as well as in position; like the
    shift it runs first in the discriminator, on real and generated images
    alike, and gradients flow through it to the generator. Bilinear
    sampling, edges repeated; identity in eval.
    """

    def __init__(self, degrees: float, zoom: float):
        super().__init__()
        self.degrees, self.zoom = degrees, zoom

    def forward(self, x):
        if not self.training or not (self.degrees or self.zoom):
            return x
        n = x.shape[0]
        angle = (2 * torch.rand(n, device=x.device) - 1) * math.radians(self.degrees)
        scale = 1 + (2 * torch.rand(n, device=x.device) - 1) * self.zoom
        # the grid maps output to input positions: dividing by the scale enlarges the image by it
        cos, sin, zero = torch.cos(angle) / scale, torch.sin(angle) / scale, torch.zeros_like(angle)
        theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1).to(x.dtype)
        grid = nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
        return nn.functional.grid_sample(x, grid, padding_mode="border", align_corners=False)


def variant(input_noise=0.0, hidden_noise=0.0, normalise=False, dropout=0.4, shift=0, cutout=0, affine=(0, 0),
            **recipe):
    """`compact` with these discriminator regularisers and recipe overrides (Adam 2e-4, batches of 50, no mean
    teacher unless given)."""

    def maybe_normalised(layer):
        return weight_norm(layer) if normalise else layer

    class Discriminator(CompactDiscriminator):
        """The plugin's discriminator, its layers regularised in place: noise before each convolution, weight norm."""

        def __init__(self, num_classes, image):
            super().__init__(num_classes, image, dropout=dropout, shift=shift, deepen_after=())
            layers, convolutions = [], 0
            for layer in self.trunk:
                if isinstance(layer, nn.Conv2d):
                    if convolutions == 0:
                        layers.append(GaussianNoise(input_noise))
                    elif hidden_noise:
                        layers.append(GaussianNoise(hidden_noise))
                    layer, convolutions = maybe_normalised(layer), convolutions + 1
                layers.append(layer)
            self.trunk = nn.Sequential(*layers)
            self.noise = GaussianNoise(hidden_noise)
            self.cutout = Cutout(cutout)
            self.affine = RandomAffine(*affine)
            self.classify = maybe_normalised(self.classify)

        def forward(self, x):
            features = self.trunk(self.cutout(self.affine(self.shift(x))))
            return DiscriminatorOutput(logits=self.classify(self.noise(self.dropout(features))), features=features)

    class Variant(ThreeConvolutions):
        def build_discriminator(self, num_classes, image):
            return Discriminator(num_classes, image)

    # consistency 0: these variants were measured before the plugin's recipe took the mean teacher, and keep the
    # figures BENCHMARKS.md gives them; a variant names its weight to have one
    return recipe_variant(Variant, **{"lr_d": 2e-4, "lr_g": 2e-4, "batch_size": 50, "labeled_batch_size": 50,
                                      "consistency": 0.0, **recipe})


class CleanTeacherDiscriminator(CompactDiscriminator):
    """The plugin's discriminator, except that a forward without gradients in training mode skips shift and dropout.

    The core computes the mean teacher's view under ``torch.no_grad()`` and
    every other training forward (labelled, unlabelled, generated, and the
    generator's step) with gradients, so this gives the teacher a clean view
    of each image (as UDA and FixMatch take their targets from a weak view)
    while the student keeps its shift and dropout. A prototype that keys on
    the grad mode, to measure the idea before the core grows a setting for it.
    """

    def forward(self, x):
        if self.training and not torch.is_grad_enabled():
            features = self.trunk(x)
            return DiscriminatorOutput(logits=self.classify(features), features=features)
        return super().forward(x)


class CleanTeacher(ThreeConvolutions):
    def build_discriminator(self, num_classes, image):
        return CleanTeacherDiscriminator(num_classes, image, deepen_after=())


class DeeperDiscriminator(CompactDiscriminator):
    """The three-convolution discriminator with a stride-1 3x3 convolution (and LeakyReLU) after some stride-2 ones.

    ``after`` names the stride-2 convolutions (0, 1, 2: at 14x14, 7x7, 4x4 on
    MNIST) that get one; ``width`` is every convolution's channel count. The
    shift, the dropout and the dense layer of K logits are the plugin's. The
    plugin's ``deepen_after`` builds the same layers, in another order of
    initialisation: these are the networks the screens measured.
    """

    def __init__(self, num_classes, image, after=(), width=128):
        super().__init__(num_classes, image, width=width, deepen_after=())
        layers, convolutions = [], 0
        for layer in self.trunk:
            layers.append(layer)
            if isinstance(layer, nn.LeakyReLU):
                if convolutions in after:
                    layers += refining_layers(width)
                convolutions += 1
        self.trunk = nn.Sequential(*layers)


def deeper(after=(), width=128) -> type:
    """`compact`'s recipe and generator before the deeper discriminator, with :class:`DeeperDiscriminator`'s."""

    class Deeper(ThreeConvolutions):
        def build_discriminator(self, num_classes, image):
            return DeeperDiscriminator(num_classes, image, after=after, width=width)

    return Deeper


class DeeperFromFourteen(Compact):
    """The plugin as shipped with one more stride-1 convolution, at 14x14 (`deepen_after=(0, 1, 2)`).

    Built on the plugin's own argument, so it starts from the shipped
    network rather than from :class:`ThreeConvolutions`.
    """

    def build_discriminator(self, num_classes, image):
        return CompactDiscriminator(num_classes, image, deepen_after=(0, 1, 2))


VARIANTS = {
    "default": Compact,  # the plugin's networks and recipe as shipped, for reference
    "no_shift": variant(),  # the recipe before the shift
    "input_noise": variant(input_noise=0.6),
    "mlp_style": variant(input_noise=0.6, hidden_noise=0.5, normalise=True, dropout=0.0,
                         generator_loss="feature-matching", lr_d=1e-3, lr_g=1e-3),
    "shift2": variant(shift=2),
    "shift3": variant(shift=3),
    "shift2_feature_matching": variant(shift=2, generator_loss="feature-matching"),
    "shift2_fast_dropout_05": variant(shift=2, dropout=0.5, lr_d=8e-4, lr_g=8e-4),
    "shift2_fast_input_noise_03": variant(shift=2, input_noise=0.3, lr_d=8e-4, lr_g=8e-4),
    "shift2_fast_generator": variant(shift=2, lr_d=4e-4, lr_g=8e-4),
    "shift2_fast_cutout_8": variant(shift=2, cutout=8, lr_d=8e-4, lr_g=8e-4),
    "shift2_fast_cutout_14": variant(shift=2, cutout=14, lr_d=8e-4, lr_g=8e-4),
    # the plugin's networks and recipe (with --iterations 4000) plus a turn of up to 10 degrees and a zoom of 10%
    "shift2_fast_affine_10": variant(shift=2, affine=(10, 0.1), lr_d=8e-4, lr_g=8e-4),
    # the plugin plus the core's mean-teacher loss on the unlabelled batch at these weights; 10 then became the
    # plugin's own, so `consistency_10` is the plugin before its deeper discriminator (`default` until then), and
    # "the shipped recipe" below is that one
    "consistency_1": recipe_variant(ThreeConvolutions, consistency=1.0),
    "consistency_3": recipe_variant(ThreeConvolutions, consistency=3.0),
    "consistency_10": recipe_variant(ThreeConvolutions, consistency=10.0),
    "consistency_30": recipe_variant(ThreeConvolutions, consistency=30.0),
    # the same with the weight ramped up over the first quarter of the iterations (`Recipe.consistency_rampup`)
    "consistency_10_rampup_25": recipe_variant(ThreeConvolutions, consistency=10.0, consistency_rampup=0.25),
    "consistency_30_rampup_25": recipe_variant(ThreeConvolutions, consistency=30.0, consistency_rampup=0.25),
    # the shipped recipe with a teacher (and evaluated average) that forgets faster: a 200-iteration horizon once
    # the warm-up reaches 0.995 (iteration ~1,790), where the default's warm-up horizon is about n / 9
    "consistency_10_ema_0995": recipe_variant(ThreeConvolutions, ema_decay=0.995),
    # ... and one meant to forget more slowly; but the average's warm-up, min(decay, (1 + n) / (10 + n)), stays
    # below 0.999 until ~9,000 updates, so in shorter runs this trains exactly as `consistency_10` (BENCHMARKS.md)
    "consistency_10_ema_09995": recipe_variant(ThreeConvolutions, ema_decay=0.9995),
    # the shipped recipe with a stronger teacher loss, ramped up over the first quarter so that it does not collapse
    "consistency_20_rampup_25": recipe_variant(ThreeConvolutions, consistency=20.0, consistency_rampup=0.25),
    # the shipped recipe with twice the unlabelled (and generated) images per iteration: 100, the labelled batch 50
    "consistency_10_unlabeled_100": recipe_variant(ThreeConvolutions, batch_size=100),
    # the shipped recipe, the teacher seeing each unlabelled image without shift or dropout
    "consistency_10_clean_teacher": CleanTeacher,
    # the shipped recipe with Adam's usual first-moment decay for the classifier (0.9; the generator keeps 0.5)
    "consistency_10_betas_d_09": recipe_variant(ThreeConvolutions, betas_d=(0.9, 0.999)),
    # the shipped recipe with the learning rates decaying over the last three quarters instead of the last half
    "consistency_10_decay_from_25": recipe_variant(ThreeConvolutions, lr_decay_start=0.25),
    # the shipped recipe with more dropout before the logits (0.5 instead of 0.4)
    "consistency_10_dropout_05": variant(shift=2, dropout=0.5, lr_d=8e-4, lr_g=8e-4, consistency=10.0),
    # the plugin as shipped (mean teacher at 10) plus the turn and zoom: student and teacher each see their own
    "consistency_10_affine_10": variant(shift=2, affine=(10, 0.1), lr_d=8e-4, lr_g=8e-4, consistency=10.0),
    "consistency_10_input_noise_03": variant(shift=2, input_noise=0.3, lr_d=8e-4, lr_g=8e-4, consistency=10.0),
    "consistency_10_cutout_8": variant(shift=2, cutout=8, lr_d=8e-4, lr_g=8e-4, consistency=10.0),
    # the shipped recipe on a deeper or wider discriminator (`deepen_after=(1, 2)` became the plugin's): a
    # stride-1 convolution at 4x4, one at 7x7 as well, or every convolution 192 channels wide
    "consistency_10_deeper_4x4": deeper(after=(2,)),
    "consistency_10_deeper_7x7_4x4": deeper(after=(1, 2)),
    "consistency_10_width_192": deeper(width=192),
    # the plugin as shipped with a stride-1 convolution at 14x14 as well: the next step of the depth that raised
    # the fully supervised ceiling (BENCHMARKS.md)
    "default_deeper_14x14": DeeperFromFourteen,
}
globals().update(VARIANTS)  # so that `compact_variants:NAME` resolves as an --arch


if __name__ == "__main__":
    main(__file__, VARIANTS, __doc__, default_iterations=2000)
