"""mlp: the fully connected two-head SGAN.

Discriminator: a shared trunk of 512-256-128 units with LeakyReLU and dropout,
feeding a softmax class head and a separate sigmoid real/fake head (the
core's "two-head" objective). Generator: 128-256-512 units up to the flattened
image, tanh. z of 100, 28x28 images.
"""

import math

from torch import nn

from sganctl.api import Architecture, DiscriminatorOutput, ImageSpec, Recipe

HIDDEN = (512, 256, 128)


class MLPDiscriminator(nn.Module):
    def __init__(self, num_classes: int, image: ImageSpec, dropout: float = 0.3):
        super().__init__()
        layers, width = [nn.Flatten()], math.prod(image.shape)
        for units in HIDDEN:
            layers += [nn.Linear(width, units), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            width = units
        self.trunk = nn.Sequential(*layers)
        self.classify = nn.Linear(width, num_classes)
        self.real_fake = nn.Linear(width, 1)

    def forward(self, x):
        features = self.trunk(x)
        return DiscriminatorOutput(
            logits=self.classify(features),
            features=features,
            real_fake=self.real_fake(features).squeeze(1),
        )


class MLPGenerator(nn.Module):
    def __init__(self, z_dim: int, image: ImageSpec):
        super().__init__()
        self.shape = image.shape
        layers, width = [], z_dim
        for units in reversed(HIDDEN):
            layers += [nn.Linear(width, units), nn.BatchNorm1d(units), nn.LeakyReLU(0.2)]
            width = units
        self.net = nn.Sequential(*layers, nn.Linear(width, math.prod(image.shape)), nn.Tanh())

    def forward(self, z):
        return self.net(z).view(z.shape[0], *self.shape)


class MLP(Architecture):
    name = "mlp"
    description = "MLP 512-256-128, two-head discriminator (class softmax + real/fake sigmoid); 28x28"
    image_size = (28, 28)
    recipe = Recipe(
        z_dim=100,
        batch_size=64,
        labeled_batch_size=64,
        iterations=10_000,
        lr_d=2e-4,
        lr_g=2e-4,
        betas_d=(0.5, 0.999),
        betas_g=(0.5, 0.999),
        unsupervised="two-head",
        generator_loss="non-saturating",
    )

    def build_generator(self, z_dim: int, image: ImageSpec) -> nn.Module:
        return MLPGenerator(z_dim, image)

    def build_discriminator(self, num_classes: int, image: ImageSpec) -> nn.Module:
        return MLPDiscriminator(num_classes, image)
