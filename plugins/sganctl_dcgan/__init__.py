"""dcgan: a DCGAN-style SGAN on 64x64 images.

Discriminator: while training, each input image is first moved by up to 4
pixels (:class:`sganctl.api.RandomShift`, `compact`'s 2 pixels at 28x28
scaled to 64x64; BENCHMARKS.md has the measurements); then four 4x4 stride-2
convolutions with LeakyReLU and dropout, batch norm on all but the first,
the third and fourth each followed by a 3x3 stride-1 one (at 8x8 and 4x4;
DCGAN has none), global average pooling, and a last layer of K+1 outputs.
Subtracting the fake output from the K class outputs gives logits for
which the core's "logsumexp" objective equals the K+1-way softmax (softmax
is shift-invariant). Generator: transposed convolutions with batch norm and
ReLU from 4x4 to 64x64, tanh. Generator loss: the fake loss plus feature
matching on the pooled features. The classifier evaluated is a moving
average of the discriminator, which also teaches it the unlabelled images.
"""

from torch import nn

from sganctl.api import Architecture, DiscriminatorOutput, ImageSpec, RandomShift, Recipe


def refining_layers(channels: int, dropout: float) -> list[nn.Module]:
    """A stride-1 3x3 convolution that keeps the grid and its channels, then batch norm, LeakyReLU and dropout."""
    return [nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.LeakyReLU(0.2),
            nn.Dropout(dropout)]


class DCGANDiscriminator(nn.Module):
    """Four stride-2 convolutions, a stride-1 one after each of those named by ``deepen_after``, K+1 outputs.

    ``deepen_after`` counts the stride-2 convolutions from 0; the default
    (2, 3) refines the 8x8 and 4x4 grids, which raised what the network
    reaches on 12,000 labels alone and the semi-supervised accuracy with
    12,000 and with 100 labels on held-out images (BENCHMARKS.md); () is
    DCGAN's four convolutions.
    """

    def __init__(self, num_classes: int, image: ImageSpec, width: int = 64, dropout: float = 0.3, shift: int = 4,
                 deepen_after: tuple[int, ...] = (2, 3)):
        super().__init__()
        self.shift = RandomShift(shift)
        widths = [image.channels, width, width * 2, width * 4, width * 8]
        layers = []
        for i in range(4):
            layers.append(nn.Conv2d(widths[i], widths[i + 1], 4, stride=2, padding=1, bias=i == 0))
            if i > 0:
                layers.append(nn.BatchNorm2d(widths[i + 1]))
            layers += [nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            if i in deepen_after:
                layers += refining_layers(widths[i + 1], dropout)
        self.trunk = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classify = nn.Linear(widths[-1], num_classes + 1)

    def forward(self, x):
        features = self.trunk(self.shift(x))
        out = self.classify(features)
        return DiscriminatorOutput(logits=out[:, :-1] - out[:, -1:], features=features)


class DCGANGenerator(nn.Module):
    def __init__(self, z_dim: int, image: ImageSpec, width: int = 64):
        super().__init__()
        widths = [width * 8, width * 4, width * 2, width]
        layers = [nn.Unflatten(1, (z_dim, 1, 1)),
                  nn.ConvTranspose2d(z_dim, widths[0], 4, stride=1, padding=0, bias=False)]
        for i in range(3):
            layers += [
                nn.BatchNorm2d(widths[i]),
                nn.ReLU(),
                nn.ConvTranspose2d(widths[i], widths[i + 1], 4, stride=2, padding=1, bias=False),
            ]
        layers += [
            nn.BatchNorm2d(widths[-1]),
            nn.ReLU(),
            nn.ConvTranspose2d(widths[-1], image.channels, 4, stride=2, padding=1),
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)


class DCGAN(Architecture):
    name = "dcgan"
    description = ("inputs shifted up to 4 px in training, DCGAN-style convs with stride-1 ones at 8x8 and 4x4, "
                   "K+1 outputs, global average pooling, feature matching, mean teacher on unlabelled images; 64x64")
    channels_last = True  # no .view of a convolution output (nn.Flatten reshapes), so channels-last is safe
    image_size = (64, 64)
    recipe = Recipe(
        z_dim=100,
        batch_size=64,
        labeled_batch_size=64,
        iterations=4_700,  # about 5 epochs of MNIST's 60,000 images
        lr_d=2e-4,
        lr_g=2e-4,
        betas_d=(0.5, 0.999),
        betas_g=(0.5, 0.999),
        unsupervised="logsumexp",
        generator_loss="non-saturating+feature-matching",
        # the evaluated classifier is an EMA of D, which also teaches it the unlabelled images (compact's mean
        # teacher): held out at 4,700 iterations on a GPU it beat constant Adam without an average, the average
        # with decaying rates, and all three together, with 100 labels (84.44% against 80.16%, seed 0) and with
        # 12,000 (97.66% against 97.30%, seeds 0 and 1); its teacher's weight 1 beat 10 at the full length on the
        # CPU, held out, with 100 labels (97.05% against 95.90%) and with 12,000 (98.33% against 98.00%) (BENCHMARKS.md)
        ema_decay=0.999,
        consistency=1.0,
    )

    def build_generator(self, z_dim: int, image: ImageSpec) -> nn.Module:
        return DCGANGenerator(z_dim, image)

    def build_discriminator(self, num_classes: int, image: ImageSpec) -> nn.Module:
        return DCGANDiscriminator(num_classes, image)
