"""resnet: a small residual discriminator with an upsampling generator, as an sganctl plugin.

Imports nothing but torch and sganctl.api, as the plugin contract asks.
"""

from torch import nn

from sganctl.api import Architecture, DiscriminatorOutput, ImageSpec, Recipe


class ResidualBlock(nn.Module):
    """Pre-activation residual block; a strided 1x1 convolution matches the shortcut's shape."""

    def __init__(self, channels_in: int, channels_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(channels_in),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(channels_out),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels_out, channels_out, 3, padding=1, bias=False),
        )
        self.shortcut = nn.Conv2d(channels_in, channels_out, 1, stride=stride, bias=False)

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class ResNetDiscriminator(nn.Module):
    def __init__(self, num_classes: int, image: ImageSpec, width: int = 32, dropout: float = 0.3):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(image.channels, width, 3, padding=1),
            ResidualBlock(width, width * 2, stride=2),
            ResidualBlock(width * 2, width * 4, stride=2),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.dropout = nn.Dropout(dropout)
        self.classify = nn.Linear(width * 4, num_classes)

    def forward(self, x):
        features = self.trunk(x)
        return DiscriminatorOutput(logits=self.classify(self.dropout(features)), features=features)


class ResNetGenerator(nn.Module):
    def __init__(self, z_dim: int, image: ImageSpec, width: int = 128):
        super().__init__()
        self.start = (width, image.height // 4, image.width // 4)
        self.project = nn.Sequential(
            nn.Linear(z_dim, width * self.start[1] * self.start[2]),
            nn.BatchNorm1d(width * self.start[1] * self.start[2]),
            nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.Upsample(scale_factor=2),
            nn.Conv2d(width, width // 2, 3, padding=1, bias=False),
            nn.BatchNorm2d(width // 2),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(width // 2, width // 4, 3, padding=1, bias=False),
            nn.BatchNorm2d(width // 4),
            nn.ReLU(),
            nn.Conv2d(width // 4, image.channels, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.upsample(self.project(z).view(z.shape[0], *self.start))


class ResNet(Architecture):
    name = "resnet"
    description = "small residual discriminator, upsampling generator, feature matching; 28x28"
    image_size = (28, 28)
    recipe = Recipe(
        z_dim=64,
        batch_size=64,
        labeled_batch_size=64,
        iterations=5_000,
        lr_d=3e-4,
        lr_g=3e-4,
        unsupervised="logsumexp",
        generator_loss="feature-matching",
    )

    def build_generator(self, z_dim: int, image: ImageSpec) -> nn.Module:
        return ResNetGenerator(z_dim, image)

    def build_discriminator(self, num_classes: int, image: ImageSpec) -> nn.Module:
        return ResNetDiscriminator(num_classes, image)
